"""The identity a citizen presents, whichever card it came from.

An :class:`Identity` is personal data: it lives in memory for one session, is
shown masked, and is never logged. ``repr`` is masked too, so an accidental
``log.info("%s", identity)`` or a traceback does not leak it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from common.masking import mask_id_number, mask_name

CARD_RESIDENT = "resident"  # 居民身份证
CARD_HKMT = "hkmt"  # 港澳台居民居住证 (J)
CARD_FOREIGN_2017 = "foreign2017"  # 外国人永久居留身份证 2017 (I)
CARD_FOREIGN_2023 = "foreign2023"  # 外国人永久居留身份证 2023 (Y)
CARD_SOCIAL_SECURITY = "sscard"  # 社会保障卡

SOURCE_IDCARD = "idcard"
SOURCE_SSCARD = "sscard"


@dataclass(frozen=True, repr=False)
class Identity:
    card_type: str
    name: str
    id_number: str
    source: str = SOURCE_IDCARD
    gender: str = ""  # GB/T 2261.1 code: '1' male, '2' female, '0' unknown, '9' unstated
    nation: str = ""  # nation name (resident cards) or nationality code
    birth_date: str = ""  # YYYYMMDD
    address: str = ""
    authority: str = ""
    valid_from: str = ""
    valid_to: str = ""  # YYYYMMDD or '长期'
    extra: dict[str, Any] = field(default_factory=dict)
    photo: bytes | None = None  # raw WLT bytes, never decoded here

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def __repr__(self) -> str:
        return f"Identity({self.card_type}, {self.masked_name}, {self.masked_id_number})"

    __str__ = __repr__

    def public_dict(self) -> dict[str, str]:
        """What a screen or a log may show: masked fields only."""
        return {
            "card_type": self.card_type,
            "source": self.source,
            "name": self.masked_name,
            "id_number": self.masked_id_number,
        }


RARE_MARK = "〓"  # the printer's mark for a character the font cannot show


def is_rare_character(char: str) -> bool:
    """Private-use, outside the BMP (UCS-2 cannot carry it), or undecodable (U+FFFD)."""
    code = ord(char)
    return code == 0xFFFD or code > 0xFFFF or 0xE000 <= code <= 0xF8FF


def display_text(text: str) -> str:
    """Text for a screen or a printout: rare characters become 〓 instead of tofu or a crash."""
    return "".join(RARE_MARK if is_rare_character(c) else c for c in text)
