"""'Where am I' for the step screens: 第2步 / 共4步 and the expected time. Qt-free and pure, like views.py.

The total follows the path the citizen is likely to take from here (the first transition whose condition holds
on the context so far, else the last one), so a branch taken earlier changes the count but the number never
jumps backwards while moving forward on the usual path.
"""

from __future__ import annotations

import math

from flows.conditions import evaluate
from flows.engine import FlowRun
from kiosk.i18n import tr

MINUTES_PER_STEP = 0.5  # the estimate when a flow gives no ``minutes:``


def step_position(run: FlowRun) -> tuple[int, int]:
    """(this step's number, the number of steps on the likely path), both counted from 1."""
    number = run.steps_behind + 1
    seen = {run.current_id}
    step = run.current
    ahead = 0
    while step.type != "finish" and step.next:
        chosen = next((t for t in step.next if evaluate(t.when, run.context)), step.next[-1])
        if chosen.goto in seen or chosen.goto not in run.flow.steps:
            break
        seen.add(chosen.goto)
        step = run.flow.steps[chosen.goto]
        ahead += 1
    return number, number + ahead


def expected_minutes(run: FlowRun) -> int:
    if run.flow.minutes:
        return run.flow.minutes
    return max(1, math.ceil(len(run.flow.steps) * MINUTES_PER_STEP))


def progress_view(run: FlowRun, lang: str) -> dict[str, str]:
    number, total = step_position(run)
    return {
        "stepOf": tr("assist.step_of", lang, n=number, total=total),
        "minutes": tr("assist.minutes", lang, m=expected_minutes(run)),
    }
