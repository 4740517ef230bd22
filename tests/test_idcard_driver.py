"""The real serial driver against the pty simulator: reads, the edge logic, every injected fault."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from drivers.base import DeviceState, DeviceStatus
from drivers.events import CardPresented, CardReadFailed, CardRemoved
from drivers.idcard import protocol as p
from drivers.idcard.reader import IdCardReader
from drivers.idcard.simulator import SamSimulator
from drivers.identity import CARD_FOREIGN_2017, CARD_FOREIGN_2023, CARD_HKMT, CARD_RESIDENT
from drivers.registry import DeviceContext, open_device
from tests.fixtures.identity import EventRecorder, make_test_cards

READS_PER_IDENTITY = 2  # the reader accepts a card's data only when two reads agree byte for byte


def wait_state(reader, state: DeviceState, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while reader.status().state != state:
        if time.monotonic() > deadline:
            raise AssertionError(f"state {reader.status()} is not {state}")
        time.sleep(0.01)


@pytest.mark.parametrize(
    "index,card_type",
    [(0, CARD_RESIDENT), (1, CARD_HKMT), (2, CARD_FOREIGN_2017), (3, CARD_FOREIGN_2023), (4, CARD_RESIDENT)],
)
def test_reads_every_card_type_over_the_serial_line(idcard_reader, test_cards, index, card_type):
    wait_state(idcard_reader, DeviceState.ONLINE)
    idcard_reader.simulator.place(index)
    event = idcard_reader.recorder.wait_for(CardPresented)
    assert event.identity.card_type == card_type
    assert event.identity.id_number == test_cards[index]["id_number"]
    assert event.identity.name == test_cards[index]["name"]
    assert len(event.identity.photo) == 1024


def test_reads_once_per_edge_then_waits_for_removal(idcard_reader):
    rec, sim = idcard_reader.recorder, idcard_reader.simulator
    sim.place(0)
    rec.wait_for(CardPresented)
    time.sleep(0.3)  # ten polls with the card left on the reader
    assert len(rec.of(CardPresented)) == 1 and not rec.of(CardRemoved)
    assert sim.requests.count("read_base") == READS_PER_IDENTITY  # one confirmed read per edge
    sim.lift()
    rec.wait_for(CardRemoved)
    sim.place(1)
    assert rec.wait_for(CardPresented, count=2).identity.card_type == CARD_HKMT
    states = [e.state for e in rec.of(DeviceStatus)]
    assert DeviceState.BUSY in states and states[-1] == DeviceState.ONLINE


def test_checksum_errors_are_retried(idcard_reader):
    idcard_reader.simulator.inject("bad_checksum", times=2, command=p.READ_BASE)
    idcard_reader.simulator.place(0)
    idcard_reader.recorder.wait_for(CardPresented)
    assert idcard_reader._link.stats.checksum_retries >= 2
    assert not idcard_reader.recorder.of(CardReadFailed)


def test_truncated_reply_is_read_again(idcard_reader):
    idcard_reader.simulator.inject("truncated", command=p.READ_BASE)
    idcard_reader.simulator.place(0)
    idcard_reader.recorder.wait_for(CardPresented, timeout=8)
    assert idcard_reader.simulator.requests.count("read_base") == 1 + READS_PER_IDENTITY  # the bad one, again


def test_garbage_before_replies_is_skipped(idcard_reader):
    idcard_reader.simulator.inject("garbage", times=5)
    idcard_reader.simulator.place(3)
    idcard_reader.recorder.wait_for(CardPresented)
    assert idcard_reader._link.stats.resync_bytes > 0


def test_card_lifted_mid_read(idcard_reader):
    rec = idcard_reader.recorder
    idcard_reader.simulator.inject("lift_mid_read", command=p.READ_BASE)
    idcard_reader.simulator.place(0)
    failed = rec.wait_for(CardReadFailed)
    assert failed.error.key == "error.idcard.card_lifted"
    rec.wait_for(CardRemoved)
    assert not rec.of(CardPresented)
    assert rec.events.index(failed) < rec.events.index(rec.of(CardRemoved)[0])


def test_old_module_cannot_read_foreigner_cards(sam_simulator, idcard_reader):
    rec = idcard_reader.recorder
    sam_simulator.old_module = True
    sam_simulator.place(2)
    assert rec.wait_for(CardReadFailed).error.key == "error.idcard.unsupported_card"
    sam_simulator.lift()
    rec.wait_for(CardRemoved)
    sam_simulator.place(0)  # resident cards still work
    assert rec.wait_for(CardPresented).identity.card_type == CARD_RESIDENT


@pytest.mark.parametrize(
    "status,key",
    [(0x33, "error.idcard.verify"), (0x32, "error.idcard.sam_auth"), (0x41, "error.idcard.read_failed")],
)
def test_error_status_on_read_is_reported(idcard_reader, status, key):
    idcard_reader.simulator.inject("status", command=p.READ_BASE, status=status)
    idcard_reader.simulator.place(0)
    failed = idcard_reader.recorder.wait_for(CardReadFailed)
    assert failed.error.key == key and failed.error.status == status


def test_sam_self_test_failure_is_a_hardware_error_and_recovers(idcard_reader):
    idcard_reader.simulator.inject("status", times=-1, command=p.FIND_CARD, status=0x60)
    wait_state(idcard_reader, DeviceState.HARDWARE_ERROR)
    assert idcard_reader.status().reason == "error.idcard.sam_selftest"
    idcard_reader.simulator.clear_faults()
    wait_state(idcard_reader, DeviceState.ONLINE)


def test_silent_module_goes_offline_is_reset_and_recovers(idcard_reader):
    sim = idcard_reader.simulator
    sim.inject("silence", times=-1)
    wait_state(idcard_reader, DeviceState.OFFLINE)
    assert idcard_reader.status().reason == "error.idcard.no_response"
    assert "reset_sam" in sim.requests
    sim.clear_faults()
    wait_state(idcard_reader, DeviceState.ONLINE)
    sim.place(0)
    idcard_reader.recorder.wait_for(CardPresented)


def test_a_few_silent_polls_reset_the_sam_without_going_offline(idcard_reader):
    sim = idcard_reader.simulator
    sim.inject("silence", times=3, command=p.FIND_CARD)
    deadline = time.monotonic() + 20  # bounds a failure only
    while "reset_sam" not in sim.requests:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert idcard_reader.sam_resets == 1
    wait_state(idcard_reader, DeviceState.ONLINE)
    assert DeviceState.OFFLINE not in [e.state for e in idcard_reader.recorder.of(DeviceStatus)]


def test_unplug_and_replug_recovers_by_itself(idcard_reader):
    rec, sim = idcard_reader.recorder, idcard_reader.simulator
    sim.place(0)
    rec.wait_for(CardPresented)
    sim.unplug()
    wait_state(idcard_reader, DeviceState.NO_DEVICE)
    assert rec.of(CardRemoved)  # a card on a vanished reader is no longer there for the session
    sim.lift()
    sim.replug()
    wait_state(idcard_reader, DeviceState.ONLINE)
    sim.place(1)
    assert rec.wait_for(CardPresented, count=2).identity.card_type == CARD_HKMT


def test_missing_port_is_no_device(tmp_path):
    reader = IdCardReader(str(tmp_path / "ttyNONE"), poll_interval=0.05, reconnect_interval=0.05)
    reader.open()
    try:
        assert reader.status().state == DeviceState.NO_DEVICE
        assert reader.status().reason == "error.idcard.no_device"
        assert not reader.health().ok
    finally:
        reader.close()


def test_pacing_makes_the_read_take_its_wire_time(test_cards):
    sim = SamSimulator(test_cards, baud=38400, pace=True).start()
    reader = IdCardReader(sim.port, 38400, confirm_read=False)  # one read: this measures the line pacing
    try:
        sim.place(0)
        start = time.monotonic()
        identity = reader.read_card(timeout=3)
        elapsed = time.monotonic() - start
    finally:
        reader.close()
        sim.stop()
    floor = p.wire_time(1295 + 15 + 19 + 11 + 4 * 10, 38400)  # SAM status, find, select, read: both ways
    assert identity.card_type == CARD_RESIDENT
    assert floor <= elapsed < floor + 0.25


def test_health_and_sam_id(idcard_reader):
    report = idcard_reader.health()
    assert report.ok and report.checks == {"port": "ok", "sam_status": "ok", "sam_id": "ok"}
    assert len(idcard_reader.sam_id()) == 32


def test_probe_finds_the_module_baud(test_cards, tmp_path):
    from drivers.idcard.probe import probe

    sim = SamSimulator(test_cards, module_baud=38400).start()
    try:
        results = probe([sim.port, str(tmp_path / "ttyNONE")])
    finally:
        sim.stop()
    assert results[0].found and results[0].baud == 38400 and len(results[0].sam_id) == 32
    assert not results[1].found


def test_cards_from_a_json_file(tmp_path):
    import json

    from drivers.idcard.simulator import load_cards

    path = tmp_path / "cards.json"
    path.write_text(json.dumps(make_test_cards(), ensure_ascii=False), encoding="utf-8")
    assert load_cards(path)[3]["valid_to"] == "长期"
    reader = open_device("idcard", f"sim://idcard?pace=0&poll=0.03&cards={path}", DeviceContext(tmp_path))
    rec = EventRecorder()
    reader.events.subscribe(rec)
    reader.open()
    try:
        reader.simulator.place(3)
        assert rec.wait_for(CardPresented).identity.card_type == CARD_FOREIGN_2023
    finally:
        reader.close()


def test_sim_url_keeps_the_ui_control_surface(tmp_path):
    from backoffice.demo.data import demo_cards

    reader = open_device(
        "idcard", "sim://idcard?poll=0.05", DeviceContext(Path(tmp_path), options={"cards": demo_cards()})
    )
    rec = EventRecorder()
    reader.events.subscribe(rec)
    assert reader.simulator.cards == demo_cards()
    reader.open()
    try:
        assert reader.status().state == DeviceState.ONLINE
        assert reader.health().ok
        reader.simulator.place(2)
        identity = rec.wait_for(CardPresented).identity
        assert identity.id_number == demo_cards()[2]["id_number"]
        reader.simulator.lift()
        rec.wait_for(CardRemoved)
        custom = dict(make_test_cards()[1])
        reader.simulator.place(custom)
        assert rec.wait_for(CardPresented, count=2).identity.card_type == CARD_HKMT
    finally:
        reader.close()
    assert reader.status().state == DeviceState.OFFLINE


def test_context_cards_override(tmp_path):
    cards = make_test_cards()[:2]
    reader = open_device("idcard", "sim://idcard", DeviceContext(tmp_path, options={"cards": cards}))
    assert reader.simulator.cards == cards
