"""The terminal's side of the console's remote commands (issue 14): each run once and acknowledged through
the outbox; restart and settings wait for the citizen to finish; a screenshot is refused during a session."""

from __future__ import annotations

import json

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


def test_maintenance_announcement_and_screenshot(kiosk):
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
    app.remote.handle(RemoteCommand("c3", "announcement", {"text": "今晚22点起系统升级"}))
    assert _wait_ack(app, robot, "c3")["outcome"] == "done"
    robot.wait_for("announcementText")
    assert robot.text_of("announcementText") == "今晚22点起系统升级"
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


def test_settings_and_restart_wait_for_the_citizen(kiosk):
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
    assert "s1" not in _acks(app) and app.ctx.config.inactivity_s == 60 and not restarts
    robot.tap("homeButton")
    robot.wait_until(lambda: ctl.screen == "attract", what="home")
    assert _wait_ack(app, robot, "s1")["outcome"] == "done"
    assert app.ctx.config.inactivity_s == 90 and ctl.lang == "en"
    assert _wait_ack(app, robot, "r1")["outcome"] == "done"
    robot.wait_until(lambda: restarts == [True], what="restart requested")
    app.remote.handle(RemoteCommand("s2", "settings", {"inactivity_s": 5}))
    ack = _wait_ack(app, robot, "s2")
    assert ack["outcome"] == "refused" and "between 10 and 600" in ack["detail"]
    assert app.ctx.store.command_done("s1") and not app.ctx.store.command_done("zz")


def test_heartbeat_commands_are_parsed_strictly():
    answer = {
        "commands": [
            {"id": "a", "kind": "restart"},
            {"id": 5, "kind": "x"},
            "junk",
            {"id": "b", "kind": "announcement", "args": {"text": "hi"}},
            {"id": "c", "kind": "x", "args": []},
        ]
    }
    assert parse_commands(answer) == [
        RemoteCommand("a", "restart", {}),
        RemoteCommand("b", "announcement", {"text": "hi"}),
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

    pending = [{"id": "k1", "kind": "announcement", "args": {"text": "hi"}}, {"id": "k2", "kind": "restart"}]

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
        assert [c.id for c in seen] == ["k1", "k2"] and seen[0].args == {"text": "hi"}
        client.run_once()
        assert len(seen) == 2  # repeated until acknowledged, run once
        store.record_command_ack("k2", "restart", "done")
        fresh = SyncClient(store, server.url, credentials)  # after a restart: the store remembers
        fresh.events.subscribe(lambda e: seen.append(e) if isinstance(e, RemoteCommand) else None)
        fresh.run_once()
        assert [c.id for c in seen[2:]] == ["k1"]
    finally:
        server.stop()


def test_paused_services_stay_listed_and_cannot_be_started(kiosk):
    """Service availability from the console: a paused service is marked paused in the catalog and a tap on
    it does nothing; an empty list resumes it. Applied between citizens, like the other settings."""
    app, robot = kiosk
    ctl = app.controller
    robot.tap("startButton")
    robot.wait_until(lambda: ctl.screen == "catalog", what="catalog")
    flow_id = next(item["id"] for item in ctl.catalog if item["available"])
    app.remote.handle(RemoteCommand("p1", "settings", {"paused_services": [flow_id]}))
    robot.pump(1.5)
    assert "p1" not in _acks(app)  # a citizen is at the catalog: wait
    robot.tap("homeButton")
    robot.wait_until(lambda: ctl.screen == "attract", what="home")
    ack = _wait_ack(app, robot, "p1")
    assert ack["outcome"] == "done" and flow_id in ack["detail"]
    robot.tap("startButton")
    robot.wait_until(lambda: ctl.screen == "catalog", what="catalog")
    item = next(i for i in ctl.catalog if i["id"] == flow_id)
    assert item["available"] is False and item["reason"] == "暂停办理"
    ctl.tap("service", flow_id)
    assert ctl.screen == "catalog"  # not started
    robot.tap("homeButton")
    robot.wait_until(lambda: ctl.screen == "attract", what="home")
    app.remote.handle(RemoteCommand("p2", "settings", {"paused_services": []}))
    assert _wait_ack(app, robot, "p2")["outcome"] == "done"
    app.remote.handle(RemoteCommand("p3", "settings", {"paused_services": "all"}))
    assert _wait_ack(app, robot, "p3")["outcome"] == "refused"
    robot.tap("startButton")
    robot.wait_until(lambda: ctl.screen == "catalog", what="catalog")
    assert next(i for i in ctl.catalog if i["id"] == flow_id)["available"] is True


def test_what_the_console_set_survives_a_restart(kiosk):
    """Maintenance, the announcement and the settings are kept in the store and applied again at start: a
    restart does not reopen a terminal the console closed. ``kiosk status`` shows them."""
    from dataclasses import replace

    from kiosk.status import gather
    from kiosk.ui.remote import SAVED, RemoteCommands

    app, robot = kiosk
    app.remote.handle(RemoteCommand("m1", "maintenance_on", {}))
    app.remote.handle(RemoteCommand("a1", "announcement", {"text": "系统升级"}))
    app.remote.handle(RemoteCommand("s1", "settings", {"inactivity_s": 120, "paused_services": ["hf.x"]}))
    app.remote.handle(RemoteCommand("s2", "settings", {"countdown_s": 20}))
    _wait_ack(app, robot, "s2")
    robot.wait_until(
        lambda: (app.ctx.store.get_state(SAVED) or {}).get("settings", {}).get("countdown_s") == 20,
        what="saved",
    )
    app.ctx.config = replace(app.ctx.config, inactivity_s=60.0, countdown_s=15.0, paused_services=())
    app.maintenance.set_remote(False)  # as a fresh process starts: the config file's values
    again = RemoteCommands(app)
    robot.wait_until(lambda: app.maintenance.gate.remote, what="maintenance again after the restart")
    config = app.ctx.config
    assert again.announcement == "系统升级"
    assert (config.inactivity_s, config.countdown_s, config.paused_services) == (120.0, 20.0, ("hf.x",))
    remote = gather(config)["remote"]
    assert remote["maintenance"] is True and remote["settings"]["inactivity_s"] == 120
