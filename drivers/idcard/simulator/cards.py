"""The cards a simulated module can have placed on it: loaded from a JSON file, checked, and their photo.

Cards are data the caller owns (a test, a demo, a technician's file); the simulator ships none of its
own, so that no layer below the kiosk knows about the back office's demo people. A card is a dict in
the field names of :class:`drivers.identity.Identity` plus ``extra`` — exactly what
:func:`drivers.idcard.parser.build_text` encodes — and optionally ``photo`` / ``fingerprint`` (base64).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from pathlib import Path
from typing import Any

from drivers.idcard import protocol as p
from drivers.idcard.parser import build_text


def load_cards(path: str | Path) -> list[dict[str, Any]]:
    """Cards from a JSON file: a list of card dicts (``photo`` may be base64).

    Every card is encoded once here, so a bad file fails when it is loaded (with the card's index, never
    its contents: they are personal data) rather than when a card is placed.
    """
    try:
        cards = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(cards, list):
        raise ValueError(f"{path}: expected a JSON list of cards")
    for index, card in enumerate(cards):
        if not isinstance(card, dict):
            raise ValueError(f"{path}: card {index} is not an object")
        try:
            build_text(card)
            fake_photo(card)
        except (ValueError, TypeError, binascii.Error) as exc:
            raise ValueError(f"{path}: card {index}: {exc}") from None
    return cards


def fake_photo(card: dict[str, Any]) -> bytes:
    """1024 deterministic bytes standing in for the WLT photo (its content is opaque anyway)."""
    raw = card.get("photo")
    if isinstance(raw, bytes | bytearray):
        return bytes(raw)
    if isinstance(raw, str) and raw:
        return base64.b64decode(raw)
    seed = hashlib.sha256(str(card.get("id_number", "")).encode()).digest()
    return (b"WLT" + seed * 32)[: p.PHOTO_LEN]


def fingerprint(card: dict[str, Any]) -> bytes:
    """The card's fingerprint data (base64 in a JSON file), empty if it has none."""
    fp = card.get("fingerprint")
    return base64.b64decode(fp) if isinstance(fp, str) else bytes(fp or b"")
