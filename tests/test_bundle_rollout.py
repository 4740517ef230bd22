"""A staged rollout over ten terminals in one process, against the real back office on 127.0.0.1:
canary, then waves; a bad bundle that halts the rollout by itself; a withdraw that returns every terminal."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from flows import bundles
from flows.loader import FLOWS_DIR
from kiosk.sync import SyncClient
from offline_cache.store import Store

FUTURE = datetime.now(UTC) + timedelta(days=30)


@dataclass
class Terminal:
    id: str
    store: Store
    manager: bundles.BundleManager
    client: SyncClient

    def cases(self, outcome: str, count: int) -> None:
        for _ in range(count):
            self.store.close_case(self.store.open_case("si_rights_receipt", "X"), outcome)


def _fleet(tmp_path, backoffice, key, size: int = 10) -> list[Terminal]:
    root = {"threshold": 1, "keys": [bundles.public_hex(key)]}
    backoffice.op("PUT", "/api/v1/operator/bundle-root-keys", json=root)
    fleet = []
    for n in range(size):
        credentials = backoffice.enrol(group="wuchang")
        data = tmp_path / f"t{n}"
        (data / "trust").mkdir(parents=True)
        (data / bundles.ROOT_KEYS_FILE).write_text(json.dumps(root))
        store = Store(data / "kiosk.db", terminal_id=credentials.terminal_id)
        manager = bundles.BundleManager(data, "wuchang", on_event=bundles.store_sink(store))
        client = SyncClient(
            store,
            credentials.base_url,
            credentials,
            heartbeat_interval=0,
            fetch_interval=3600,
            on_bundle=lambda path, version, m=manager: m.receive(path, version=version),
            bundle_status=manager.status,
            on_withdraw=manager.withdraw,
        )
        fleet.append(Terminal(credentials.terminal_id, store, manager, client))
    return fleet


def _tick(fleet: list[Terminal], serve: int | None = None) -> None:
    """One heartbeat round; terminals running version ``serve`` first close a completed case."""
    for terminal in fleet:
        if serve is not None and terminal.manager.active_version() == serve:
            terminal.cases("completed", 1)
        terminal.client.run_once()
        terminal.client.drain()


def _publish(tmp_path, backoffice, version: int, key, rollout: dict) -> None:
    out = tmp_path / f"b{version}-{time.monotonic_ns()}"
    bundles.pack(FLOWS_DIR.parent, out, version, FUTURE, ["wuchang"])
    bundles.sign(out, [key])
    answer = backoffice.op(
        "POST",
        "/api/v1/operator/bundles",
        json={
            "group": "wuchang",
            "version": version,
            "rollout": rollout,
            "content_b64": base64.b64encode(bundles.archive_bytes(out)).decode(),
        },
    )
    assert answer.status_code == 201, answer.text


def _rollout(backoffice) -> dict:
    return next(
        r for r in backoffice.op("GET", "/api/v1/operator/rollouts").json() if r["group"] == "wuchang"
    )


def test_rollout_canary_waves_halt_and_withdraw(tmp_path, backoffice) -> None:
    key = Ed25519PrivateKey.generate()
    backoffice.state.rollout_check_seconds = 0  # every heartbeat evaluates: the ticks below are fast
    fleet = _fleet(tmp_path, backoffice, key)
    canary = fleet[0]
    for terminal in fleet:
        terminal.cases("completed", 2)  # the baseline: no failed cases
    _tick(fleet)

    _publish(tmp_path, backoffice, 2, key, {"canary": [canary.id], "waves": [50, 100]})
    _tick(fleet)
    assert [t.manager.active_version() for t in fleet] == [2] + [None] * 9  # the canary alone
    _tick(fleet)
    assert sum(t.manager.active_version() == 2 for t in fleet) == 1  # running, but no cases served yet
    assert backoffice.op("POST", "/api/v1/operator/rollouts/wuchang/pause").status_code == 200
    for _ in range(4):
        _tick(fleet, serve=2)
    assert sum(t.manager.active_version() == 2 for t in fleet) == 1  # paused: no wave opens
    assert backoffice.op("POST", "/api/v1/operator/rollouts/wuchang/resume").status_code == 200
    _tick(fleet, serve=2)
    first_wave = sum(t.manager.active_version() == 2 for t in fleet)
    assert 5 <= first_wave <= 6, first_wave  # canary plus half the group
    for _ in range(4):
        _tick(fleet, serve=2)
    assert all(t.manager.active_version() == 2 for t in fleet)
    assert _rollout(backoffice)["state"] == "done"

    # a bad bundle: it verifies and activates, then the canary's citizens' cases fail
    _publish(tmp_path, backoffice, 3, key, {"canary": [canary.id], "waves": [50, 100]})
    _tick(fleet)
    assert canary.manager.active_version() == 3
    canary.cases("error", 4)
    for _ in range(3):
        _tick(fleet)
    rollout = _rollout(backoffice)
    assert rollout["state"] == "halted" and "failed cases" in rollout["halt_reason"]
    assert [t.manager.active_version() for t in fleet] == [3] + [2] * 9  # halted at the canary

    assert backoffice.op("POST", "/api/v1/operator/bundles/wuchang/3/withdraw").status_code == 200
    _tick(fleet)
    _tick(fleet)
    assert all(t.manager.active_version() == 2 for t in fleet)
    assert _rollout(backoffice)["state"] == "withdrawn"
    terminals = {t["terminal_id"]: t for t in backoffice.op("GET", "/api/v1/operator/terminals").json()}
    assert all(terminals[t.id]["heartbeat"]["bundle_version"] == 2 for t in fleet)


def test_a_canary_that_is_not_an_active_terminal_of_the_group_is_refused(tmp_path, backoffice) -> None:
    """Tryout finding 14: the README's canary=T-0001,T-0002 was accepted in a group without them, so the
    canary stage admitted nobody and tested nothing."""
    key = Ed25519PrivateKey.generate()
    fleet = _fleet(tmp_path, backoffice, key, size=2)
    elsewhere = backoffice.enrol(group="hankou").terminal_id
    revoked = fleet[1].id
    assert backoffice.op("POST", f"/api/v1/operator/terminals/{revoked}/revoke").status_code == 200
    out = tmp_path / "b2"
    bundles.pack(FLOWS_DIR.parent, out, 2, FUTURE, ["wuchang"])
    bundles.sign(out, [key])
    content = base64.b64encode(bundles.archive_bytes(out)).decode()
    for canary in (["T-0001", "T-0002"], [fleet[0].id, elsewhere], [revoked]):
        answer = backoffice.op(
            "POST",
            "/api/v1/operator/bundles",
            json={"group": "wuchang", "version": 2, "rollout": {"canary": canary}, "content_b64": content},
        )
        assert answer.status_code == 422 and answer.json()["error"] == "rollout.unknown_canary", answer.text
        assert (set(canary) - {fleet[0].id}).pop() in answer.json()["detail"]
    assert all(b["group"] != "wuchang" for b in backoffice.op("GET", "/api/v1/operator/bundles").json())
    assert all(r["group"] != "wuchang" for r in backoffice.op("GET", "/api/v1/operator/rollouts").json())
    _publish(tmp_path, backoffice, 2, key, {"canary": [fleet[0].id], "waves": [100]})
    assert _rollout(backoffice)["admitted"] == [fleet[0].id]


def test_the_cli_refuses_the_readme_canary_in_one_line(tmp_path, backoffice, capsys, monkeypatch) -> None:
    """The README's example, as typed, against a group whose terminals are not T-0001 and T-0002."""
    from kiosk.cli import main
    from tests.fixtures.fleet import pack_command

    monkeypatch.setenv("BACKOFFICE_OPERATOR_KEY", backoffice.operator_key)
    key = tmp_path / "op1.key"
    root = tmp_path / "root.json"
    assert main(["flows", "keygen", str(key), "--root-keys", str(root)]) == 0
    pinned = json.loads(root.read_text())
    assert backoffice.op("PUT", "/api/v1/operator/bundle-root-keys", json=pinned).status_code == 200
    backoffice.enrol(terminal_id="T-4201-0007", group="wuchang")
    out = tmp_path / "bundle-13"
    assert main(pack_command(out, 13)) == 0
    assert main(["flows", "sign", str(out), "--key", str(key)]) == 0
    capsys.readouterr()
    plan = "canary=T-0001,T-0002;waves=10,50,100;soak=3600"
    assert main(["flows", "publish", str(out), "--backoffice", backoffice.url, "--rollout", plan]) != 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "T-0001, T-0002" in lines[0] and "not an active terminal" in lines[0], err
