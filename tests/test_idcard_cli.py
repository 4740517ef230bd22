"""``kiosk devices scan | read-id | read-sscard`` against the pty simulator and pcscd + vpcd."""

from __future__ import annotations

import json

import pytest

from drivers.idcard.simulator import SamSimulator
from drivers.sscard.emulator import VpcdEmulator
from kiosk.cli import main
from tests.fixtures.identity import make_test_cards, wait_reader_empty, wait_reader_present


@pytest.fixture
def sim():
    simulator = SamSimulator(make_test_cards(), module_baud=57600).start()
    yield simulator
    simulator.stop()


def test_read_id_masked_by_default_with_baud_detection(sim, capsys):
    sim.place(0)
    assert main(["devices", "read-id", "--port", sim.port]) == 0
    out = capsys.readouterr().out
    card = make_test_cards()[0]
    assert card["id_number"] not in out and card["name"] not in out
    assert card["id_number"][:4] in out and "resident" in out and "回" in out


def test_read_id_json_reveal(sim, capsys):
    sim.place(3)
    assert main(["devices", "read-id", "--port", sim.port, "--baud", "57600", "--json", "--reveal"]) == 0
    fields = json.loads(capsys.readouterr().out)
    assert fields["id_number"] == make_test_cards()[3]["id_number"]
    assert (
        fields["card_type"] == "foreign2023"
        and fields["valid_to"] == "长期"
        and fields["photo_bytes"] == 1024
    )


def test_read_id_shows_rare_characters_as_such(sim, capsys):
    sim.place(4)
    assert main(["devices", "read-id", "--port", sim.port, "--baud", "57600", "--json", "--reveal"]) == 0
    fields = json.loads(capsys.readouterr().out)
    assert fields["name"] == "王〓明〓" and fields["extra.rare_characters"] == ["address", "name"]


def test_read_id_failures_are_clear_and_non_zero(sim, tmp_path, capsys):
    assert main(["devices", "read-id", "--port", sim.port, "--baud", "57600", "--timeout", "0.3"]) == 1
    assert "error.idcard.no_card" in capsys.readouterr().err
    assert main(["devices", "read-id", "--port", str(tmp_path / "ttyNONE"), "--baud", "115200"]) == 1
    assert "error.idcard.no_device" in capsys.readouterr().err
    assert main(["devices", "read-id", "--port", sim.port, "--baud", "9600", "--timeout", "0.3"]) == 1
    err = capsys.readouterr().err
    assert "kiosk: read-id" in err and "Traceback" not in err
    sim.old_module = True
    sim.place(1)
    assert main(["devices", "read-id", "--port", sim.port, "--baud", "57600"]) == 1
    assert "error.idcard.unsupported_card" in capsys.readouterr().err


def test_scan_lists_serial_and_pcsc(sim, pcscd, capsys):
    emulator = VpcdEmulator(make_test_cards(), port=pcscd.port)
    emulator.place(0)
    assert emulator.connected.wait(20)
    try:
        # pcscd notices the card on its next poll: wait until it has (a fixed 0.6 s was too short under load)
        wait_reader_present("Virtual PCD 00 00")
        assert main(["devices", "scan", "--port", sim.port, "--json"]) == 0
    finally:
        emulator.lift()
        wait_reader_empty()
    report = json.loads(capsys.readouterr().out)
    row = next(r for r in report["serial"] if r["port"] == sim.port)
    assert row["baud"] == 57600 and len(row["sam_id"]) == 32
    virtual = next(r for r in report["pcsc"] if r["reader"] == "Virtual PCD 00 00")
    assert virtual["card"] and "social security card, version 2.00" in virtual["answer"]


def test_read_sscard(pcscd, capsys):
    emulator = VpcdEmulator(make_test_cards(), port=pcscd.port)
    emulator.place(0)
    try:
        assert main(["devices", "read-sscard", "--reader", "Virtual PCD 00 00", "--json"]) == 0
        fields = json.loads(capsys.readouterr().out)
        assert fields["card_type"] == "sscard" and fields["id_number"].startswith("4201")
        assert "*" in fields["id_number"]
    finally:
        emulator.lift()
        wait_reader_empty()
    emulator.place(0, version="3.00")
    try:
        assert main(["devices", "read-sscard", "--reader", "Virtual PCD 00 00"]) == 1
        assert "cannot be read here. Please use your ID card" in capsys.readouterr().err
    finally:
        emulator.lift()
        wait_reader_empty()
    assert main(["devices", "read-sscard", "--reader", "No Such Reader"]) == 1
    assert "error.sscard.no_reader" in capsys.readouterr().err


def test_read_id_shows_gender_as_text(sim, capsys):
    sim.place(0)
    assert main(["devices", "read-id", "--port", sim.port, "--baud", "57600", "--json"]) == 0
    fields = json.loads(capsys.readouterr().out)
    code = make_test_cards()[0]["gender"]
    assert fields["gender"] == {"1": "male (1)", "2": "female (2)"}[code]


def test_technician_lines_do_not_send_the_technician_to_staff():
    from drivers.base import DeviceError
    from kiosk.cli.devices_identity import _texts, describe

    keys = [key for key, text in _texts().items() if "ask staff" in text.get("en", "")]
    assert keys  # the citizens' texts do say it
    for key in keys:
        line = describe(DeviceError("detail", key=key))
        assert "staff" not in line and key in line and "(detail)" in line
