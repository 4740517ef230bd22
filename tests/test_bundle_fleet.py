"""Issue 12 through the real back office on 127.0.0.1: honest heartbeat, publish checks, withdraw, uptake."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from flows import bundles
from flows.loader import FLOWS_DIR
from tests.test_sync_bundles import _plant

FUTURE = datetime.now(UTC) + timedelta(days=30)


def _terminal(backoffice, provision_terminal, key, heartbeat: float = 60.0):
    """A provisioned terminal whose pinned root is ``key`` (set in the back office before provisioning)."""
    backoffice.op(
        "PUT", "/api/v1/operator/bundle-root-keys", json={"threshold": 1, "keys": [bundles.public_hex(key)]}
    )
    return provision_terminal(heartbeat=heartbeat)


def _bundle(tmp_path, version: int, keys) -> bytes:
    out = tmp_path / f"b{version}-{time.monotonic_ns()}"
    bundles.pack(FLOWS_DIR.parent, out, version, FUTURE, ["wuchang"])
    bundles.sign(out, keys)
    return bundles.archive_bytes(out)


def _publish(backoffice, version: int, content: bytes):
    return backoffice.op(
        "POST",
        "/api/v1/operator/bundles",
        json={"group": "wuchang", "version": version, "content_b64": base64.b64encode(content).decode()},
    )


def test_heartbeat_reports_the_active_version_not_a_refused_one(
    tmp_path, backoffice, provision_terminal
) -> None:
    key = Ed25519PrivateKey.generate()
    manager, store, client, credentials = _terminal(backoffice, provision_terminal, key)
    assert _publish(backoffice, 12, _bundle(tmp_path, 12, [key])).status_code == 201
    client.run_once()
    assert manager.active_version() == 12
    _plant(backoffice, "wuchang", 13, _bundle(tmp_path, 13, [Ed25519PrivateKey.generate()]))  # unpinned key
    client.fetch_updates()
    client.heartbeat()
    client.drain()
    terminal = next(
        t
        for t in backoffice.op("GET", "/api/v1/operator/terminals").json()
        if t["terminal_id"] == credentials.terminal_id
    )
    assert terminal["heartbeat"]["bundle_version"] == 12
    assert terminal["heartbeat"]["bundles"]["refused"][-1]["reason"] == "missing_signature"
    events = backoffice.op("GET", "/api/v1/operator/bundle-events").json()
    assert any(e["kind"] == "bundle_refused" and e["reason"] == "missing_signature" for e in events)


def test_back_office_refuses_what_terminals_would(tmp_path, backoffice, provision_terminal) -> None:
    key = Ed25519PrivateKey.generate()
    _terminal(backoffice, provision_terminal, key)
    unknown = _publish(backoffice, 11, _bundle(tmp_path, 11, [Ed25519PrivateKey.generate()]))
    assert (unknown.status_code, unknown.json()["error"]) == (422, "bundle.missing_signature")
    mismatch = _publish(backoffice, 20, _bundle(tmp_path, 11, [key]))  # declared 20, manifest 11
    assert (mismatch.status_code, mismatch.json()["error"]) == (422, "bundle.version_mismatch")
    assert "11" in mismatch.json()["detail"]
    garbage = _publish(backoffice, 2**62, b"\x00" * 20)
    assert garbage.status_code == 422
    assert _publish(backoffice, 11, _bundle(tmp_path, 11, [key])).status_code == 201  # 20 was not burnt


def test_withdraw_returns_terminals_to_the_previous_bundle(tmp_path, backoffice, provision_terminal) -> None:
    key = Ed25519PrivateKey.generate()
    manager, store, client, _ = _terminal(backoffice, provision_terminal, key)
    client.run_once()
    for version in (2, 3):
        assert _publish(backoffice, version, _bundle(tmp_path, version, [key])).status_code == 201
        client.fetch_updates()
    assert manager.active_version() == 3
    assert backoffice.op("POST", "/api/v1/operator/bundles/wuchang/3/withdraw").status_code == 200
    answer = client.heartbeat()
    assert answer["bundle_version"] == 2 and answer["bundle_withdrawn"] == [3]
    client.run_once()
    client.fetch_updates()
    assert manager.active_version() == 2
    assert manager.journal()[-1]["kind"] == "bundle_withdrawn"
    assert _publish(backoffice, 4, _bundle(tmp_path, 4, [key])).status_code == 201
    client.fetch_updates()
    assert manager.active_version() == 4


def test_uptake_within_one_heartbeat_plus_verification(tmp_path, backoffice, provision_terminal) -> None:
    key = Ed25519PrivateKey.generate()
    manager, store, client, _ = _terminal(backoffice, provision_terminal, key, heartbeat=2.0)
    client.start()
    try:
        time.sleep(0.5)
        content = _bundle(tmp_path, 5, [key])
        started = time.monotonic()
        assert _publish(backoffice, 5, content).status_code == 201
        while manager.active_version() != 5 and time.monotonic() - started < 30:
            time.sleep(0.05)
        uptake = time.monotonic() - started
    finally:
        client.stop()
    probe = bundles.BundleManager(
        tmp_path / "probe", "wuchang", root_keys_path=tmp_path / "kiosk" / bundles.ROOT_KEYS_FILE
    )
    archive = tmp_path / "b5.tar.gz"
    archive.write_bytes(content)
    began = time.monotonic()
    assert probe.receive(archive).state == "installed"
    verification = time.monotonic() - began
    print(f"uptake {uptake:.2f} s with a 2 s heartbeat; verification and activation {verification:.2f} s")
    assert manager.active_version() == 5
    assert (
        uptake <= 2.0 + 2 * verification + 1.0
    )  # one interval, plus verifying (twice under load), plus slack
