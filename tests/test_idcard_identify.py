"""The identify step's view of reader events: accepted card types, refusals, early removal, no leaks."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from drivers.events import CardPresented, CardReadFailed, CardRemoved
from drivers.identity import display_text
from drivers.registry import DeviceContext, open_device
from kiosk.session.identify import (
    OUTCOME_ERROR,
    OUTCOME_OK,
    OUTCOME_REFUSED,
    OUTCOME_REMOVED,
    identify_outcome,
)
from tests.fixtures.identity import EventRecorder, make_test_cards


def test_identify_outcomes_from_the_real_driver(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    cards = make_test_cards()
    reader = open_device(
        "idcard", "sim://idcard?pace=0&poll=0.03", DeviceContext(Path(tmp_path), options={"cards": cards})
    )
    rec = EventRecorder()
    reader.events.subscribe(rec)
    reader.open()
    accept = ["resident"]
    try:
        reader.simulator.place(1)  # HK/Macau/Taiwan permit: not accepted by this flow
        outcome = identify_outcome(rec.wait_for(CardPresented), accept)
        assert outcome.outcome == OUTCOME_REFUSED and outcome.key == "identify.refused"
        reader.simulator.lift()
        rec.wait_for(CardRemoved)
        assert identify_outcome(rec.of(CardRemoved)[0], accept, identified=False) is None

        reader.simulator.place(0)
        ok = identify_outcome(rec.wait_for(CardPresented, count=2), accept)
        assert ok.outcome == OUTCOME_OK and ok.identity.id_number == cards[0]["id_number"]
        assert cards[0]["id_number"] not in repr(ok) and cards[0]["name"] not in repr(ok)
        reader.simulator.lift()  # lifted before the flow finished: the session ends
        removed = identify_outcome(rec.wait_for(CardRemoved, count=2), accept, identified=True)
        assert removed.outcome == OUTCOME_REMOVED

        reader.simulator.old_module = True
        reader.simulator.place(2)
        refused = identify_outcome(rec.wait_for(CardReadFailed), None)
        assert refused.outcome == OUTCOME_REFUSED and refused.key == "error.idcard.unsupported_card"
        reader.simulator.lift()
        rec.wait_for(CardRemoved, count=3)
        reader.simulator.inject("status", command=(0x30, 0x01), status=0x33)
        reader.simulator.place(0)
        assert identify_outcome(rec.wait_for(CardReadFailed, count=2), accept).outcome == OUTCOME_ERROR
        time.sleep(0.1)
    finally:
        reader.close()
    # the identity is never logged: no name, no ID number, anywhere in what the drivers logged
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for card in cards:
        assert card["id_number"] not in logged and card["name"] not in logged
        assert card["id_number"][6:14] not in logged


def test_display_text_marks_rare_characters():
    assert display_text("王\ue000明\U00020000\ufffd") == "王〓明〓〓"
    assert display_text("张三") == "张三"
