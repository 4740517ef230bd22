"""GB 11643-1999 citizen ID numbers: the check character and the 15 -> 18 conversion.

Here rather than in a card driver because the back office's synthetic people, the card parsers and the
social-security card all need the same arithmetic, and none of them should import another for it.
"""

from __future__ import annotations

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


def gb11643_check_char(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits of an ID number."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("need exactly 17 digits")
    return _CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def is_valid_id_number(number: str) -> bool:
    """True for an 18-character number whose check character is right."""
    return (
        len(number) == 18 and number[:17].isdigit() and number[17].upper() == gb11643_check_char(number[:17])
    )


def convert_legacy_id(number: str) -> str:
    """A 15-digit number (region + YYMMDD + sequence) to the 18-character form (19YY + check)."""
    if len(number) != 15 or not number.isascii() or not number.isdigit():  # fullwidth/superscript digits too
        raise ValueError("need 15 ASCII digits")
    first17 = number[:6] + "19" + number[6:]
    return first17 + gb11643_check_char(first17)
