"""Remote commands through the back office (issue 13, "Remote operations"): an operator queues a command for a
terminal or a group, the heartbeat answer carries it, the terminal's ``command_ack`` event settles it; an
unacknowledged command is re-sent and then expires (never shown as done); roles are enforced; a PIN is
never echoed; a screenshot upload is signed, bounded and must be a PNG."""

from __future__ import annotations

import json
import struct
import time
import zlib

import pytest
import requests

from backoffice.operator_auth import add_operator
from backoffice.terminal_auth import body_limit
from kiosk.sync.transport import Refused, Signer, Transport
from tests.test_backoffice_findings import _raw
from tests.test_backoffice_processes import _enrol, _op, two_servers  # noqa: F401 - the fixture
from wire import signing
from wire.commands import COMMANDS_PER_HEARTBEAT_MAX, SCREENSHOT_PATH
from wire.limits import MAX_SCREENSHOT_BYTES

PASSWORD = "correct horse battery staple"


def _terminal(live, terminal_id: str, group: str = "default") -> Transport:
    return Transport(live.url, Signer(live.enrol(terminal_id=terminal_id, group=group)))


def _beat(transport: Transport, maintenance: bool | None = None) -> list[dict]:
    body = {"devices": [], "software_version": "1", "queue_depth": 0, "clock": time.time()}
    if maintenance is not None:
        body["maintenance"] = maintenance
    return transport.call("POST", "/api/v1/heartbeat", body)["commands"]


def _ack(transport: Transport, command: dict, outcome: str = "done", detail: str = "ok") -> None:
    event = {
        "idem_key": f"ack-{command['id']}",
        "kind": "command_ack",
        "payload": {
            "command_id": command["id"],
            "kind": command["kind"],
            "outcome": outcome,
            "detail": detail,
        },
    }
    results = transport.call("POST", "/api/v1/events", {"events": [event]})["results"]
    assert results[0]["status"] == "accepted", results


