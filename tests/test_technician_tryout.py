"""The technician's findings from the outside tryout: revocation, provisioning, PINs, file modes, status text.

Each test drives the real CLI (``kiosk.cli.main``) against a real back office on 127.0.0.1 and a real store.
"""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

from kiosk.cli import main
from kiosk.config import load_config
from kiosk.status import gather, online_window, render
from kiosk.sync.client import SyncClient
from kiosk.sync.credentials import Credentials
from offline_cache.store import Store

ROOT = Path(__file__).resolve().parent.parent
SIM = '[devices]\nreceipt = "sim://receipt"\n'


def _config(tmp_path: Path, url: str, terminal_id: str = "T-4201-0007", extra: str = "") -> Path:
    path = tmp_path / "k1.toml"
    path.write_text(
        f'[terminal]\nid = "{terminal_id}"\ngroup = "wuchang"\n[paths]\ndata_dir = "data"\n'
        f'[backoffice]\nurl = "{url}"\n{extra}{SIM}',
        encoding="utf-8",
    )
    return path


def _provision(backoffice, data_dir: Path, terminal_id: str, *extra: str) -> int:
    token = backoffice.token(terminal_id=terminal_id, group="wuchang")
    argv = ["provision", "--backoffice", backoffice.url, "--token", token, "--data-dir", str(data_dir)]
    return main([*argv, "--terminal-id", terminal_id, "--group", "wuchang", *extra])


def _one_pass(data_dir: Path, terminal_id: str, heartbeat: float = 30.0) -> SyncClient:
    """One pass of the kiosk's sync worker on the terminal's own store (what `kiosk run` does every interval)."""
    credentials = Credentials.load(data_dir)
    store = Store(data_dir / "kiosk.db", terminal_id=terminal_id)
    client = SyncClient(store, credentials.base_url, credentials, heartbeat_interval=heartbeat)
    try:
        client.run_once()
    finally:
        client.stop()
        store.close()
    return client


