"""A noisy serial line for fuzzing the ID-card read path: bit errors on read-base replies, no waiting.

:class:`NoisyLine` is a pyserial-like port (``write``, ``read``, ``in_waiting``, ``timeout``,
``reset_input_buffer``) that answers the SAM protocol for one card in memory and corrupts
read-base replies with random bit errors. Half of the corruptions are *XOR-blind*: the same bit
flipped in two (or four) bytes, which the frame's XOR checksum cannot see — the errors that made
3 % of noisy reads a different person before the reads were confirmed. Its clock advances
when a read finds nothing, so the real :class:`SamLink` runs its timeouts in no wall time.

:func:`fuzz` drives the real reader's read step (:meth:`IdCardReader._read_identity`) over such
lines and counts wrong identities and uncaught exceptions. Used by tests/test_idcard_fuzz.py
and bench/fuzz_idcard.py. Nothing here is used by a kiosk.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from drivers.idcard import protocol as p
from drivers.idcard.errors import IdCardError
from drivers.idcard.parser import build_text, parse_text
from drivers.idcard.reader import IdCardReader
from drivers.idcard.simulator import fake_photo
from drivers.idcard.transport import SamLink
from drivers.identity import Identity


class FakeClock:
    """Monotonic time that moves only when the line is silent (a read that returns nothing)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def corrupt(frame: bytes, rng: random.Random) -> bytes:
    """Flip bits in a frame: 1-4 random bits, or XOR-blind pairs (same bit in two bytes after the header)."""
    data = bytearray(frame)
    if rng.random() < 0.5:
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    else:
        for _ in range(rng.randint(1, 2)):
            bit = 1 << rng.randrange(8)
            first, second = rng.sample(range(p.HEADER_LEN, len(data) - 1), 2)
            data[first] ^= bit
            data[second] ^= bit
    return bytes(data)


class NoisyLine:
    """One card on a module behind a noisy line; ``error_rate`` of read-base replies carry bit errors."""

    def __init__(self, frame: bytes, rng: random.Random, error_rate: float = 0.5) -> None:
        self.frame = frame
        self.rng = rng
        self.error_rate = error_rate
        self.clock = FakeClock()
        self.timeout: float | None = 0.1
        self._out = bytearray()
        self.corrupted = 0  # read-base replies sent with bit errors
        self.clean = 0
        self.checksum_blind = 0  # corrupted replies whose header and XOR checksum still look right

    # the pyserial surface SamLink uses ------------------------------------------------------------
    @property
    def in_waiting(self) -> int:
        return len(self._out)

    def reset_input_buffer(self) -> None:
        self._out.clear()

    def write(self, data: bytes) -> int:
        command = tuple(data[7:9])
        if command == p.READ_BASE:
            self._out += self._read_base()
        elif command == p.FIND_CARD:
            self._out += p.encode_reply(p.STATUS_FIND_OK, bytes(4))
        elif command == p.SELECT_CARD:
            self._out += p.encode_reply(p.STATUS_OK, bytes(8))
        else:
            self._out += p.encode_reply(p.STATUS_OK)
        return len(data)

    def read(self, size: int = 1) -> bytes:
        if not self._out:
            self.clock.now += self.timeout or 0.1  # silence: time passes, instantly
            return b""
        chunk = bytes(self._out[:size])
        del self._out[:size]
        return chunk

    def close(self) -> None:
        self._out.clear()

    def _read_base(self) -> bytes:
        if self.rng.random() >= self.error_rate:
            self.clean += 1
            return self.frame
        frame = corrupt(self.frame, self.rng)
        self.corrupted += 1
        if frame[: p.HEADER_LEN] == self.frame[: p.HEADER_LEN] and p.checksum(frame[5:-1]) == frame[-1]:
            self.checksum_blind += 1
        return frame


@dataclass
class FuzzResult:
    frames: int = 0  # corrupted read-base frames delivered
    clean_frames: int = 0
    checksum_blind: int = 0  # corrupted frames the XOR checksum alone would have accepted
    reads: int = 0  # card placements
    identities: int = 0  # right identity returned
    refused: int = 0  # typed IdCardError: the citizen is asked to place the card again
    wrong: int = 0  # an identity other than the card's: must stay 0
    uncaught: int = 0  # any other exception: must stay 0


def genuine(card: dict) -> tuple[bytes, Identity]:
    """The card's clean read-base frame and the identity it must yield."""
    text, photo = build_text(card), fake_photo(card)
    return p.encode_reply(p.STATUS_OK, p.build_base_message(text, photo)), parse_text(text, photo)


def fuzz(
    cards: list[dict], frames: int, *, seed: int = 1, confirm_read: bool = True, error_rate: float = 0.5
) -> FuzzResult:
    """Place random cards on noisy lines until ``frames`` corrupted frames went through the real read step."""
    rng = random.Random(seed)
    prepared = [genuine(card) for card in cards]
    reader = IdCardReader("fuzz://", confirm_read=confirm_read)
    result = FuzzResult()
    while result.frames < frames:
        frame, expected = rng.choice(prepared)
        line = NoisyLine(frame, rng, error_rate)
        link = SamLink(line, clock=line.clock)
        result.reads += 1
        try:
            identity = reader._read_identity(link)
        except IdCardError:
            result.refused += 1
        except Exception:  # counting them is the point
            result.uncaught += 1
        else:
            if identity == expected:
                result.identities += 1
            else:
                result.wrong += 1
        result.frames += line.corrupted
        result.clean_frames += line.clean
        result.checksum_blind += line.checksum_blind
    return result
