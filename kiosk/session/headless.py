"""Lanes and timers for running the session core without Qt: the tests' scripted walks use them.

Work is queued, not run at once, exactly as on the real lanes: a query or a print starts when the
caller drains the lanes, so a script can decide what the back office answers before it answers.
Timers fire only when asked (a commitment's time limit, the end screen's return home).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class QueuedLanes:
    """Every lane in one queue, run in order by :meth:`drain`; guarded callbacks of an ended session drop."""

    def __init__(self, current_session: Callable[[], Any]):
        self.current_session = current_session
        self.queue: list[tuple[str, Callable[[], Any], Any, Any, Any]] = []

    def run(
        self,
        lane: str,
        work: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        guard: Any = None,
    ) -> None:
        self.queue.append((lane, work, on_done, on_error, guard))

    def pending(self, lane: str) -> bool:
        return any(item[0] == lane for item in self.queue)

    def drain(self, steps: int | None = None) -> None:
        """Run the queued work (and what its callbacks queue) in order. ``steps`` bounds how many pieces of
        step work (anything not on the ``db`` lane: a query, a print) run, so a script answers each in turn."""
        while self.queue:
            if steps is not None and self.queue[0][0] != "db":
                if steps <= 0:
                    index = next((i for i, item in enumerate(self.queue) if item[0] == "db"), None)
                    if index is None:
                        return
                    self.queue.insert(0, self.queue.pop(index))
                else:
                    steps -= 1
            _lane, work, on_done, on_error, guard = self.queue.pop(0)
            try:
                result = work()
            except Exception as exc:  # delivered to the step, as the TaskRunner does
                if on_error is not None and (guard is None or self.current_session() is guard):
                    on_error(exc)
                continue
            if on_done is not None and (guard is None or self.current_session() is guard):
                on_done(result)


class ManualTimers:
    """Timers that fire when the script says so (by their delay), never by themselves."""

    def __init__(self, current_session: Callable[[], Any]):
        self.current_session = current_session
        self.waiting: list[tuple[float, Callable[[], None], Any]] = []

    def after(self, seconds: float, fn: Callable[[], None], guard: Any = None) -> None:
        self.waiting.append((seconds, fn, guard))

    def fire(self, seconds: float) -> int:
        """Fire every timer set for ``seconds``; returns how many ran."""
        due = [t for t in self.waiting if t[0] == seconds]
        self.waiting = [t for t in self.waiting if t[0] != seconds]
        for _seconds, fn, guard in due:
            if guard is None or self.current_session() is guard:
                fn()
        return len(due)
