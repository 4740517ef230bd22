"""The catalog model: any of 170 services in ≤ 3 taps, pinyin search, most-used first, card-aware tab."""

from __future__ import annotations

import pytest

from kiosk.catalog_model import PER_PAGE, CatalogModel, UsageCounter, pinyin_keys
from tests.catalog_gen import generated_items


def _model(tmp_path=None) -> CatalogModel:
    items, identities = generated_items(170)
    return CatalogModel(items, identities, UsageCounter.load(tmp_path / "usage.json" if tmp_path else None))


def test_pinyin_initials_are_computed_from_the_title():
    assert pinyin_keys("社保参保缴费证明打印")[0] == "sbcbjfzmdy"
    assert pinyin_keys("公积金提取")[1] == "gongjijintiqu"


@pytest.mark.parametrize("mode", ["standard", "elderly"])
def test_every_one_of_170_services_is_three_taps_away_by_tab_and_page(mode):
    model = _model()
    assert len(model.entries) == 170
    worst = 0
    for entry in model.entries:
        best = None
        for tab in model.tabs():
            tab_taps = 0 if tab == "popular" else 1  # the catalog opens on the popular tab
            entries = model.tab_entries(tab, mode)
            _, pages = model.page(entries, 0, mode)
            for page in range(pages):
                shown, _ = model.page(entries, page, mode)
                if entry in shown:
                    taps = tab_taps + (0 if page == 0 else 1) + 1  # a page dot, then the tile
                    best = taps if best is None else min(best, taps)
        assert best is not None and best <= 3, (entry.id, best)
        worst = max(worst, best)
    assert worst == 3  # the rule is really exercised: some services need a tab and a page dot


def test_pages_hold_fewer_tiles_in_elderly_mode():
    model = _model()
    everything = model.tab_entries("all")
    _, standard_pages = model.page(everything, 0, "standard")
    shown, elderly_pages = model.page(everything, 99, "elderly")  # clamped to the last page
    assert standard_pages == 15 and elderly_pages == 29
    assert len(shown) == 170 - 28 * PER_PAGE["elderly"]


def test_search_by_pinyin_initials_and_by_chinese():
    model = _model()
    found = model.search("sb")
    assert found and all(e.item["title"].startswith("社保") for e in found[:5])
    assert {e.item["title"] for e in model.search("gjjtq")} == {"公积金提取申请"}
    assert all("医保" in e.item["title"] for e in model.search("医保"))
    assert len(model.search("医保")) == 22
    assert model.search("zzzz") == [] and model.search("  ") == []


def test_first_page_shows_the_services_most_used_on_this_terminal(tmp_path):
    model = _model(tmp_path)
    for _ in range(3):
        model.usage.count("svc_169")
    model.usage.count("svc_042")
    assert [e.id for e in model.tab_entries("popular")[:2]] == ["svc_169", "svc_042"]
    reloaded = _model(tmp_path)  # the counts survive a restart
    assert reloaded.usage.counts["svc_169"] == 3


def test_after_a_card_read_the_services_that_card_can_start_come_first():
    model = _model()
    assert model.tabs()[:2] == ["popular", "social_security"]
    assert model.tabs("sscard")[:2] == ["popular", "for_card"]
    for_card = model.tab_entries("for_card", card="sscard")
    assert for_card and {e.identity for e in for_card} == {"ss_card", "either"}
