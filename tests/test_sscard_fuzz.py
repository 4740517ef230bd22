"""Issue 11: the social-security card parser accepted 139 of 100,000 corrupted responses with a wrong name
(embedded NULs), birth date (``196C0A08``) or gender. One test per finding, and the fuzz."""

from __future__ import annotations

import pytest

from backoffice.demo.data import demo_cards
from drivers.sscard import apdu as a
from drivers.sscard.card import SsCard
from drivers.sscard.emulator import card_from_identity
from drivers.sscard.errors import InvalidCardData
from drivers.sscard.noisy_card import fuzz
from tests.fixtures.identity import make_test_cards

PERSON = make_test_cards()[0]
CARDS = [make_test_cards()[i] for i in (0, 1, 4)] + demo_cards()[:8]


def _read_with(tag: int, value: bytes):
    card = card_from_identity(PERSON)
    card.files[a.EF06][tag] = value
    return SsCard(card.process).read_identity()


@pytest.mark.parametrize(
    "tag,value",
    [
        (0x09, "张\x00三丰".encode("gb18030").ljust(30, b"\x00")),  # embedded NUL in the name
        (0x09, b"\x07" + "张三丰".encode("gb18030")),  # a control character
        (0x09, b"\xff\xff\xff"),  # undecodable bytes
        (0x08, PERSON["id_number"][:6].encode() + b"\x00" + PERSON["id_number"][7:].encode()),
        (0x0D, bytes.fromhex("196C0A08")),  # not BCD
        (0x0D, bytes.fromhex("19901301")),  # month 13
        (0x0D, bytes.fromhex("19910101")),  # a real date, but not the ID number's
        (0x0A, b"3"),  # no such gender code
        (0x0A, b"\x00"),
        (0x0A, b"2"),  # the ID number says male
    ],
)
def test_badly_coded_or_disagreeing_items_are_refused(tag, value):
    with pytest.raises(InvalidCardData) as refused:
        _read_with(tag, value)
    assert refused.value.key == "error.sscard.invalid_data"
    assert PERSON["id_number"] not in str(refused.value) and PERSON["name"] not in str(refused.value)


def test_genuine_cards_still_read():
    for person in CARDS:
        identity = SsCard(card_from_identity(person).process).read_identity()
        assert (identity.name, identity.id_number, identity.gender) == (
            person["name"],
            person["id_number"],
            person["gender"],
        )


def test_cards_storing_bad_items_are_never_accepted_with_wrong_fields():
    result = fuzz(CARDS, 5_000, seed=3, stored=True)
    assert result.responses == 5_000 and result.wrong == 0 and result.uncaught == 0, result


def test_line_errors_in_responses_never_give_wrong_fields():
    result = fuzz(CARDS, 5_000, seed=3)
    assert result.wrong == 0 and result.uncaught == 0, result
    assert result.accepted > 1_000  # the cards were still read


def test_without_the_confirming_read_line_errors_do_give_wrong_fields():
    result = fuzz(CARDS, 5_000, seed=3, confirm_read=False)
    assert result.wrong > 0 and result.uncaught == 0
