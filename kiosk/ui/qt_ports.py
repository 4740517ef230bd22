"""The session core's lanes and timers (``kiosk.session.ports``) on Qt: the TaskRunner and QTimer.

Both carry the guard that keeps one citizen's late answer out of the next citizen's session: a callback
fires only if the session it was started for is still the core's current one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer


class QtLanes:
    """The core's lanes on the TaskRunner, with the guard that drops callbacks of an ended session."""

    def __init__(self, controller: Any):
        self.controller = controller

    def _guarded(self, fn: Callable[[Any], None] | None, guard: Any) -> Callable[[Any], None] | None:
        if fn is None or guard is None:
            return fn
        return lambda value: fn(value) if self.controller.core.session is guard else None

    def run(
        self,
        lane: str,
        work: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        guard: Any = None,
    ) -> None:
        self.controller.ctx.tasks.run(
            lane, work, on_done=self._guarded(on_done, guard), on_error=self._guarded(on_error, guard)
        )


class QtTimers:
    """The core's timers as QTimer single shots, guarded like the lanes."""

    def __init__(self, controller: Any):
        self.controller = controller

    def after(self, seconds: float, fn: Callable[[], None], guard: Any = None) -> None:
        core = self.controller.core
        QTimer.singleShot(
            int(seconds * 1000),
            self.controller,
            lambda: fn() if guard is None or core.session is guard else None,
        )
