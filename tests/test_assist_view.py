"""'Where am I' on every step screen (kiosk/ui/assist_view.py): 第n步 / 共N步 counts the path the citizen is on,
and 预计用时 is a promise the walk keeps — the one-minute printout once said 6 minutes (every branch counted)."""

from __future__ import annotations

import dataclasses

from kiosk.ui.assist_view import expected_minutes, progress_view, step_position
from tests.fixtures.flows import Citizen, route_through
from tests.test_flows_catalog import CATALOG

TOP = CATALOG["si_contribution_print"]


def test_the_steps_count_up_along_the_usual_path_and_the_total_never_grows():
    """On every service's usual path (to its rating): 第1步, 第2步, ... and 共N步 never grows — an answer not yet
    given (record.months before the query) once sent the count down a 'no record' branch: 共5步, then 共8步."""
    walked = 0
    for flow in CATALOG.values():
        rate = next((s for s in flow.steps.values() if s.type == "rate" and s.next), None)
        if rate is None:
            continue
        citizen = Citizen(flow)
        seen = []
        for edge in route_through(flow, (rate.id, "next", 0, rate.next[0].goto)):
            seen.append(step_position(citizen.run))
            citizen.take(edge)
        seen.append(step_position(citizen.run))
        numbers, totals = [n for n, _ in seen], [t for _, t in seen]
        assert numbers == list(range(1, len(seen) + 1)), flow.id
        assert totals == sorted(totals, reverse=True) and totals[-1] == len(seen), (flow.id, totals)
        walked += 1
    assert walked >= 7
    citizen = Citizen(TOP)
    assert step_position(citizen.run) == (
        1,
        8,
    )  # identify, confirm, period, query, preview, print, rate, done


def test_the_expected_time_follows_the_path_not_every_branch():
    citizen = Citizen(TOP)
    _number, total = step_position(citizen.run)
    assert total < len(TOP.steps)  # the flow has failure and empty branches the citizen does not walk
    assert expected_minutes(citizen.run) == 2  # 8 steps at 15 s: not the 6 minutes of all 12
    assert progress_view(citizen.run, "zh_CN")["minutes"] == "预计用时约2分钟"
    assert progress_view(citizen.run, "en")["minutes"] == "About 2 min"
    own = Citizen(dataclasses.replace(TOP, minutes=3))  # a flow that says how long it takes is believed
    assert expected_minutes(own.run) == 3
