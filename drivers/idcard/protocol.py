"""The SAM serial frame: pure functions and a resynchronising decoder, no I/O.

Frame: preamble ``AA AA AA 96 69``, a 2-byte big-endian length counting every byte
after it (checksum included), the body, and an XOR checksum over length + body.
Requests carry ``CMD PARA [DATA]``, replies ``SW1 SW2 SW3 [DATA]``.

Kept free of pyserial so that the driver, the pty simulator and the property tests
share exactly one implementation of the wire format.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.idcard.errors import ChecksumError, FrameError, status_error

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
HEADER_LEN = len(PREAMBLE) + 2  # preamble + length field
MAX_BODY = 4096  # the longest real reply (base + fingerprint) is ~2.3 KB; more means garbage

# (CMD, PARA) of every command in the reference.
RESET_SAM = (0x10, 0xFF)
SAM_STATUS = (0x11, 0xFF)
READ_SAM_ID = (0x12, 0xFF)
FIND_CARD = (0x20, 0x01)
SELECT_CARD = (0x20, 0x02)
READ_BASE = (0x30, 0x01)
READ_NEW_ADDRESS = (0x30, 0x03)
READ_BASE_FP = (0x30, 0x10)
SET_MAX_RF = (0x61, 0xFF)  # data: one byte, 0x50

COMMAND_NAMES = {
    RESET_SAM: "reset_sam",
    SAM_STATUS: "sam_status",
    READ_SAM_ID: "read_sam_id",
    FIND_CARD: "find_card",
    SELECT_CARD: "select_card",
    READ_BASE: "read_base",
    READ_NEW_ADDRESS: "read_new_address",
    READ_BASE_FP: "read_base_fp",
    SET_MAX_RF: "set_max_rf",
}

STATUS_OK = 0x90
STATUS_FIND_OK = 0x9F
STATUS_ITEM_EMPTY = 0x91

TEXT_LEN = 256
PHOTO_LEN = 1024
FINGERPRINT_LEN = 1024


def checksum(data: bytes) -> int:
    """XOR of every byte (the frame checksum covers the length field and the body)."""
    value = 0
    for byte in data:
        value ^= byte
    return value


def encode_frame(body: bytes) -> bytes:
    """Wrap a body (request or reply) in preamble, length and checksum."""
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([checksum(length + body)])


def encode_request(command: tuple[int, int], data: bytes = b"") -> bytes:
    """``encode_request(FIND_CARD)`` -> ``AA AA AA 96 69 00 03 20 01 22``."""
    return encode_frame(bytes(command) + data)


def encode_reply(status: int, data: bytes = b"") -> bytes:
    """A module's reply (used by the simulator and the tests)."""
    return encode_frame(bytes([0x00, 0x00, status]) + data)


@dataclass(frozen=True)
class Request:
    command: tuple[int, int]
    data: bytes = b""

    @property
    def name(self) -> str:
        return COMMAND_NAMES.get(self.command, f"cmd_{self.command[0]:02x}{self.command[1]:02x}")


@dataclass(frozen=True)
class Reply:
    sw1: int
    sw2: int
    status: int
    data: bytes = b""

    @property
    def ok(self) -> bool:
        return self.status in (STATUS_OK, STATUS_FIND_OK)

    def raise_for_status(self, expected: int = STATUS_OK) -> Reply:
        if self.status != expected:
            raise status_error(self.status)
        return self


def parse_request_body(body: bytes) -> Request:
    if len(body) < 2:
        raise FrameError(f"request body of {len(body)} bytes")
    return Request((body[0], body[1]), bytes(body[2:]))


def parse_reply_body(body: bytes) -> Reply:
    if len(body) < 3:
        raise FrameError(f"reply body of {len(body)} bytes")
    return Reply(body[0], body[1], body[2], bytes(body[3:]))


