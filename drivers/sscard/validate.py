"""What a social-security card's items must look like before they become an :class:`Identity`.

The parser used to take whatever bytes came back: a name with an embedded NUL, a birth date
``196C0A08`` (not BCD), a gender byte of any value. Each item is now checked for its coding
(``an``: printable ASCII, 00 padding only at the end; ``cn``: BCD digits, F padding only at the
end; names: GB 18030 without NULs, controls or undecodable bytes), every date must exist, and the
birth date and gender must agree with the ID number (GB 11643: date at 7-14, odd 17th digit male).
Refusals are :class:`InvalidCardData` with a detail that names the item, never its value.
"""

from __future__ import annotations

import re

from common.card_tables import NATIONS
from common.gb11643 import is_valid_id_number
from drivers.idcard.parser import bad_characters, is_real_date
from drivers.sscard import apdu as a
from drivers.sscard.errors import InvalidCardData

_BCD = re.compile(r"[0-9]*F*")
_ID_NUMBER = re.compile(r"[0-9]{17}[0-9X]")


def check_an(name: str, raw: bytes) -> None:
    """Alphanumeric: printable ASCII, left aligned, padded with 00 (no NUL inside the value)."""
    value = raw.rstrip(b"\x00")
    if any(byte < 0x20 or byte > 0x7E for byte in value):
        raise InvalidCardData(f"item {name}: not printable ASCII or an embedded NUL")


def check_cn(name: str, raw: bytes) -> str:
    """Numeric: BCD digits then F padding; returns the digits."""
    hex_digits = raw.hex().upper()
    if not _BCD.fullmatch(hex_digits):
        raise InvalidCardData(f"item {name}: not BCD")
    return hex_digits.rstrip("F")


def check_name(raw: bytes) -> None:
    value = raw.rstrip(b"\x00")
    if not value or b"\x00" in value:
        raise InvalidCardData("item name: empty or an embedded NUL")
    text = value.decode("gb18030", errors="replace")
    if "\ufffd" in text or bad_characters(text):
        raise InvalidCardData("item name: undecodable or control characters")


def check_items(raw: dict[str, bytes]) -> None:
    """Refuse the card's items unless every one is well coded and they agree with each other."""
    for name, (_ef, _tag, _length, kind) in a.ITEM_BY_NAME.items():
        if name not in raw or name in ("name", "name_extension"):
            continue
        if kind == "an":
            check_an(name, raw[name])
        elif kind == "cn":
            check_cn(name, raw[name])
    check_name(raw.get("name", b"") + raw.get("name_extension", b"").rstrip(b"\x00"))
    id_number = raw.get("id_number", b"").rstrip(b"\x00").decode("ascii", errors="replace").upper()
    if not _ID_NUMBER.fullmatch(id_number) or not is_valid_id_number(id_number):
        raise InvalidCardData(f"social security number of {len(id_number)} characters fails GB 11643")
    if not is_real_date(id_number[6:14]):
        raise InvalidCardData("social security number holds an impossible birth date")
    birth = check_cn("birth_date", raw.get("birth_date", b""))
    if not is_real_date(birth) or birth != id_number[6:14]:
        raise InvalidCardData("birth date impossible or disagrees with the ID number")
    gender = raw.get("gender", b"")
    if gender != (b"1" if int(id_number[16]) % 2 else b"2"):
        raise InvalidCardData("gender code invalid or disagrees with the ID number")
    if "nation" in raw and check_cn("nation", raw["nation"]).zfill(2) not in NATIONS:
        raise InvalidCardData("unknown nation code")
    for name in ("issue_date", "expiry_date"):
        if name in raw and not is_real_date(check_cn(name, raw[name])):
            raise InvalidCardData(f"item {name}: impossible date")
