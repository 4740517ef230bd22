"""``kiosk demo --headless --walk``: the scripted citizen walks flows card first through the rendered UI.

The fast test is the top service and its count (issue 10: card first, at most 4 taps and 6 screens from the
card on the reader to the paper); the slow one walks every catalog flow in both languages.
"""

from __future__ import annotations

import json

import pytest

from flows.loader import FLOWS_DIR, load_directory
from kiosk.demo.walk import walk_flow

TOP = "si_contribution_print"
CATALOG = sorted(load_directory(FLOWS_DIR))


def test_top_service_card_first_takes_at_most_4_taps_and_6_screens(kiosk, tmp_path):
    app, _robot = kiosk
    result = walk_flow(app, TOP, tmp_path)
    assert result["outcome"] == "completed" and len(result["case_no"]) == 18
    assert result["taps_to_paper"] <= 4 and result["screens_to_paper"] <= 6, result
    assert result["screens"][:3] == [
        "attract",
        "card",
        "catalog",
    ]  # card first: read, confirmed, then services
    assert (
        "identify" not in result["screens"] and "confirm" not in result["screens"]
    )  # identify steps skipped
    assert json.loads((tmp_path / "result.json").read_text(encoding="utf-8")) == result
    assert len(list((tmp_path / "screens").glob("*.png"))) == len(result["screens"])


def test_paper_out_walk_shows_the_failure_and_records_it(kiosk, tmp_path):
    app, _robot = kiosk
    result = walk_flow(app, TOP, tmp_path, fault=("receipt", "paper_out"))
    assert result["outcome"] == "failed" and result["taps_to_paper"] is None
    assert result["screens"][-1] == "print_failed"


@pytest.mark.slow  # nine flows in two languages through the rendered UI (~1 min)
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("flow_id", CATALOG)
def test_every_catalog_flow_walks_card_first(kiosk, tmp_path, flow_id, lang):
    app, _robot = kiosk
    card = app.ctx.flows[flow_id].walk.get("card", 0)  # license_collect: the demo person with a company
    result = walk_flow(app, flow_id, tmp_path, card=card, lang=lang)
    assert result["outcome"] in ("completed", "nothing_to_deliver"), result
    assert result["screens"][:2] == ["attract", "card"]
    if app.ctx.flows[flow_id].devices and any(
        d in ("receipt", "document", "license") for d in app.ctx.flows[flow_id].devices
    ):
        assert result["taps_to_paper"] is not None, result
