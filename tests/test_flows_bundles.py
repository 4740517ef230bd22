"""Flow bundles: pack, sign, verify; every refusal; atomic activation, rollback and power cuts."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from flows import bundles
from flows.bundles import MANIFEST, SIGNATURES, BundleManager, BundleRefused, RootKeys
from kiosk.cli import main
from tests.fixtures.fleet import pack_command

ROOT = Path(__file__).resolve().parent.parent
FLOWS_SRC = ROOT / "flows"
FUTURE = (datetime.now(UTC) + timedelta(days=365)).date().isoformat()


@pytest.fixture(scope="module")
def keys() -> list[Ed25519PrivateKey]:
    return [Ed25519PrivateKey.generate() for _ in range(3)]


def write_root(data_dir: Path, keys: list[Ed25519PrivateKey], threshold: int = 1) -> Path:
    path = data_dir / "trust" / "bundle_root_keys.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"threshold": threshold, "keys": [bundles.public_hex(k) for k in keys]}))
    return path


def make_bundle(
    tmp: Path,
    version: int,
    keys: list[Ed25519PrivateKey],
    *,
    group: str = "wuchang",
    expires: str = FUTURE,
    src: Path = FLOWS_SRC,
) -> Path:
    out = tmp / f"b{version}-{time.monotonic_ns()}"
    bundles.pack(src, out, version, expires, [group], allow_past=True)
    bundles.sign(out, keys)
    return out


def reseal(bundle: Path, keys: list[Ed25519PrivateKey]) -> None:
    """Recompute the manifest after editing files and sign again (what a careless or hostile operator does)."""
    manifest = json.loads((bundle / MANIFEST).read_bytes())
    for name in list(manifest["files"]):
        path = bundle / name
        manifest["files"][name] = {"sha256": bundles.sha256_file(path), "length": path.stat().st_size}
    (bundle / MANIFEST).write_bytes(bundles.canonical_json(manifest))
    (bundle / SIGNATURES).write_text(json.dumps({"signatures": []}))
    bundles.sign(bundle, keys)


class Events(list):
    def __call__(self, kind: str, detail: dict[str, Any]) -> None:
        self.append((kind, detail))

    def reasons(self) -> list[str]:
        return [d.get("reason") for k, d in self if k == "bundle_refused"]


@pytest.fixture
def terminal(tmp_path: Path, keys: list[Ed25519PrivateKey]) -> tuple[BundleManager, Events]:
    write_root(tmp_path / "data", keys[:1])
    events = Events()
    return BundleManager(tmp_path / "data", "wuchang", on_event=events), events


def refused(manager: BundleManager, bundle: Path) -> str:
    with pytest.raises(BundleRefused) as info:
        manager.install(bundle)
    return info.value.reason


# -- the happy path -----------------------------------------------------------------------------------------


def test_install_activate_and_keep_previous(tmp_path: Path, keys, terminal) -> None:
    manager, events = terminal
    assert manager.load_active()[1] == FLOWS_SRC  # nothing active yet: the shipped flows
    assert manager.install(make_bundle(tmp_path, 2, keys[:1])) == 2
    assert manager.activate() and manager.active_version() == 2
    assert manager.install(make_bundle(tmp_path, 3, keys[:1])) == 3
    assert manager.activate(in_session=lambda: False)
    assert (manager.active_version(), manager.previous_version()) == (3, 2)
    flows, root = manager.load_active()
    assert "license_collect" in flows and root == manager.root / "3"
    assert [k for k, _ in events] == ["bundle_staged", "bundle_activated"] * 2


def test_activation_waits_for_the_citizen(tmp_path: Path, keys, terminal) -> None:
    manager, events = terminal
    manager.install(make_bundle(tmp_path, 2, keys[:1]))
    assert manager.activate(in_session=True) is False
    assert manager.active_version() is None and manager.pending() == [2]
    assert events[-1][0] == "bundle_deferred"
    assert manager.activate(in_session=False) and manager.pending() == []


def test_archive_install(tmp_path: Path, keys, terminal) -> None:
    manager, _ = terminal
    bundle = make_bundle(tmp_path, 4, keys[:1])
    archive = tmp_path / "b4.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(bundle, arcname="bundle-4")
    assert manager.install(archive) == 4


def test_cli_pack_sign_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key, roots, out = tmp_path / "op.key", tmp_path / "root.json", tmp_path / "bundle"
    assert main(["flows", "keygen", str(key), "--root-keys", str(roots)]) == 0
    assert main(pack_command(out, 7, expires=FUTURE, source=FLOWS_SRC)) == 0
    assert main(["flows", "verify", str(out), "--root-keys", str(roots)]) == 1  # not signed yet
    assert main(["flows", "sign", str(out), "--key", str(key)]) == 0
    capsys.readouterr()
    assert main(["flows", "verify", str(out), "--root-keys", str(roots), "--group", "wuchang", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == 7
    assert main(["flows", "verify", str(out), "--root-keys", str(roots), "--group", "wuchang"]) == 0
    line = capsys.readouterr().out  # one line without --json, as every command (README)
    assert line.count("\n") == 1 and "verified, version 7" in line
    assert main(["flows", "verify", str(out), "--root-keys", str(roots), "--active-version", "7"]) == 1
    assert os.stat(key).st_mode & 0o077 == 0


# -- refusals -------------------------------------------------------------------------------------------------


def test_refuses_bad_and_missing_signatures(tmp_path: Path, keys, terminal) -> None:
    manager, events = terminal
    bundle = make_bundle(tmp_path, 2, keys[:1])
    sigs = json.loads((bundle / SIGNATURES).read_text())
    sigs["signatures"][0]["sig"] = "00" * 64
    (bundle / SIGNATURES).write_text(json.dumps(sigs))
    assert refused(manager, bundle) == "bad_signature"
    (bundle / SIGNATURES).unlink()
    assert refused(manager, bundle) == "missing_signature"
    assert refused(manager, make_bundle(tmp_path, 2, keys[1:2])) == "missing_signature"  # unknown key only
    unsigned = tmp_path / "unsigned"
    bundles.pack(FLOWS_SRC, unsigned, 2, FUTURE, ["wuchang"])
    assert refused(manager, unsigned) == "missing_signature"
    assert events.reasons() == [
        "bad_signature",
        "missing_signature",
        "missing_signature",
        "missing_signature",
    ]


def test_refuses_a_manifest_changed_after_signing(tmp_path: Path, keys, terminal) -> None:
    manager, _ = terminal
    bundle = make_bundle(tmp_path, 2, keys[:1])
    manifest = json.loads((bundle / MANIFEST).read_bytes())
    manifest["groups"].append("everyone")
    (bundle / MANIFEST).write_bytes(bundles.canonical_json(manifest))
    assert refused(manager, bundle) == "bad_signature"


def test_threshold_of_keys(tmp_path: Path, keys) -> None:
    data = tmp_path / "data"
    write_root(data, keys, threshold=2)
    manager = BundleManager(data, "wuchang")
    assert refused(manager, make_bundle(tmp_path, 2, keys[:1])) == "threshold_not_met"
    assert manager.install(make_bundle(tmp_path, 2, keys[:2])) == 2


def test_refuses_versions_not_above_the_active_one(tmp_path: Path, keys, terminal) -> None:
    manager, _ = terminal
    manager.install(make_bundle(tmp_path, 5, keys[:1]))
    manager.activate()
    assert refused(manager, make_bundle(tmp_path, 5, keys[:1])) == "old_version"
    assert refused(manager, make_bundle(tmp_path, 3, keys[:1])) == "old_version"


def test_refuses_expired_bundles(tmp_path: Path, keys, terminal) -> None:
    manager, _ = terminal
    bundle = make_bundle(
        tmp_path, 2, keys[:1], expires=(datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    )
    assert refused(manager, bundle) == "expired"


def test_refuses_another_group(tmp_path: Path, keys, terminal) -> None:
    manager, _ = terminal
    assert refused(manager, make_bundle(tmp_path, 2, keys[:1], group="hanyang")) == "wrong_group"


def test_refuses_files_that_differ(tmp_path: Path, keys, terminal) -> None:
    manager, events = terminal
    bundle = make_bundle(tmp_path, 2, keys[:1])
    target = bundle / "definitions" / "rate_case.yaml"
    original = target.read_bytes()
    changed = re.sub(rb"\nversion: \d+", lambda m: m.group(0)[:-1] + b"9", original, count=1)
    assert changed != original and len(changed) == len(original)
    target.write_bytes(changed)  # same length, other bytes
    assert refused(manager, bundle) == "hash_mismatch"
    target.write_bytes(original + b"\n")
    assert refused(manager, bundle) == "length_mismatch"
    target.unlink()
    assert refused(manager, bundle) == "missing_file"
    target.write_bytes(original)
    (bundle / "definitions" / "extra.yaml").write_bytes(b"id: extra\n")
    assert refused(manager, bundle) == "unexpected_file"
    assert events.reasons() == ["hash_mismatch", "length_mismatch", "missing_file", "unexpected_file"]


def test_refuses_oversized_bundles(tmp_path: Path, keys) -> None:
    data = tmp_path / "data"
    write_root(data, keys[:1])
    manager = BundleManager(data, "wuchang", max_bytes=10_000)
    assert refused(manager, make_bundle(tmp_path, 2, keys[:1])) == "oversized"


def test_refuses_a_bundle_that_fails_lint(tmp_path: Path, keys, terminal) -> None:
    manager, events = terminal
    bundle = make_bundle(tmp_path, 2, keys[:1])
    path = bundle / "definitions" / "rate_case.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("goto: rate}", "goto: nowhere}"), encoding="utf-8"
    )
    reseal(bundle, keys[:1])
    assert refused(manager, bundle) == "lint_failed"
    assert "nowhere" in events[-1][1]["detail"]


def test_refuses_without_pinned_keys(tmp_path: Path, keys) -> None:
    manager = BundleManager(tmp_path / "data", "wuchang")
    assert refused(manager, make_bundle(tmp_path, 2, keys[:1])) == "no_root_keys"


def test_refusals_reach_the_store(tmp_path: Path, keys) -> None:
    class FakeStore:
        def __init__(self) -> None:
            self.events: list[tuple[str, ...]] = []

        def record_device_event(self, device: str, state: str, reason: str = "", detail: str = "") -> None:
            self.events.append((device, state, reason, detail))

    store = FakeStore()
    data = tmp_path / "data"
    write_root(data, keys[:1])
    manager = BundleManager(data, "wuchang", on_event=bundles.store_sink(store))
    refused(manager, make_bundle(tmp_path, 2, keys[:1], group="elsewhere"))
    assert store.events[0][:3] == ("flows", "bundle_refused", "wrong_group")


# -- rollback and power cuts -----------------------------------------------------------------------------------


def test_bundle_failing_to_load_at_activation_rolls_back(tmp_path: Path, keys, terminal) -> None:
    manager, events = terminal
    manager.install(make_bundle(tmp_path, 2, keys[:1]))
    manager.activate()
    manager.install(make_bundle(tmp_path, 3, keys[:1]))
    (manager.root / "3" / "definitions" / "rate_case.yaml").write_text("damaged on disk", encoding="utf-8")
    assert manager.activate() is False
    assert manager.active_version() == 2 and (manager.root / "3.failed").is_dir()
    assert events[-1][0] == "bundle_rolled_back" and events[-1][1]["to"] == 2
    assert refused(manager, make_bundle(tmp_path, 3, keys[:1])) == "old_version"  # never retried
    assert "rate_case" in manager.load_active()[0]


def test_damaged_active_bundle_rolls_back_when_loaded(tmp_path: Path, keys, terminal) -> None:
    manager, events = terminal
    for version in (2, 3):
        manager.install(make_bundle(tmp_path, version, keys[:1]))
        manager.activate()
    (manager.root / "3" / "templates" / "si_rights_receipt.yaml").write_text("x", encoding="utf-8")
    flows, root = manager.load_active()
    assert root == manager.root / "2" and manager.active_version() == 2 and flows
    assert events[-1][0] == "bundle_rolled_back"


CHILD = """
import os, signal, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from flows import bundles
point = sys.argv[1]
crash = lambda name: os.kill(os.getpid(), signal.SIGKILL) if name == point else None
manager = bundles.BundleManager(Path(sys.argv[2]), "wuchang", crash_hook=crash)
if sys.argv[3] == "damage":
    (manager.root / "3" / "definitions" / "rate_case.yaml").write_text("damaged", encoding="utf-8")
