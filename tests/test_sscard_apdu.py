"""Social-security card APDUs and item codings (pure), and the card logic against the emulator in-process."""

from __future__ import annotations

import pytest

from drivers.identity import CARD_SOCIAL_SECURITY
from drivers.sscard import apdu as a
from drivers.sscard.card import SsCard
from drivers.sscard.emulator import card_from_identity
from drivers.sscard.errors import CardNeedsPsam, InvalidCardData, NotSocialSecurityCard
from tests.fixtures.identity import make_test_cards

PERSON = make_test_cards()[0]


def test_select_ssse_matches_reference():
    assert a.select_aid() == bytes.fromhex("00A404000F7378312E73682EC9E7BBE1B1A3D5CF")
    assert a.SSSE_AID[7:].decode("gbk") == "社会保障"
    assert a.select_file(a.EF05) == bytes.fromhex("00A4020002EF05")
    assert a.read_record_by_tag(0x08, 18) == bytes.fromhex("00B2080014")


def test_codings():
    assert a.decode_bcd(bytes.fromhex("19900101")) == "19900101"
    assert a.decode_bcd(bytes.fromhex("420106FF")) == "420106"
    assert a.encode_bcd("420106", 4) == bytes.fromhex("420106FF")
    assert a.decode_an(b"2.00") == "2.00" and a.decode_an(b"A1\x00\x00") == "A1"
    assert a.decode_gbk("张三".encode("gbk") + b"\x00" * 26) == "张三"
    assert a.decode_gbk(b"\xff\xfe\x81") != ""  # broken GBK never raises
    assert a.parse_item(bytes([0x09, 2, 0x41, 0x42]), 0x09) == b"AB"
    with pytest.raises(ValueError):
        a.parse_item(bytes([0x08, 5, 1]), 0x08)
    apdu = a.Apdu.parse(a.select_aid() + b"\x00")
    assert apdu.ins == 0xA4 and apdu.data == a.SSSE_AID and apdu.le == 256


def _read(card) -> object:
    return SsCard(card.process).read_identity()


@pytest.mark.parametrize(
    "behaviour",
    [{}, {"t0_get_response": True}, {"strict_le": True}, {"t0_get_response": True, "strict_le": True}],
)
def test_reads_identity_whatever_the_le_handling(behaviour):
    identity = _read(card_from_identity(PERSON, **behaviour))
    assert identity.card_type == CARD_SOCIAL_SECURITY and identity.source == "sscard"
    assert identity.name == PERSON["name"] and identity.id_number == PERSON["id_number"]
    assert identity.nation == "回" and identity.gender == "1" and identity.birth_date == "19900101"
    assert identity.extra["version"] == "2.00" and identity.extra["region"] == "420106"


def test_61xx_and_6cxx_are_followed():
    card = card_from_identity(PERSON, t0_get_response=True, strict_le=True)
    reader = SsCard(card.process)
    reader.read_identity()
    assert "00c0" in card.log  # GET RESPONSE was used
    strict = card_from_identity(PERSON, strict_le=True)
    data, sw = SsCard(strict.process).send(a.select_aid())
    assert sw == 0x9000
    strict.selected_app = True
    strict.selected_file = a.EF06
    data, sw = SsCard(strict.process).send(bytes([0x00, 0xB2, 0x09, 0x00, 0x05]))  # wrong Le -> 6C20 -> again
    assert sw == 0x9000 and data[0] == 0x09 and len(data) == 32


def test_long_name_is_merged_from_the_extension():
    person = dict(PERSON, name="欧阳" + "娜" * 16)  # 18 characters: 36 GBK bytes
    card = card_from_identity(person)
    assert 0x4E in card.files[a.EF06]
    assert _read(card).name == person["name"]
    odd = dict(PERSON, name="A" + "娜" * 17)  # the 30-byte cut falls inside a character
    assert _read(card_from_identity(odd)).name == odd["name"]


def test_third_generation_card_needs_psam():
    with pytest.raises(CardNeedsPsam) as info:
        _read(card_from_identity(PERSON, version="3.00"))
    assert info.value.key == "error.sscard.needs_psam"


def test_not_a_social_security_card():
    card = card_from_identity(PERSON)

    def bank_card(apdu: bytes) -> bytes:
        return b"\x6a\x82" if apdu[1] == 0xA4 else card.process(apdu)

    with pytest.raises(NotSocialSecurityCard):
        SsCard(bank_card).read_identity()


def test_bad_social_security_number_is_refused():
    person = dict(
        PERSON, id_number=PERSON["id_number"][:17] + ("0" if PERSON["id_number"][17] != "0" else "1")
    )
    with pytest.raises(InvalidCardData):
        _read(card_from_identity(person))
