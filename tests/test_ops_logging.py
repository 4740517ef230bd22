"""Logs for operations and private data files (issue 14): JSON lines with the terminal id, scrubbed; a
start-up line naming terminal, config, data dir, back office and bundle; security events at WARNING+."""

from __future__ import annotations

import io
import json
import logging
import stat
from dataclasses import replace

import pytest

from kiosk.logging_setup import JsonLines, PiiScrubber, set_terminal, setup_logging
from offline_cache.store import Store


@pytest.fixture
def json_log():
    """The root logger as ``kiosk run`` sets it up, writing into a buffer."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    setup_logging("INFO", "json")
    buffer = io.StringIO()
    root.handlers[0].setStream(buffer)
    yield buffer
    root.handlers[:], _ = saved
    root.setLevel(saved[1])
    set_terminal("")


def _lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_json_lines_carry_the_terminal_and_are_scrubbed(json_log):
    set_terminal("T-4201-0201")
    logging.getLogger("kiosk.test").warning("card 420106199001011234 refused")
    [entry] = _lines(json_log)
    assert (
        entry["terminal"] == "T-4201-0201" and entry["level"] == "WARNING" and entry["logger"] == "kiosk.test"
    )
    assert "420106199001011234" not in entry["message"] and "4201**********1234" in entry["message"]
    assert entry["time"].endswith("Z")


def test_exceptions_become_one_scrubbed_field(json_log):
    try:
        raise ValueError("bad number 420106199001011234")
    except ValueError:
        logging.getLogger("kiosk.test").exception("failed")
    [entry] = _lines(json_log)
    assert "ValueError" in entry["exception"] and "420106199001011234" not in entry["exception"]


def test_the_start_up_line_names_terminal_config_data_dir_backoffice_and_bundle(tmp_path, json_log):
    from kiosk.app import build_context
    from kiosk.config import Config

    config = replace(
        Config(),
        terminal_id="T-4201-0201",
        source=str(tmp_path / "config.toml"),
        data_dir=tmp_path / "data",
        backoffice_url="https://bo.example.gov.cn",
        demo=False,
    )
    ctx = build_context(config)
    ctx.close()
    [start] = [e for e in _lines(json_log) if e.get("event") == "start"]
    assert start["terminal"] == "T-4201-0201" and start["config"] == str(tmp_path / "config.toml")
    assert start["data_dir"] == str(tmp_path / "data") and start["backoffice"] == "https://bo.example.gov.cn"
    assert "bundle" in start and "built-in flows" in start["message"]
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700


def test_a_revoked_terminal_is_logged_as_an_error(tmp_path, caplog):
    from kiosk.sync import Credentials, SyncClient
    from kiosk.sync.transport import Revoked

    store = Store(tmp_path / "k.db", terminal_id="T-1")
    client = SyncClient(store, "http://127.0.0.1:9", Credentials("T-1", "s"))
    with caplog.at_level(logging.INFO):
        client.report_failure(Revoked("terminal revoked", status=403, code="auth.revoked"))
    [record] = [r for r in caplog.records if "revoked" in r.getMessage()]
    assert record.levelno >= logging.WARNING and "T-1" in record.getMessage()


def test_data_files_are_private(tmp_path):
    legacy = tmp_path / "old.db"
    Store(legacy).close()
    legacy.chmod(0o644)  # what a kiosk.db looked like before
    store = Store(legacy)
    store.open_case("svc", "item")
    for path in tmp_path.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_formatter_and_scrubber_are_the_ones_in_use():
    setup_logging("INFO", "json")
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler.formatter, JsonLines)
    assert any(isinstance(f, PiiScrubber) for f in handler.filters)
    setup_logging("INFO")