manager.activate()
"""


def _consistent(data: Path) -> int:
    manager = BundleManager(data, "wuchang")
    version = manager.active_version()
    assert version in (2, 3)
    bundles.verify(
        manager.root / str(version),
        RootKeys.load(data / "trust" / "bundle_root_keys.json"),
        now=datetime.min.replace(tzinfo=UTC),
    )
    assert manager.load_active()[0]
    return version


@pytest.mark.parametrize(
    ("point", "mode", "expect"),
    [
        ("before_previous", "ok", 2),
        ("after_previous", "ok", 2),
        ("after_active", "ok", {2, 3}),
        ("after_rollback", "damage", 2),
        ("never", "ok", 3),
    ],
)
def test_power_cut_during_activation_leaves_old_or_new(
    tmp_path: Path, keys, point: str, mode: str, expect: int | set[int]
) -> None:
    data = tmp_path / "data"
    write_root(data, keys[:1])
    manager = BundleManager(data, "wuchang")
    for version in (2, 3):
        manager.install(make_bundle(tmp_path, version, keys[:1]))
        if version == 2:
            manager.activate()
    script = CHILD.format(root=str(ROOT))
    result = subprocess.run([sys.executable, "-c", script, point, str(data), mode], timeout=60)
    assert result.returncode == (0 if point == "never" else -signal.SIGKILL)
    version = _consistent(data)
    assert version in (expect if isinstance(expect, set) else {expect})


LOOP = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from flows import bundles
manager = bundles.BundleManager(Path(sys.argv[1]), "wuchang")
print("ready", flush=True)
for version in manager.pending():
    manager.activate(version)
"""


@pytest.mark.slow  # a crash run: processes killed at random points
def test_random_kills_while_switching_bundles(tmp_path: Path, keys) -> None:
    """Kill the activating process at arbitrary moments; each time the active bundle is whole."""
    data = tmp_path / "data"
    write_root(data, keys[:1])
    manager = BundleManager(data, "wuchang")
    source = make_bundle(tmp_path, 2, keys[:1])
    manager.install(source)
    manager.activate()
    for version in range(3, 16):
        manager.install(make_bundle(tmp_path, version, keys[:1]))
    for delay in (0.05, 0.1, 0.15, 0.2):
        child = subprocess.Popen(
            [sys.executable, "-c", LOOP.format(root=str(ROOT)), str(data)], stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        time.sleep(delay)
        child.kill()
        child.wait()
        after = BundleManager(data, "wuchang")
        active = after.active_version()
        assert active is not None and active >= 2
        bundles.verify(
            after.root / str(active),
            RootKeys.load(data / "trust" / "bundle_root_keys.json"),
            now=datetime.min.replace(tzinfo=UTC),
        )
