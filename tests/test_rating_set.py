"""The rating set (flows/ratings.yaml) is data a citizen reads on the terminal and on a phone: every label is
checked as the flow schema checks a flow's texts, so a YAML slip cannot cut a label short unnoticed."""

from __future__ import annotations

import pytest
import yaml

from flows.ratings import RATINGS_PATH, RatingSet, load_rating_set


def test_every_label_of_the_shipped_set_is_whole_in_both_languages():
    rating_set = load_rating_set()
    for lang in ("zh_CN", "en"):
        view = rating_set.view(lang)
        for kind in ("levels", "scale", "indicators", "reasons"):
            for row in view[kind]:
                assert row["label"].strip() and row["label"].count("(") == row["label"].count(")"), row
    assert rating_set.label("reason", "device_fault", "en") == "Device fault (card reader, printer)"


def test_a_label_with_an_unquoted_comma_is_refused():
    data = yaml.safe_load(RATINGS_PATH.read_text(encoding="utf-8"))
    broken = yaml.safe_load("{zh_CN: 设备故障, en: Device fault (card, printing)}")  # what the file once had
    assert set(broken) == {"zh_CN", "en", "printing)"}
    data["reasons"][0]["label"] = broken
    with pytest.raises(ValueError, match="reasons: .*a label is"):
        RatingSet.from_data(data)
    data["reasons"][0]["label"] = {"zh_CN": "设备故障", "en": ""}
    with pytest.raises(ValueError):
        RatingSet.from_data(data)
