"""The terminal's side of the console's remote commands (issue 14): each run once and acknowledged through
the outbox; a restart waits for the citizen to finish; a screenshot is refused during a session; the retired
announcement and settings commands are refused with the reason (standing values now: tests/test_ui_standing.py)."""

from __future__ import annotations

import json

import requests

from wire.commands import Command as RemoteCommand
from wire.commands import parse_commands


def _acks(app) -> dict[str, dict]:
    rows = app.ctx.store.db.execute(
        "SELECT payload FROM outbox WHERE kind='command_ack' ORDER BY id"
    ).fetchall()
    return {json.loads(r[0])["command_id"]: json.loads(r[0]) for r in rows}


def _wait_ack(app, robot, command_id: str) -> dict:
    robot.wait_until(lambda: command_id in _acks(app), timeout=10, what=f"ack of {command_id}")
    return _acks(app)[command_id]


def test_maintenance_screenshot_and_a_retired_announcement(kiosk):
    app, robot = kiosk
    ctl = app.controller
    app.remote.handle(RemoteCommand("c1", "maintenance_on", {}))
    assert _wait_ack(app, robot, "c1")["outcome"] == "done"
    robot.wait_for("maintenanceNotice")
    assert "维护" in robot.text_of("maintenanceNotice") and robot.find("startButton") is None
    ctl.tap("start", None)
    assert ctl.screen == "attract"  # services paused
    app.remote.handle(RemoteCommand("c2", "maintenance_off", {}))
    _wait_ack(app, robot, "c2")
    robot.wait_for("startButton")
    app.remote.handle(
        RemoteCommand("c3", "announcement", {"text": "今晚22点起系统升级"})
    )  # an older back office
    ack = _wait_ack(app, robot, "c3")
    assert ack["outcome"] == "refused" and "standing values now" in ack["detail"]
    assert robot.find("announcementBar") is None  # shown only as a standing value
    app.remote.handle(RemoteCommand("c4", "screenshot", {}))
    ack = _wait_ack(app, robot, "c4")
    assert ack["outcome"] == "done" and (app.ctx.config.data_dir / "screenshots" / "c4.png").is_file()
    robot.tap("startButton")
    robot.wait_until(lambda: ctl.screen == "catalog", what="a citizen at the terminal")
    app.remote.handle(RemoteCommand("c5", "screenshot", {}))
    ack = _wait_ack(app, robot, "c5")
    assert ack["outcome"] == "refused" and "citizen" in ack["detail"]
    assert not (app.ctx.config.data_dir / "screenshots" / "c5.png").exists()
    app.remote.handle(RemoteCommand("c6", "self_destruct", {}))
    assert _wait_ack(app, robot, "c6")["outcome"] == "refused"
    from kiosk.maintenance import check_pin

    app.remote.handle(RemoteCommand("c7", "maintenance_pin", {"pin": "97531864"}))
    ack = _wait_ack(app, robot, "c7")
    assert ack["outcome"] == "done" and "97531864" not in json.dumps(ack)
    assert check_pin(app.ctx.config.data_dir, "97531864")
    app.remote.handle(RemoteCommand("c8", "maintenance_pin", {"pin": "1"}))
    assert _wait_ack(app, robot, "c8")["outcome"] == "refused" and check_pin(
        app.ctx.config.data_dir, "97531864"
    )


def test_restart_waits_for_the_citizen_and_retired_settings_are_refused(kiosk):
    app, robot = kiosk
    ctl = app.controller
    restarts: list[bool] = []
    app.maintenance.restartRequested.disconnect()
    app.maintenance.restartRequested.connect(lambda: restarts.append(True))
    robot.tap("startButton")
    robot.wait_until(lambda: ctl.screen == "catalog", what="catalog")
    app.remote.handle(RemoteCommand("s1", "settings", {"inactivity_s": 90, "locale": "en"}))
    app.remote.handle(RemoteCommand("r1", "restart", {}))
    robot.pump(1.5)
    assert "r1" not in _acks(app) and not restarts
    ack = _wait_ack(app, robot, "s1")  # refused at once: settings are standing values, not a command
    assert ack["outcome"] == "refused" and "standing values now" in ack["detail"]
    assert app.ctx.config.inactivity_s == 60 and ctl.lang == "zh_CN"
    robot.tap("homeButton")
    robot.wait_until(lambda: ctl.screen == "attract", what="home")
    assert _wait_ack(app, robot, "r1")["outcome"] == "done"
    robot.wait_until(lambda: restarts == [True], what="restart requested")
    assert app.ctx.store.command_done("r1") and app.ctx.store.command_done("s1")
    assert not app.ctx.store.command_done("zz")


def test_heartbeat_commands_are_parsed_strictly():
    answer = {
        "commands": [
            {"id": "a", "kind": "restart"},
            {"id": 5, "kind": "x"},
            "junk",
            {"id": "b", "kind": "maintenance_pin", "args": {"pin": "123456"}},
            {"id": "c", "kind": "x", "args": []},
        ]
    }
    assert parse_commands(answer) == [
        RemoteCommand("a", "restart", {}),
        RemoteCommand("b", "maintenance_pin", {"pin": "123456"}),
    ]
    assert parse_commands({"server_time": 1}) == [] and parse_commands(None) == []