def _issue(live, terminal_id: str, kind: str, args: dict | None = None) -> str:
    answer = live.op(
        "POST", f"/api/v1/operator/terminals/{terminal_id}/commands", json={"kind": kind, "args": args or {}}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["commands"][0]


def _listing(live, terminal_id: str) -> dict[str, dict]:
    rows = live.op("GET", f"/api/v1/operator/terminals/{terminal_id}/commands").json()
    return {r["id"]: r for r in rows}


def _png(width: int = 4, height: int = 3) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_a_command_travels_in_the_heartbeat_and_its_ack_settles_it(backoffice):
    kiosk = _terminal(backoffice, "T-R-1")
    assert _beat(kiosk) == []  # nothing queued
    command_id = _issue(backoffice, "T-R-1", "maintenance_on")
    assert _listing(backoffice, "T-R-1")[command_id]["state"] == "pending"
    carried = _beat(kiosk, maintenance=False)
    assert carried == [{"id": command_id, "kind": "maintenance_on", "args": {}}]
    row = _listing(backoffice, "T-R-1")[command_id]
    assert (row["state"], row["send_count"], row["created_by"]) == ("sent", 1, "bootstrap")
    assert _beat(kiosk) == []  # sent moments ago: not again before the resend interval
    _ack(kiosk, carried[0], detail="maintenance on")
    row = _listing(backoffice, "T-R-1")[command_id]
    assert (row["state"], row["detail"]) == ("done", "maintenance on") and row["acked_at"]
    _ack(kiosk, carried[0] | {"id": command_id}, outcome="failed")  # another event, same command: ignored
    assert _listing(backoffice, "T-R-1")[command_id]["state"] == "done"
    backoffice.state.limits.command_resend_seconds = 0.0
    assert _beat(kiosk, maintenance=True) == []  # done: never handed out again
    terminals = backoffice.op("GET", "/api/v1/operator/terminals").json()
    assert next(t for t in terminals if t["terminal_id"] == "T-R-1")["heartbeat"]["maintenance"] is True
    audit = backoffice.op("GET", "/api/v1/operator/audit").json()
    actions = [(a["action"], a["outcome"]) for a in audit]
    assert ("remote.command", "queued") in actions and ("remote.ack", "done") in actions


def test_a_refusal_keeps_its_reason_and_another_terminal_cannot_ack(backoffice):
    kiosk, other = _terminal(backoffice, "T-R-2"), _terminal(backoffice, "T-R-3")
    command_id = _issue(backoffice, "T-R-2", "screenshot")
    carried = _beat(kiosk)
    assert _beat(other) == []  # another terminal's queue is its own
    _ack(other, carried[0], outcome="done")
    assert _listing(backoffice, "T-R-2")[command_id]["state"] == "sent"
    _ack(kiosk, carried[0], outcome="refused", detail="a citizen is in a session")
    row = _listing(backoffice, "T-R-2")[command_id]
    assert (row["state"], row["detail"]) == ("refused", "a citizen is in a session")


def test_unacknowledged_is_resent_then_expires_never_done(backoffice):
    kiosk = _terminal(backoffice, "T-R-4")
    bo = backoffice.state
    bo.limits.command_resend_seconds, bo.limits.command_seconds = 0.0, 100.0
    command_id = _issue(backoffice, "T-R-4", "restart")
    first = _beat(kiosk)
    assert _beat(kiosk) == first  # re-sent: the terminal deduplicates by id
    assert _listing(backoffice, "T-R-4")[command_id]["send_count"] == 2
    real_clock = bo.clock
    bo.clock = lambda: real_clock() + 101.0
    try:
        assert _listing(backoffice, "T-R-4")[command_id]["state"] == "expired"
        assert _beat(kiosk) == []  # expired: no longer handed out
        _ack(kiosk, first[0], outcome="done", detail="restarting")  # a late acknowledgement
    finally:
        bo.clock = real_clock
    row = _listing(backoffice, "T-R-4")[command_id]
    assert row["state"] == "expired" and "acknowledged late (done)" in row["detail"]


def test_the_heartbeat_carries_a_bounded_batch_oldest_first(backoffice):
    kiosk = _terminal(backoffice, "T-R-5")
    issued = [_issue(backoffice, "T-R-5", "screenshot") for _ in range(COMMANDS_PER_HEARTBEAT_MAX + 3)]
    first = _beat(kiosk)
    assert [c["id"] for c in first] == issued[:COMMANDS_PER_HEARTBEAT_MAX]
    assert [c["id"] for c in _beat(kiosk)] == issued[COMMANDS_PER_HEARTBEAT_MAX:]


def test_a_group_command_reaches_each_of_its_terminals(backoffice):
    north = [_terminal(backoffice, f"T-N-{i}", group="north") for i in range(2)]
    south = _terminal(backoffice, "T-S-1", group="south")
    answer = backoffice.op(
        "POST",
        "/api/v1/operator/groups/north/commands",
        json={"kind": "maintenance_pin", "args": {"pin": "24681357"}},
    )
    assert answer.status_code == 201 and len(answer.json()["commands"]) == 2
    for kiosk in north:
        (command,) = _beat(kiosk)
        assert command["args"] == {"pin": "24681357"}
    assert _beat(south) == []
    empty = backoffice.op("POST", "/api/v1/operator/groups/west/commands", json={"kind": "restart"})
    assert empty.status_code == 404


@pytest.mark.parametrize(
    ("kind", "args", "why"),
    [
        ("self_destruct", {}, "unknown command"),
        # standing values now (their own checks: tests/test_standing_values.py)
        ("announcement", {"text": "今晚22点起系统升级"}, "announcements are standing values now"),
        ("settings", {"inactivity_s": 90}, "settings are standing values now"),
        ("maintenance_pin", {"pin": "12ab"}, "6 to 12 digits"),
        ("restart", {"now": True}, "takes no arguments"),
    ],
)
def test_arguments_a_terminal_would_refuse_are_refused_at_once(backoffice, kind, args, why):
    _terminal(backoffice, "T-R-6")
    answer = backoffice.op(
        "POST", "/api/v1/operator/terminals/T-R-6/commands", json={"kind": kind, "args": args}
    )
    assert answer.status_code == 422 and why in answer.json()["detail"]
    assert _listing(backoffice, "T-R-6") == {}
    unknown = backoffice.op("POST", "/api/v1/operator/terminals/T-NONE/commands", json={"kind": "restart"})
    assert unknown.status_code == 404


def _as(live, name: str):
    token = requests.post(
        live.url + "/api/v1/operator/login", json={"name": name, "password": PASSWORD}, timeout=10
    ).json()["token"]
    return lambda method, path, **kw: requests.request(
        method, live.url + path, timeout=10, headers={"Authorization": f"Bearer {token}"}, **kw
    )


def test_roles_and_the_pin_is_never_echoed(backoffice):
    kiosk = _terminal(backoffice, "T-R-7")
    for role in ("admin", "publisher", "viewer", "auditor", "rating_supervisor"):
        add_operator(backoffice.state, role.replace("_", "-"), role, PASSWORD)
    path = "/api/v1/operator/terminals/T-R-7/commands"
    for role in ("viewer", "auditor", "rating_supervisor"):
        as_role = _as(backoffice, role.replace("_", "-"))
        assert as_role("POST", path, json={"kind": "maintenance_on"}).status_code == 403
        assert (
            as_role("POST", "/api/v1/operator/groups/default/commands", json={"kind": "restart"}).status_code
            == 403
        )
        assert as_role("GET", path).status_code == 200  # every role may read the list
    publisher, admin = _as(backoffice, "publisher"), _as(backoffice, "admin")
    assert publisher("POST", path, json={"kind": "maintenance_on"}).status_code == 201
    assert (
        publisher("POST", path, json={"kind": "maintenance_pin", "args": {"pin": "86420864"}}).status_code
        == 403
    )
    pin_id = admin("POST", path, json={"kind": "maintenance_pin", "args": {"pin": "86420864"}}).json()[
        "commands"
    ][0]
    carried = {c["id"]: c for c in _beat(kiosk)}
    assert carried[pin_id]["args"] == {"pin": "86420864"}  # only to its terminal, over the signed answer
    assert "86420864" not in json.dumps(admin("GET", path).json())
    _ack(kiosk, carried[pin_id], detail="maintenance PIN changed")
    audit = backoffice.op("GET", "/api/v1/operator/audit", params={"limit": 10000}).text
    assert "86420864" not in audit and "remote.command" in audit
    with backoffice.state.sessions() as session:  # at rest: encrypted while pending, gone once final
        from backoffice.models import RemoteCommand

        assert session.get(RemoteCommand, pin_id).args == {}
    refused = [
        a for a in backoffice.op("GET", "/api/v1/operator/audit").json() if a["outcome"] == "refused.role"
    ]
    assert {a["actor"] for a in refused} >= {"viewer", "auditor", "rating-supervisor"}


def test_a_screenshot_upload_is_signed_bounded_and_a_png(backoffice):
    kiosk, other = _terminal(backoffice, "T-R-8"), _terminal(backoffice, "T-R-9")
    shot_id = _issue(backoffice, "T-R-8", "screenshot")
    restart_id = _issue(backoffice, "T-R-8", "restart")
    path = f"{SCREENSHOT_PATH}/{shot_id}"
    with pytest.raises(Refused) as not_png:
        kiosk.call("PUT", path, content=b"GIF89a" + b"\x00" * 100, content_type="image/png")
    assert not_png.value.status == 422
    with pytest.raises(Refused) as not_its_own:
        other.call("PUT", path, content=_png(), content_type="image/png")
    assert not_its_own.value.status == 404
    with pytest.raises(Refused) as not_a_screenshot:
        kiosk.call("PUT", f"{SCREENSHOT_PATH}/{restart_id}", content=_png(), content_type="image/png")
    assert not_a_screenshot.value.status == 404
    head = (  # announced over the limit: answered 413 before a byte of the body is read
        f"PUT {path} HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
        f"Content-Length: {MAX_SCREENSHOT_BYTES + 1}\r\n\r\n"
    ).encode()
    assert _raw(backoffice.url, head).startswith(b"HTTP/1.1 413")
    assert body_limit(path) == MAX_SCREENSHOT_BYTES < body_limit("/api/v1/events")
    unsigned = requests.put(backoffice.url + path, data=_png(), timeout=10)
    assert unsigned.status_code == 401
    missing = backoffice.op("GET", f"/api/v1/operator/commands/{shot_id}/screenshot")
    assert missing.status_code == 404
    assert kiosk.call("PUT", path, content=_png(5, 7), content_type="image/png")["width"] == 5
    got = backoffice.op("GET", f"/api/v1/operator/commands/{shot_id}/screenshot")
    assert got.status_code == 200 and got.headers["content-type"] == "image/png" and got.content == _png(5, 7)
    assert _listing(backoffice, "T-R-8")[shot_id]["screenshot"] is True


def test_two_server_processes_share_one_queue(two_servers):  # noqa: F811 - the fixture
    a, b = two_servers
    creds = _enrol(a)
    terminal_id = creds["terminal_id"]

    def beat(url: str) -> list[dict]:
        body = json.dumps({"devices": [], "clock": time.time()}).encode()
        headers = signing.signed_headers(
            terminal_id, creds["secret"], "POST", "/api/v1/heartbeat", body, time.time()
        )
        answer = requests.post(
            url + "/api/v1/heartbeat",
            data=body,
            headers=headers | {"Content-Type": "application/json"},
            timeout=10,
        )
        return answer.json()["commands"]

    issued = _op(
        a, "POST", f"/api/v1/operator/terminals/{terminal_id}/commands", json={"kind": "maintenance_on"}
    )
    command_id = issued.json()["commands"][0]
    assert [c["id"] for c in beat(b)] == [command_id]  # queued on a, handed out by b
    assert beat(a) == []  # a knows it was sent (state in the database, not in a process)
    event = {
        "idem_key": "ack-1",
        "kind": "command_ack",
        "payload": {"command_id": command_id, "kind": "maintenance_on", "outcome": "done", "detail": "on"},
    }
    body = json.dumps({"events": [event]}).encode()
    headers = signing.signed_headers(
        terminal_id, creds["secret"], "POST", "/api/v1/events", body, time.time()
    )
    requests.post(
        a + "/api/v1/events", data=body, headers=headers | {"Content-Type": "application/json"}, timeout=10
    )
    rows = _op(b, "GET", f"/api/v1/operator/terminals/{terminal_id}/commands").json()
    assert [(r["id"], r["state"]) for r in rows] == [(command_id, "done")]


def test_the_sync_client_uploads_the_screenshot_and_reports_maintenance(backoffice, tmp_path):
    """The terminal's half without Qt: the command arrives through the sync client, the PNG the UI saved under
    DATA_DIR/screenshots is uploaded once (then remembered), the heartbeat says maintenance."""
    from kiosk.sync import SyncClient
    from offline_cache.store import Store
    from wire.commands import Command

    credentials = backoffice.enrol(terminal_id="T-R-10")
    store = Store(tmp_path / "kiosk.db", terminal_id="T-R-10")
    client = SyncClient(store, backoffice.url, credentials, maintenance=lambda: True)
    seen: list[Command] = []
    client.events.subscribe(lambda e: seen.append(e) if isinstance(e, Command) else None)
    shot_id = _issue(backoffice, "T-R-10", "screenshot")
    client.run_once()
    assert [c.id for c in seen] == [shot_id]
    terminals = backoffice.op("GET", "/api/v1/operator/terminals").json()
    assert next(t for t in terminals if t["terminal_id"] == "T-R-10")["heartbeat"]["maintenance"] is True
    folder = tmp_path / "screenshots"
    folder.mkdir()
    (folder / f"{shot_id}.png").write_bytes(_png(8, 6))
    (folder / "cmd-unknown.png").write_bytes(_png())  # refused by the back office: given up
    store.record_command_ack(shot_id, "screenshot", "done", f"{shot_id}.png 8x6")
    client.wake()
    client.run_once()
    got = backoffice.op("GET", f"/api/v1/operator/commands/{shot_id}/screenshot")
    assert got.status_code == 200 and got.content == _png(8, 6)
    assert _listing(backoffice, "T-R-10")[shot_id]["state"] == "done"
    assert sorted(store.get_state("screenshots_sent")) == sorted([f"{shot_id}.png", "cmd-unknown.png"])
    client._transport.close()


def test_retention_removes_old_screenshots_and_commands(backoffice):
    from backoffice.retention import apply_retention

    kiosk = _terminal(backoffice, "T-R-11")
    shot_id = _issue(backoffice, "T-R-11", "screenshot")
    kiosk.call("PUT", f"{SCREENSHOT_PATH}/{shot_id}", content=_png(), content_type="image/png")
    bo = backoffice.state
    real_clock = bo.clock
    bo.clock = lambda: real_clock() + 31 * 86400.0
    try:
        removed = apply_retention(bo)
        assert (removed["screenshots"], removed["remote_commands"]) == (1, 0)  # commands: event_days
        assert backoffice.op("GET", f"/api/v1/operator/commands/{shot_id}/screenshot").status_code == 404
        bo.clock = lambda: real_clock() + (bo.limits.event_days + 1) * 86400.0
        assert apply_retention(bo)["remote_commands"] == 1
    finally:
        bo.clock = real_clock
