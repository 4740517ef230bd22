"""A simulated ESC/POS network printer: a TCP server on 127.0.0.1 that records bytes.

It lets the real driver path run (python-escpos ``Network`` over a socket) in the
demo and in tests: the bytes it receives are decoded (text, QR payload, cut), and
it answers real-time status requests (``DLE EOT n``) like a thermal head does,
with faults injected on request — including ``silent``, a printer that takes the
connection but never answers, which is the case kiosks get wrong most often.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading

from drivers.printers.escpos_decoder import DecodedReceipt, decode

log = logging.getLogger(__name__)

DLE, EOT = 0x10, 0x04

# fault -> what the printer does; None is a healthy printer
FAULTS = ("paper_near_end", "paper_out", "cover_open", "jam", "silent", "garbage", "unreachable")
_NOT_PRINTING = {"paper_out", "cover_open", "jam", "silent", "unreachable"}


def status_byte(n: int, fault: str | None) -> int:
    """The answer to ``DLE EOT n`` (Epson TM-T88 bit layout; bits 1 and 4 always set)."""
    value = 0x12
    if n == 1 and fault in ("paper_out", "cover_open", "jam"):
        value |= 0x08  # offline
    elif n == 2:
        if fault == "cover_open":
            value |= 0x04
        elif fault == "paper_out":
            value |= 0x20  # printing stopped by paper end
        elif fault == "jam":
            value |= 0x40  # error occurred
    elif n == 3 and fault == "jam":
        value |= 0x08  # autocutter error
    elif n == 4:
        if fault == "paper_near_end":
            value |= 0x0C
        elif fault == "paper_out":
            value |= 0x6C
    return value


class EscposPrinterSimulator:
    """Start with :meth:`start`; ``port`` is ephemeral. Thread-safe; one thread per connection."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, encoding: str = "gb18030"):
        self.host = host
        self.encoding = encoding
        self._requested_port = port
        self.port = 0
        self.fault: str | None = None
        self.status_requests = 0
        self.connections = 0
        self._raw = bytearray()  # bytes that reached the paper
        self._discarded = bytearray()  # bytes sent while the printer could not print
        self._lock = threading.Lock()
        self._server: socket.socket | None = None
        self._clients: set[socket.socket] = set()
        self._stopping = threading.Event()

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> EscposPrinterSimulator:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((self.host, self._requested_port))
        server.listen(8)
        self._server = server
        self.port = server.getsockname()[1]
        threading.Thread(target=self._accept_loop, name=f"escpos-sim:{self.port}", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            with contextlib.suppress(OSError):
                self._server.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            with contextlib.suppress(OSError):
                self._server.close()
        self._drop_clients()

    @property
    def url(self) -> str:
        return f"escpos+tcp://{self.host}:{self.port}"

    # -- the control surface (demo buttons, tests) ------------------------------------------------
    def set_fault(self, fault: str | None) -> None:
        """``None`` heals the printer; see :data:`FAULTS`. ``unreachable`` drops every connection."""
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        self.fault = fault
        if fault == "unreachable":
            self._drop_clients()

    @property
    def raw(self) -> bytes:
        with self._lock:
            return bytes(self._raw)

    @property
    def discarded(self) -> bytes:
        with self._lock:
            return bytes(self._discarded)

    @property
    def printed(self) -> list[DecodedReceipt]:
        """Every receipt that reached the paper, decoded (``.text()``, ``.qr``, ``.cut``)."""
        return decode(self.raw, self.encoding).receipts

    def clear(self) -> None:
        with self._lock:
            self._raw.clear()
            self._discarded.clear()
            self.status_requests = 0

    # -- the server --------------------------------------------------------------------------------
    def _drop_clients(self) -> None:
        with self._lock:
            clients = list(self._clients)
            self._clients.clear()
        for client in clients:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                client.close()

    def _accept_loop(self) -> None:
        assert self._server is not None
        while not self._stopping.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            if self.fault == "unreachable":
                client.close()
                continue
            with self._lock:
                self._clients.add(client)
                self.connections += 1
            threading.Thread(
                target=self._serve, args=(client,), name="escpos-sim-client", daemon=True
            ).start()

    def _serve(self, client: socket.socket) -> None:
        carry = b""
        try:
            while True:
                chunk = client.recv(65536)
                if not chunk:
                    return
                carry = self._feed(client, carry + chunk)
        except OSError:
            return
        finally:
            with self._lock:
                self._clients.discard(client)
            with contextlib.suppress(OSError):
                client.close()

    def _feed(self, client: socket.socket, buf: bytes) -> bytes:
        """Answer real-time requests wherever they are in the stream; keep the rest. Returns the carry."""
        data = bytearray()
        i = 0
        while i < len(buf):
            if buf[i] == DLE:
                if i + 2 >= len(buf):
                    if i + 1 >= len(buf) or buf[i + 1] == EOT:
                        self._keep(data)
                        return buf[i:]
                elif buf[i + 1] == EOT:
                    self._keep(data)
                    data = bytearray()
                    self._answer(client, buf[i + 2])
                    i += 3
                    continue
            data.append(buf[i])
            i += 1
        self._keep(data)
        return b""

    def _keep(self, data: bytearray) -> None:
        if not data:
            return
        with self._lock:
            (self._discarded if self.fault in _NOT_PRINTING else self._raw).extend(data)

    def _answer(self, client: socket.socket, n: int) -> None:
        fault = self.fault
        with self._lock:
            self.status_requests += 1
        if fault == "silent" or fault == "unreachable":
            return
        reply = 0xFF if fault == "garbage" else status_byte(n, fault)
        client.sendall(bytes([reply]))
