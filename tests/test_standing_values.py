"""Standing values through the real back office and the kiosk's real sync client (issue 13: "announcements and remote
config are accepted by the API and never shown by any terminal"): what the API accepts a terminal can apply (else
422), a group's values reach a terminal enrolled later, a terminal's override its group's, clearing removes them,
the heartbeat reports the versions applied and the console's status says 已生效 only then; the retired one-off
commands are refused, and one still queued is expired with the reason."""

from __future__ import annotations

import time

import pytest

from backoffice import remote_commands, standing
from backoffice.models import RemoteCommand, Terminal
from kiosk.sync import SyncClient
from offline_cache.store import Store


def _put(live, path: str, body) -> int:
    return live.op("PUT", f"/api/v1/operator{path}", json=body).status_code


def _client(live, tmp_path, terminal_id: str, group: str) -> tuple[Store, SyncClient]:
    store = Store(tmp_path / f"{terminal_id}.db", terminal_id=terminal_id)
    return store, SyncClient(store, live.url, live.enrol(terminal_id=terminal_id, group=group))


def _fresh_status(bo, term) -> dict:
    """What the console's status table says of a terminal now (the settings read again, not from the cache)."""
    bo.settings_changed()
    return standing.status(bo.settings(), term, bo.clock())


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"volume": 3}, "unknown setting 'volume'"),
        ({"inactivity_s": 5}, "between 10 and 600"),
        ({"countdown_s": 121}, "between 5 and 120"),
        ({"inactivity_s": True}, "between 10 and 600"),
        ({"inactivity_s": None}, "between 10 and 600"),
        ({"locale": "fr"}, "locale must be one of zh_CN, en"),
        ({"paused_services": "all"}, "paused_services is a list"),
        ({"paused_services": [""]}, "paused_services is a list"),
        # tryout: an id that is no flow of the catalog (the README's hf.statement is a query's name) paused nothing
        ({"paused_services": ["hf.statement"]}, "hf.statement matches no flow id or 事项编码"),
        ({"paused_services": ["hf_statement_print", "nope"]}, "nope matches no flow"),
    ],
)
def test_a_setting_a_terminal_could_not_apply_is_a_422(backoffice, body, why):
    assert _put(backoffice, "/config/group/north", {"inactivity_s": 90}) == 200
    answer = backoffice.op("PUT", "/api/v1/operator/config/group/north", json=body)
    assert answer.status_code == 422 and why in answer.json()["detail"]
    kept = backoffice.op("GET", "/api/v1/operator/config/group/north").json()
    assert kept["config"] == {"inactivity_s": 90}  # the refused write changed nothing


def test_announcements_are_checked_and_edited_one_by_one(backoffice):
    refused = [
        {"text": {"fr": "bonjour"}},  # a language no terminal shows
        {"text": {"zh_CN": "  "}},  # nothing to show
        {"text": {"zh_CN": "x" * 201}},
        {"text": {"zh_CN": "维护"}, "starts": 200.0, "ends": 100.0},
        {"text": {"zh_CN": "维护"}, "colour": "red"},  # a field nothing reads
        {"text": {"zh_CN": "维护"}, "groups": ["bad group"]},
    ]
    for body in refused:
        answer = backoffice.op("PUT", "/api/v1/operator/announcements/a1", json=body)
        assert answer.status_code == 422, body
    why = backoffice.op("PUT", "/api/v1/operator/announcements/a1", json=refused[0]).json()["detail"]
    assert "unknown language 'fr'; known: zh_CN, en" in why[0]["msg"]
    duplicate = [{"id": "x", "text": {"zh_CN": "一"}}, {"id": "x", "text": {"zh_CN": "二"}}]
    assert _put(backoffice, "/announcements", duplicate) == 422
    assert backoffice.op("GET", "/api/v1/operator/announcements").json() == []
    assert (
        _put(backoffice, "/announcements/a1", {"text": {"zh_CN": "一", "en": "one"}, "groups": ["north"]})
        == 200
    )
    assert _put(backoffice, "/announcements/a2", {"text": {"zh_CN": "二"}, "terminals": ["T-S-9"]}) == 200
    assert _put(backoffice, "/announcements/a1", {"text": {"zh_CN": "一改"}, "groups": ["north"]}) == 200
    items = backoffice.op("GET", "/api/v1/operator/announcements").json()
    assert [(a["id"], a["text"]) for a in items] == [("a1", {"zh_CN": "一改"}), ("a2", {"zh_CN": "二"})]
    assert backoffice.op("DELETE", "/api/v1/operator/announcements/a1").status_code == 200
    assert backoffice.op("DELETE", "/api/v1/operator/announcements/a1").status_code == 404
    assert [a["id"] for a in backoffice.op("GET", "/api/v1/operator/announcements").json()] == ["a2"]
    audit = backoffice.op("GET", "/api/v1/operator/audit", params={"limit": 10000}).json()
    done = [(a["action"], a["outcome"]) for a in audit if a["action"].startswith("standing.")]
    assert done == [("standing.announcement", o) for o in ("set", "set", "set", "withdrawn")]


