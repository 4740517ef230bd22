"""The console without a browser, continued: a citizen's help call and a refused or rolled-back bundle each
raise one alert, and the 好差评 page shows each indicator and the 差评 content (split from test_console.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from backoffice.console import alerts
from tests.console_helpers import (
    fast_config,
    file_cases,
    session_for,
    start_console,
    terminal,
)


@pytest.fixture
def live(tmp_path, monkeypatch) -> Iterator[Any]:
    server = start_console(
        tmp_path, monkeypatch, fast_config(session_idle_seconds=60.0, queue_alert_depth=10)
    )
    yield server
    server.server.stop()
    server.state.engine.dispose()


def test_a_help_call_event_raises_one_alert(live):
    bo, config = live.state, live.app.state.console
    t1 = terminal(live, "T-0800")
    answer = t1.call(
        "POST",
        "/api/v1/events",
        {
            "events": [
                {
                    "idem_key": "h1",
                    "kind": "help_call",
                    "payload": {
                        "terminal_id": "T-0800",
                        "screen": "identify",
                        "service_id": "si_rights_receipt",
                    },
                }
            ]
        },
    )
    assert answer["results"][0]["status"] == "accepted"
    alerts.sweep(bo, config, force=True)
    [call] = [a for a in alerts.listing(bo, "") if a.kind == "help_call"]
    assert call.terminal_id == "T-0800" and call.status == "open"
    assert call.detail["screen"] == "identify" and call.detail["service_id"] == "si_rights_receipt"
    page = session_for(live, "viewer").get(live.url + "/console/alerts", timeout=10).text
    shown = page.split(f'id="help-where-{call.id}">', 1)[1].split("</span>", 1)[0]
    assert "身份核验" in shown and "si_rights_receipt" in shown  # the screen by its name, and the service
    assert alerts.act(bo, call.id, "resolve", "publisher")
    alerts.sweep(bo, config, force=True)  # resolved stays resolved: the call is not raised again
    assert [a.status for a in alerts.listing(bo, "") if a.kind == "help_call"] == ["resolved"]


def test_a_help_call_keeps_names_only_never_free_text(live):
    """Free text where a screen or service name belongs (a name, an ID number) is dropped at ingest; the
    call is still raised, without where."""
    bo, config = live.state, live.app.state.console
    t1 = terminal(live, "T-0801")
    payload = {"screen": "张三 110101199003070011", "service_id": "x y", "comment": "张三"}
    answer = t1.call(
        "POST", "/api/v1/events", {"events": [{"idem_key": "h2", "kind": "help_call", "payload": payload}]}
    )
    assert answer["results"][0]["status"] == "accepted"
    assert answer["results"][0]["answer"]["help"] == {"screen": "", "service_id": ""}
    alerts.sweep(bo, config, force=True)
    [call] = [a for a in alerts.listing(bo, "") if a.kind == "help_call"]
    assert call.terminal_id == "T-0801" and call.detail["screen"] == "" and call.detail["service_id"] == ""
    page = session_for(live, "viewer").get(live.url + "/console/alerts", timeout=10).text
    assert f'id="help-where-{call.id}"></span>' in page
    assert "110101199003070011" not in page and "张三" not in page


def test_bundle_refused_or_rolled_back_raises_one_alert_each(live):
    bo, config = live.state, live.app.state.console
    t1 = terminal(live, "T-0900")
    events = [
        {"idem_key": "d1", "kind": "device_event", "payload": {"device": "printer", "state": "online"}},
        {
            "idem_key": "d2",
            "kind": "device_event",
            "payload": {
                "device": "flows",
                "state": "bundle_refused",
                "reason": "bundle.signature",
                "detail": '{"version": 9}',
            },
        },
        {
            "idem_key": "d3",
            "kind": "device_event",
            "payload": {"device": "flows", "state": "bundle_rolled_back", "reason": "bundle.crash"},
        },
    ]
    t1.call("POST", "/api/v1/events", {"events": events})
    alerts.sweep(bo, config, force=True)
    alerts.sweep(bo, config, force=True)
    raised = sorted(
        (a.kind, a.detail["reason"]) for a in alerts.listing(bo, "") if a.kind.startswith("bundle")
    )
    assert raised == [("bundle_refused", "bundle.signature"), ("bundle_rolled_back", "bundle.crash")]


def test_the_ratings_page_shows_each_indicator_and_the_bad_ratings_content(live):
    """Rating set 2: the four indicators of GB/T 39734-2020's online/self-service set, with their 满意/一般/不满意
    counts and 满意率, and the 差评 content by its labels."""
    t1 = terminal(live, "T-0700")
    cases = [
        {"case_no": f"20261127000700000{i}", "service_id": "s", "item_code": "X", "outcome": "completed"}
        for i in range(3)
    ]
    ratings = [
        {"case_no": cases[0]["case_no"], "level": 5, "set_version": 2, "indicators": {"efficiency": 3}},
        {
            "case_no": cases[1]["case_no"],
            "level": 1,
            "set_version": 2,
            "indicators": {"efficiency": 1, "operability": 1, "unknown": 3},
            "reasons": ["device_fault", "made_up"],
        },
        {"case_no": cases[2]["case_no"], "level": 2, "set_version": 2, "indicators": {"efficiency": 3}},
    ]
    file_cases(t1, cases, [{**r, "item_code": "X"} for r in ratings])
    html = session_for(live, "rating-supervisor").get(live.url + "/console/ratings", timeout=10).text
    table = html[
        html.index('id="indicator-table"') : html.index("</table>", html.index('id="indicator-table"'))
    ]
    rows = re.findall(r'<tr data-indicator="(\w+)"><td>([^<]+)</td>((?:<td>[^<]*</td>)+)</tr>', table)
    cells = {ind: (label, re.findall(r"<td>([^<]*)</td>", rest)) for ind, label, rest in rows}
    assert cells["efficiency"] == ("办事效率", ["2", "0", "1", "3", "66.7%"])  # 满意 一般 不满意 total 满意率
    assert cells["operability"] == ("平台操作性", ["0", "0", "1", "1", "0.0%"])
    assert (
        cells["guide_accuracy"][1][3] == "0" and "unknown" not in cells
    )  # what the set does not know is dropped
    reasons = html[html.index('id="bad-reasons"') :]
    assert "设备故障（读卡、打印）" in reasons and "made_up" not in reasons