def test_the_sync_client_hands_over_each_command_once(tmp_path):
    """A real back office whose heartbeat answer carries commands (added by a middleware, as the console's
    queue would): the client emits each once, and never one the store has acknowledged."""
    from starlette.middleware.base import BaseHTTPMiddleware
    from starlette.responses import Response

    from backoffice.app import create_app
    from backoffice.server import ThreadedServer
    from kiosk.demo.embedded import enrol_directly
    from kiosk.sync import Credentials, SyncClient
    from offline_cache.store import Store

    pending = [
        {"id": "k1", "kind": "maintenance_pin", "args": {"pin": "123456"}},
        {"id": "k2", "kind": "restart"},
    ]

    async def add_commands(request, call_next):
        response = await call_next(request)
        if request.url.path != "/api/v1/heartbeat" or response.status_code != 200:
            return response
        body = b"".join([chunk async for chunk in response.body_iterator])
        answer = {**json.loads(body), "commands": pending}
        return Response(json.dumps(answer), status_code=200, media_type="application/json")

    app = create_app(f"sqlite:///{tmp_path / 'bo.sqlite3'}", operator_key="k")
    app.add_middleware(BaseHTTPMiddleware, dispatch=add_commands)
    server = ThreadedServer(app).start()
    try:
        credentials = Credentials.from_enrolment(enrol_directly(app, terminal_id="T-1"))
        store = Store(tmp_path / "k.db", terminal_id="T-1")
        client = SyncClient(store, server.url, credentials)
        seen: list[RemoteCommand] = []
        client.events.subscribe(lambda e: seen.append(e) if isinstance(e, RemoteCommand) else None)
        client.run_once()
        assert [c.id for c in seen] == ["k1", "k2"] and seen[0].args == {"pin": "123456"}
        client.run_once()
        assert len(seen) == 2  # repeated until acknowledged, run once
        store.record_command_ack("k2", "restart", "done")
        fresh = SyncClient(store, server.url, credentials)  # after a restart: the store remembers
        fresh.events.subscribe(lambda e: seen.append(e) if isinstance(e, RemoteCommand) else None)
        fresh.run_once()
        assert [c.id for c in seen[2:]] == ["k1"]
    finally:
        server.stop()


def test_what_the_console_set_survives_a_restart(kiosk):
    """Maintenance is kept in the store and applied again at start, and so are the standing values last fetched
    (even offline): a restart does not reopen a terminal the console closed, nor undo its settings or its
    announcement. ``kiosk status`` shows both."""
    from dataclasses import replace

    from kiosk.status import gather
    from kiosk.ui.remote import SAVED, RemoteCommands
    from kiosk.ui.standing import StandingValues

    app, robot = kiosk
    embedded = app.ctx.link.embedded
    headers = {"X-Operator-Key": embedded.operator_key}
    settings = {"inactivity_s": 120, "countdown_s": 20, "paused_services": ["hf_statement_print"]}
    url = f"{embedded.url}/api/v1/operator"
    assert requests.put(f"{url}/config/group/default", json=settings, headers=headers, timeout=10).ok
    notice = {"text": {"zh_CN": "系统升级"}}
    assert requests.put(f"{url}/announcements/up", json=notice, headers=headers, timeout=10).ok
    app.remote.handle(RemoteCommand("m1", "maintenance_on", {}))
    app.ctx.link.sync.check_now()
    robot.wait_until(lambda: (app.ctx.store.get_state(SAVED) or {}).get("maintenance") is True, what="saved")
    robot.wait_until(lambda: app.ctx.config.countdown_s == 20, timeout=15, what="the standing settings")
    # the announcement is fetched after the settings (CI once stopped the link between the two)
    robot.wait_until(lambda: app.standing.announcements == ["系统升级"], timeout=15, what="the announcement")
    app.ctx.link.stop()  # offline from here on: what was fetched must do
    app.ctx.config = replace(app.ctx.config, inactivity_s=60.0, countdown_s=15.0, paused_services=())
    app.maintenance.set_remote(False)  # as a fresh process starts: the config file's values
    RemoteCommands(app)
    again = StandingValues(app)
    robot.wait_until(lambda: app.maintenance.gate.remote, what="maintenance again after the restart")
    robot.wait_until(lambda: again.announcements == ["系统升级"], what="the announcement again")
    robot.wait_until(lambda: app.ctx.config.inactivity_s == 120, what="the settings again")
    config = app.ctx.config
    assert (config.inactivity_s, config.countdown_s, config.paused_services) == (
        120.0,
        20.0,
        ("hf_statement_print",),
    )
    facts = gather(config)
    assert facts["remote"]["maintenance"] is True and facts["standing"]["config"] == settings
    assert facts["standing"]["config_applied"] == facts["standing"]["config_version"]
