"""UI speed: cold start to the attract screen rendered, and screen-to-screen transition latency.

Run on demand: ``.venv/bin/python bench/bench_ui.py`` (``--quick``: one start, a few transitions). The baseline, measured in the
same run, is a bare PySide6 Qt Quick window (a Window with one Text) started the
same way, so the ratio shows what the kiosk adds on top of Qt itself.

Cold start: a fresh process (interpreter start, imports, store, devices, QML) until
the first frame of the attract screen has been rendered. Transitions: a touch on a
button until the next screen's first frame is rendered.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7

BARE = r"""
import sys, time
from PySide6.QtGui import QGuiApplication
from PySide6.QtQml import QQmlApplicationEngine
from PySide6.QtQuick import QQuickWindow
app = QGuiApplication(sys.argv)
engine = QQmlApplicationEngine()
engine.loadData(b'import QtQuick\nWindow { width: 1280; height: 800; visible: true; Text { text: "hello" } }')
window = engine.rootObjects()[0]
window.frameSwapped.connect(lambda: (print("READY", flush=True), app.quit()))
app.exec()
"""

KIOSK = r"""
import sys, tempfile
from dataclasses import replace
from pathlib import Path
from kiosk.config import Config
from kiosk.app import KioskApplication, build_context
app = KioskApplication(build_context(replace(Config(), data_dir=Path(tempfile.mkdtemp()))))
def ready():
    if app.controller.screen == "attract":
        print("READY", flush=True)
        app.qapp.quit()
app.window.frameSwapped.connect(ready)
app.qapp.exec()
app.shutdown()
"""


def cold_start(code: str) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=ROOT,
        text=True,
    )
    for line in proc.stdout:
        if line.strip() == "READY":
            elapsed = time.perf_counter() - started
            break
    else:
        raise RuntimeError("the process never rendered its first frame")
    proc.wait(timeout=30)
    return elapsed


def transitions(count: int = 60) -> list[float]:
    """Touch -> next screen rendered, over the attract/catalog/notice screens and language switches."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    sys.path.insert(0, str(ROOT))
    from dataclasses import replace

    from kiosk.app import KioskApplication, build_context
    from kiosk.config import Config
    from kiosk.demo.robot import UiRobot

    app = KioskApplication(build_context(replace(Config(), data_dir=Path(tempfile.mkdtemp()))))
    robot = UiRobot(app.window)
    robot.wait_until(lambda: app.controller.screen == "attract")
    robot.pump(0.5)
    frames = []
    app.window.frameSwapped.connect(lambda: frames.append(time.perf_counter()))
    plan = [
        "startButton",
        "service_si_contribution_print",
        "backButton",
        "homeButton",
        "langButton",
    ]  # no Back on the catalog
    samples = []
    while len(samples) < count:
        for name in plan:
            item = robot.wait_for(name)
            from PySide6.QtCore import QPointF

            point = item.mapToScene(QPointF(item.width() / 2, item.height() / 2)).toPoint()
            frames.clear()
            started = time.perf_counter()
            robot.touch(point, press=True)
            robot.touch(point, press=False)
            deadline = started + 2
            while not frames and time.perf_counter() < deadline:
                robot.pump(0.001)
            samples.append(frames[0] - started)
            robot.pump(0.05)
    app.shutdown()
    return samples


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]


def main() -> None:
    quick = "--quick" in sys.argv[1:]
    runs = 1 if quick else RUNS
    bare = [cold_start(BARE) for _ in range(runs)]
    kiosk = [cold_start(KIOSK) for _ in range(runs)]
    bare_ms, kiosk_ms = statistics.median(bare) * 1000, statistics.median(kiosk) * 1000
    print(
        f"cold start, median of {runs}: bare PySide6 Qt Quick window {bare_ms:.0f} ms; "
        f"kiosk to attract screen rendered {kiosk_ms:.0f} ms (x{kiosk_ms / bare_ms:.2f} the baseline; target < 1000 ms)"
    )
    samples = transitions(5 if quick else 60)
    median_ms, p95_ms = statistics.median(samples) * 1000, p95(samples) * 1000
    print(
        f"screen transitions (touch -> next screen rendered), {len(samples)} samples: median {median_ms:.1f} ms, "
        f"p95 {p95_ms:.1f} ms (target p95 < 50 ms; x{p95_ms / bare_ms:.3f} of the bare cold start)"
    )


if __name__ == "__main__":
    main()
