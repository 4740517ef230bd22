"""One request, one reply over a serial port: timeouts, resynchronisation, checksum retries.

Works with any pyserial-like object (``read``, ``write``, ``timeout``, ``in_waiting``,
``reset_input_buffer``), so the same code serves a USB-serial adapter, the pty
simulator and ``serial_for_url('loop://')``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from drivers.idcard import protocol as p
from drivers.idcard.errors import ChecksumError, FrameError, NoResponse, PortError

log = logging.getLogger(__name__)

try:  # pyserial lets termios errors through (e.g. tcflush on a pty whose other end is gone)
    import termios

    PORT_ERRORS: tuple[type[BaseException], ...] = (OSError, ValueError, termios.error)
except ImportError:  # pragma: no cover - Windows
    PORT_ERRORS = (OSError, ValueError)


class SerialPort(Protocol):
    """The pyserial surface :class:`SamLink` uses, so simulators and fuzz lines can stand in for a port."""

    timeout: float | None

    @property
    def in_waiting(self) -> int: ...

    def reset_input_buffer(self) -> None: ...

    def write(self, data: bytes, /) -> int | None: ...

    def read(self, size: int = 1, /) -> bytes: ...

    def close(self) -> None: ...


# Once a reply has started, a silence this long (plus 20 byte times) means the rest is not coming.
INTER_BYTE_GAP = 0.1

# Per-command timeouts of existing readers (seconds), before the reply's own wire time is added.
TIMEOUTS = {
    p.FIND_CARD: 0.1,
    p.SELECT_CARD: 0.1,
    p.READ_BASE: 2.0,
    p.READ_BASE_FP: 3.0,
    p.READ_NEW_ADDRESS: 1.5,
    p.SAM_STATUS: 0.3,
    p.READ_SAM_ID: 0.3,
    p.RESET_SAM: 2.0,
    p.SET_MAX_RF: 0.3,
}
# Expected reply sizes, so slow lines get their wire time on top of the timeout.
REPLY_BYTES = {
    p.FIND_CARD: 15,
    p.SELECT_CARD: 19,
    p.READ_BASE: 1295,
    p.READ_BASE_FP: 2321,
    p.READ_NEW_ADDRESS: 81,
    p.READ_SAM_ID: 27,
}


@dataclass
class LinkStats:
    commands: int = 0
    checksum_retries: int = 0
    timeouts: int = 0
    resync_bytes: int = 0


class SamLink:
    """Sends commands and returns typed replies; knows nothing about cards or states."""

    def __init__(
        self,
        port: SerialPort,
        baud: int = 115200,
        *,
        checksum_retries: int = 2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.port = port
        self.baud = baud
        self.checksum_retries = checksum_retries
        self.clock = clock  # injectable so a fuzz harness can run timeouts without waiting for them
        self.stats = LinkStats()

    def timeout_for(self, command: tuple[int, int]) -> float:
        base = TIMEOUTS.get(command, 0.5)
        return base + p.wire_time(REPLY_BYTES.get(command, 16) + 12, self.baud)

    def command(self, command: tuple[int, int], data: bytes = b"", timeout: float | None = None) -> p.Reply:
        """Send one request and return its reply (any status); retry checksum errors.

        Raises :class:`NoResponse` on silence, :class:`FrameError` on a truncated reply,
        :class:`ChecksumError` when every retry failed, :class:`PortError` if the port is gone.
        """
        timeout = self.timeout_for(command) if timeout is None else timeout
        request = p.encode_request(command, data)
        last: Exception | None = None
        for _attempt in range(1 + self.checksum_retries):
            self.stats.commands += 1
            try:
                self.port.reset_input_buffer()
                self.port.write(request)
            except PORT_ERRORS as exc:  # SerialException is an OSError
                raise PortError(f"write failed: {type(exc).__name__}: {exc}") from exc
            try:
                reply = self._read_reply(timeout)
            except ChecksumError as exc:
                self.stats.checksum_retries += 1
                last = exc
                continue
            if reply.status == 0x10:  # the SAM saw a bad checksum in our request: line noise, resend
                self.stats.checksum_retries += 1
                last = ChecksumError("SAM reports a request checksum error")
                continue
            return reply
        assert last is not None
        raise last

    def _read_reply(self, timeout: float) -> p.Reply:
        decoder = p.FrameDecoder()
        deadline = self.clock() + timeout
        gap = INTER_BYTE_GAP + p.wire_time(20, self.baud)
        try:
            while True:
                remaining = deadline - self.clock()
                if remaining <= 0:
                    self.stats.timeouts += 1
                    if decoder.pending:
                        raise FrameError(f"truncated reply ({decoder.pending} bytes, no complete frame)")
                    raise NoResponse(f"no reply within {timeout:.3f} s")
                started = decoder.pending > 0
                self.port.timeout = min(remaining, gap) if started else remaining
                want = max(decoder.bytes_needed(), self.port.in_waiting)
                chunk = self.port.read(want)
                if not chunk:
                    if started:
                        self.stats.timeouts += 1
                        raise FrameError(f"truncated reply ({decoder.pending} bytes, then silence)")
                    continue
                for result in decoder.feed(chunk):
                    if isinstance(result, ChecksumError):
                        raise result
                    if isinstance(result, bytes):
                        return p.parse_reply_body(result)
                    # other FrameErrors: a false header inside garbage; keep scanning
        except PORT_ERRORS as exc:
            raise PortError(f"read failed: {type(exc).__name__}: {exc}") from exc
        finally:
            self.stats.resync_bytes += decoder.skipped


def open_port(port: str, baud: int) -> SerialPort:
    """Open a serial port (a device path or any pyserial URL) 8N1, raising :class:`PortError`."""
    import serial  # optional dependency, imported only when a serial reader is used

    try:
        return serial.serial_for_url(
            port, baudrate=baud, bytesize=8, parity="N", stopbits=1, timeout=0.1, write_timeout=1.0
        )
    except (OSError, ValueError) as exc:
        raise PortError(f"cannot open {port}: {exc}") from exc
