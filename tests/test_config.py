"""Configuration: demo defaults without a file; every problem named by its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import DEMO_DEVICES, Config, ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_means_the_embedded_demo():
    config = load_config(None)
    assert config.demo and config.devices == DEMO_DEVICES and config.backoffice_url == "embedded"


def test_a_full_file_is_read(tmp_path):
    config = load_config(
        write(
            tmp_path,
            """
[terminal]
id = "T-4201-0007"
name = "武昌区市民之家 7号自助终端"
group = "wuchang"
locale = "en"
[timeouts]
inactivity_s = 90
countdown_s = 20
[paths]
data_dir = "data"
[backoffice]
url = "https://backoffice.example.gov.cn"
[devices]
idcard = "serial:///dev/ttyUSB0?baud=115200"
receipt = "escpos+tcp://127.0.0.1:9100"
document = "cups://A4"
""",
        )
    )
    assert config.terminal_id == "T-4201-0007" and config.locale == "en" and config.inactivity_s == 90.0
    assert config.data_dir == tmp_path / "data"
    assert config.devices == {
        "idcard": "serial:///dev/ttyUSB0?baud=115200",
        "receipt": "escpos+tcp://127.0.0.1:9100",
        "document": "cups://A4",
    }
    assert not config.demo


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ("[timeouts]\ninactivity_s = 'abc'", "timeouts.inactivity_s", "must be a number"),
        ("[timeouts]\ninactivity_s = 5", "timeouts.inactivity_s", "between 10 and 600"),
        ("[terminal]\nlocale = 'fr'", "terminal.locale", "must be one of zh_CN, en"),
        ("[terminal]\ncolour = 'red'", "terminal.colour", "unknown key"),
        ("[screen]\nx = 1", "screen", "unknown section"),
        ("[backoffice]\nurl = 'ftp://x'", "backoffice.url", "http:// or https://"),
        ("[devices]\nidcard = 'usb://x'", "devices.idcard", "scheme 'usb' is not supported"),
        ("[devices]\nfax = 'sim://fax'", "devices.fax", "unknown device class"),
        ("[devices]\nreceipt = 'escpos+tcp://h:notaport'", "devices.receipt", "port"),
        ("[terminal\nid=1", "(syntax)", ""),
    ],
)
def test_problems_name_the_key(tmp_path, text, key, problem):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert caught.value.key == key
    assert problem in str(caught.value)
    assert str(caught.value).startswith(str(tmp_path / "kiosk.toml"))


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_run_with_a_bad_config_exits_with_a_clear_message(tmp_path, capsys):
    from kiosk.cli import main

    status = main(["run", "--config", str(write(tmp_path, "[timeouts]\ncountdown_s = 1"))])
    assert status == 2
    err = capsys.readouterr().err
    assert "timeouts.countdown_s: must be between 5 and 120" in err and "Traceback" not in err


def test_defaults_are_valid_config():
    assert Config().inactivity_s >= 10


def test_heartbeat_interval_is_configuration():
    """Issue 12: how often a terminal reports and looks for a new bundle is set per terminal (default 30 s)."""
    from kiosk.config import ConfigError, parse_config

    assert parse_config({}).heartbeat_s == 30.0
    assert parse_config({"backoffice": {"heartbeat_s": 10}}).heartbeat_s == 10.0
    with pytest.raises(ConfigError) as info:
        parse_config({"backoffice": {"heartbeat_s": 0}})
    assert info.value.key == "backoffice.heartbeat_s"
