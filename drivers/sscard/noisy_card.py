"""Corrupted social-security card responses, for the parser's fuzz test and bench/fuzz_sscard.py.

Two kinds of damage, both through the real :class:`SsCard` read:

- *on the line* (``transient``): READ RECORD responses are corrupted as they pass (bit flips,
  a byte set to 00, a byte replaced), differently on every read;
- *in the card* (``stored``): one stored item is wrong on every read, in the ways the issue found
  accepted — an embedded NUL in the name or number, a non-BCD date (``196C0A08``), an impossible
  date, a bad gender code — plus values that are well coded but disagree with the ID number.

A name that a card consistently stores wrong yet well coded cannot be told from a card issued
with that name; that is what card authentication (drivers/sscard/psam.py) answers, not parsing.
Nothing here is used by a kiosk.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from drivers.sscard import apdu as a
from drivers.sscard.card import SsCard, Transmit
from drivers.sscard.emulator import EmulatedSsCard, card_from_identity
from drivers.sscard.errors import SsCardError

PERSON_FIELDS = ("name", "id_number", "gender", "birth_date", "nation")


def corrupt_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    kind = rng.randrange(3)
    index = rng.randrange(len(out))
    if kind == 0:
        for _ in range(rng.randint(1, 3)):
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    elif kind == 1:
        out[index] = 0
    else:
        out[index] = rng.randrange(256)
    return bytes(out)


def corrupt_stored(card: EmulatedSsCard, rng: random.Random) -> None:
    """Damage one EF06 item of ``card`` in place, in one of the ways a bad or forged card would."""
    items = card.files[a.EF06]
    kind = rng.choice(
        ("nul", "non_bcd", "impossible_date", "gender", "id_digit", "other_date", "swap_gender")
    )
    if kind == "nul":
        tag = rng.choice((0x09, 0x08))
        value = bytearray(items[tag])
        used = len(value.rstrip(b"\x00"))
        value[rng.randrange(max(1, used - 1))] = 0
        items[tag] = bytes(value)
    elif kind == "non_bcd":
        value = bytearray(items[0x0D])
        i = rng.randrange(len(value))
        value[i] = (
            (value[i] & 0xF0) | rng.randrange(0xA, 0xF)
            if rng.random() < 0.5
            else (rng.randrange(0xA, 0x10) << 4) | (value[i] & 0x0F)
        )
        items[0x0D] = bytes(value)
    elif kind == "impossible_date":
        items[0x0D] = bytes.fromhex(rng.choice(("19901301", "19900230", "19900100", "00000000", "19909999")))
    elif kind == "gender":
        items[0x0A] = bytes([rng.choice([b for b in range(256) if b not in (0x31, 0x32)])])
    elif kind == "id_digit":
        value = bytearray(items[0x08])
        i = rng.randrange(17)
        value[i] = ord(str((int(chr(value[i])) + rng.randint(1, 9)) % 10))
        items[0x08] = bytes(value)
    elif kind == "other_date":
        year = rng.randint(1930, 2010)
        items[0x0D] = bytes.fromhex(f"{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}")
    else:
        items[0x0A] = b"2" if items[0x0A] == b"1" else b"1"


@dataclass
class SsFuzzResult:
    responses: int = 0  # corrupted responses (or corrupted cards) the reader met
    accepted: int = 0  # right identity
    refused: int = 0  # a typed SsCardError
    wrong: int = 0  # accepted with a wrong name, number, gender, birth date or nation: must stay 0
    uncaught: int = 0


def fuzz(
    cards: list[dict],
    responses: int,
    *,
    seed: int = 1,
    stored: bool = False,
    error_rate: float = 0.05,
    confirm_read: bool = True,
) -> SsFuzzResult:
    rng = random.Random(seed)
    result = SsFuzzResult()
    expected = [SsCard(card_from_identity(c).process).read_identity() for c in cards]
    while result.responses < responses:
        index = rng.randrange(len(cards))
        card = card_from_identity(cards[index])
        transmit: Transmit
        if stored:
            corrupt_stored(card, rng)
            result.responses += 1
            transmit = card.process
        else:

            def noisy(command: bytes, card: EmulatedSsCard = card) -> bytes:
                response = card.process(command)
                if command[1] == 0xB2 and len(response) > 2 and rng.random() < error_rate:
                    result.responses += 1
                    return corrupt_bytes(response[:-2], rng) + response[-2:]
                return response

            transmit = noisy
        try:
            identity = SsCard(transmit, confirm_read=confirm_read).read_identity()
        except SsCardError:
            result.refused += 1
        except Exception:  # counting them is the point
            result.uncaught += 1
        else:
            right = expected[index]
            if all(getattr(identity, f) == getattr(right, f) for f in PERSON_FIELDS):
                result.accepted += 1
            else:
                result.wrong += 1
    return result
