"""The TUF attack classes, by name, against the project's own verifier; root rotation; expiry; the CLI path.

The python ``tuf`` package is the reference for this metadata model; rather than depend on it, these
tests show the terminal refuses every attack class its threat model names.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows import bundles
from flows.bundles import MANIFEST, BundleManager, RootKeys
from kiosk.cli import main
from offline_cache.store import Store
from tests.test_flows_bundles import Events, keys, make_bundle, refused, write_root  # noqa: F401

SOON = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()


@pytest.fixture
def terminal(tmp_path: Path, keys) -> tuple[BundleManager, Events]:  # noqa: F811
    write_root(tmp_path / "data", keys[:1])
    events = Events()
    return BundleManager(tmp_path / "data", "wuchang", on_event=events), events


# -- TUF attack classes -------------------------------------------------------------------------------------


def test_tuf_arbitrary_package(tmp_path: Path, keys, terminal) -> None:  # noqa: F811
    manager, _ = terminal
    assert (
        refused(manager, make_bundle(tmp_path, 2, [bundles.keys.Ed25519PrivateKey.generate()]))
        == "missing_signature"
    )
    bundle = make_bundle(tmp_path, 2, keys[:1])
    (bundle / "definitions" / "rate_case.yaml").write_text("id: evil\n", encoding="utf-8")
    assert refused(manager, bundle) in ("length_mismatch", "hash_mismatch")


def test_tuf_rollback(tmp_path: Path, keys, terminal) -> None:  # noqa: F811
    manager, _ = terminal
    manager.receive(make_bundle(tmp_path, 5, keys[:1]))
    assert refused(manager, make_bundle(tmp_path, 4, keys[:1])) == "old_version"


def test_tuf_indefinite_freeze(tmp_path: Path, keys, terminal) -> None:  # noqa: F811
    """An attacker replays an old, once valid bundle forever: its signed expiry ends that."""
    manager, _ = terminal
    stale = make_bundle(tmp_path, 2, keys[:1], expires=(datetime.now(UTC) - timedelta(days=1)).isoformat())
    assert refused(manager, stale) == "expired"


def test_tuf_endless_data(tmp_path: Path, keys) -> None:  # noqa: F811
    write_root(tmp_path / "data", keys[:1])
    manager = BundleManager(tmp_path / "data", "wuchang", max_bytes=20_000)
    assert refused(manager, make_bundle(tmp_path, 2, keys[:1])) == "oversized"


def test_tuf_mix_and_match(tmp_path: Path, keys, terminal) -> None:  # noqa: F811
    """Files of one signed bundle served with another signed manifest: the manifest pins every file."""
    manager, _ = terminal
    a, b = make_bundle(tmp_path, 2, keys[:1]), make_bundle(tmp_path, 3, keys[:1])
    shutil.copyfile(a / MANIFEST, b / MANIFEST)  # manifest (and signatures) of 2 with the files of 3
    shutil.copyfile(a / "signatures.json", b / "signatures.json")
    (b / "definitions" / "rate_case.yaml").write_text("id: rate_case\n", encoding="utf-8")
    assert refused(manager, b) in ("length_mismatch", "hash_mismatch")


def test_tuf_fast_forward(tmp_path: Path, keys, terminal) -> None:  # noqa: F811
    """A huge version number that did not verify must not raise the bar for the real next bundle."""
    manager, _ = terminal
    forged = make_bundle(tmp_path, 2**62, [bundles.keys.Ed25519PrivateKey.generate()])
    assert refused(manager, forged) == "missing_signature"
    assert manager.highest_version() == 0
    assert manager.receive(make_bundle(tmp_path, 2, keys[:1])).state == "installed"


def test_tuf_key_compromise_below_threshold(tmp_path: Path, keys) -> None:  # noqa: F811
    write_root(tmp_path / "data", keys, threshold=2)
    manager = BundleManager(tmp_path / "data", "wuchang")
    assert refused(manager, make_bundle(tmp_path, 2, keys[:1])) == "threshold_not_met"
    # nor can the thief hand the fleet his own root with one old key
    thief = bundles.keys.Ed25519PrivateKey.generate()
    bundle = make_bundle(tmp_path, 2, [thief])
    new_root = {"version": 2, "threshold": 1, "keys": [bundles.public_hex(thief)]}
    (bundle / bundles.ROTATION).write_text(
        json.dumps({"roots": [bundles.sign_root(new_root, [keys[0], thief])]})
    )
    assert refused(manager, bundle) == "bad_rotation"
    assert RootKeys.load(manager.root_keys_path).version == 1


# -- root rotation ---------------------------------------------------------------------------------------------


def test_root_rotation_signed_by_old_and_new_threshold(tmp_path: Path, keys, terminal) -> None:  # noqa: F811
    manager, events = terminal
    old, new = keys[0], keys[1]
    new_root = {"version": 2, "threshold": 1, "keys": [bundles.public_hex(new)]}
    only_old = make_bundle(tmp_path, 2, [new])
    (only_old / bundles.ROTATION).write_text(json.dumps({"roots": [bundles.sign_root(new_root, [old])]}))
    assert refused(manager, only_old) == "bad_rotation"
    only_new = make_bundle(tmp_path, 2, [new])
    (only_new / bundles.ROTATION).write_text(json.dumps({"roots": [bundles.sign_root(new_root, [new])]}))
    assert refused(manager, only_new) == "bad_rotation"
    rotated = make_bundle(tmp_path, 2, [new])
    (rotated / bundles.ROTATION).write_text(json.dumps({"roots": [bundles.sign_root(new_root, [old, new])]}))
    assert manager.receive(rotated).state == "installed"
    pinned = RootKeys.load(manager.root_keys_path)
    assert pinned.version == 2 and list(pinned.keys) == [
        bundles.key_id(bytes.fromhex(bundles.public_hex(new)))
    ]
    assert refused(manager, make_bundle(tmp_path, 3, [old])) == "missing_signature"  # the old key is retired
    assert manager.receive(make_bundle(tmp_path, 3, [new])).state == "installed"
    assert ("bundle_root_rotated", {"root_version": 2, "keys": 1}) in events


# -- expiry ------------------------------------------------------------------------------------------------------


def test_expired_active_bundle_falls_back_at_load(tmp_path: Path, keys) -> None:  # noqa: F811
    data = tmp_path / "data"
    write_root(data, keys[:1])
    manager = BundleManager(data, "wuchang")
    manager.receive(make_bundle(tmp_path, 2, keys[:1]))
    manager.receive(make_bundle(tmp_path, 3, keys[:1], expires=SOON))
    assert manager.active_version() == 3
    events = Events()
    later = BundleManager(data, "wuchang", on_event=events, now=lambda: datetime.now(UTC) + timedelta(days=5))
    assert later.expired_active()
    flows, root = later.load_active()
    assert root == later.root / "2" and later.active_version() == 2 and flows
    assert events[0][0] == "bundle_expired" and events[0][1]["version"] == 3 and events[0][1]["to"] == 2
    much_later = BundleManager(
        data, "wuchang", on_event=events, now=lambda: datetime.now(UTC) + timedelta(days=900)
    )
    assert much_later.load_active()[1] == bundles.manager.FLOWS_DIR.parent  # the built-in flows
    assert much_later.active_version() is None and [k for k, _ in events].count("bundle_expired") == 2


# -- one path: kiosk flows install, kiosk status ------------------------------------------------------------------


def test_cli_install_and_status(tmp_path: Path, keys, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    data = tmp_path / "data"
    write_root(data, keys[:1])
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[terminal]\nid = "T-1"\nname = "t"\ngroup = "wuchang"\n[paths]\ndata_dir = "{data}"\n',
        encoding="utf-8",
    )
    archive = tmp_path / "b2.tar.gz"
    archive.write_bytes(bundles.archive_bytes(make_bundle(tmp_path, 2, keys[:1])))
    capsys.readouterr()
    assert main(["flows", "install", str(archive), "--config", str(config)]) == 0
    assert capsys.readouterr().out.strip() == "installed: bundle 2 is active"
    store = Store(data / "kiosk.db", terminal_id="T-1")
    store.open_case("si_rights_receipt", "X")  # a citizen is being served
    store.close()
    assert main(["flows", "install", str(make_bundle(tmp_path, 3, keys[:1])), "--config", str(config)]) == 0
    assert (
        capsys.readouterr().out.strip() == "staged: bundle 3 becomes active when the current citizen leaves"
    )
    broken = tmp_path / "b4.tar.gz"
    broken.write_bytes(archive.read_bytes()[:300])
    assert main(["flows", "install", str(broken), "--config", str(config)]) == 1
    assert capsys.readouterr().out.startswith("refused: corrupt_archive")
    assert main(["status", "--config", str(config), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["terminal"]["id"] == "T-1" and report["bundles"]["active"] == 2
    assert report["bundles"]["staged"] == [3]
    assert report["bundles"]["refused"][-1]["reason"] == "corrupt_archive"
    store = Store(data / "kiosk.db", terminal_id="T-1")
    queued = store._conn.execute("SELECT payload FROM outbox WHERE kind='device_event'").fetchall()
    store.close()
    assert any("corrupt_archive" in row[0] for row in queued)  # reported to the back office
    assert main(["status", "--data-dir", str(tmp_path / "nowhere")]) == 2
