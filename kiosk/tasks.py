"""Run blocking work off the GUI thread and get the result back on it.

One single-thread lane per resource (each device, the database, the network),
so a slow printer never delays a card read and calls to one device never
overlap. Results come back through a queued Qt signal and run on the GUI
thread. A callback whose session has ended is dropped by the caller's guard.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Completion:
    """One finished task, sent as a single non-None object: PySide6 mis-counts references to None
    passed through queued ``Signal(object)`` arguments, which crashes a long-running process."""

    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None
    result: Any
    error: BaseException | None


class TaskRunner(QObject):
    _completed = Signal(object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._lanes: dict[str, ThreadPoolExecutor] = {}
        self._closed = False
        self._completed.connect(self._deliver)

    def run(
        self,
        lane: str,
        work: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> Future:
        if self._closed:  # the store and devices behind the lanes are closed: work for them is dropped
            dropped: Future = Future()
            dropped.cancel()
            log.debug("%s work after shutdown dropped", lane)
            return dropped
        executor = self._lanes.get(lane)
        if executor is None:
            executor = self._lanes[lane] = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix=f"lane-{lane}"
            )
        future = executor.submit(work)

        def finished(f: Future) -> None:
            if f.cancelled():
                return
            error = f.exception()
            self._completed.emit(_Completion(on_done, on_error, None if error else f.result(), error))

        future.add_done_callback(finished)
        return future

    @Slot(object)
    def _deliver(self, completion: _Completion) -> None:
        on_done, on_error, result, error = (
            completion.on_done,
            completion.on_error,
            completion.result,
            completion.error,
        )
        if error is not None:
            if on_error is not None:
                on_error(error)
            else:
                log.error("background task failed: %s", type(error).__name__)
        elif on_done is not None:
            on_done(result)

    def shutdown(self, wait: bool = True) -> None:
        """Finish (``wait``) or cancel what is queued; later ``run`` calls are dropped, not run on a new lane:
        a device event queued on the GUI thread before shutdown must not write to the closed store."""
        self._closed = True
        for executor in self._lanes.values():
            executor.shutdown(wait=wait, cancel_futures=True)
        self._lanes.clear()


class EventBridge(QObject):
    """Re-emits a driver's (or sync client's) events, raised on its own thread, as a queued signal."""

    event = Signal(object)

    def __init__(self, source, parent: QObject | None = None):
        super().__init__(parent)
        self._unsubscribe = source.subscribe(self.event.emit)

    def detach(self) -> None:
        self._unsubscribe()
