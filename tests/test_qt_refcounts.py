"""Guard against Qt bindings that corrupt reference counts (PySide6 6.12.0 on Python 3.11 did).

Each call below happens thousands of times a day in a kiosk (timers restart on
every touch, signals carry every device event). If a binding drops a reference to
None/True/False on each call, the interpreter aborts after a few thousand calls —
a terminal that dies every afternoon. This test fails on such a binding.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal


class _Emitter(QObject):
    plain = Signal()
    with_object = Signal(object)


def _drift(call, n: int = 200) -> tuple[int, int, int]:
    before = (sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False))
    for _ in range(n):
        call()
    after = (sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False))
    return tuple(a - b for a, b in zip(after, before, strict=True))


def test_common_qt_calls_keep_reference_counts(qapp):
    timer = QTimer()
    emitter = _Emitter()
    calls = {
        "QTimer.start": lambda: timer.start(1000),
        "QTimer.stop": timer.stop,
        "Signal.emit()": emitter.plain.emit,
        "Signal.emit(object)": lambda: emitter.with_object.emit(1),
        "processEvents": QCoreApplication.processEvents,
    }
    drifts = {name: _drift(call) for name, call in calls.items()}
    assert all(min(d) > -50 for d in drifts.values()), drifts