def test_a_revoked_terminal_says_so_until_it_is_re_provisioned(tmp_path, backoffice, capsys):
    """Finding 3: the revocation is kept in the store; status and selftest say REVOKED and name the fix."""
    config_path = _config(tmp_path, backoffice.url)
    data_dir = tmp_path / "data"
    assert _provision(backoffice, data_dir, "T-4201-0007") == 0
    assert _one_pass(data_dir, "T-4201-0007").status.online
    capsys.readouterr()
    assert main(["status", "--config", str(config_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["backoffice"]["link"] == "online"

    assert backoffice.op("POST", "/api/v1/operator/terminals/T-4201-0007/revoke").ok
    assert _one_pass(data_dir, "T-4201-0007").status.revoked
    assert main(["status", "--config", str(config_path), "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["backoffice"]["link"] == "revoked" and facts["enrolment"]["revoked"]["terminal_id"] == (
        "T-4201-0007"
    )
    assert facts["problems"][0].startswith("REVOKED") and "kiosk provision" in facts["problems"][0]
    assert not any("heartbeat" in p for p in facts["problems"])  # not a network problem
    assert main(["status", "--config", str(config_path)]) == 0
    text = capsys.readouterr().out
    assert "enrolment    REVOKED" in text and "PROBLEM      REVOKED" in text and "online" not in text
    later = gather(load_config(config_path), now=time.time() + 3600)  # after the kiosk stopped: still revoked
    assert later["backoffice"]["link"] == "revoked"
    assert main(["selftest", "--config", str(config_path), "--level", "internal"]) == 1
    lines = capsys.readouterr().out.splitlines()
    enrolment = next(line for line in lines if " enrolment " in line)
    assert enrolment.startswith("FAIL") and "REVOKED" in enrolment and "new token" in enrolment

    assert _provision(backoffice, data_dir, "T-4201-0007", "--force") == 0  # the fix the line names
    facts = gather(load_config(config_path))
    assert "revoked" not in facts["enrolment"] and not any("REVOKED" in p for p in facts["problems"])
    assert _one_pass(data_dir, "T-4201-0007").status.online
    store = Store(data_dir / "kiosk.db", terminal_id="T-4201-0007")
    assert store.get_state("revoked") is None and store.get_state("heartbeat_s") == 30.0
    store.close()


def test_the_online_cut_off_follows_the_heartbeat_interval(tmp_path):
    """Finding 3: a kiosk with heartbeat_s = 2, silent for 54 s, is offline (it was 'online' under a fixed 180 s)."""
    config = load_config(_config(tmp_path, "https://bo.example.gov.cn", extra="heartbeat_s = 2\n"))
    Credentials("T-4201-0007", "s", group="wuchang", base_url="https://bo.example.gov.cn").save(
        config.data_dir
    )
    store = Store(Path(config.data_dir) / "kiosk.db", terminal_id=config.terminal_id)
    store.set_state("last_contact", time.time() - 54)
    store.close()
    facts = gather(config)
    assert facts["backoffice"]["link"] == "offline" and facts["backoffice"]["online_window_s"] == 10.0
    assert any("has not answered a heartbeat for 5" in p for p in facts["problems"])
    assert online_window(None) == 90.0 and online_window(60) == 180.0 and online_window(1) == 10.0
    store = Store(Path(config.data_dir) / "kiosk.db", terminal_id=config.terminal_id)
    store.set_state("heartbeat_s", 60.0)  # what the running kiosk really uses wins over the file
    store.close()
    assert gather(config)["backoffice"]["link"] == "online"


def test_a_failed_provision_spends_no_token(tmp_path, backoffice, capsys):
    """Finding 5: a data directory that cannot be made is refused in one line before the token is spent."""
    afile = tmp_path / "afile"
    afile.write_text("not a directory")
    token = backoffice.token(terminal_id="T-4201-0010", group="wuchang")
    argv = ["provision", "--backoffice", backoffice.url, "--token", token, "--terminal-id", "T-4201-0010"]
    for target in (afile, afile / "sub"):
        assert main([*argv, "--group", "wuchang", "--data-dir", str(target)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "not a directory" in err and "nothing was written" in err
    terminals = backoffice.op("GET", "/api/v1/operator/terminals").json()
    assert "T-4201-0010" not in [t["terminal_id"] for t in terminals]  # no ghost terminal
    assert afile.read_text() == "not a directory"
    assert (
        main([*argv, "--group", "wuchang", "--data-dir", str(tmp_path / "good")]) == 0
    )  # the token still works
    assert "enrolled terminal T-4201-0010" in capsys.readouterr().out


def test_maintenance_pin_refuses_a_directory_no_terminal_uses(tmp_path, capsys):
    """Finding 6: no PIN file (and no new directory) where no terminal lives."""
    missing = tmp_path / "nonexist"
    assert main(["maintenance-pin", "--data-dir", str(missing), "--pin", "12345678"]) == 2
    assert "no such data directory" in capsys.readouterr().err and not missing.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["maintenance-pin", "--data-dir", str(empty), "--pin", "12345678"]) == 2
    err = capsys.readouterr().err
    assert "not a terminal's data directory" in err and err.count("\n") == 1 and not any(empty.iterdir())


def test_every_file_the_kiosk_writes_is_its_own(tmp_path, capsys):
    """Finding 7: under a 022 umask the CLI still writes 0600 files in 0700 directories; selftest finds a
    file opened up afterwards, deep in the bundles' tree too; the systemd unit sets UMask=0077."""
    config_path = _config(tmp_path, "embedded", terminal_id="T-4201-0201")
    data_dir = tmp_path / "data"
    Credentials("T-4201-0201", "s", group="wuchang").save(data_dir)
    previous = os.umask(0o022)
    try:
        main(["flows", "install", str(ROOT / "flows"), "--data-dir", str(data_dir)])  # refused: no root keys
        assert os.umask(0o022) == 0o022  # main() gave the process its umask back
    finally:
        os.umask(previous)
    capsys.readouterr()
    written = [p for p in data_dir.rglob("*") if not p.is_symlink()]
    assert any(p.parent.name == "bundles" for p in written)
    for path in written:
        expected = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == expected, path
    assert main(["selftest", "--config", str(config_path), "--level", "internal", "--json"]) == 0
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert checks["file_modes"]["ok"] is True
    journal = data_dir / "bundles" / "journal.json"
    journal.chmod(0o644)
    (data_dir / "bundles").chmod(0o755)
    assert main(["selftest", "--config", str(config_path), "--level", "internal", "--json"]) == 1
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert checks["file_modes"]["ok"] is False
    assert (
        "bundles/journal.json" in checks["file_modes"]["detail"]
        and "bundles/" in checks["file_modes"]["detail"]
    )
    assert "UMask=0077" in (ROOT / "deploy" / "kiosk.service").read_text(encoding="utf-8")


def test_status_text_shows_what_needs_a_hand_and_only_that(tmp_path):
    """Finding 11: bundle news is not a PROBLEM; refusals once each, an unreadable archive by name; the
    console's maintenance and standing values that could not be applied are in the text."""
    from flows.bundles.journal import emit
    from flows.bundles.journal import store_sink as bundle_sink

    config = load_config(_config(tmp_path, "https://bo.example.gov.cn", terminal_id="T-4201-0201"))
    data_dir = Path(config.data_dir)
    Credentials("T-4201-0201", "s", group="wuchang", base_url="https://bo.example.gov.cn").save(data_dir)
    store = Store(data_dir / "kiosk.db", terminal_id=config.terminal_id)
    store.record_device_event("receipt", "online")
    bundles, sink = data_dir / "bundles", bundle_sink(store)
    bundles.mkdir()
    emit(bundles, sink, "now", "bundle_activated", {"version": 11})
    emit(bundles, sink, "now", "bundle_withdrawn", {"version": 11})
    emit(bundles, sink, "now", "bundle_refused", {"version": None, "reason": "corrupt_archive"})
    emit(bundles, sink, "now", "bundle_refused", {"version": 12, "reason": "no_root_keys"})
    store.record_bundle(12, str(tmp_path / "b12"))
    store.set_bundle_state(tmp_path / "b12", "refused", "no_root_keys")
    store.set_state("last_contact", time.time())
    store.set_state("remote_state", {"maintenance": True})
    store.set_state("config_version", 4)
    store.set_state("config_applied", 3)
    store.set_state("standing_problem", "settings version 4 refused: inactivity_s out of range")
    store.close()
    facts = gather(config)
    assert "flows" not in facts["devices"]
    text = "\n".join(render(facts))
    assert "PROBLEM      flows" not in text and "bundle_activated" not in text, text
    assert "refused 12 (no_root_keys), archive (corrupt_archive)" in text and "None" not in text
    assert "maintenance  ON" in text
    assert "standing     settings version 4 (applied 3)" in text and "NOT APPLIED" in text
    assert "PROBLEM      settings version 4 refused" in text
    from kiosk.maintenance_rows import sync_rows

    shown = {row["label"]: row["value"] for row in sync_rows(facts)}  # the maintenance screen says the same
    assert "拒绝 12 (no_root_keys), archive (corrupt_archive)" in shown["流程包"]
    assert [line for line in text.splitlines() if line.startswith("PROBLEM")] == [
        "PROBLEM      settings version 4 refused: inactivity_s out of range"
    ]


def test_flows_status_does_not_guess_for_a_terminal_never_heard_from(backoffice, capsys):
    """Finding 13: no heartbeat yet is 'unknown', not 'runs built-in flows'."""
    backoffice.enrol("T-4201-0300", group="wuchang")
    argv = ["flows", "status", "--backoffice", backoffice.url, "--operator-key", backoffice.operator_key]
    assert main(argv) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("T-4201-0300"))
    assert "runs unknown (no heartbeat yet)" in line and "built-in" not in line


def test_an_installed_bundle_is_private_whatever_modes_it_came_with(tmp_path, capsys):
    """Finding 7: a bundle carried in with 0644 files and 0755 directories (made under umask 022, as on an
    operator's laptop) lands in the data directory as 0600 / 0700, so selftest's file_modes stays clean."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from flows import bundles

    key = Ed25519PrivateKey.generate()
    previous = os.umask(0o022)
    try:
        source = tmp_path / "usb" / "bundle-5"
        bundles.pack(ROOT / "flows", source, 5, "2099-01-01", ["wuchang"])
        bundles.sign(source, [key])
    finally:
        os.umask(previous)
    assert any(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in source.rglob("*") if p.is_file())
    data_dir = tmp_path / "data"
    Credentials("T-4201-0201", "s", group="wuchang").save(data_dir)
    trust = data_dir / "trust"
    trust.mkdir(mode=0o700)
    (trust / "bundle_root_keys.json").write_text(
        json.dumps({"threshold": 1, "keys": [bundles.public_hex(key)]})
    )
    (trust / "bundle_root_keys.json").chmod(0o600)
    assert main(["flows", "install", str(source), "--data-dir", str(data_dir)]) == 0, capsys.readouterr()
    installed = data_dir / "bundles" / "5"
    assert installed.is_dir()
    for path in [installed, *installed.rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path
