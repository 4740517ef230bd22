"""The identity a citizen presents, whichever card it came from.

An :class:`Identity` is personal data: it lives in memory for one session, is
shown masked, and is never logged. ``repr`` is masked too, so an accidental
``log.info("%s", identity)`` or a traceback does not leak it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CARD_RESIDENT = "resident"  # 居民身份证
CARD_HKMT = "hkmt"  # 港澳台居民居住证 (J)
CARD_FOREIGN_2017 = "foreign2017"  # 外国人永久居留身份证 2017 (I)
CARD_FOREIGN_2023 = "foreign2023"  # 外国人永久居留身份证 2023 (Y)
CARD_SOCIAL_SECURITY = "sscard"  # 社会保障卡

SOURCE_IDCARD = "idcard"
SOURCE_SSCARD = "sscard"


def mask_id_number(number: str) -> str:
    """``420106199001011234`` -> ``4201**********1234`` (first 4, last 4 kept)."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_name(name: str) -> str:
    """``张三`` -> ``*三``, ``欧阳娜娜`` -> ``**娜娜``; Latin names keep the first letter."""
    name = name.strip()
    if not name:
        return ""
    if name.isascii():
        return name[0] + "*" * (len(name) - 1)
    if len(name) <= 2:
        return "*" + name[-1]
    if len(name) == 3:
        return "*" + name[1:]
    return "*" * (len(name) - 2) + name[-2:]


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
        return {"card_type": self.card_type, "source": self.source,
                "name": self.masked_name, "id_number": self.masked_id_number}


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


def gb11643_check_char(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits of an ID number."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("need exactly 17 digits")
    return _CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def is_valid_id_number(number: str) -> bool:
    """True for an 18-character number whose check character is right."""
    return (len(number) == 18 and number[:17].isdigit()
            and number[17].upper() == gb11643_check_char(number[:17]))


RARE_MARK = "〓"  # the printer's mark for a character the font cannot show


def is_rare_character(char: str) -> bool:
    """Private-use, outside the BMP (UCS-2 cannot carry it), or undecodable (U+FFFD)."""
    code = ord(char)
    return code == 0xFFFD or code > 0xFFFF or 0xE000 <= code <= 0xF8FF


def display_text(text: str) -> str:
    """Text for a screen or a printout: rare characters become 〓 instead of tofu or a crash."""
    return "".join(RARE_MARK if is_rare_character(c) else c for c in text)


def card_type_allowed(card_type: str, allowed: list[str] | tuple[str, ...] | set[str] | None) -> bool:
    """Whether a flow that accepts ``allowed`` card types (None or empty: any) takes this card."""
    return not allowed or card_type in allowed


# Outcomes of a flow's identify step (flows.model.STEP_OUTCOMES['identify']).
OUTCOME_OK, OUTCOME_REFUSED, OUTCOME_ERROR, OUTCOME_REMOVED = "ok", "refused", "error", "removed"
# Read failures that are the card's nature, not a fault: the citizen should use another card.
REFUSAL_KEYS = frozenset({"error.sscard.needs_psam", "error.sscard.not_sscard", "error.idcard.unsupported_card",
                          "error.sscard.not_genuine"})


@dataclass(frozen=True, repr=False)
class IdentifyOutcome:
    """What a reader event means for an identify step: an outcome, the identity (if ok) and a text key."""

    outcome: str
    identity: Identity | None = None
    key: str = ""

    def __repr__(self) -> str:  # never the identity itself
        return f"IdentifyOutcome({self.outcome}, {self.key or '-'})"


def identify_outcome(event: Any, accept: list[str] | tuple[str, ...] | set[str] | None,
                     identified: bool = False, assurance: str | None = None) -> IdentifyOutcome | None:
    """Map a reader event (drivers.events) to an identify-step outcome; None if it means nothing here.

    ``accept`` lists the card types the flow allows (None: any). ``identified`` says whether this
    session already holds an identity: a removal then ends the session ('removed'), as a card
    lifted early must. ``assurance`` is what the step requires (drivers.assurance; None: authenticated).
    Qt-free, so the flow engine and the UI share it.
    """
    from drivers.assurance import NOT_AUTHENTICATED_KEY, assurance_met
    from drivers.events import CardPresented, CardReadFailed, CardRemoved

    if isinstance(event, CardPresented):
        if not card_type_allowed(event.identity.card_type, accept):
            return IdentifyOutcome(OUTCOME_REFUSED, None, "identity.card_not_allowed")
        if not assurance_met(event.identity, assurance):
            return IdentifyOutcome(OUTCOME_REFUSED, None, NOT_AUTHENTICATED_KEY)
        return IdentifyOutcome(OUTCOME_OK, event.identity)
    if isinstance(event, CardReadFailed):
        key = getattr(event.error, "key", "error.device.generic")
        return IdentifyOutcome(OUTCOME_REFUSED if key in REFUSAL_KEYS else OUTCOME_ERROR, None, key)
    if isinstance(event, CardRemoved) and identified:
        return IdentifyOutcome(OUTCOME_REMOVED, None, "identity.card_lifted_session_ended")
    return None
