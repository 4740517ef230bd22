"""``kiosk-backoffice`` and the state it keeps (tryout findings 6, 7, 10): only ``serve`` and ``init`` create a
database, every other command refuses a missing SQLite file in one line naming it; the database, its WAL and its
key are private to the back office's user; ``serve`` refuses a port outside 0..65535 or one in use, in one line.
The real CLI (``backoffice.cli.main``) in this process, a real SQLite database."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest
import sqlalchemy

from backoffice.app import create_app
from backoffice.cli import main


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize(
    "argv",
    [
        ["audit"],
        ["audit", "--json"],
        ["operator", "list"],
        ["retention"],
        ["issue-token", "--group", "g"],
    ],
    ids=" ".join,
)
def test_a_typo_in_the_database_path_is_refused_not_created(tmp_path, capsys, argv):
    typo = tmp_path / "typo.sqlite3"
    assert main([*argv, "--database", f"sqlite:///{typo}"]) != 0
    line = _one_line(capsys)
    assert str(typo) in line and "no database" in line
    assert not typo.exists() and not Path(f"{typo}.key").exists() and list(tmp_path.iterdir()) == []
    assert main([*argv, "--database", "sqlite:////nonexistent/x.db"]) != 0
    assert "/nonexistent/x.db" in _one_line(capsys) and not Path("/nonexistent").exists()


def test_operator_add_refuses_a_missing_database_before_reading_a_password(tmp_path, capsys, monkeypatch):
    typo = tmp_path / "bo.sqlite3"
    monkeypatch.setattr("sys.stdin", open(os.devnull))  # noqa: SIM115 - closed with the test
    argv = [
        "operator",
        "add",
        "alice",
        "--role",
        "admin",
        "--password-stdin",
        "--database",
        f"sqlite:///{typo}",
    ]
    assert main(argv) != 0
    assert str(typo) in _one_line(capsys) and not typo.exists()


def test_init_creates_a_private_database_the_other_commands_then_use_and_name(tmp_path, capsys):
    path = tmp_path / "state" / "bo.sqlite3"
    database = f"sqlite:///{path}"
    assert main(["init", "--database", database]) == 0
    assert f"database: {database}" in capsys.readouterr().err
    assert _mode(path) == 0o600 and _mode(Path(f"{path}.key")) == 0o600 and _mode(path.parent) == 0o700
    assert main(["issue-token", "--database", database]) == 0
    out = capsys.readouterr()
    assert len(out.out.strip()) > 20 and f"database: {database}" in out.err
    assert main(["operator", "list", "--database", database]) == 0
    assert f"database: {database}" in capsys.readouterr().err
    assert main(["audit", "--database", database]) == 0
    assert f"database: {database}" in capsys.readouterr().err
    with sqlalchemy.create_engine(database).connect() as conn:
        assert conn.execute(sqlalchemy.text("SELECT count(*) FROM enrolment_tokens")).scalar() == 1
    assert os.umask(0o022) == 0o022  # main() gave this process its umask back


def test_a_database_made_outside_the_cli_and_its_wal_are_private_too(tmp_path):
    """``create_app`` (the demo, tests, the workers) under a 022 umask: the file, -wal and -shm are 0600."""
    old = os.umask(0o022)
    try:
        path = tmp_path / "bo.sqlite3"
        bo = create_app(f"sqlite:///{path}").state.backoffice
        try:
            with bo.sessions.begin() as session:
                session.execute(sqlalchemy.text("CREATE TABLE probe (x)"))
            for suffix in ("", "-wal", "-shm"):
                assert _mode(Path(f"{path}{suffix}")) == 0o600, suffix
        finally:
            bo.dispose()
    finally:
        os.umask(old)


@pytest.mark.parametrize("port", ["99999", "-1", "65536"])
def test_serve_refuses_a_port_outside_the_tcp_range(tmp_path, capsys, port):
    database = tmp_path / "bo.sqlite3"
    assert main(["serve", "--port", port, "--database", f"sqlite:///{database}"]) != 0
    line = _one_line(capsys)
    assert f"--port {port}" in line and "0..65535" in line and not database.exists()


def test_serve_on_a_port_in_use_says_so_in_one_line(tmp_path, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        database = tmp_path / "bo.sqlite3"
        assert main(["serve", "--port", str(port), "--database", f"sqlite:///{database}"]) != 0
    line = _one_line(capsys)
    assert f"port {port}" in line and "in use" in line and not database.exists()
