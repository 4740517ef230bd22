"""Checks of the flow as a graph: every transition lands on a step, every step is reachable from the
start and can reach a finish, and the outcomes a step type reports are the ones it handles.

The graph is the one structure the other checks build on (the data-flow check walks the same edges),
so :func:`check_transitions` returns the edges that exist and the orchestrator hands them on.
"""

from __future__ import annotations

from collections import deque

from flows.lint.context import Report
from flows.model import STEP_OUTCOMES, Step

Edge = tuple[str, str, str]  # (from step, label 'next' or an outcome, to step)

# Outcomes a step must handle: a query that fails or is offline, a print that fails, a declined commitment.
REQUIRED_OUTCOMES = {"query": ("error", "offline"), "print": ("error",), "commitment": ("declined",)}


def check_transitions(report: Report) -> list[Edge]:
    """Check each step's transitions; return the edges whose target exists."""
    flow = report.flow
    edges: list[Edge] = []
    for step in flow.steps.values():
        allowed = STEP_OUTCOMES[step.type]
        for transition in step.next:
            edges.append((step.id, "next", transition.goto))
        for outcome, target in step.on.items():
            if outcome != "timeout" and outcome not in allowed:
                report.add(step.line, "outcome", f"step {step.id!r} ({step.type}) never reports {outcome!r}")
            edges.append((step.id, outcome, target))
        for index, transition in enumerate(step.next):
            if transition.goto not in flow.steps:
                report.add(
                    transition_line(report, step, index),
                    "nowhere",
                    f"step {step.id!r} goes to {transition.goto!r}, which does not exist",
                )
        for outcome, target in step.on.items():
            if target not in flow.steps:
                report.add(
                    transition_line(report, step, -1),
                    "nowhere",
                    f"step {step.id!r} goes to {target!r} on {outcome!r}, which does not exist",
                )
        _check_exits(report, step)
    return [e for e in edges if e[2] in flow.steps]


def _check_exits(report: Report, step: Step) -> None:
    """A step has a way out (finish steps none), a default transition, and a path for its failures."""
    if step.type == "finish":
        if step.next or step.on:
            report.add(
                step.line,
                "finish",
                f"finish step {step.id!r} has transitions; they are never taken",
                "warning",
            )
    elif not step.next and not (step.type == "rate" and step.on.get("skip")):
        report.add(step.line, "dead-end", f"step {step.id!r} has no `next`: the citizen is stuck there")
    if step.next and all(t.when for t in step.next):
        report.add(
            step.line,
            "no-default",
            f"every transition of {step.id!r} has a condition; add one without `when` as the default",
            "warning",
        )
    for outcome in REQUIRED_OUTCOMES.get(step.type, ()):
        if outcome not in step.on:
            report.add(
                step.line,
                "unhandled",
                f"{step.type} step {step.id!r} does not say where to go on {outcome!r}",
            )
    if step.type == "identify":
        for outcome in ("refused", "error"):
            if outcome not in step.on:
                report.add(
                    step.line,
                    "unhandled",
                    f"identify step {step.id!r} has no path for {outcome!r}",
                    "warning",
                )


def transition_line(report: Report, step: Step, index: int) -> int:
    """The line of a step's ``next`` entry (index >= 0) or its ``on`` mapping (-1)."""
    spec = report.raw.get("steps", {}).get(step.id, {})
    node = spec.get("on") if index < 0 else spec.get("next")
    if isinstance(node, list) and index < len(node) and isinstance(node[index], dict):
        return node[index].get("__line__", step.line)
    return node.get("__line__", step.line) if isinstance(node, dict) else step.line


def check_graph(report: Report, edges: list[Edge]) -> None:
    """Every step is reachable from the start, and a finish is reachable from every step."""
    flow = report.flow
    forward: dict[str, set[str]] = {s: set() for s in flow.steps}
    backward: dict[str, set[str]] = {s: set() for s in flow.steps}
    for source, _label, target in edges:
        forward[source].add(target)
        backward[target].add(source)
    reachable = closure(flow.start, forward)
    finishes = [s.id for s in flow.steps.values() if s.type == "finish"]
    if not finishes:
        report.add(report.flow_line, "no-finish", "the flow has no finish step")
    can_finish: set[str] = set().union(*(closure(f, backward) for f in finishes)) if finishes else set()
    for step in flow.steps.values():
        if step.id not in reachable:
            report.add(step.line, "unreachable", f"step {step.id!r} cannot be reached from {flow.start!r}")
        elif step.id not in can_finish and finishes:
            report.add(step.line, "dead-end", f"no way to finish from step {step.id!r}")


def closure(start: str, graph: dict[str, set[str]]) -> set[str]:
    """Every node reachable from ``start`` (``start`` included)."""
    seen, queue = {start}, deque([start])
    while queue:
        for nxt in graph.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen
