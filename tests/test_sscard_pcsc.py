"""The real PC/SC driver through pcscd + vpcd with the project's card emulator."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from drivers.base import DeviceState
from drivers.events import CardPresented, CardReadFailed, CardRemoved
from drivers.identity import CARD_SOCIAL_SECURITY
from drivers.registry import DeviceContext, open_device
from drivers.sscard.emulator import VpcdEmulator
from drivers.sscard.reader import SsCardReader
from tests.fixtures.identity import EventRecorder, make_test_cards, wait_reader_empty


def wait_state(reader, state: DeviceState, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while reader.status().state != state:
        if time.monotonic() > deadline:
            raise AssertionError(f"state {reader.status()} is not {state}")
        time.sleep(0.02)


@pytest.fixture
def sscard(pcscd):
    emulator = VpcdEmulator(make_test_cards(), port=pcscd.port)
    reader = SsCardReader("Virtual PCD 00 00", wait_ms=200, reconnect_interval=0.2)
    recorder = EventRecorder()
    reader.events.subscribe(recorder)
    reader.open()
    reader.recorder, reader.simulator = recorder, emulator
    yield reader
    emulator.lift()
    reader.close()
    wait_reader_empty()


def test_insert_read_remove(sscard):
    wait_state(sscard, DeviceState.ONLINE)
    sscard.simulator.place(0, t0_get_response=True)
    identity = sscard.recorder.wait_for(CardPresented).identity
    assert identity.card_type == CARD_SOCIAL_SECURITY
    assert identity.id_number == make_test_cards()[0]["id_number"]
    assert identity.name == make_test_cards()[0]["name"]
    sscard.simulator.lift()
    sscard.recorder.wait_for(CardRemoved)
    sscard.simulator.place(1, strict_le=True)
    assert sscard.recorder.wait_for(CardPresented, count=2).identity.name == make_test_cards()[1]["name"]


def test_third_generation_card_gives_a_clear_result(sscard):
    sscard.simulator.place(0, version="3.00")
    failed = sscard.recorder.wait_for(CardReadFailed)
    assert failed.error.key == "error.sscard.needs_psam", failed.error.detail
    assert sscard.status().state == DeviceState.ONLINE  # not a device failure
    sscard.simulator.lift()
    sscard.recorder.wait_for(CardRemoved)


def test_recovers_when_pcscd_restarts(sscard, pcscd):
    wait_state(sscard, DeviceState.ONLINE)
    established = sscard.contexts_established
    pcscd.stop()
    wait_state(sscard, DeviceState.NO_DEVICE)
    assert sscard.status().reason == "error.sscard.no_service"
    pcscd.start()
    wait_state(sscard, DeviceState.ONLINE)
    assert sscard.contexts_established > established
    sscard.simulator.place(4)
    identity = sscard.recorder.wait_for(CardPresented, timeout=8).identity
    assert identity.id_number == make_test_cards()[4]["id_number"]
    assert identity.name == make_test_cards()[4]["name"]  # rare characters survive GBK/GB 18030
    assert identity.extra.get("version") == "2.00"


def test_one_shot_read_and_health(pcscd):
    emulator = VpcdEmulator(make_test_cards(), port=pcscd.port)
    reader = SsCardReader("Virtual PCD 00 00")
    try:
        assert reader.health().ok
        emulator.place(0)
        assert reader.read_card(timeout=20).id_number == make_test_cards()[0]["id_number"]
    finally:
        emulator.lift()
    from drivers.sscard.errors import NoCard

    wait_reader_empty()
    with pytest.raises(NoCard):
        reader.read_card(timeout=0.5)


def test_sim_url(pcscd, tmp_path):
    from backoffice.demo.data import demo_cards

    reader = open_device(
        "sscard", "sim://sscard", DeviceContext(Path(tmp_path), options={"cards": demo_cards()})
    )
    recorder = EventRecorder()
    reader.events.subscribe(recorder)
    reader.open()
    try:
        wait_state(reader, DeviceState.ONLINE)
        assert reader.simulator.cards == demo_cards()
        reader.simulator.place(3)
        assert recorder.wait_for(CardPresented).identity.id_number == demo_cards()[3]["id_number"]
        reader.simulator.lift()
        recorder.wait_for(CardRemoved)
    finally:
        reader.close()
    wait_reader_empty()


def test_sim_url_without_pcscd_does_not_crash(tmp_path):
    # a port where nothing listens and (in this test) a reader name nothing matches
    from backoffice.demo.data import demo_cards

    reader = open_device(
        "sscard",
        "sim://sscard?port=9&reader=No Such Reader",
        DeviceContext(Path(tmp_path), options={"cards": demo_cards()}),
    )
    reader.open()
    try:
        reader.simulator.place(0)  # connects in the background; never raises
        assert reader.status().state == DeviceState.NO_DEVICE
        assert reader.status().reason in ("error.sscard.no_service", "error.sscard.no_reader")
    finally:
        reader.close()
