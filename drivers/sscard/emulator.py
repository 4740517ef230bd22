"""A social-security card emulator speaking the vpcd socket protocol (vsmartcard's virtual reader).

pcscd loads ``libifdvpcd.so``, which listens on 127.0.0.1:35963 (configurable);
the emulator connecting is a card insertion, closing the socket is a removal.
Every message is a 2-byte big-endian length plus payload; a 1-byte payload is
control (``00`` power off, ``01`` power on, ``02`` reset, ``04`` get ATR), anything
longer is a command APDU answered with a response APDU.

The card holds configurable EF05/EF06 items, can answer T=0-style (``61xx`` then
GET RESPONSE), insist on the exact Le (``6Cxx``), or behave as a third-generation
card whose EF06 needs PSAM authentication (``6982``). Plain Python: runs inside a
test process or behind ``sim://sscard``.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from common.card_tables import nation_code
from drivers.sscard import apdu as a
from drivers.sscard import psam as ps

log = logging.getLogger(__name__)

DEFAULT_ATR = bytes.fromhex("3B8880014943424344454647480A")  # T=1 capable, 8 historical bytes
DEFAULT_PORT = 35963


@dataclass
class EmulatedSsCard:
    """Files -> {tag: raw value}; behaviour switches for the protocol corners."""

    files: dict[int, dict[int, bytes]]
    atr: bytes = DEFAULT_ATR
    psam_required: bool = False  # 3rd generation: EF06 reads answer 6982
    t0_get_response: bool = False  # answer reads with 61xx, data via GET RESPONSE
    strict_le: bool = False  # answer a wrong Le with 6Cxx
    fci: bytes = b"\x6f\x10\x84\x0f" + a.SSSE_AID
    # keys diversified from the issuer's master key; None: a programmable clone that has none
    internal_key: bytes | None = None
    external_key: bytes | None = None
    authenticated: bool = field(default=False, init=False)  # external authentication passed
    challenge: bytes = field(default=b"", init=False)
    selected_app: bool = field(default=False, init=False)
    selected_file: int | None = field(default=None, init=False)
    pending: bytes = field(default=b"", init=False)
    log: list[str] = field(default_factory=list, init=False)

    def reset(self) -> None:
        self.selected_app = False
        self.selected_file = None
        self.pending = b""
        self.authenticated = False
        self.challenge = b""

    def _authentication(self, cmd: a.Apdu) -> bytes:
        """INTERNAL AUTHENTICATE, GET CHALLENGE and EXTERNAL AUTHENTICATE with the card's own keys."""
        if cmd.ins == ps.INS_INTERNAL_AUTH:
            if self.internal_key is None or len(cmd.data) != ps.BLOCK:
                return b"\x6d\x00" if self.internal_key is None else b"\x67\x00"
            return self._respond(ps.sm4_encrypt(self.internal_key, cmd.data))
        if cmd.ins == ps.INS_GET_CHALLENGE:
            self.challenge = os.urandom(ps.BLOCK)
            return self._respond(self.challenge)
        if self.external_key is None or not self.challenge:
            return b"\x69\x85"
        expected = ps.sm4_encrypt(self.external_key, self.challenge)
        self.challenge = b""
        if not hmac.compare_digest(cmd.data, expected):
            return b"\x63\x00"
        self.authenticated = True
        return b"\x90\x00"

    def process(self, raw: bytes) -> bytes:
        try:
            cmd = a.Apdu.parse(raw)
        except ValueError:
            return b"\x67\x00"
        self.log.append(raw[:2].hex())
        if cmd.ins == 0xC0:  # GET RESPONSE
            if not self.pending:
                return b"\x6f\x00"
            if cmd.le is not None and cmd.le != len(self.pending) and self.strict_le:
                return bytes([0x6C, len(self.pending)])
            out, self.pending = self.pending[: cmd.le or 256], self.pending[cmd.le or 256 :]
            return out + (bytes([0x61, len(self.pending)]) if self.pending else b"\x90\x00")
        if cmd.ins in (ps.INS_INTERNAL_AUTH, ps.INS_GET_CHALLENGE, ps.INS_EXTERNAL_AUTH):
            return self._authentication(cmd)
        if cmd.ins == 0xA4 and cmd.p1 == 0x04:
            if cmd.data != a.SSSE_AID:
                return b"\x6a\x82"
            self.selected_app, self.selected_file = True, None
            return self._respond(self.fci if cmd.le is not None else b"")
        if cmd.ins == 0xA4 and cmd.p1 in (0x00, 0x02) and len(cmd.data) == 2:
            fid = int.from_bytes(cmd.data, "big")
            if not self.selected_app or fid not in self.files:
                return b"\x6a\x82"
            self.selected_file = fid
            return b"\x90\x00"
        if cmd.ins == 0xB2:
            if self.selected_file is None:
                return b"\x69\x86"  # command not allowed: no current EF
            if self.psam_required and self.selected_file == a.EF06 and not self.authenticated:
                return b"\x69\x82"
            value = self.files[self.selected_file].get(cmd.p1)
            if value is None:
                return b"\x6a\x83"
            item = a.encode_item(cmd.p1, value)
            if self.strict_le and cmd.le is not None and cmd.le != len(item):
                return bytes([0x6C, len(item)])
            return self._respond(item)
        return b"\x6d\x00"

    def _respond(self, data: bytes) -> bytes:
        if self.t0_get_response and data:
            self.pending = data
            return bytes([0x61, len(data)])
        return data + b"\x90\x00"


