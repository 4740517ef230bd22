"""'Where am I' for the step screens: 第2步 / 共4步 and the expected time. Qt-free and pure, like views.py.

The total follows the path the citizen is likely to take from here (the first transition whose condition holds
on the context so far, else the last one; a condition on an answer not yet given does not hold), so a branch taken earlier changes the count but the number never
jumps backwards while moving forward on the usual path.
"""

from __future__ import annotations

import math

from flows.conditions import evaluate, fields_used
from flows.engine import FlowRun
from kiosk.i18n import tr

# the estimate when a flow gives no ``minutes:``, per step on the likely path: the demo walks take 8-12 s a step
# (a card read, a choice, a print); 15 s leaves room for a slower reader without promising 6 minutes for a
# one-minute printout, as counting every branch's steps did
MINUTES_PER_STEP = 0.25


def step_position(run: FlowRun) -> tuple[int, int]:
    """(this step's number, the number of steps on the likely path), both counted from 1."""
    number = run.steps_behind + 1
    seen = {run.current_id}
    step = run.current
    ahead = 0
    while step.type != "finish" and step.next:
        chosen = next((t for t in step.next if _holds(t.when, run.context)), step.next[-1])
        if chosen.goto in seen or chosen.goto not in run.flow.steps:
            break
        seen.add(chosen.goto)
        step = run.flow.steps[chosen.goto]
        ahead += 1
    return number, number + ahead


def _holds(condition: dict | None, context: dict) -> bool:
    """A condition on what a later step will answer (``record.months`` before the query) is not decided yet:
    it does not hold, so the count follows the usual path instead of a branch ("没有记录") taken on nothing."""
    if any(path.split(".")[0] not in context for path in fields_used(condition)):
        return False
    return evaluate(condition, context)


def expected_minutes(run: FlowRun) -> int:
    """The flow's own ``minutes:``, else the steps of the likely path (never its error branches) at 15 s."""
    if run.flow.minutes:
        return run.flow.minutes
    _number, total = step_position(run)
    return max(1, math.ceil(total * MINUTES_PER_STEP))


def progress_view(run: FlowRun, lang: str) -> dict[str, str]:
    number, total = step_position(run)
    return {
        "stepOf": tr("assist.step_of", lang, n=number, total=total),
        "minutes": tr("assist.minutes", lang, m=expected_minutes(run)),
    }
