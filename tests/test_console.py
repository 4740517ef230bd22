"""The console without a browser: session timeout, CSRF, nothing from a CDN, alert conditions raised once
and resolved, the working-day deadline with holidays, overdue escalation, 办件量 periods."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from backoffice.console import alerts, rectify, stats
from backoffice.console.config import ConsoleConfig
from tests.console_helpers import (
    PASSWORD,
    csrf_of,
    fast_config,
    file_cases,
    heartbeat,
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


def test_idle_session_times_out_and_logout_needs_csrf(live):
    # a login posted without the login page's token (another site's form) is refused
    forged = requests.post(
        live.url + "/console/login",
        data={"name": "viewer", "password": PASSWORD},
        timeout=10,
        allow_redirects=False,
    )
    assert forged.status_code == 403 and "console_session" not in forged.cookies
    http = session_for(live, "viewer")
    assert http.get(live.url + "/console/fleet", timeout=10).status_code == 200
    page = http.get(live.url + "/console/fleet", timeout=10).text
    assert http.post(live.url + "/console/logout", data={"csrf": "forged"}, timeout=10).status_code == 403
    assert http.get(live.url + "/console/fleet", timeout=10).status_code == 200  # still logged in
    bo = live.state
    real = bo.clock
    bo.clock = lambda: real() + 61  # a minute idle
    try:
        gone = http.get(live.url + "/console/fleet", timeout=10, allow_redirects=False)
        assert gone.status_code == 303 and gone.headers["location"].endswith("/console/login?expired=1")
    finally:
        bo.clock = real
    again = session_for(live, "viewer")
    page = again.get(live.url + "/console/fleet", timeout=10).text
    out = again.post(
        live.url + "/console/logout", data={"csrf": csrf_of(page)}, timeout=10, allow_redirects=False
    )
    assert out.status_code == 303
    assert again.get(live.url + "/console/fleet", timeout=10, allow_redirects=False).status_code == 303
    # an htmx poll after the end is told to go to the login page, not handed a login form to swap in
    poll = again.get(live.url + "/console/fleet/rows", headers={"HX-Request": "true"}, timeout=10)
    assert poll.status_code == 401 and poll.headers["HX-Redirect"] == "/console/login"


def test_nothing_is_loaded_from_another_host(live):
    http = session_for(live, "admin")
    pages = [
        "/console/fleet",
        "/console/alerts",
        "/console/volume",
        "/console/ratings",
        "/console/rectifications",
        "/console/rectifications/report",
        "/console/audit",
    ]
    docs = requests.get(live.url + "/docs", timeout=10).text
    for html in [
        docs,
        requests.get(live.url + "/console/login", timeout=10).text,
        *(http.get(live.url + p, timeout=10).text for p in pages),
    ]:
        for url in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert url.startswith("/") or url.startswith("?"), url
    for asset in re.findall(
        r'(?:src|href)="(/console/static/[^"]+)"', docs + http.get(live.url + pages[2]).text
    ):
        assert requests.get(live.url + asset, timeout=10).status_code == 200, asset
    assert requests.get(live.url + "/redoc", timeout=10).status_code == 404  # ReDoc loads from a CDN: gone
    assert "/api/v1/heartbeat" in requests.get(live.url + "/openapi.json", timeout=10).json()["paths"]


def test_alert_conditions_raised_once_and_resolved(live):
    t1 = terminal(live, "T-0400")
    bo, config = live.state, live.app.state.console
    cases = [
        (
            [{"device": "printer", "state": "online", "reason": "state.printer.paper_near_end"}],
            "paper_near_end",
        ),
        ([{"device": "printer", "state": "user_error", "reason": "error.printer.jam"}], "printer_jammed"),
        ([{"device": "printer", "state": "offline", "reason": ""}], "printer_offline"),
        ([{"device": "idcard", "state": "no_device", "reason": ""}], "reader_gone"),
    ]
    for devices, kind in cases:
        for _ in range(3):
            heartbeat(t1, devices)
        heartbeat(t1, [])  # cleared
        rows = [a for a in alerts.listing(bo, "") if a.kind == kind]
        assert len(rows) == 1, kind
        assert rows[0].status == "resolved" and rows[0].resolved_by == "system", kind
    heartbeat(t1, [], queue_depth=11)
    heartbeat(t1, [], queue_depth=12)
    [queue] = [a for a in alerts.listing(bo, "unresolved") if a.kind == "queue_growing"]
    assert queue.detail["queue_depth"] == 11
    assert alerts.act(bo, queue.id, "ack", "publisher") and not alerts.act(bo, queue.id, "ack", "publisher")
    assert alerts.act(bo, queue.id, "resolve", "publisher")
    heartbeat(
        t1, [], queue_depth=13
    )  # the condition lasts but was resolved by hand: not raised again at once
    assert [a.kind for a in alerts.listing(bo, "unresolved")] == []
    assert config.queue_alert_depth == 10
    # the same actions over the operator API: 403 for a role that may not, 409 when already done
    heartbeat(t1, [{"device": "printer", "state": "user_error", "reason": "error.printer.paper_out"}])
    [paper] = alerts.listing(bo, "unresolved")
    tokens = {
        name: requests.post(
            live.url + "/api/v1/operator/login", timeout=10, json={"name": name, "password": PASSWORD}
        ).json()["token"]
        for name in ("viewer", "publisher")
    }

    def call(name: str, action: str) -> requests.Response:
        return requests.post(
            f"{live.url}/api/v1/operator/alerts/{paper.id}/{action}",
            timeout=10,
            headers={"Authorization": f"Bearer {tokens[name]}"},
        )

    assert call("viewer", "ack").status_code == 403
    assert call("publisher", "ack").json() == {"id": paper.id, "action": "ack", "by": "publisher"}
    assert call("publisher", "ack").status_code == 409
    assert call("publisher", "resolve").status_code == 200


def test_working_day_deadline_with_holidays_and_workdays():
    config = ConsoleConfig(
        rectify_working_days=5, holidays=["2026-10-01", "2026-10-02", "2026-10-05"], workdays=["2026-10-10"]
    )
    tz = config.tz
    opened = dt.datetime(2026, 9, 30, 15, 0, tzinfo=tz).timestamp()  # a Wednesday before 国庆
    due = dt.datetime.fromtimestamp(config.deadline(opened) - 1, tz)
    # working days after 9-30: 10-06, 10-07, 10-08, 10-09, 10-10 (a Saturday made a working day)
    assert due.date() == dt.date(2026, 10, 10) and (due.hour, due.minute) == (23, 59)
    plain = ConsoleConfig(rectify_working_days=7)
    friday = dt.datetime(2026, 11, 27, 9, 0, tzinfo=tz).timestamp()
    assert dt.datetime.fromtimestamp(plain.deadline(friday) - 1, tz).date() == dt.date(2026, 12, 8)


def test_overdue_rectification_escalated_once(live):
    bo, config = live.state, live.app.state.console
    t1 = terminal(live, "T-0500")
    now = time.time()
    file_cases(
        t1,
        [
            {
                "case_no": "202611270005000001",
                "service_id": "s",
                "item_code": "X",
                "outcome": "done",
                "finished_at": now,
            }
        ],
        [{"case_no": "202611270005000001", "level": 2, "indicators": ["态度"], "item_code": "X"}],
    )
    assert rectify.sync(bo, config) == 1 and rectify.sync(bo, config) == 0
    [case] = rectify.listing(bo)
    assert case.assignee == "rating-supervisor" and case.due_at > now + 5 * 86400
    real = bo.clock
    bo.clock = lambda: real() + 30 * 86400
    try:
        assert rectify.sync(bo, config) == 1  # escalated
        assert rectify.sync(bo, config) == 0  # once
        [case] = rectify.listing(bo, "overdue")
    finally:
        bo.clock = real
    assert case.escalated_at is not None
    overdue = [a for a in alerts.listing(bo, "") if a.kind == "rectify_overdue"]
    assert len(overdue) == 1 and overdue[0].detail["case_no"] == "202611270005000001"
    report = rectify.monthly(bo, config, dt.datetime.fromtimestamp(now, config.tz).strftime("%Y-%m"))
    assert (report["total"], report["callback_rate"], report["ontime_rate"]) == (1, 0.0, 0.0)


def test_case_volume_by_week_and_month(live):
    bo, config = live.state, live.app.state.console
    t1 = terminal(live, "T-0600")
    file_cases(
        t1,
        [
            {"case_no": f"20261127000600000{i}", "service_id": "s", "item_code": "X", "outcome": "done"}
            for i in range(3)
        ],
    )
    lo, hi, _first, _last = stats.day_range(config, "", "", time.time())
    today = dt.datetime.now(config.tz).date()
    [month] = stats.volume(bo, config, lo, hi, "period", "month")
    assert month == {"key": [today.strftime("%Y-%m")], "total": 3, "outcomes": {"done": 3}}
    [week] = stats.volume(bo, config, lo, hi, "period", "week")
    assert week["key"] == [(today - dt.timedelta(days=today.weekday())).isoformat()]
    assert stats.volume(bo, config, hi, hi + 86400, "period", "day") == []


def test_refused_pages_are_refused_and_audited(live):
    viewer = session_for(live, "viewer")
    for path in (
        "/console/audit",
        "/console/audit/export.csv",
        "/console/ratings",
        "/console/rectifications/report",
    ):
        answer = viewer.get(live.url + path, timeout=10)
        assert answer.status_code == 403 and "无权访问" in answer.text, path
    entries = live.op("GET", "/api/v1/operator/audit", params={"limit": 10000}).json()
    refused = [e for e in entries if e["actor"] == "viewer" and e["outcome"] == "refused.role"]
    assert {e["action"] for e in refused} == {
        "GET /console/audit",
        "GET /console/audit/export.csv",
        "GET /console/ratings",
        "GET /console/rectifications/report",
    }


def test_alerts_raised_elsewhere_are_notified_once(live):
    """The subject-rate alarm of backoffice.citizen_sessions is inserted there; the console's sweep sends it."""
    from backoffice.models import Alert
    from tests.console_helpers import Webhook, wait_for

    bo, hook = live.state, Webhook()
    try:
        config = fast_config(webhook_url=hook.url)
        with bo.sessions.begin() as session:
            session.add(
                Alert(
                    kind="citizen_session.rate",
                    terminal_id="T-0700",
                    raised_at=bo.clock(),
                    detail={"subjects": 31},
                )
            )
        alerts.sweep(bo, config, force=True)
        alerts.sweep(bo, config, force=True)
        wait_for(lambda: hook.bodies, what="the webhook")
        time.sleep(0.5)
        assert [b["alert"]["kind"] for b in hook.bodies] == ["citizen_session.rate"]
        assert hook.bodies[0]["alert"]["detail"] == {"subjects": 31}
    finally:
        hook.close()


def test_fleet_pages_of_two_hundred(live):
    from backoffice.console import fleet
    from backoffice.models import Terminal

    bo = live.state
    now = bo.clock()
    with bo.sessions.begin() as session:
        session.add_all(
            [
                Terminal(
                    id=f"T-{i:04d}",
                    group="big",
                    secret="v1:x",
                    status="active",
                    enrolled_at=now,
                    last_heartbeat_at=now - i,
                )
                for i in range(fleet.PAGE + 5)
            ]
        )
    http = session_for(live, "viewer")
    first = http.get(live.url + "/console/fleet", timeout=10).text
    second = http.get(live.url + "/console/fleet/rows", params={"page": 1}, timeout=10).text
    assert first.count('<tr id="t-') == fleet.PAGE and 'id="t-T-0000"' in first and 'page=1"' in first
    assert second.count('<tr id="t-') == 5 and 'id="t-T-0204"' in second
