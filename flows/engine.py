"""The flow interpreter: a plain state machine over a :class:`~flows.model.Flow`.

The engine never does I/O. The UI asks it for the current step, performs what
the step type means (wait for a card, call a query service, print), and reports
the outcome with :meth:`FlowRun.advance`. The engine records data into the run's
context, picks the next step from the transitions, and keeps a stack of copied
states so Back restores exactly what the citizen saw (the Electrum wizard way).
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any

from flows.conditions import evaluate
from flows.model import Flow, Step


class FlowError(Exception):
    """The flow is inconsistent at run time (lint should have caught it)."""


@dataclass(frozen=True)
class StepRecord:
    step_id: str
    step_type: str
    outcome: str
    at: float


@dataclass
class _Snapshot:
    step_id: str
    context: dict[str, Any]


@dataclass
class FlowRun:
    """One citizen going through one flow. Holds personal data: drop it when the session ends."""

    flow: Flow
    context: dict[str, Any] = field(default_factory=dict)
    current_id: str = ""
    history: list[StepRecord] = field(default_factory=list)
    _stack: list[_Snapshot] = field(default_factory=list)
    finished: bool = False

    def __post_init__(self) -> None:
        self.current_id = self.current_id or self.flow.start
        self.context.setdefault("form", {})
        self.context.setdefault(
            "flow",
            {
                "id": self.flow.id,
                "version": self.flow.version,
                "item_code": self.flow.item_code,
                "title": self.flow.title,
            },
        )

    @property
    def current(self) -> Step:
        return self.flow.step(self.current_id)

    @property
    def steps_behind(self) -> int:
        """How many steps Back could return through (the step indicator counts from it)."""
        return len(self._stack)

    @property
    def can_go_back(self) -> bool:
        return bool(self._stack) and self.current.back and not self.finished

    def advance(self, outcome: str = "ok", data: dict[str, Any] | None = None) -> Step:
        """Record the current step's outcome (and data into the context), then move on."""
        step = self.current
        if self.finished:
            raise FlowError("the flow has finished")
        snapshot = _Snapshot(step.id, copy.deepcopy(self.context))
        if data:
            self._merge(step, data)
        try:
            next_id = self._next(step, outcome)
        except FlowError:
            self.context = snapshot.context  # a refused outcome leaves the run as it was
            raise
        self.history.append(StepRecord(step.id, step.type, outcome, time.time()))
        self._stack.append(snapshot)
        self.current_id = next_id
        if self.current.type == "finish":
            self.finished = True
        return self.current

    def back(self) -> Step:
        if not self.can_go_back:
            raise FlowError(f"cannot go back from {self.current_id}")
        snapshot = self._stack.pop()
        self.current_id, self.context = snapshot.step_id, snapshot.context
        self.history.append(StepRecord(self.current_id, self.current.type, "back", time.time()))
        return self.current

    def _merge(self, step: Step, data: dict[str, Any]) -> None:
        target = step.params.get("store_as")
        if step.type == "form":
            self.context["form"].update(data)
        elif target:
            self.context[target] = data
        else:
            self.context.update(data)

    def handles(self, outcome: str) -> bool:
        """Whether the current step has a path for ``outcome`` (the UI asks before reporting 'timeout';
        without one it ends the session and returns home)."""
        step = self.current
        return outcome in step.on or (outcome in ("ok", "skip") and bool(step.next))

    def _next(self, step: Step, outcome: str) -> str:
        if outcome != "ok":
            if outcome in step.on:
                return step.on[outcome]
            if outcome == "skip" and step.type == "rate":  # skipping a rating is not an error path
                return self._next(step, "ok")
            raise FlowError(f"step {step.id!r} has no transition for outcome {outcome!r}")
        for transition in step.next:
            if evaluate(transition.when, self.context):
                return transition.goto
        raise FlowError(f"no transition of step {step.id!r} applies")
