"""Text block <-> Identity for all four card types, tables, check characters, rare characters, photo."""

from __future__ import annotations

import pytest

from backoffice.demo.data import demo_cards
from common.card_tables import nation_code, nation_name
from common.gb11643 import gb11643_check_char
from drivers.idcard import parser, photo
from drivers.idcard.errors import InvalidCardData
from drivers.identity import (
    CARD_FOREIGN_2017,
    CARD_FOREIGN_2023,
    CARD_HKMT,
    CARD_RESIDENT,
)
from tests.fixtures.identity import make_test_cards


def test_layouts_are_256_bytes_with_type_flag_at_248():
    for card_type, layout in parser.LAYOUTS.items():
        assert sum(length for _, length in layout) == 256
        if card_type != CARD_RESIDENT:
            assert parser.OFFSETS[card_type]["_type"][0] == 248


def test_resident_card_round_trip():
    card = make_test_cards()[0]
    text = parser.build_text(card)
    assert len(text) == 256
    assert text[0:6] == "张三丰".encode("utf-16-le")
    assert text[32:36] == "03".encode("utf-16-le")  # 回 -> 03 (GB 3304)
    identity = parser.parse_text(text, b"\x01" * 1024)
    assert identity.card_type == CARD_RESIDENT
    assert (identity.name, identity.id_number, identity.gender, identity.nation) == (
        card["name"],
        card["id_number"],
        "1",
        "回",
    )
    assert identity.extra["nation_code"] == "03"
    assert identity.address == card["address"] and identity.authority == card["authority"]
    assert (identity.birth_date, identity.valid_from, identity.valid_to) == (
        "19900101",
        "20100101",
        "20300101",
    )
    assert identity.photo == b"\x01" * 1024


def test_hkmt_card():
    card = make_test_cards()[1]
    identity = parser.parse_text(parser.build_text(card))
    assert identity.card_type == CARD_HKMT
    assert identity.id_number.startswith("810000")
    assert identity.extra["pass_number"] == "H12345678" and identity.extra["issue_count"] == "01"
    assert identity.nation == ""


def test_foreign_2017_card():
    card = make_test_cards()[2]
    identity = parser.parse_text(parser.build_text(card))
    assert identity.card_type == CARD_FOREIGN_2017
    assert identity.id_number == "USA110079123456"
    assert identity.name == "史密斯" and identity.extra["english_name"] == "SMITH, JOHN"
    assert identity.nation == "USA" and identity.birth_date == "19790101"
    assert identity.valid_to == "20270601"


def test_foreign_2023_card_long_english_name_and_long_term_validity():
    card = make_test_cards()[3]
    identity = parser.parse_text(parser.build_text(card))
    assert identity.card_type == CARD_FOREIGN_2023
    assert identity.id_number.startswith("9") and identity.gender == "2"
    assert identity.extra["english_name"] == card["extra"]["english_name"]
    assert identity.valid_to == "长期" and identity.nation == "FRA"


def test_all_demo_cards_parse():
    for card in demo_cards():
        identity = parser.parse_text(parser.build_text(card))
        assert identity.id_number == card["id_number"] and identity.name == card["name"]
        assert identity.valid_to == card["valid_to"]


def test_wrong_check_character_is_refused():
    card = dict(make_test_cards()[0])
    number = card["id_number"]
    card["id_number"] = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(InvalidCardData):
        parser.parse_text(parser.build_text(card))


def test_legacy_15_digit_number_is_converted():
    first17 = "420106" + "19" + "650101" + "123"
    assert parser.convert_legacy_id("420106650101123") == first17 + gb11643_check_char(first17)
    card = dict(make_test_cards()[0], id_number="420106650101123", birth_date="19650101")
    identity = parser.parse_text(parser.build_text(card))
    assert identity.id_number == first17 + gb11643_check_char(first17)
    assert identity.extra["legacy_id_number"] == "420106650101123"


def test_unknown_type_flag_is_refused():
    text = bytearray(parser.build_text(make_test_cards()[0]))
    text[248:250] = "Q".encode("utf-16-le")
    with pytest.raises(InvalidCardData):
        parser.parse_text(bytes(text))


def test_rare_characters_never_crash_and_are_flagged():
    card = make_test_cards()[4]
    identity = parser.parse_text(parser.build_text(card))
    assert identity.name == "王\ue000明\U00020000"  # private use kept; a surrogate pair joined
    assert identity.extra["rare_characters"] == ["address", "name"]
    # a lone surrogate (not UCS-2 at all) becomes U+FFFD, never an exception
    text = bytearray(parser.build_text(make_test_cards()[0]))
    text[2:4] = b"\x00\xd8"
    identity = parser.parse_text(bytes(text))
    assert "\ufffd" in identity.name and identity.extra["rare_characters"] == ["name"]
    assert "王" not in repr(identity)


def test_tables():
    assert (
        nation_name("01") == "汉"
        and nation_name("56") == "基诺"
        and nation_name("98") == "外国血统中国籍人士"
    )
    assert nation_name("77") == "77"  # unknown codes are kept, not guessed
    assert nation_code("汉族") == "01" and nation_code("维吾尔") == "05" and nation_code("5") == "05"
    from common.card_tables import GENDERS

    assert GENDERS["1"] == "男" and GENDERS["2"] == "女" and GENDERS["9"] == "未说明"


def test_photo_placeholder_without_decoder_and_pluggable_decoder():
    image = photo.photo_image(b"\x00" * 1024)
    assert image.placeholder and image.data.startswith(b"\x89PNG")

    def decoder(raw: bytes) -> bytes:
        return b"BM" + raw[:4]

    photo.register_decoder(decoder)
    try:
        image = photo.photo_image(b"WLT!" + bytes(1020))
        assert not image.placeholder and image.data == b"BMWLT!"
    finally:
        photo.unregister_decoder(decoder)

    def broken(raw: bytes) -> bytes:
        raise RuntimeError("vendor library crashed")

    photo.register_decoder(broken)
    try:
        assert photo.photo_image(b"x").placeholder
    finally:
        photo.unregister_decoder(broken)
