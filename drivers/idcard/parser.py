"""Text block (256 bytes of UCS-2) <-> :class:`Identity`, for all four card types.

Layouts are data (field name, byte length) so that parsing and the simulator's
building of real text blocks cannot drift apart. Nothing here does I/O.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from common.card_tables import GENDERS, NATIONS, nation_code, nation_name
from common.gb11643 import convert_legacy_id, is_valid_id_number
from drivers.idcard.errors import InvalidCardData
from drivers.identity import (
    CARD_FOREIGN_2017,
    CARD_FOREIGN_2023,
    CARD_HKMT,
    CARD_RESIDENT,
    SOURCE_IDCARD,
    Identity,
    is_rare_character,
)

TEXT_LEN = 256
TYPE_OFFSET = 248

_COMMON = [
    ("name", 30),
    ("gender", 2),
    ("nation", 4),
    ("birth_date", 16),
    ("address", 70),
    ("id_number", 36),
    ("authority", 30),
    ("valid_from", 16),
    ("valid_to", 16),
]
LAYOUTS: dict[str, list[tuple[str, int]]] = {
    CARD_RESIDENT: _COMMON + [("_reserved", 36)],
    CARD_HKMT: _COMMON
    + [("pass_number", 18), ("issue_count", 4), ("_reserved", 6), ("_type", 2), ("_reserved2", 6)],
    CARD_FOREIGN_2017: [
        ("english_name", 120),
        ("gender", 2),
        ("id_number", 30),
        ("nationality", 6),
        ("name", 30),
        ("valid_from", 16),
        ("valid_to", 16),
        ("birth_date", 16),
        ("card_version", 4),
        ("authority_code", 8),
        ("_type", 2),
        ("_reserved", 6),
    ],
    CARD_FOREIGN_2023: [
        ("name", 30),
        ("gender", 2),
        ("renewal_count", 4),
        ("birth_date", 16),
        ("english_name_1", 70),
        ("id_number", 36),
        ("_reserved", 30),
        ("valid_from", 16),
        ("valid_to", 16),
        ("english_name_2", 22),
        ("nationality", 6),
        ("_type", 2),
        ("old_card_link", 6),
    ],
}
TYPE_FLAGS = {" ": CARD_RESIDENT, "J": CARD_HKMT, "I": CARD_FOREIGN_2017, "Y": CARD_FOREIGN_2023}
FLAG_OF_TYPE = {v: k for k, v in TYPE_FLAGS.items()}

_IDENTITY_FIELDS = {
    "name",
    "id_number",
    "gender",
    "nation",
    "birth_date",
    "address",
    "authority",
    "valid_from",
    "valid_to",
}

REPLACEMENT = "\ufffd"


def _offsets(layout: list[tuple[str, int]]) -> dict[str, tuple[int, int]]:
    result, offset = {}, 0
    for name, length in layout:
        result[name] = (offset, length)
        offset += length
    assert offset == TEXT_LEN, layout
    return result


OFFSETS = {card_type: _offsets(layout) for card_type, layout in LAYOUTS.items()}


def decode_ucs2(raw: bytes) -> str:
    """UCS-2 LE to text, trimmed. Never raises.

    A surrogate pair (a rare character a newer card might carry) becomes the real
    character; a lone surrogate becomes U+FFFD; private-use code points are kept
    (they are flagged by :func:`rare_characters` and shown as such).
    """
    if len(raw) % 2:
        raw = raw[:-1]
    return raw.decode("utf-16-le", errors="replace").replace("\x00", "").strip()


def rare_characters(text: str) -> list[str]:
    """Characters a screen may not be able to draw: private use, outside the BMP, undecodable."""
    return [c for c in text if is_rare_character(c)]


def encode_ucs2(text: str, length: int) -> bytes:
    """Text to a fixed-width, space-padded UCS-2 LE field (characters outside the BMP as surrogates)."""
    raw = text.encode("utf-16-le", errors="surrogatepass")
    if len(raw) > length:
        raise ValueError(f"{text!r} does not fit in {length} bytes")
    return raw + " ".encode("utf-16-le") * ((length - len(raw)) // 2)


def card_type_of(text: bytes) -> str:
    """The card type from the flag at offset 248 (unknown flags are reported, not guessed)."""
    if len(text) != TEXT_LEN:
        raise InvalidCardData(f"text block of {len(text)} bytes")
    flag = text[TYPE_OFFSET : TYPE_OFFSET + 2].decode("utf-16-le", errors="replace")
    if flag in ("\x00", ""):
        flag = " "
    if flag not in TYPE_FLAGS:
        raise InvalidCardData(f"unknown card type flag {flag.encode('unicode_escape')!r}")
    return TYPE_FLAGS[flag]


# ASCII only: str.isdigit() also takes fullwidth, Arabic-Indic and superscript digits (the last make int() fail)
_ID18 = re.compile(r"[0-9]{17}[0-9X]")
_ID15 = re.compile(r"[0-9]{15}")
_FOREIGN_2017_ID = re.compile(r"[A-Z]{3}[0-9]{12}")
_DATE = re.compile(r"[0-9]{8}")
LONG_TERM = "长期"
# Unicode categories no card field carries: controls (NUL included), format, surrogates, line/paragraph separators
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def is_real_date(text: str, *, not_after: datetime.date | None = None) -> bool:
    """``YYYYMMDD`` in ASCII digits naming a day that exists, from 1900 on (and not after ``not_after``)."""
    if not _DATE.fullmatch(text):
        return False
    try:
        day = datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return False
    return day.year >= 1900 and (not_after is None or day <= not_after)


def bad_characters(text: str) -> bool:
    """True if ``text`` holds a control, format, surrogate or non-character code point (a damaged read)."""
    return any(unicodedata.category(c) in _BAD_CATEGORIES or c in "\ufffe\uffff" for c in text)


def _check_raw_field(name: str, raw: bytes) -> None:
    """Refuse embedded NULs and other non-printable characters; trailing NUL/space padding is fine."""
    text = raw.decode("utf-16-le", errors="replace").rstrip("\x00 ")
    if bad_characters(text):
        raise InvalidCardData(f"field {name} holds a control or non-printable character")


def _check_id_number(number: str, *, must_start_with: str = "") -> tuple[str, dict[str, str]]:
    extra: dict[str, str] = {}
    number = number.upper()
    if not (_ID18.fullmatch(number) or _ID15.fullmatch(number)):
        raise InvalidCardData(f"ID number of {len(number)} characters is not ASCII digits (and X)")
    if len(number) == 15:
        extra["legacy_id_number"] = number
        number = convert_legacy_id(number)
    if not is_valid_id_number(number):
        raise InvalidCardData(f"ID number of {len(number)} characters fails the GB 11643 check")
    if must_start_with and not number.startswith(must_start_with):
        raise InvalidCardData("foreigner card number must start with 9")
    if not is_real_date(number[6:14], not_after=datetime.date.today()):
        raise InvalidCardData("ID number holds an impossible birth date")
    return number, extra


def _check_fields(card_type: str, id_number: str, fields: dict[str, str]) -> None:
    """Cross-check what a line error could change without breaking the XOR checksum.

    The ID number carries its own check character, the birth date and the gender digit
    (odd: male); the card's separate fields must agree with it, and every date must exist.
    """
    today = datetime.date.today()
    if not is_real_date(fields["birth_date"], not_after=today):
        raise InvalidCardData("impossible birth date")
    if not is_real_date(fields["valid_from"]):
        raise InvalidCardData("impossible start of validity")
    if fields["valid_to"] != LONG_TERM and not is_real_date(fields["valid_to"]):
        raise InvalidCardData("impossible end of validity")
    if card_type == CARD_FOREIGN_2017:
        if fields["gender"] not in GENDERS:
            raise InvalidCardData("unknown gender code")
        return
    if fields["birth_date"] != id_number[6:14]:
        raise InvalidCardData("birth date disagrees with the ID number")
    if fields["gender"] != ("1" if int(id_number[16]) % 2 else "2"):
        raise InvalidCardData("gender disagrees with the ID number")
    if card_type == CARD_RESIDENT and fields["nation"] not in NATIONS:
        raise InvalidCardData("unknown nation code")


def parse_text(text: bytes, photo: bytes | None = None, fingerprint: bytes | None = None) -> Identity:
    """Parse a 256-byte text block into an :class:`Identity`; raise InvalidCardData if it cannot be one.

    Only InvalidCardData leaves here: a damaged read is a card-level failure the reader retries or
    reports, never an exception that would put the reader in HARDWARE_ERROR.
    """
    try:
        return _parse_text(text, photo, fingerprint)
    except (ValueError, IndexError, KeyError) as exc:
        raise InvalidCardData(f"text block does not parse: {type(exc).__name__}") from None


def _parse_text(text: bytes, photo: bytes | None, fingerprint: bytes | None) -> Identity:
    card_type = card_type_of(text)
    for name, (off, length) in OFFSETS[card_type].items():
        if not name.startswith("_"):
            _check_raw_field(name, text[off : off + length])
    fields = {
        name: decode_ucs2(text[off : off + length])
        for name, (off, length) in OFFSETS[card_type].items()
        if not name.startswith("_")
    }
    extra: dict[str, object] = {}
    if card_type in (CARD_RESIDENT, CARD_HKMT):
        id_number, more = _check_id_number(fields["id_number"])
        extra.update(more)
        nation = ""
        if card_type == CARD_RESIDENT:
            code = fields["nation"]
            nation = nation_name(code)
            extra["nation_code"] = code
        if card_type == CARD_HKMT:
            extra["pass_number"] = fields["pass_number"]
            extra["issue_count"] = fields["issue_count"]
        identity_fields = dict(
            name=fields["name"],
            gender=fields["gender"],
            nation=nation,
            birth_date=fields["birth_date"],
            address=fields["address"],
            authority=fields["authority"],
            valid_from=fields["valid_from"],
            valid_to=fields["valid_to"],
        )
    elif card_type == CARD_FOREIGN_2017:
        id_number = fields["id_number"].upper()
        if not _FOREIGN_2017_ID.fullmatch(id_number):
            raise InvalidCardData(f"2017 foreigner card number of {len(id_number)} characters")
        extra.update(
            english_name=fields["english_name"],
            card_version=fields["card_version"],
            authority_code=fields["authority_code"],
        )
        identity_fields = dict(
            name=fields["name"] or fields["english_name"],
            gender=fields["gender"],
            nation=fields["nationality"],
            birth_date=fields["birth_date"],
            valid_from=fields["valid_from"],
            valid_to=fields["valid_to"],
            authority="中华人民共和国国家移民管理局",
        )
    else:  # CARD_FOREIGN_2023
        id_number, more = _check_id_number(fields["id_number"], must_start_with="9")
        extra.update(more)
        english = (fields["english_name_1"] + fields["english_name_2"]).strip()
        extra.update(
            english_name=english, renewal_count=fields["renewal_count"], old_card_link=fields["old_card_link"]
        )
        identity_fields = dict(
            name=fields["name"] or english,
            gender=fields["gender"],
            nation=fields["nationality"],
            birth_date=fields["birth_date"],
            valid_from=fields["valid_from"],
            valid_to=fields["valid_to"],
            authority="中华人民共和国国家移民管理局",
        )
    _check_fields(card_type, id_number, {**identity_fields, "nation": str(extra.get("nation_code", ""))})
    rare = {name: rare_characters(str(value)) for name, value in identity_fields.items()}
    rare = {name: chars for name, chars in rare.items() if chars}
    if rare:
        extra["rare_characters"] = sorted(rare)  # field names only: the characters are personal data
    if fingerprint:
        extra["fingerprint"] = bytes(fingerprint)
    return Identity(
        card_type=card_type,
        id_number=id_number,
        source=SOURCE_IDCARD,
        extra=extra,
        photo=bytes(photo) if photo else None,
        **identity_fields,
    )


def build_text(card: dict) -> bytes:
    """A real 256-byte text block from a card dict (Identity field names, plus ``extra``).

    Used by the simulator; a dict from :func:`kiosk.demo.cards (the demo people)` works as is.
    """
    card_type = card.get("card_type", CARD_RESIDENT)
    if card_type not in LAYOUTS:
        raise ValueError(f"unknown card type {card_type!r}")
    extra = dict(card.get("extra") or {})
    values: dict[str, str] = {k: str(card.get(k, "") or "") for k in _IDENTITY_FIELDS}
    values.update({k: str(v) for k, v in extra.items() if isinstance(v, str | int)})
    if card_type == CARD_RESIDENT:
        values["nation"] = nation_code(values["nation"] or "01")
    elif card_type == CARD_HKMT:
        values["nation"] = ""
    else:
        values.setdefault("nationality", "")
        if not extra.get("nationality"):
            values["nationality"] = values["nation"]
        if card_type == CARD_FOREIGN_2017:
            values.setdefault("english_name", "")
        else:
            english = extra.get("english_name", "")
            values["english_name_1"], values["english_name_2"] = english[:35], english[35:]
    values["_type"] = FLAG_OF_TYPE[card_type] if card_type != CARD_RESIDENT else ""
    out = bytearray()
    for name, length in LAYOUTS[card_type]:
        out += encode_ucs2(values.get(name, ""), length)
    if card_type == CARD_RESIDENT:
        out[TYPE_OFFSET : TYPE_OFFSET + 2] = " ".encode("utf-16-le")
    return bytes(out)
