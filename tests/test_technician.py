"""A technician's tools (issue 14): ``kiosk status``, ``kiosk selftest``, ``selftest-ui --config``, production checks."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk import selftest
from kiosk.cli import main
from kiosk.config import Config, load_config
from kiosk.production import NotReady, check_production
from kiosk.status import gather, render
from kiosk.sync.credentials import Credentials
from offline_cache.store import Store

SIM_DEVICES = '[devices]\nidcard = "sim://idcard"\nreceipt = "sim://receipt"\ndocument = "sim://document"\n'


def _config(tmp_path: Path, body: str = "", terminal_id: str = "T-4201-0201") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[terminal]\nid = "{terminal_id}"\ngroup = "wuchang"\n[paths]\ndata_dir = "data"\n{body}',
        encoding="utf-8",
    )
    return path


def test_a_file_never_falls_back_to_the_demo(tmp_path):
    config = load_config(_config(tmp_path, SIM_DEVICES))
    assert config.backoffice_url == "" and not config.demo and config.data_dir == tmp_path / "data"
    with pytest.raises(NotReady, match="not enrolled"):
        check_production(config)
    embedded = load_config(_config(tmp_path, '[backoffice]\nurl = "embedded"\n'))
    assert check_production(embedded) is None  # written out: allowed
    with pytest.raises(NotReady, match="configuration file"):
        check_production(Config())


def test_production_takes_the_enrolment_only_when_it_matches(tmp_path):
    config = load_config(_config(tmp_path, '[backoffice]\nurl = "https://bo.example.gov.cn"\n'))
    Credentials("T-4201-0201", "s", base_url="https://bo.example.gov.cn").save(config.data_dir)
    assert check_production(config).terminal_id == "T-4201-0201"
    with pytest.raises(NotReady, match="enrolled with https://other"):
        Credentials("T-4201-0201", "s", base_url="https://other.example").save(config.data_dir)
        check_production(config)
    Credentials("T-0002", "s", base_url="https://bo.example.gov.cn").save(config.data_dir)
    with pytest.raises(NotReady, match="T-4201-0201 but .* T-0002"):
        check_production(config)


def _lived_in(tmp_path: Path) -> Config:
    """A data directory as a running kiosk leaves it: a case, device events, a refused bundle, a heartbeat."""
    config = load_config(_config(tmp_path, '[backoffice]\nurl = "https://bo.example.gov.cn"\n' + SIM_DEVICES))
    Credentials("T-4201-0201", "s", group="wuchang", base_url="https://bo.example.gov.cn").save(
        config.data_dir
    )
    store = Store(Path(config.data_dir) / "kiosk.db", terminal_id=config.terminal_id)
    case_no = store.open_case("si_contribution_print", "item")
    store.close_case(case_no, "done")
    store.record_device_event("receipt", "online")
    store.record_device_event("receipt", "user_error", "error.printer.paper_out", "sensor")
    store.record_device_event("idcard", "online")
    store.record_bundle(7, str(tmp_path / "b7"))
    store.set_bundle_state(tmp_path / "b7", "refused", "signature")
    store.set_state("last_contact", time.time() - 30)
    store.set_state("clock_offset", 1.5)
    store.close()
    return config


def test_status_gathers_what_a_running_kiosk_left(tmp_path):
    config = _lived_in(tmp_path)
    facts = gather(config)
    assert facts["terminal"]["id"] == "T-4201-0201" and facts["enrolment"]["enrolled"]
    assert facts["backoffice"]["link"] == "online" and facts["backoffice"]["clock_offset_s"] == 1.5
    assert facts["devices"]["receipt"]["state"] == "user_error"
    assert facts["devices"]["receipt"]["reason"] == "error.printer.paper_out"
    assert facts["devices"]["document"]["state"] == "unknown"  # configured, never reported: not "fine"
    assert facts["queue"]["depth"] == 4  # the case and three device events
    assert facts["bundles"]["refused"] == [{"version": 7, "reason": "signature"}]
    assert facts["last_case"]["case_no"] and facts["last_case"]["outcome"] == "done"
    assert any("receipt is user_error" in p for p in facts["problems"])
    assert any("document is unknown" in p for p in facts["problems"])
    text = "\n".join(render(facts))
    assert "refused 7 (signature)" in text and "PROBLEM" in text
    later = gather(config, now=time.time() + 3600)
    assert later["backoffice"]["link"] == "offline"


def test_status_cli_json_and_data_dir(tmp_path, capsys):
    config = _lived_in(tmp_path)
    assert main(["status", "--config", str(tmp_path / "config.toml"), "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["terminal"]["config"] == str(tmp_path / "config.toml") and facts["queue"]["depth"] == 4
    assert main(["status", "--data-dir", str(config.data_dir)]) == 0
    out = capsys.readouterr().out
    assert "enrolled as T-4201-0201 (group wuchang)" in out and "https://bo.example.gov.cn" in out
    assert main(["status", "--data-dir", str(tmp_path / "nope")]) == 2
    assert "no such data directory" in capsys.readouterr().err


def test_status_does_not_create_or_change_anything(tmp_path):
    config = load_config(_config(tmp_path, SIM_DEVICES))
    facts = gather(config)
    assert not Path(config.data_dir).exists()
    assert any("not enrolled" in p for p in facts["problems"]) and any(
        "no database" in p for p in facts["problems"]
    )


def test_selftest_external_prints_reads_and_reports(tmp_path, capsys):
    config = replace(load_config(_config(tmp_path, '[backoffice]\nurl = "embedded"\n' + SIM_DEVICES)))
    Path(config.data_dir).mkdir(mode=0o700)
    assert (
        main(["--log-level", "WARNING", "selftest", "--config", str(tmp_path / "config.toml"), "--json"]) == 0
    )
    report = json.loads(capsys.readouterr().out)
    checks = {c["name"]: c for c in report["checks"]}
    assert report["ok"] and checks["print.receipt"]["ok"] and "decoded" in checks["print.receipt"]["detail"]
    assert checks["print.document"]["ok"] and list(
        (Path(config.data_dir) / "printed" / "document").glob("*.pdf")
    )
    card = checks["card.idcard"]["detail"]
    assert checks["card.idcard"]["ok"] and "*" in card  # masked
    assert checks["backoffice"]["ok"] is None  # embedded: skipped, not a fault


def test_selftest_fails_on_a_dead_printer_and_on_a_rejected_page(tmp_path, capsys):
    body = (
        '[backoffice]\nurl = "embedded"\n[devices]\nreceipt = "escpos+tcp://127.0.0.1:9?poll=0&status_timeout=0.3"\n'
        'document = "sim://document"\n'
    )
    path = _config(tmp_path, body)
    Path(load_config(path).data_dir).mkdir(mode=0o700)
    assert main(["--log-level", "ERROR", "selftest", "--config", str(path)]) == 1
    out = capsys.readouterr().out
    assert "FAIL internal    device.receipt" in out and "1 fault(s)" in out
    checks = selftest.run(load_config(path), "interactive", ask=lambda question: "document" not in question)
    looks = {c.name: c.ok for c in checks if c.level == "interactive"}
    assert looks == {"looks.document": False}
    assert not [c for c in checks if c.name == "print.receipt"]  # a device that failed to open is not used


def test_selftest_without_any_config_names_where_it_looked(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    monkeypatch.setattr("kiosk.config.DEFAULT_CONFIG", tmp_path / "etc" / "config.toml")
    assert main(["selftest"]) == 2
    err = capsys.readouterr().err
    assert "no configuration found" in err and str(tmp_path / "etc" / "config.toml") in err


def test_selftest_checks_the_data_file_modes(tmp_path):
    config = load_config(_config(tmp_path, '[backoffice]\nurl = "embedded"\n'))
    Path(config.data_dir).mkdir()
    (Path(config.data_dir) / "kiosk.db").write_bytes(b"")
    (Path(config.data_dir) / "kiosk.db").chmod(0o644)
    checks = {c.name: c for c in selftest.run(config, "internal")}
    assert checks["file_modes"].ok is False and "kiosk.db" in checks["file_modes"].detail


def test_provision_sets_the_maintenance_pin_and_prints_json(tmp_path, backoffice, capsys):
    from kiosk.maintenance import check_pin

    data_dir = tmp_path / "kiosk"
    assert (
        main(
            [
                "provision",
                "--backoffice",
                backoffice.url,
                "--token",
                backoffice.token(),
                "--data-dir",
                str(data_dir),
                "--maintenance-pin",
                "12",
            ]
        )
        == 2
    )
    assert "6 to 12 digits" in capsys.readouterr().err and not data_dir.exists()
    assert (
        main(
            [
                "provision",
                "--backoffice",
                backoffice.url,
                "--token",
                backoffice.token(),
                "--data-dir",
                str(data_dir),
                "--maintenance-pin",
                "24681012",
                "--json",
            ]
        )
        == 0
    )
    answer = json.loads(capsys.readouterr().out)
    assert answer["maintenance_pin"] and answer["check"] == "signed request accepted"
    assert check_pin(data_dir, "24681012")
    assert main(["maintenance-pin", "--data-dir", str(data_dir), "--pin", "13579135", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["hashed"] and check_pin(data_dir, "13579135")
    assert main(["maintenance-pin", "--data-dir", str(data_dir), "--pin", "abc"]) == 2
    assert check_pin(data_dir, "13579135")


def test_selftest_ui_takes_the_terminals_config(qapp, tmp_path, capsys):
    path = _config(tmp_path, '[backoffice]\nurl = "embedded"\n' + SIM_DEVICES, terminal_id="T-4201-0999")
    png = tmp_path / "attract.png"
    assert (
        main(
            [
                "--log-level",
                "ERROR",
                "selftest-ui",
                "--config",
                str(path),
                "--screenshot",
                str(png),
                "--data-dir",
                str(tmp_path / "scratch"),
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["terminal"] == "T-4201-0999" and report["config"] == str(path) and png.is_file()
    assert not (tmp_path / "data").exists()  # the terminal's own data directory is left alone
