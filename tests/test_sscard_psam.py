"""Issue 11: a programmable card answering SELECT/READ RECORD with a victim's ID number was accepted as
the citizen. Now a social-security card counts as authenticated only after card authentication with
the terminal's PSAM, and an unauthenticated one is refused by steps that show personal data."""

from __future__ import annotations

import pytest

from drivers.assurance import ASSURANCE_AUTHENTICATED, ASSURANCE_UNAUTHENTICATED, NOT_AUTHENTICATED_KEY
from drivers.base import DeviceState
from drivers.events import CardPresented, CardReadFailed, CardRemoved
from drivers.sscard.card import SsCard
from drivers.sscard.emulator import VpcdEmulator, card_from_identity
from drivers.sscard.errors import CardNotGenuine
from drivers.sscard.psam import EmulatedPsam, Psam
from drivers.sscard.reader import SsCardReader
from kiosk.session.identify import OUTCOME_OK, OUTCOME_REFUSED, identify_outcome
from tests.fixtures.identity import EventRecorder, make_test_cards, wait_reader_empty, wait_reader_present
from tests.test_sscard_pcsc import wait_state

VICTIM = make_test_cards()[0]
ACCEPT = ["resident", "sscard"]


def _reader(pcscd, psam):
    emulator = VpcdEmulator(make_test_cards(), port=pcscd.port)
    reader = SsCardReader("Virtual PCD 00 00", wait_ms=200, reconnect_interval=0.2, psam=psam)
    reader.recorder, reader.simulator = EventRecorder(), emulator
    reader.events.subscribe(reader.recorder)
    reader.open()
    wait_state(reader, DeviceState.ONLINE)
    return reader


@pytest.fixture
def with_psam(pcscd):
    psam = EmulatedPsam()
    reader = _reader(pcscd, psam.process)
    reader.psam_card = psam
    yield reader
    reader.simulator.lift()
    reader.close()
    wait_reader_empty()


@pytest.fixture
def without_psam(pcscd):
    reader = _reader(pcscd, None)
    yield reader
    reader.simulator.lift()
    reader.close()
    wait_reader_empty()


def test_a_programmable_clone_fails_authentication_and_is_refused(with_psam):
    with_psam.simulator.place(card_from_identity(VICTIM, genuine=False))  # the victim's data, no key
    failed = with_psam.recorder.wait_for(CardReadFailed)
    assert failed.error.key == "error.sscard.not_genuine"
    assert not with_psam.recorder.of(CardPresented)
    assert identify_outcome(failed, ACCEPT).outcome == OUTCOME_REFUSED
    assert with_psam.status().state == DeviceState.ONLINE  # a forged card is not a device fault
    with_psam.simulator.lift()
    with_psam.recorder.wait_for(CardRemoved)
    wait_reader_empty()
    with_psam.simulator.place(card_from_identity(VICTIM))  # the genuine card
    identity = with_psam.recorder.wait_for(CardPresented).identity
    assert identity.extra["assurance"] == ASSURANCE_AUTHENTICATED
    assert identify_outcome(with_psam.recorder.wait_for(CardPresented), ACCEPT).outcome == OUTCOME_OK


def test_a_clone_with_a_key_of_its_own_fails_too():
    psam = Psam(EmulatedPsam().process)
    forged = card_from_identity(VICTIM, master_key=bytes(range(16)))
    with pytest.raises(CardNotGenuine):
        SsCard(forged.process, psam=psam).read_identity()
    genuine = SsCard(card_from_identity(VICTIM, t0_get_response=True, strict_le=True).process, psam=psam)
    assert genuine.read_identity().extra["assurance"] == ASSURANCE_AUTHENTICATED


def test_third_generation_card_reads_after_authentication(with_psam):
    with_psam.simulator.place(card_from_identity(VICTIM, version="3.00"))
    identity = with_psam.recorder.wait_for(CardPresented).identity
    assert (
        identity.id_number == VICTIM["id_number"] and identity.extra["assurance"] == ASSURANCE_AUTHENTICATED
    )


def test_without_a_psam_the_card_is_unauthenticated_and_refused_for_personal_data(without_psam):
    without_psam.simulator.place(card_from_identity(VICTIM, genuine=False))
    presented = without_psam.recorder.wait_for(CardPresented)
    assert presented.identity.extra["assurance"] == ASSURANCE_UNAUTHENTICATED
    refused = identify_outcome(presented, ACCEPT)
    assert (refused.outcome, refused.key, refused.identity) == (OUTCOME_REFUSED, NOT_AUTHENTICATED_KEY, None)
    assert identify_outcome(presented, ACCEPT, assurance="authenticated").outcome == OUTCOME_REFUSED
    assert (
        identify_outcome(presented, ACCEPT, assurance="any").outcome == OUTCOME_OK
    )  # no personal data shown


def test_sim_url_has_a_psam_unless_told_otherwise(tmp_path):
    from pathlib import Path

    from drivers.registry import DeviceContext, open_device

    with_psam = open_device("sscard", "sim://sscard?port=9", DeviceContext(Path(tmp_path)))
    without = open_device("sscard", "sim://sscard?port=9&psam=0", DeviceContext(Path(tmp_path)))
    assert with_psam.psam is not None and without.psam is None


def test_psam_in_a_second_pcsc_slot(pcscd):
    """The PSAM as a second virtual card in vpcd's other slot, used through PC/SC like a real one."""
    psam_slot = VpcdEmulator(port=pcscd.port + 1)
    psam_slot.place(EmulatedPsam())
    wait_reader_present("Virtual PCD 00 01")  # the PSAM must be seen before the first card is read
    reader = _reader(pcscd, "Virtual PCD 00 01")
    try:
        reader.simulator.place(card_from_identity(VICTIM, genuine=False))
        assert reader.recorder.wait_for(CardReadFailed).error.key == "error.sscard.not_genuine"
        reader.simulator.lift()
        reader.recorder.wait_for(CardRemoved)
        wait_reader_empty()
        reader.simulator.place(card_from_identity(VICTIM))
        assert reader.recorder.wait_for(CardPresented).identity.extra["assurance"] == ASSURANCE_AUTHENTICATED
    finally:
        reader.simulator.lift()
        reader.close()
        psam_slot.lift()
        wait_reader_empty()
        wait_reader_empty("Virtual PCD 00 01")