class FrameDecoder:
    """Incremental decoder: feed bytes as they arrive, get whole frame bodies out.

    Garbage before a frame, or a header whose length is impossible, is skipped by
    scanning for the next preamble (resynchronisation). A frame whose checksum
    fails is reported as a :class:`ChecksumError` and dropped, never returned.
    """

    def __init__(self, max_body: int = MAX_BODY) -> None:
        self._buffer = bytearray()
        self._max_body = max_body
        self.skipped = 0  # garbage bytes dropped while resynchronising (for diagnostics)

    def reset(self) -> None:
        self._buffer.clear()

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def bytes_needed(self) -> int:
        """At least how many more bytes the next frame needs (so a reader can block on them)."""
        buf = self._buffer
        if len(buf) < HEADER_LEN or not buf.startswith(PREAMBLE):
            return max(1, HEADER_LEN - len(buf))
        length = int.from_bytes(buf[5:7], "big")
        return max(1, HEADER_LEN + length - len(buf))

    def feed(self, data: bytes) -> list[bytes | FrameError]:
        """Add bytes; return the complete frame bodies (or frame errors) they finish."""
        self._buffer += data
        out: list[bytes | FrameError] = []
        buf = self._buffer
        while True:
            start = buf.find(PREAMBLE)
            if start < 0:
                # keep a tail that may be the start of a preamble
                keep = 0
                for n in range(min(len(PREAMBLE) - 1, len(buf)), 0, -1):
                    if PREAMBLE.startswith(bytes(buf[-n:])):
                        keep = n
                        break
                self.skipped += len(buf) - keep
                del buf[: len(buf) - keep]
                return out
            if start:
                self.skipped += start
                del buf[:start]
            # AA AA AA AA 96 69: the preamble search above already aligned on the last valid start
            if len(buf) < HEADER_LEN:
                return out
            length = int.from_bytes(buf[5:7], "big")
            if length < 3 or length > self._max_body:
                out.append(FrameError(f"impossible frame length {length}"))
                self.skipped += 1
                del buf[:1]  # not a real header: rescan from the next byte
                continue
            end = HEADER_LEN + length
            if len(buf) < end:
                return out
            frame = bytes(buf[:end])
            body, received = frame[HEADER_LEN:-1], frame[-1]
            if checksum(frame[5:-1]) != received:
                out.append(ChecksumError(f"checksum {received:#04x} != {checksum(frame[5:-1]):#04x}"))
                # the frame may have been a false start inside noise: rescan after the preamble
                self.skipped += 1
                del buf[:1]
                continue
            del buf[:end]
            out.append(body)


def decode_frame(frame: bytes) -> bytes:
    """Decode exactly one whole frame to its body, or raise (used by tests and tools)."""
    decoder = FrameDecoder()
    results = decoder.feed(frame)
    for result in results:
        if isinstance(result, bytes):
            if decoder.pending:
                raise FrameError("trailing bytes after frame")
            return result
    errors = [r for r in results if isinstance(r, FrameError)]
    if errors:
        raise errors[0]
    raise FrameError("truncated frame" if frame else "empty frame")


@dataclass(frozen=True)
class BaseMessage:
    """The split-up payload of a read-base reply: text, photo and optional fingerprint bytes."""

    text: bytes
    photo: bytes
    fingerprint: bytes = b""


def split_base_message(data: bytes, with_fingerprint: bool = False) -> BaseMessage:
    """Split the data of a ``30 01`` (or ``30 10``) reply using its own length fields."""
    fields = 3 if with_fingerprint else 2
    if len(data) < 2 * fields:
        raise FrameError(f"base message of {len(data)} bytes")
    lengths = [int.from_bytes(data[2 * i : 2 * i + 2], "big") for i in range(fields)]
    text_len, photo_len = lengths[0], lengths[1]
    fp_len = lengths[2] if with_fingerprint else 0
    start = 2 * fields
    if text_len != TEXT_LEN or photo_len > 4 * PHOTO_LEN or fp_len > 4 * FINGERPRINT_LEN:
        raise FrameError(f"base message lengths {lengths}")
    if len(data) < start + text_len + photo_len + fp_len:
        raise FrameError(
            f"base message of {len(data)} bytes, lengths say {start + text_len + photo_len + fp_len}"
        )
    text = data[start : start + text_len]
    photo = data[start + text_len : start + text_len + photo_len]
    fingerprint = data[start + text_len + photo_len : start + text_len + photo_len + fp_len]
    return BaseMessage(bytes(text), bytes(photo), bytes(fingerprint))


def build_base_message(text: bytes, photo: bytes, fingerprint: bytes | None = None) -> bytes:
    """The inverse of :func:`split_base_message` (for the simulator)."""
    parts = [len(text).to_bytes(2, "big"), len(photo).to_bytes(2, "big")]
    if fingerprint is not None:
        parts.append(len(fingerprint).to_bytes(2, "big"))
    return b"".join(parts) + text + photo + (fingerprint or b"")


def wire_time(n_bytes: int, baud: int) -> float:
    """Seconds ``n_bytes`` take on an 8N1 line (10 bits a byte)."""
    return n_bytes * 10 / baud