def test_group_values_set_before_enrolment_reach_a_later_terminal(backoffice, tmp_path):
    now = time.time()
    assert (
        _put(
            backoffice, "/config/group/north", {"inactivity_s": 90, "paused_services": ["hf_statement_print"]}
        )
        == 200
    )
    assert _put(backoffice, "/announcements/n1", {"text": {"zh_CN": "北区通知"}, "groups": ["north"]}) == 200
    assert _put(backoffice, "/announcements/old", {"text": {"zh_CN": "已结束"}, "ends": now - 10}) == 200
    later = {"text": {"zh_CN": "明天"}, "starts": now + 86400, "ends": now + 2 * 86400}
    assert _put(backoffice, "/announcements/later", later) == 200
    assert _put(backoffice, "/announcements/s1", {"text": {"zh_CN": "南区"}, "groups": ["south"]}) == 200
    store, client = _client(backoffice, tmp_path, "T-N-1", "north")  # enrolled after all of that
    fetched: list = []
    client.standing_changes.subscribe(fetched.append)
    client.run_once()
    assert store.get_reference("config") == {"inactivity_s": 90, "paused_services": ["hf_statement_print"]}
    # handed out: the group's and the one that starts tomorrow (the terminal shows it then, on its own clock);
    # not the ended one, nor the other group's
    assert [a["id"] for a in store.get_reference("announcements")] == ["n1", "later"]
    assert [e.kinds for e in fetched] == [("config", "announcements")]
    assert _fresh_status(backoffice.state, _row(backoffice, "T-N-1"))["config"] == standing.PENDING
    # the terminal's own value overrides the group's; clearing it restores the group's, clearing that, nothing
    assert _put(backoffice, "/config/terminal/T-N-1", {"inactivity_s": 45}) == 200
    _refetch(client)
    assert store.get_reference("config") == {"inactivity_s": 45, "paused_services": ["hf_statement_print"]}
    assert backoffice.op("DELETE", "/api/v1/operator/config/terminal/T-N-1").status_code == 200
    _refetch(client)
    assert store.get_reference("config") == {"inactivity_s": 90, "paused_services": ["hf_statement_print"]}
    assert _put(backoffice, "/config/group/north", {}) == 200  # an empty record clears too
    _refetch(client)
    assert store.get_reference("config") == {}
    assert backoffice.op("GET", "/api/v1/operator/config/group/north").json()["config"] == {}
    audit = backoffice.op("GET", "/api/v1/operator/audit", params={"limit": 10000}).json()
    configs = [(a["outcome"], a["detail"]["name"]) for a in audit if a["action"] == "standing.config"]
    assert configs == [("set", "north"), ("set", "T-N-1"), ("cleared", "T-N-1"), ("cleared", "north")]
    client._transport.close()


def test_the_default_group_is_every_terminals_base(backoffice, tmp_path):
    assert _put(backoffice, "/config/group/default", {"locale": "en", "countdown_s": 20}) == 200
    assert _put(backoffice, "/config/group/east", {"countdown_s": 30}) == 200
    store, client = _client(backoffice, tmp_path, "T-E-1", "east")
    client.run_once()
    assert store.get_reference("config") == {"locale": "en", "countdown_s": 30}
    client._transport.close()


def _row(live, terminal_id: str) -> Terminal:
    with live.state.sessions() as session:
        return session.get(Terminal, terminal_id)


def _refetch(client: SyncClient) -> None:
    client.heartbeat()  # the answer's versions changed: fetch now
    client.run_once()


