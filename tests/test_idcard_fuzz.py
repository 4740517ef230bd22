"""Issue 11, "Identity the terminal can trust", ID-card findings: one test per finding.

- line errors that fool the XOR checksum gave a *different* identity (3.06 % of 2-bit errors);
- non-ASCII digits (fullwidth, Arabic-Indic) were accepted in ID numbers;
- superscript digits raised a ValueError that put the reader in HARDWARE_ERROR;
- impossible dates and control characters were accepted.
"""

from __future__ import annotations

import pytest

from backoffice.demo.data import demo_cards
from drivers.base import DeviceState
from drivers.events import CardPresented, CardReadFailed, CardRemoved
from drivers.idcard import parser
from drivers.idcard.errors import InvalidCardData
from drivers.idcard.noisy_line import fuzz
from tests.fixtures.identity import make_test_cards

FUZZ_CARDS = make_test_cards() + demo_cards()[:8]


def test_bit_errors_never_yield_a_different_identity():
    result = fuzz(FUZZ_CARDS, 20_000, seed=11)
    assert result.frames >= 20_000 and result.checksum_blind > 5_000  # the dangerous errors were there
    assert result.wrong == 0 and result.uncaught == 0, result
    assert result.identities > result.reads // 2  # and the cards were still read


def test_without_the_confirming_read_the_checksum_lets_other_identities_through():
    # the mechanism is what makes the test above pass: field checks alone cannot see a changed name
    result = fuzz(FUZZ_CARDS, 2_000, seed=11, confirm_read=False)
    assert result.wrong > 0 and result.uncaught == 0


@pytest.mark.parametrize("digits", ["０１２３４５６７８９", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹"])
def test_non_ascii_digits_in_the_id_number_are_refused(digits):
    card = make_test_cards()[0]
    # the check character stays ASCII: str.isdigit() and int() take these digits, so the old check passed
    number = "".join(digits[int(c)] for c in card["id_number"][:17]) + card["id_number"][17]
    assert number != card["id_number"]
    with pytest.raises(InvalidCardData):
        parser.parse_text(parser.build_text(dict(card, id_number=number)))


def test_superscript_digits_are_a_read_error_and_the_reader_stays_usable(idcard_reader):
    card = make_test_cards()[0]
    superscript = "⁰¹²³⁴⁵⁶⁷⁸⁹"
    number = card["id_number"][:16] + superscript[int(card["id_number"][16])] + card["id_number"][17]
    with pytest.raises(InvalidCardData):
        parser.parse_text(parser.build_text(dict(card, id_number=number)))
    idcard_reader.simulator.place(dict(card, id_number=number))
    failed = idcard_reader.recorder.wait_for(CardReadFailed)
    assert failed.error.key == "error.idcard.invalid_data"
    assert idcard_reader.status().state == DeviceState.ONLINE
    idcard_reader.simulator.lift()
    idcard_reader.recorder.wait_for(CardRemoved)
    idcard_reader.simulator.place(0)  # the next citizen's card reads as usual
    assert idcard_reader.recorder.wait_for(CardPresented).identity.id_number == card["id_number"]
    assert idcard_reader.status().state.usable


@pytest.mark.parametrize(
    "change",
    [
        {"birth_date": "19900230"},  # 30 February
        {"birth_date": "19900101", "id_number": "42010619901301123"},  # month 13 inside the ID number
        {"birth_date": "19910101"},  # disagrees with the ID number's date
        {"gender": "2"},  # the ID number's sequence digit is odd: male
        {"gender": "1", "nation": "99"},  # no such nation
        {"valid_from": "20101301"},
        {"valid_to": "2030-1-1"},
        {"name": "张\x00三"},
        {"name": "张\x07三"},
        {"address": "湖北省\u202e武汉市"},  # right-to-left override: a format character
        {"authority": "武汉市\x1b公安局"},
    ],
)
def test_impossible_dates_control_characters_and_disagreeing_fields_are_refused(change):
    card = dict(make_test_cards()[0], **change)
    if len(card["id_number"]) == 17:
        from common.gb11643 import gb11643_check_char

        card["id_number"] += gb11643_check_char(card["id_number"])
    with pytest.raises(InvalidCardData) as refused:
        parser.parse_text(parser.build_text(card))
    assert refused.value.key == "error.idcard.invalid_data"
    assert card["name"] not in str(refused.value) and card["id_number"] not in str(refused.value)


def test_every_genuine_card_still_parses():
    for card in make_test_cards() + demo_cards():
        assert parser.parse_text(parser.build_text(card)).id_number == card["id_number"]
