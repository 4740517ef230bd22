"""A SAM module on a pseudo-terminal: the real driver talks to it over a real serial line.

The simulator owns the master end of a pty and answers the SAM protocol on it;
the driver opens the slave end (through a stable symlink, so "unplugging" and
"replugging" keep the same port name) with pyserial like any USB-serial adapter.

It builds real text blocks from card dicts (the field names of
:class:`drivers.identity.Identity`, plus ``extra``), optionally paces its replies
at the configured baud rate so timings are those of a real line, and injects
faults on request: ``bad_checksum``, ``truncated``, ``silence``, ``garbage``,
``lift_mid_read``, ``status`` (answer with a given status byte), and an
``old_module`` switch (a module too old for I/J/Y cards).

Run standalone (e.g. for ``kiosk devices read-id`` or the bench)::

    python -m drivers.idcard.simulator --cards cards.json --link /tmp/ttySAM0 --place 0
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import os
import random
import select
import tempfile
import termios
import threading
import time
import tty
from dataclasses import dataclass
from pathlib import Path

from drivers.idcard import protocol as p
from drivers.idcard.errors import ChecksumError
from drivers.idcard.parser import build_text, encode_ucs2
from drivers.identity import CARD_RESIDENT

BAUD_CONSTANTS = {getattr(termios, f"B{b}"): b for b in (9600, 19200, 38400, 57600, 115200)}
FAULTS = ("bad_checksum", "truncated", "silence", "garbage", "lift_mid_read", "status")


def load_cards(path: str | Path) -> list[dict]:
    """Cards from a JSON file: a list of dicts in Identity field names (``photo`` may be base64)."""
    cards = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(cards, list):
        raise ValueError(f"{path}: expected a JSON list of cards")
    return cards


def fake_photo(card: dict) -> bytes:
    """1024 deterministic bytes standing in for the WLT photo (its content is opaque anyway)."""
    raw = card.get("photo")
    if isinstance(raw, bytes | bytearray):
        return bytes(raw)
    if isinstance(raw, str) and raw:
        return base64.b64decode(raw)
    seed = hashlib.sha256(str(card.get("id_number", "")).encode()).digest()
    return (b"WLT" + seed * 32)[:p.PHOTO_LEN]


@dataclass
class Fault:
    kind: str
    times: int = 1  # -1: until cleared
    command: tuple[int, int] | None = None  # None: any command
    status: int = 0


class SamSimulator:
    """The module: card state machine, fault injection, pty ends. Thread-safe control methods."""

    def __init__(self, cards: list[dict] | None = None, *, baud: int = 115200, pace: bool = False,
                 link: str | Path | None = None, module_baud: int | None = None,
                 old_module: bool = False, processing_delay: float = 0.0, seed: int = 1):
        self.cards: list[dict] = list(cards or [])
        self.baud = baud
        self.pace = pace
        self.module_baud = module_baud  # if set, requests at another speed get garbage back
        self.old_module = old_module
        self.processing_delay = processing_delay
        self._tmpdir: tempfile.TemporaryDirectory | None = None
        self._link = Path(link) if link else None
        self._rng = random.Random(seed)
        self._lock = threading.RLock()
        self._faults: list[Fault] = []
        self._card: dict | None = None
        self._card_state = "idle"  # idle -> found -> selected -> read (halted until lifted)
        self._master = -1
        self._slave = -1
        self._wake_r, self._wake_w = -1, -1
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.requests: list[str] = []  # names of the requests received, for tests
        self.on_request: list = []  # callbacks(name) for tests and the bench
        self.bytes_sent = 0

    # ---- lifecycle -------------------------------------------------------------------------------
    @property
    def port(self) -> str:
        """The stable port name (a symlink to the current pty slave)."""
        if self._link is None:
            raise RuntimeError("simulator not started")
        return str(self._link)

    def start(self) -> SamSimulator:
        if self._thread is not None:
            return self
        if self._link is None:
            self._tmpdir = tempfile.TemporaryDirectory(prefix="samsim-")
            self._link = Path(self._tmpdir.name) / "ttySAM0"
        self._wake_r, self._wake_w = os.pipe()
        self._stop.clear()
        self._plug()
        self._thread = threading.Thread(target=self._serve, name="sam-simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        with self._lock:
            self._unplug_locked()
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._wake_r = self._wake_w = -1
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None
            self._link = None

    def _plug(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        with self._lock:
            self._master, self._slave = master, slave
            tmp = self._link.with_name(self._link.name + ".new")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            os.symlink(os.ttyname(slave), tmp)
            os.replace(tmp, self._link)
        self._wake()

    def _unplug_locked(self) -> None:
        for fd in (self._master, self._slave):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = -1
        if self._link is not None:
            with contextlib.suppress(FileNotFoundError):
                self._link.unlink()

    def unplug(self) -> None:
        """The reader's USB cable is pulled: the port disappears."""
        with self._lock:
            self._unplug_locked()
        self._wake()

    def replug(self) -> None:
        """Plugged back in: a new pty behind the same port name."""
        with self._lock:
            if self._master >= 0:
                return
        self._plug()

    def _wake(self) -> None:
        if self._wake_w >= 0:
            with contextlib.suppress(OSError):
                os.write(self._wake_w, b"x")

    # ---- control surface (demo buttons, tests) ---------------------------------------------------
    def place(self, card: dict | int = 0) -> None:
        """Put a card on the reader (an index into ``cards`` or a card dict). Ignored if one is there."""
        data = self.cards[card] if isinstance(card, int) else dict(card)
        data.setdefault("card_type", CARD_RESIDENT)
        build_text(data)  # fail here, in the caller's thread, if the card cannot be encoded
        with self._lock:
            if self._card is not None:
                return
            self._card = data
            self._card_state = "idle"

    def lift(self) -> None:
        with self._lock:
            self._card = None
            self._card_state = "idle"

    @property
    def card_present(self) -> bool:
        return self._card is not None

    def inject(self, kind: str, times: int = 1, command: tuple[int, int] | None = None,
               status: int = 0) -> None:
        """Queue a fault for the next matching request(s). ``times=-1`` keeps it until cleared."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(FAULTS)}")
        with self._lock:
            self._faults.append(Fault(kind, times, command, status))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, command: tuple[int, int]) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.command is None or fault.command == command:
                    if fault.times > 0:
                        fault.times -= 1
                        if fault.times == 0:
                            self._faults.remove(fault)
                    return fault
        return None

    # ---- serving ----------------------------------------------------------------------------------
    def _serve(self) -> None:
        decoder = p.FrameDecoder()
        while not self._stop.is_set():
            with self._lock:
                master = self._master
            fds = [self._wake_r] + ([master] if master >= 0 else [])
            try:
                readable, _, _ = select.select(fds, [], [])
            except (OSError, ValueError):
                time.sleep(0.01)
                continue
            if self._wake_r in readable:
                os.read(self._wake_r, 64)
            if master < 0 or master not in readable:
                continue
            try:
                data = os.read(master, 4096)
            except BlockingIOError:
                continue
            except OSError:
                # EIO: no process has the slave open; wait for the next wake-up or data
                time.sleep(0.01)
                continue
            if self.module_baud and self._line_speed() not in (None, self.module_baud):
                decoder.reset()
                self._write(master, bytes(self._rng.randrange(256) for _ in range(len(data))))
                continue
            for body in decoder.feed(data):
                if isinstance(body, ChecksumError):
                    self._write(master, p.encode_reply(0x10))
                elif isinstance(body, bytes):
                    try:
                        request = p.parse_request_body(body)
                    except p.FrameError:
                        self._write(master, p.encode_reply(0x11))
                        continue
                    self._answer(master, request)

    def _line_speed(self) -> int | None:
        with self._lock:
            if self._slave < 0:
                return None
            attrs = termios.tcgetattr(self._slave)
        return BAUD_CONSTANTS.get(attrs[4])

    def _answer(self, master: int, request: p.Request) -> None:
        self.requests.append(request.name)
        for callback in list(self.on_request):
            callback(request.name)
        if self.pace:  # the request itself took its wire time to arrive
            time.sleep(p.wire_time(len(request.data) + 10, self.baud))
        fault = self._take_fault(request.command)
        if fault and fault.kind == "silence":
            return
        if self.processing_delay:
            time.sleep(self.processing_delay)
        reply = p.encode_reply(fault.status) if fault and fault.kind == "status" else self._reply(request)
        if fault is None:
            self._write(master, reply)
        elif fault.kind == "bad_checksum":
            self._write(master, reply[:-1] + bytes([reply[-1] ^ 0x5A]))
        elif fault.kind == "truncated":
            self._write(master, reply[:max(8, len(reply) // 2)])
        elif fault.kind == "garbage":
            noise = bytes(self._rng.randrange(256) for _ in range(self._rng.randrange(5, 40)))
            self._write(master, noise + b"\xaa\xaa\x96" + p.PREAMBLE[:3] + reply)
        elif fault.kind == "lift_mid_read":
            self._write(master, reply[:len(reply) // 3])
            self.lift()
        else:
            self._write(master, reply)

    def _reply(self, request: p.Request) -> bytes:
        cmd = request.command
        with self._lock:
            card, state = self._card, self._card_state
            if cmd in (p.SAM_STATUS, p.SET_MAX_RF):
                return p.encode_reply(p.STATUS_OK)
            if cmd == p.RESET_SAM:
                self._card_state = "idle"
                return p.encode_reply(p.STATUS_OK)
            if cmd == p.READ_SAM_ID:
                return p.encode_reply(p.STATUS_OK, bytes.fromhex("0501000000000000123456780000abcd"))
            if cmd == p.FIND_CARD:
                if card is not None and state in ("idle", "found"):
                    self._card_state = "found"
                    return p.encode_reply(p.STATUS_FIND_OK, b"\x00\x00\x00\x00")
                return p.encode_reply(0x80)
            if cmd == p.SELECT_CARD:
                if card is not None and state != "idle":
                    if state == "found":
                        self._card_state = "selected"
                    return p.encode_reply(p.STATUS_OK, bytes(8))
                return p.encode_reply(0x81)
            if cmd in (p.READ_BASE, p.READ_BASE_FP, p.READ_NEW_ADDRESS):
                if card is None or state not in ("selected", "read"):
                    return p.encode_reply(0x41)
                if self.old_module and card.get("card_type", CARD_RESIDENT) != CARD_RESIDENT:
                    return p.encode_reply(0x40)
                if cmd == p.READ_NEW_ADDRESS:
                    address = (card.get("extra") or {}).get("new_address")
                    if not address:
                        return p.encode_reply(p.STATUS_ITEM_EMPTY)
                    return p.encode_reply(p.STATUS_OK, encode_ucs2(address, 70))
                self._card_state = "read"
                text, photo = build_text(card), fake_photo(card)
                if cmd == p.READ_BASE:
                    return p.encode_reply(p.STATUS_OK, p.build_base_message(text, photo))
                fp = card.get("fingerprint")
                fingerprint = base64.b64decode(fp) if isinstance(fp, str) else (fp or b"")
                return p.encode_reply(p.STATUS_OK, p.build_base_message(text, photo, fingerprint))
        return p.encode_reply(0x21)

    def _write(self, master: int, data: bytes) -> None:
        """Write a reply, at the line's pace if asked (10 bits a byte)."""
        start = time.monotonic()
        chunk = 32 if self.pace else len(data)
        sent = 0
        while sent < len(data):
            piece = data[sent:sent + chunk]
            if self.pace:  # a byte is readable only once its last bit is on the wire
                delay = start + p.wire_time(sent + len(piece), self.baud) - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            try:
                written = os.write(master, piece)
            except BlockingIOError:
                if not select.select([], [master], [], 1.0)[1]:
                    return  # nobody reads: drop the rest like a line with no one listening
                continue
            except OSError:
                return
            sent += written
            self.bytes_sent += written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="SAM ID-card module simulator on a pty")
    parser.add_argument("--cards", help="JSON file with a list of cards (default: the demo cards)")
    parser.add_argument("--link", required=True, help="path of the port symlink to create")
    parser.add_argument("--baud", type=int, default=115200)
    parser.add_argument("--pace", action="store_true", help="send at the baud rate's real speed")
    parser.add_argument("--module-baud", type=int, help="answer only at this line speed")
    parser.add_argument("--place", type=int, help="place this card (index) at start")
    args = parser.parse_args(argv)
    if args.cards:
        cards = load_cards(args.cards)
    else:
        from backoffice.demo.data import demo_cards

        cards = demo_cards()
    sim = SamSimulator(cards, baud=args.baud, pace=args.pace, link=args.link, module_baud=args.module_baud)
    sim.start()
    if args.place is not None:
        sim.place(args.place)
    print(sim.port, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
