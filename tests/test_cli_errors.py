"""Every CLI failure a technician met is one line on stderr, a non-zero exit and no traceback (issue 14).

Each command runs in a subprocess, as typed at a terminal, with the bad input from the issue.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow  # every command of both CLIs as a subprocess (about 25 s in all)

ROOT = Path(__file__).resolve().parent.parent
DEAD_PG = "postgresql+psycopg://kiosk:secret@127.0.0.1:9/kiosk"  # port 9 (discard): nothing listens


def _run(
    tmp_path: Path,
    *argv: str,
    module: str = "kiosk",
    env: dict[str, str] | None = None,
    stdin: Any = None,
    stdout: Any = subprocess.PIPE,
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("KIOSK_CONFIG", "BACKOFFICE_DATABASE")}
    environment.update(
        {
            "PYTHONPATH": str(ROOT),
            "QT_QPA_PLATFORM": "offscreen",
            "HOME": str(tmp_path / "home"),
            "XDG_DATA_HOME": str(tmp_path / "home" / ".local" / "share"),
            **(env or {}),
        }
    )
    return subprocess.run(
        [sys.executable, "-m", module, *argv],
        cwd=tmp_path,
        env=environment,
        stdin=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, result.stderr
    return lines[0]


def _config(tmp_path: Path, terminal_id: str = "T-4201-0201", extra: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[terminal]\nid = "{terminal_id}"\n[paths]\ndata_dir = "data"\n{extra}\n'
        '[devices]\nreceipt = "sim://receipt"\n',
        encoding="utf-8",
    )
    return path


def test_flows_pack_with_a_day_month_year_date(tmp_path):
    line = _one_line(
        _run(
            tmp_path,
            "flows",
            "pack",
            str(ROOT / "flows"),
            "--version",
            "2",
            "--expires",
            "30/06/2027",
            "--group",
            "g",
        )
    )
    assert "--expires 30/06/2027" in line and "YYYY-MM-DD" in line


@pytest.mark.parametrize("command", ["serve", "issue-token"])
def test_backoffice_with_an_unreachable_postgresql(tmp_path, command):
    line = _one_line(_run(tmp_path, command, "--database", DEAD_PG, module="backoffice.cli"))
    assert "cannot open the database" in line and "127.0.0.1:9" in line
    assert "secret" not in line  # the password is hidden


def test_backoffice_with_a_database_scheme_it_cannot_use(tmp_path):
    line = _one_line(
        _run(tmp_path, "issue-token", "--database", "mysql://u@localhost/db", module="backoffice.cli")
    )
    assert "mysql://u@localhost/db" in line and "MySQLdb" in line and "sqlite:///" in line
    line = _one_line(_run(tmp_path, "issue-token", "--database", "backoffice.db", module="backoffice.cli"))
    assert "not usable" in line


def test_backoffice_with_a_missing_certificate_file(tmp_path):
    line = _one_line(
        _run(
            tmp_path,
            "serve",
            "--ssl-certfile",
            "nope.pem",
            "--ssl-keyfile",
            "nope.key",
            module="backoffice.cli",
        )
    )
    assert "nope.pem" in line and "no such file" in line


def test_issue_token_uses_one_absolute_database_wherever_it_runs(tmp_path):
    state = {"STATE_DIRECTORY": str(tmp_path / "state")}  # what systemd's StateDirectory= sets
    made = _run(tmp_path, "init", module="backoffice.cli", env=state)  # only serve and init create it
    assert made.returncode == 0, made.stderr
    first = _run(tmp_path, "issue-token", module="backoffice.cli", env=state)
    assert first.returncode == 0, first.stderr
    database = tmp_path / "state" / "backoffice.sqlite3"
    assert f"database: sqlite:///{database}" in first.stderr and database.is_file()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    second = subprocess.run(
        [sys.executable, "-m", "backoffice.cli", "issue-token", "--json"],
        cwd=elsewhere,
        env={**os.environ, "PYTHONPATH": str(ROOT), **state},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert f"database: sqlite:///{database}" in second.stderr and not list(elsewhere.iterdir())
    token = json.loads(second.stdout)["token"]
    assert first.stdout.strip() != token  # two tokens in the one database
    import sqlalchemy

    with sqlalchemy.create_engine(f"sqlite:///{database}").connect() as conn:
        assert conn.execute(sqlalchemy.text("SELECT count(*) FROM enrolment_tokens")).scalar() == 2


def test_calibrate_refuses_nan_and_names_a_damaged_stored_calibration(tmp_path):
    data = tmp_path / "data"
    line = _one_line(
        _run(
            tmp_path,
            "devices",
            "calibrate",
            "license",
            "--x",
            "nan",
            "--device",
            "sim://license",
            "--data-dir",
            str(data),
            "--no-print",
        )
    )
    assert "--x must be a finite number" in line
    assert not (data / "printing" / "license_calibration.json").exists()
    (data / "printing").mkdir(parents=True)
    (data / "printing" / "license_calibration.json").write_text(json.dumps({"x_mm": float("nan"), "y_mm": 0}))
    line = _one_line(
        _run(
            tmp_path,
            "devices",
            "calibrate",
            "license",
            "--device",
            "sim://license",
            "--data-dir",
            str(data),
            "--no-print",
        )
    )
    assert "license_calibration.json is not usable" in line and "--x X --y Y" in line


def test_technician_commands_never_fall_back_to_a_simulator(tmp_path):
    line = _one_line(_run(tmp_path, "devices", "test-print", "document"))
    assert "no configuration found" in line and "/etc/kiosk/kiosk.toml" in line
    line = _one_line(
        _run(
            tmp_path,
            "devices",
            "test-print",
            "document",
            env={"KIOSK_CONFIG": str(tmp_path / "missing.toml")},
        )
    )
    assert "KIOSK_CONFIG" in line and "missing.toml" in line
    config = _config(tmp_path)
    line = _one_line(_run(tmp_path, "devices", "calibrate", "license", "--config", str(config)))
    assert "configures no license device" in line and "--device" in line
    assert not (tmp_path / "data" / "printed").exists()


def test_kiosk_run_refuses_an_unenrolled_or_mismatched_terminal(tmp_path):
    config = _config(tmp_path, extra='[backoffice]\nurl = "https://backoffice.example.gov.cn"')
    line = _one_line(_run(tmp_path, "run", "--config", str(config)))
    assert "not enrolled" in line and "T-4201-0201" in line and "kiosk provision" in line
    from kiosk.sync.credentials import Credentials

    Credentials("T-0002", "s3cret", base_url="https://backoffice.example.gov.cn").save(tmp_path / "data")
    line = _one_line(_run(tmp_path, "run", "--config", str(config)))
    assert "T-4201-0201" in line and "T-0002" in line and "s3cret" not in line


def test_argparse_errors_are_one_line(tmp_path):
    line = _one_line(_run(tmp_path, "devices", "calibrate", "license", "--x", "left"))
    assert "invalid float value" in line and "--help" in line


@pytest.mark.slow  # a headless demo in a subprocess
def test_the_demo_on_a_revoked_terminal_says_so(tmp_path):
    import requests

    from kiosk.config import Config
    from kiosk.demo.embedded import start_embedded
    from kiosk.demo.link import demo_bundle_root_keys

    config = Config()
    data = tmp_path / "data"
    embedded = start_embedded(
        data / "backoffice",
        terminal_id=config.terminal_id,
        group=config.group,
        bundle_root_keys=demo_bundle_root_keys(data / "backoffice"),
    )
    try:
        answer = requests.post(
            f"{embedded.url}/api/v1/operator/terminals/{config.terminal_id}/revoke",
            headers={"X-Operator-Key": embedded.operator_key},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
    finally:
        embedded.stop()
    result = _run(
        tmp_path,
        "--log-level",
        "WARNING",
        "demo",
        "--headless",
        "--data-dir",
        str(data),
        "--out",
        str(tmp_path / "out"),
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr and "TimeoutError" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert (
        last.startswith("kiosk: demo: the back office revoked terminal T-DEMO-0001") and "--data-dir" in last
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--config", "nope.toml"],
        ["demo", "--config", "nope.toml"],
        ["status", "--config", "nope.toml"],
        ["status", "--data-dir", "nope"],
        ["selftest", "--config", "nope.toml"],
        ["selftest-ui", "--config", "nope.toml", "--screenshot", "x.png"],
        ["maintenance-pin", "--data-dir", "d", "--pin", "1"],
        ["provision", "--backoffice", "ftp://x", "--token", "t"],
        ["provision", "--backoffice", "http://127.0.0.1:9", "--token", "t", "--data-dir", "d"],
        ["devices", "test-print", "receipt", "--config", "nope.toml"],
        [
            "devices",
            "test-print",
            "receipt",
            "--device",
            "escpos+tcp://127.0.0.1:9?status_timeout=0.3",
            "--data-dir",
            "d",
        ],
        ["devices", "calibrate", "license", "--x", "inf", "--device", "sim://license", "--data-dir", "d"],
        ["devices", "read-id", "--port", "/dev/nonexistent-tty", "--baud", "9600", "--timeout", "0.2"],
        ["flows", "verify", "nope", "--root-keys", "nope.json"],
        ["--log-level", "LOUD", "status"],
        ["no-such-command"],
    ],
    ids=lambda argv: " ".join(argv)[:40],
)
def test_every_command_fails_in_one_line(tmp_path, argv):
    _one_line(_run(tmp_path, *argv))


@pytest.mark.parametrize(
    "argv",
    [
        ["serve", "--port", "abc"],
        ["issue-token", "--ttl", "-5"],
        ["issue-token", "--group", ""],
        ["issue-token", "--database", "sqlite:////proc/forbidden/bo.sqlite3"],
    ],
    ids=lambda argv: " ".join(argv)[:40],
)
def test_every_backoffice_command_fails_in_one_line(tmp_path, argv):
    _one_line(
        _run(tmp_path, *argv, module="backoffice.cli", env={"STATE_DIRECTORY": str(tmp_path / "state")})
    )


# -- the outside tryout's finding 18 -------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["status", "selftest", "run"])
def test_a_config_that_is_not_text_or_not_a_file_is_a_configuration_error(tmp_path, command):
    (tmp_path / "latin1.toml").write_bytes(
        '[terminal]\nid = "T-4201-0201"\nname = "武汉"\n'.encode("gb18030")
    )
    for config, problem in (("latin1.toml", "not UTF-8"), (".", "is a directory")):
        line = _one_line(_run(tmp_path, command, "--config", config))
        assert line.startswith("kiosk: configuration error: ") and problem in line and config in line


def test_maintenance_pin_with_stdin_closed_is_one_line(tmp_path):
    data = tmp_path / "d"
    data.mkdir()
    (data / "kiosk.db").write_bytes(b"")
    result = _run(tmp_path, "maintenance-pin", "--data-dir", str(data), stdin=subprocess.DEVNULL)
    line = _one_line(result)
    assert "--pin" in line and "GetPassWarning" not in result.stderr and "EOFError" not in line
    assert not (data / "maintenance.json").exists() and len(list(data.iterdir())) == 1


def test_a_reader_that_leaves_early_ends_the_command_quietly(tmp_path):
    """`kiosk status | head`: the closed pipe stops the command without a word (141, as a shell reports it)."""
    (tmp_path / "d").mkdir()
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line
    try:
        result = _run(tmp_path, "status", "--data-dir", "d", stdout=write_end)
    finally:
        os.close(write_end)
    assert result.returncode == 141 and result.stderr == "", result.stderr


def test_flows_install_and_verify_print_one_line(tmp_path):
    from kiosk.sync.credentials import Credentials

    Credentials("T-4201-0201", "s", group="wuchang").save(tmp_path / "d")
    result = _run(tmp_path, "flows", "install", str(ROOT / "flows"), "--data-dir", "d")
    assert result.returncode == 1 and result.stderr == "" and "WARNING" not in result.stdout
    assert result.stdout.count("\n") == 1 and result.stdout.startswith("refused: no_root_keys")
    assert _run(tmp_path, "flows", "keygen", "op.key", "--root-keys", "root.json").returncode == 0
    pack = _run(
        tmp_path,
        "flows",
        "pack",
        str(ROOT / "flows"),
        "--version",
        "3",
        "--expires",
        "2099-01-01",
        "--group",
        "wuchang",
    )
    assert pack.returncode == 0, pack.stderr
    assert _run(tmp_path, "flows", "sign", "bundle-3", "--key", "op.key").returncode == 0
    verify = _run(tmp_path, "flows", "verify", "bundle-3", "--root-keys", "root.json")
    assert (
        verify.returncode == 0 and verify.stdout.count("\n") == 1 and "verified, version 3" in verify.stdout
    )
    as_json = _run(tmp_path, "flows", "verify", "bundle-3", "--root-keys", "root.json", "--json")
    assert json.loads(as_json.stdout)["version"] == 3
    refused = _run(
        tmp_path, "flows", "verify", "bundle-3", "--root-keys", "root.json", "--active-version", "3"
    )
    assert refused.stdout == "" and _one_line(refused).startswith("kiosk: refused:")
