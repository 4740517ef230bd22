"""The outcome check: a finish that a failure can reach must say what it means.

A case's outcome is what the citizen got (docs/outcomes.md). A finish step declares it
(``outcome:``; ``completed`` when absent). A failure path — a step's non-``ok`` outcome (a query
error, an empty answer, a failed print, a declined commitment, a refused card, a timeout) followed
to a finish without going back through the failing step (a retry) and without a print coming out on
the way — must not land on a finish that would call the case ``completed`` by default: the flow has
to say which outcome that end means. Failures after the paper came out (recording a collected licence
failed) do not count: the citizen got the paper.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from flows.lint.context import Report
from flows.lint.graph import Edge

SUCCESS_LABELS = ("next", "ok", "skip")


def check_outcomes(report: Report, edges: list[Edge]) -> None:
    flow = report.flow
    forward: dict[str, list[Edge]] = {}
    for edge in edges:
        forward.setdefault(edge[0], []).append(edge)

    def delivers(edge: Edge) -> bool:  # a print step's success: the paper came out
        return flow.steps[edge[0]].type == "print" and edge[1] in SUCCESS_LABELS

    before_paper = _reach(flow.start, forward, lambda e: not delivers(e))
    flagged: set[tuple[str, str]] = set()
    for source, label, target in edges:
        if label in SUCCESS_LABELS or target == source or source not in before_paper:
            continue

        def onward(
            edge: Edge, start: str = source
        ) -> bool:  # not back into the failing step, not past the paper
            return edge[2] != start and not delivers(edge)

        reached = _reach(target, forward, onward)
        for step_id in sorted(reached):
            step = flow.steps[step_id]
            if step.type != "finish" or step.params.get("outcome") not in (None, "completed"):
                continue
            if (step_id, source) in flagged:
                continue
            flagged.add((step_id, source))
            report.add(
                step.line,
                "outcome",
                f"finish {step_id!r} is reached when {source!r} reports {label!r} "
                "but would record the case as completed; declare its `outcome:` "
                "(nothing_to_deliver, declined, failed) or end that path elsewhere",
            )


def _reach(start: str, forward: dict[str, list[Edge]], follow: Callable[[Edge], bool]) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        for edge in forward.get(queue.popleft(), ()):
            if follow(edge) and edge[2] not in seen:
                seen.add(edge[2])
                queue.append(edge[2])
    return seen