def test_applied_only_once_the_heartbeat_says_so(backoffice, tmp_path):
    assert _put(backoffice, "/config/group/west", {"inactivity_s": 120}) == 200
    assert _put(backoffice, "/announcements/w1", {"text": {"zh_CN": "西区"}, "groups": ["west"]}) == 200
    store, client = _client(backoffice, tmp_path, "T-W-1", "west")
    assert _fresh_status(backoffice.state, _row(backoffice, "T-W-1"))["config"] == standing.UNKNOWN
    client.run_once()  # fetched, not applied (a terminal without a UI never applies): pending, honestly
    status = _fresh_status(backoffice.state, _row(backoffice, "T-W-1"))
    assert (status["config"], status["announcements"]) == (standing.PENDING, standing.PENDING)
    store.set_state("config_applied", store.get_state("config_version"))  # as kiosk.ui.standing records it
    store.set_state("announcements_applied", store.get_state("announcements_version"))
    client.heartbeat()
    status = _fresh_status(backoffice.state, _row(backoffice, "T-W-1"))
    assert (status["config"], status["announcements"]) == (standing.APPLIED, standing.APPLIED)
    assert _put(backoffice, "/config/group/west", {"inactivity_s": 150}) == 200  # a new value: pending again
    status = _fresh_status(backoffice.state, _row(backoffice, "T-W-1"))
    assert (status["config"], status["announcements"]) == (standing.PENDING, standing.APPLIED)
    store.set_state("standing_problem", "settings not applied: because")
    client.heartbeat()
    assert _fresh_status(backoffice.state, _row(backoffice, "T-W-1"))["problem"].endswith("because")
    client._transport.close()


def test_retired_commands_are_refused_and_a_queued_one_expires_with_the_reason(backoffice, tmp_path):
    store, client = _client(backoffice, tmp_path, "T-R-1", "default")
    for kind, args in (("announcement", {"text": "hi"}), ("settings", {"inactivity_s": 90})):
        answer = backoffice.op(
            "POST", "/api/v1/operator/terminals/T-R-1/commands", json={"kind": kind, "args": args}
        )
        assert answer.status_code == 422 and "standing values now" in answer.json()["detail"]
    bo = backoffice.state
    with bo.sessions.begin() as session:  # queued by the release before, still pending after the upgrade
        session.add(
            RemoteCommand(
                id="cmd-old",
                terminal_id="T-R-1",
                kind="settings",
                args={"inactivity_s": 90},
                state="pending",
                batch="",
                created_at=bo.clock(),
                created_by="publisher",
                expires_at=bo.clock() + 3600,
                send_count=0,
                detail="",
            )
        )
    bo.waiting_commands.note(["T-R-1"])
    seen: list = []
    client.events.subscribe(seen.append)
    client.run_once()
    assert not [e for e in seen if getattr(e, "kind", None) == "settings"]  # never handed out
    (row,) = remote_commands.listing(bo, terminal_id="T-R-1")
    assert row["state"] == "expired" and "standing values now" in row["detail"]
    client._transport.close()


def test_paused_services_are_flow_ids_or_item_codes_of_the_catalog_or_of_a_published_bundle(
    backoffice, tmp_path
):
    """What ``GET /api/v1/catalog``'s terminals can run: the built-in flows and the flows of a published bundle."""
    import base64
    import shutil
    from datetime import UTC, datetime, timedelta

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from flows import bundles
    from flows.loader import FLOWS_DIR

    item_code = "11420100MB1957412X4420119002"  # hf_statement_print's 事项编码
    assert (
        _put(backoffice, "/config/group/north", {"paused_services": ["hf_statement_print", item_code]}) == 200
    )
    source = tmp_path / "flows"
    shutil.copytree(FLOWS_DIR.parent, source, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    flow = (FLOWS_DIR / "service_guide.yaml").read_text(encoding="utf-8")
    (source / "definitions" / "province_guide.yaml").write_text(
        flow.replace("id: service_guide", "id: province_guide", 1), encoding="utf-8"
    )
    assert "id: province_guide" in (source / "definitions" / "province_guide.yaml").read_text(
        encoding="utf-8"
    )
    refused = backoffice.op(
        "PUT", "/api/v1/operator/config/group/north", json={"paused_services": ["province_guide"]}
    )
    assert refused.status_code == 422
    key = Ed25519PrivateKey.generate()
    root = {"threshold": 1, "keys": [bundles.public_hex(key)]}
    assert backoffice.op("PUT", "/api/v1/operator/bundle-root-keys", json=root).status_code == 200
    out = tmp_path / "bundle"
    bundles.pack(source, out, 2, datetime.now(UTC) + timedelta(days=30), ["north"])
    bundles.sign(out, [key])
    content = base64.b64encode(bundles.archive_bytes(out)).decode()
    published = backoffice.op(
        "POST", "/api/v1/operator/bundles", json={"group": "north", "version": 2, "content_b64": content}
    )
    assert published.status_code == 201, published.text
    assert _put(backoffice, "/config/group/north", {"paused_services": ["province_guide"]}) == 200
