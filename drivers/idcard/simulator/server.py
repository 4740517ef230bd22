"""The simulated module as the driver sees it: a thread that reads frames from the pty, asks the card
state machine for the reply, lets any injected fault damage it, and writes it back.

This is the only part that combines the others (:mod:`.port` moves bytes, :mod:`.sam` decides replies,
:mod:`.faults` damages them), and it is the control surface tests and the demo buttons use.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drivers.idcard import protocol as p
from drivers.idcard.errors import ChecksumError
from drivers.idcard.parser import build_text
from drivers.idcard.simulator.faults import FaultQueue, damage
from drivers.idcard.simulator.port import PtyPort
from drivers.idcard.simulator.sam import SamModule
from drivers.identity import CARD_RESIDENT


class SamSimulator:
    """The module on a pty: card state machine, fault injection, serving thread. Thread-safe control methods."""

    def __init__(
        self,
        cards: list[dict[str, Any]] | None = None,
        *,
        baud: int = 115200,
        pace: bool = False,
        link: str | Path | None = None,
        module_baud: int | None = None,
        old_module: bool = False,
        processing_delay: float = 0.0,
        seed: int = 1,
    ):
        self.cards: list[dict[str, Any]] = list(cards or [])
        self.baud = baud
        self.pace = pace
        self.module_baud = module_baud  # if set, requests at another speed get garbage back
        self.processing_delay = processing_delay
        self._sam = SamModule(old_module=old_module)
        self._faults = FaultQueue()
        self._port = PtyPort(link)
        self._rng = random.Random(seed)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.requests: list[str] = []  # names of the requests received, for tests
        self.on_request: list[Callable[[str], object]] = []  # callbacks(name) for tests and the bench
        self.bytes_sent = 0

    @property
    def old_module(self) -> bool:
        """A module too old for foreigner and HK/Macau/Taiwan cards (settable while serving)."""
        return self._sam.old_module

    @old_module.setter
    def old_module(self, value: bool) -> None:
        self._sam.old_module = value

    # ---- lifecycle -------------------------------------------------------------------------------
    @property
    def port(self) -> str:
        """The stable port name (a symlink to the current pty slave)."""
        return self._port.name

    def start(self) -> SamSimulator:
        if self._thread is not None:
            return self
        self._stop.clear()
        self._port.open()
        self._thread = threading.Thread(target=self._serve, name="sam-simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._port.wake()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        self._port.close()

    def unplug(self) -> None:
        """The reader's USB cable is pulled: the port disappears."""
        self._port.unplug()

    def replug(self) -> None:
        """Plugged back in: a new pty behind the same port name."""
        self._port.replug()

    # ---- control surface (demo buttons, tests) ---------------------------------------------------
    def place(self, card: dict[str, Any] | int = 0) -> None:
        """Put a card on the reader (an index into ``cards`` or a card dict). Ignored if one is there."""
        data = dict(self.cards[card]) if isinstance(card, int) else dict(card)
        data.setdefault("card_type", CARD_RESIDENT)
        build_text(data)  # fail here, in the caller's thread, if the card cannot be encoded
        self._sam.place(data)

    def lift(self) -> None:
        self._sam.lift()

    @property
    def card_present(self) -> bool:
        return self._sam.card_present

    def inject(
        self, kind: str, times: int = 1, command: tuple[int, int] | None = None, status: int = 0
    ) -> None:
        """Queue a fault for the next matching request(s). ``times=-1`` keeps it until cleared."""
        self._faults.inject(kind, times, command, status)

    def clear_faults(self) -> None:
        self._faults.clear()

    # ---- serving ----------------------------------------------------------------------------------
    def _serve(self) -> None:
        decoder = p.FrameDecoder()
        while not self._stop.is_set():
            data = self._port.read()
            if not data:
                continue
            if self.module_baud and self._port.line_speed() not in (None, self.module_baud):
                decoder.reset()
                self._write(bytes(self._rng.randrange(256) for _ in range(len(data))))
                continue
            for body in decoder.feed(data):
                if isinstance(body, ChecksumError):
                    self._write(p.encode_reply(0x10))
                elif isinstance(body, bytes):
                    try:
                        request = p.parse_request_body(body)
                    except p.FrameError:
                        self._write(p.encode_reply(0x11))
                        continue
                    self._answer(request)

    def _answer(self, request: p.Request) -> None:
        self.requests.append(request.name)
        for callback in list(self.on_request):
            callback(request.name)
        if self.pace:  # the request itself took its wire time to arrive
            time.sleep(p.wire_time(len(request.data) + 10, self.baud))
        fault = self._faults.take(request.command)
        if fault and fault.kind == "silence":
            return
        if self.processing_delay:
            time.sleep(self.processing_delay)
        if fault is None:
            self._write(self._sam.reply(request))
            return
        reply = p.encode_reply(fault.status) if fault.kind == "status" else self._sam.reply(request)
        self._write(damage(fault, reply, self._rng))
        if fault.kind == "lift_mid_read":
            self.lift()

    def _write(self, data: bytes) -> None:
        self.bytes_sent += self._port.write(data, self.baud if self.pace else None)
