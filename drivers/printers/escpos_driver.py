"""The ESC/POS receipt printer driver over python-escpos transports (network, serial, USB).

python-escpos gives us the transports; status and text are ours. Its ``is_online()``
and ``paper_status()`` fail open (an empty answer reads as "paper present", a silent
network printer raises a timeout), so we send ``DLE EOT n`` ourselves, read one byte
with a short deadline, check the fixed bits, and say UNKNOWN whenever the printer
did not give a well-formed answer. A print is refused unless a fresh status says
the printer can print; a background thread polls while idle so the UI learns about
faults (and recoveries) without a citizen having to trip over them.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.receipt import Receipt
from drivers.base import DeviceState, HealthReport
from drivers.printers.escpos_encoder import EncoderSettings, encode_receipt
from drivers.printers.model import (
    CoverOpen,
    PaperJam,
    PaperOut,
    PrinterError,
    PrinterNoAnswer,
    PrinterOffline,
    PrinterStatus,
    PrintResult,
    PrintUnconfirmed,
    error_for_status,
)
from drivers.printers.polling import PolledPrinter

log = logging.getLogger(__name__)

DLE_EOT = b"\x10\x04"
REASON_NEAR_END = "state.printer.paper_near_end"
REASON_BAD_ANSWER = "error.printer.bad_answer"


def escpos_cache_dir() -> Path:
    """Where python-escpos keeps its capabilities cache: the one place the product decides it.

    ``ESCPOS_CAPABILITIES_PICKLE_DIR`` if someone set it, else ``$XDG_CACHE_HOME/gov-kiosk/escpos``
    (``~/.cache/...``): shared by the app, the CLI, the tests and the benchmarks, so the cache is built once.
    """
    configured = os.environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gov-kiosk" / "escpos"


def escpos_printer_classes() -> Any:
    """Import python-escpos lazily, with its capabilities cache in a folder the kiosk owns
    (otherwise every start leaks a temp folder and costs ~0.2 s)."""
    folder = escpos_cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(folder.resolve())
    import escpos.printer

    return escpos.printer


# -- status --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StatusBytes:
    """Answers to DLE EOT 1..4 (None when not asked)."""

    printer: int
    offline_cause: int | None = None
    error_cause: int | None = None
    paper: int | None = None


def well_formed(value: int) -> bool:
    """Every DLE EOT answer has bit 0 = 0, bit 1 = 1, bit 4 = 1, bit 7 = 0."""
    return value & 0x93 == 0x12


def interpret(status: StatusBytes) -> tuple[DeviceState, str, bool]:
    """(state, reason key, paper near end) from the status bytes; pure, so tests cover every bit."""
    near_end = status.paper is not None and bool(status.paper & 0x0C)
    if status.paper is not None and status.paper & 0x60:
        return DeviceState.USER_ERROR, PaperOut.key, near_end
    if status.offline_cause is not None:
        cause = status.offline_cause
        if cause & 0x04:
            return DeviceState.USER_ERROR, CoverOpen.key, near_end
        if cause & 0x20:
            return DeviceState.USER_ERROR, PaperOut.key, near_end
        if cause & 0x40:
            if status.error_cause is not None and status.error_cause & 0x08:
                return DeviceState.HARDWARE_ERROR, PaperJam.key, near_end
            return DeviceState.HARDWARE_ERROR, PrinterError.key, near_end
    if status.printer & 0x08:  # offline for a reason we could not read
        return DeviceState.OFFLINE, PrinterOffline.key, near_end
    if near_end:
        return DeviceState.ONLINE, REASON_NEAR_END, True
    return DeviceState.ONLINE, "", False


# -- transport -----------------------------------------------------------------------------------
class EscposTransport:
    """A python-escpos printer object used only for its connection: open, raw write, bounded read."""

    def __init__(self, kind: str, factory: Any, describe: str):
        self.kind = kind  # network | serial | usb
        self._factory = factory  # () -> escpos printer instance
        self.describe = describe  # for logs: host:port, device path or VID:PID
        self._printer: Any = None

    @property
    def connected(self) -> bool:
        return self._printer is not None

    def open(self) -> None:
        from escpos.exceptions import DeviceNotFoundError

        printer = self._factory()
        try:
            printer.open()
        except DeviceNotFoundError as exc:
            raise PrinterOffline(f"{self.describe}: {' '.join(str(exc).split())}") from None
        if printer.device is None:
            raise PrinterOffline(f"{self.describe}: not found")
        if self.kind == "network":  # status requests are tiny: do not let Nagle hold them back
            printer.device.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._printer = printer

    def close(self) -> None:
        printer, self._printer = self._printer, None
        if printer is not None:
            with contextlib.suppress(Exception):
                printer.close()

    def write(self, data: bytes, timeout: float) -> None:
        device = self._printer.device
        if self.kind == "network":
            device.settimeout(timeout)
        elif self.kind == "serial":
            device.write_timeout = timeout
        self._printer._raw(data)

    def read(self, timeout: float) -> bytes:
        """Up to 16 bytes, or b'' when nothing came within ``timeout``; a closed link raises OSError."""
        device = self._printer.device
        if self.kind == "network":
            device.settimeout(timeout)
            try:
                data = device.recv(16)
            except TimeoutError:
                return b""
            if not data:
                raise ConnectionResetError("printer closed the connection")
            return data
        if self.kind == "serial":
            device.timeout = timeout
            return bytes(device.read(16))
        import usb.core

        try:
            return bytes(device.read(self._printer.in_ep, 16, int(timeout * 1000)))
        except usb.core.USBTimeoutError:
            return b""

    def drain(self) -> None:
        """Drop late answers (e.g. from a printer that was slow) so they are not read as fresh."""
        with contextlib.suppress(Exception):
            while self.read(0.001):
                pass


# -- the driver ----------------------------------------------------------------------------------
class EscposReceiptPrinter(PolledPrinter):
    """:class:`~drivers.printers.model.ReceiptPrinter` over ESC/POS. All methods block."""

    def __init__(
        self,
        transport: EscposTransport,
        settings: EncoderSettings | None = None,
        *,
        name: str = "receipt",
        status_timeout: float = 0.5,
        write_timeout: float = 10.0,
        poll_interval: float = 2.0,
        simulator: Any = None,
    ):
        self.name = name
        super().__init__()
        self.transport = transport
        self.settings = settings or EncoderSettings()
        self.status_timeout = status_timeout
        self.write_timeout = write_timeout
        self.poll_interval = poll_interval
        self.simulator = simulator  # the simulated printer's control surface, None on real hardware
        self.poll_join_timeout = status_timeout * 4 + 1
        self._jobs = itertools.count(1)

    # -- lifecycle -----------------------------------------------------------------------------
    def open(self) -> None:
        """Connect and read the status; a printer that is off is not an error here (the poller retries)."""
        self.refresh_status()
        self._start_polling()

    def close(self) -> None:
        self._stop_polling()
        with self._io:
            self.transport.close()
        self._publish(DeviceState.OFFLINE, "state.closed")

    def _ask(self, n: int) -> int | None:
        self.transport.write(DLE_EOT + bytes([n]), self.write_timeout)
        deadline = time.monotonic() + self.status_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            data = self.transport.read(remaining)
            if data:
                return data[-1]

    def _query(self) -> PrinterStatus:
        try:
            if not self.transport.connected:
                self.transport.open()
            self.transport.drain()
            first = self._ask(1)
            if first is None:
                self._publish(
                    DeviceState.UNKNOWN,
                    PrinterNoAnswer.key,
                    f"no answer to DLE EOT 1 within {self.status_timeout:.1f} s",
                )
                return self._status
            answers: dict[int, int | None] = {1: first}
            for n in (2, 4):
                answers[n] = self._ask(n)
            if answers[2] is not None and answers[2] & 0x40:
                answers[3] = self._ask(3)
        except PrinterOffline as exc:
            self.transport.close()
            self._publish(DeviceState.OFFLINE, PrinterOffline.key, exc.detail)
            return self._status
        except OSError as exc:
            self.transport.close()
            self._publish(DeviceState.OFFLINE, PrinterOffline.key, f"{self.transport.describe}: {exc}")
            return self._status
        if not all(v is not None and well_formed(v) for v in answers.values()):
            shown = " ".join("--" if v is None else f"{v:02x}" for v in answers.values())
            self._publish(DeviceState.UNKNOWN, REASON_BAD_ANSWER, f"status bytes {shown}")
            return self._status
        state, reason, near_end = interpret(
            StatusBytes(first, answers.get(2), answers.get(3), answers.get(4))
        )
        self._publish(state, reason, "", near_end)
        return self._status

    def health(self) -> HealthReport:
        status = self.refresh_status()
        checks = {
            "connection": "ok" if self.transport.connected else f"not connected ({status.detail})",
            "status": "ok" if status.state.usable else f"{status.state.value}: {status.reason}",
            "encoding": self.settings.encoding,
            "width_mm": str(self.settings.width_mm),
        }
        if status.paper_near_end:
            checks["paper"] = "near end"
        return HealthReport(self.name, status.state.usable, checks)

    # -- printing ------------------------------------------------------------------------------
    def print_receipt(self, receipt: Receipt) -> PrintResult:
        """Check status, send, then confirm the printer still answers; raise a PrinterError otherwise."""
        data = encode_receipt(receipt, self.settings)
        job_id = f"{self.name}-{next(self._jobs)}-{uuid.uuid4().hex[:8]}"
        with self._io:
            status = self._query()
            if not status.state.usable:
                raise error_for_status(status)
            try:
                self.transport.write(data, self.write_timeout)
            except OSError as exc:
                self.transport.close()
                self._publish(DeviceState.OFFLINE, PrinterOffline.key, f"{self.transport.describe}: {exc}")
                raise PrintUnconfirmed(f"{job_id}: connection lost while sending ({exc})") from None
            after = self._query()  # real-time status is answered once the bytes before it were taken
            if after.state == DeviceState.UNKNOWN or after.state == DeviceState.OFFLINE:
                raise PrintUnconfirmed(f"{job_id}: sent, printer stopped answering ({after.reason})")
            if not after.state.usable:
                raise error_for_status(after)
        log.info("%s: printed %s (%s, %d bytes)", self.name, job_id, receipt.title or "receipt", len(data))
        return PrintResult(job_id=job_id, detail=f"{len(data)} bytes")