def card_from_identity(
    card: dict,
    *,
    version: str = "2.00",
    genuine: bool = True,
    master_key: bytes = ps.TEST_MASTER_KEY,
    **behaviour: Any,
) -> EmulatedSsCard:
    """An emulated card for a person (a dict in Identity field names, as the demo data has).

    A name longer than 15 GBK characters' 30 bytes spills into the 4E extension item. A genuine
    card holds keys diversified from ``master_key`` by its card number; ``genuine=False`` is a
    programmable clone with the same data and no keys (another ``master_key``: a clone with a key
    of its own making).
    """
    extra = card.get("extra") or {}
    name_raw = str(card.get("name", "")).encode("gb18030")
    name, extension = name_raw[:30], name_raw[30:50]
    id_number = str(card.get("id_number", ""))
    region = id_number[:6] if id_number[:6].isdigit() else "420100"
    nation = card.get("nation", "")
    values05 = {
        "card_id_code": region + "D15600000500" + "0" * (32 - 6 - 12),
        "card_category": "3",
        "version": version,
        "issuer": extra.get("issuer", "420100D15600"),
        "issue_date": card.get("valid_from", "") or "20200101",
        "expiry_date": card.get("valid_to", "") if str(card.get("valid_to", "")).isdigit() else "20300101",
        "card_number": extra.get("card_number", "A" + id_number[-8:]),
    }
    values06 = {
        "id_number": id_number,
        "gender": card.get("gender", ""),
        "nation": nation_code(nation) if nation else "",
        "birthplace": region,
        "birth_date": card.get("birth_date", ""),
    }
    files: dict[int, dict[int, bytes]] = {a.EF05: {}, a.EF06: {}}
    for ef, tag, name_, length, kind in a.ITEMS:
        if name_ == "name":
            files[ef][tag] = name + b"\x00" * (length - len(name))
        elif name_ == "name_extension":
            if extension:
                files[ef][tag] = extension + b"\x00" * (length - len(extension))
        else:
            text = (values05 if ef == a.EF05 else values06).get(name_, "")
            if text:
                files[ef][tag] = a.encode_value(str(text), length, kind)
    if version.startswith("3"):
        behaviour.setdefault("psam_required", True)
    if genuine:
        number = values05["card_number"]
        behaviour.setdefault("internal_key", ps.card_key(master_key, number, ps.KEY_INTERNAL))
        behaviour.setdefault("external_key", ps.card_key(master_key, number, ps.KEY_EXTERNAL))
    return EmulatedSsCard(files, **behaviour)


class VpcdEmulator:
    """Connects an emulated card to vpcd: ``place(card)`` inserts it, ``lift()`` removes it.

    If pcscd is not there (or restarts), a placed card keeps trying to reconnect in
    the background, like a card left in a reader while the service comes back.
    """

    def __init__(
        self,
        cards: list[dict] | None = None,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        retry_interval: float = 0.2,
    ):
        self.cards = list(cards or [])
        self.host, self.port = host, port
        self.retry_interval = retry_interval
        self.card: EmulatedSsCard | None = None
        self.connected = threading.Event()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def place(self, card: EmulatedSsCard | dict | int = 0, **behaviour: Any) -> EmulatedSsCard:
        """Insert a card: an emulated card, a person dict, or an index into ``cards``."""
        if isinstance(card, int):
            card = self.cards[card]
        if isinstance(card, dict):
            card = card_from_identity(card, **behaviour)
        self.lift()
        self.card = card
        self._stop.clear()
        self.connected.clear()
        self._thread = threading.Thread(target=self._run, args=(card,), name="vpcd-card", daemon=True)
        self._thread.start()
        return card

    def lift(self) -> None:
        self._stop.set()
        with self._lock:
            sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        self._thread = None
        self.card = None
        self.connected.clear()

    stop = lift

    def _run(self, card: EmulatedSsCard) -> None:
        while not self._stop.is_set():
            try:
                sock = socket.create_connection((self.host, self.port), timeout=1.0)
            except OSError:
                self._stop.wait(self.retry_interval)
                continue
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                if self._stop.is_set():
                    sock.close()
                    return
                self._sock = sock
            card.reset()
            self.connected.set()
            try:
                self._serve(sock, card)
            except OSError:
                pass
            finally:
                self.connected.clear()
                with self._lock:
                    if self._sock is sock:
                        self._sock = None
                sock.close()
            self._stop.wait(self.retry_interval)  # the reader went away (pcscd restart): try again

    @staticmethod
    def _recv_exact(sock: socket.socket, n: int) -> bytes:
        data = bytearray()
        while len(data) < n:
            # vpcd sends length and payload separately; without quick ACKs each APDU costs ~40 ms
            with contextlib.suppress(OSError, AttributeError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("vpcd closed the connection")
            data += chunk
        return bytes(data)

    def _serve(self, sock: socket.socket, card: EmulatedSsCard) -> None:
        while True:
            length = int.from_bytes(self._recv_exact(sock, 2), "big")
            payload = self._recv_exact(sock, length) if length else b""
            if len(payload) == 1:
                control = payload[0]
                if control in (0x00, 0x01, 0x02):  # power off / on / reset: no reply
                    card.reset()
                    continue
                if control == 0x04:
                    reply = card.atr
                else:
                    continue
            else:
                reply = card.process(payload)
            sock.sendall(len(reply).to_bytes(2, "big") + reply)
