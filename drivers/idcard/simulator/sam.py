"""The SAM module's card state machine: what a healthy module answers to each request, with no I/O.

Everything here is a pure function of the request, the card on the reader and the card's state, so it
can be tested and reasoned about without a pty or a thread; :mod:`.server` feeds it decoded requests and
writes its replies, and :mod:`.faults` damages them when asked.
"""

from __future__ import annotations

import threading
from enum import Enum
from typing import Any

from drivers.idcard import protocol as p
from drivers.idcard.parser import build_text, encode_ucs2
from drivers.idcard.simulator.cards import fake_photo, fingerprint
from drivers.identity import CARD_RESIDENT

SAM_ID = bytes.fromhex("0501000000000000123456780000abcd")


class CardState(Enum):
    """Where the card on the reader is in its read cycle; a read card stays halted until it is lifted."""

    IDLE = "idle"
    FOUND = "found"
    SELECTED = "selected"
    READ = "read"


class SamModule:
    """The module's logic: one card slot and its state. Thread-safe (the demo places cards from the UI)."""

    def __init__(self, *, old_module: bool = False) -> None:
        self.old_module = old_module  # a module too old for foreigner and HK/Macau/Taiwan cards
        self._lock = threading.RLock()
        self._card: dict[str, Any] | None = None
        self._state = CardState.IDLE

    def place(self, card: dict[str, Any]) -> bool:
        """Put ``card`` on the reader; False (and nothing changes) if a card is already there."""
        with self._lock:
            if self._card is not None:
                return False
            self._card = card
            self._state = CardState.IDLE
            return True

    def lift(self) -> None:
        with self._lock:
            self._card = None
            self._state = CardState.IDLE

    @property
    def card_present(self) -> bool:
        return self._card is not None

    @property
    def state(self) -> CardState:
        return self._state

    def reply(self, request: p.Request) -> bytes:
        """The encoded reply frame to ``request``, moving the card's state as a real module does."""
        cmd = request.command
        with self._lock:
            card, state = self._card, self._state
            if cmd in (p.SAM_STATUS, p.SET_MAX_RF):
                return p.encode_reply(p.STATUS_OK)
            if cmd == p.RESET_SAM:
                self._state = CardState.IDLE
                return p.encode_reply(p.STATUS_OK)
            if cmd == p.READ_SAM_ID:
                return p.encode_reply(p.STATUS_OK, SAM_ID)
            if cmd == p.FIND_CARD:
                if card is not None and state in (CardState.IDLE, CardState.FOUND):
                    self._state = CardState.FOUND
                    return p.encode_reply(p.STATUS_FIND_OK, b"\x00\x00\x00\x00")
                return p.encode_reply(0x80)
            if cmd == p.SELECT_CARD:
                if card is not None and state != CardState.IDLE:
                    if state == CardState.FOUND:
                        self._state = CardState.SELECTED
                    return p.encode_reply(p.STATUS_OK, bytes(8))
                return p.encode_reply(0x81)
            if cmd in (p.READ_BASE, p.READ_BASE_FP, p.READ_NEW_ADDRESS):
                return self._read(cmd, card, state)
        return p.encode_reply(0x21)

    def _read(self, cmd: tuple[int, int], card: dict[str, Any] | None, state: CardState) -> bytes:
        if card is None or state not in (CardState.SELECTED, CardState.READ):
            return p.encode_reply(0x41)
        if self.old_module and card.get("card_type", CARD_RESIDENT) != CARD_RESIDENT:
            return p.encode_reply(0x40)
        if cmd == p.READ_NEW_ADDRESS:
            address = (card.get("extra") or {}).get("new_address")
            if not address:
                return p.encode_reply(p.STATUS_ITEM_EMPTY)
            return p.encode_reply(p.STATUS_OK, encode_ucs2(address, 70))
        self._state = CardState.READ
        text, photo = build_text(card), fake_photo(card)
        if cmd == p.READ_BASE:
            return p.encode_reply(p.STATUS_OK, p.build_base_message(text, photo))
        return p.encode_reply(p.STATUS_OK, p.build_base_message(text, photo, fingerprint(card)))
