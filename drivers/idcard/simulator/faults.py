"""Faults a simulated module injects on request: what a bad cable, a noisy line or an impatient citizen do.

Kept apart from the card state machine (which answers as a healthy module would) and from the pty (which
only moves bytes): a fault is a rule applied to a healthy reply on its way out, so each can be read and
changed alone.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from drivers.idcard import protocol as p

FAULTS = ("bad_checksum", "truncated", "silence", "garbage", "lift_mid_read", "status")


@dataclass
class Fault:
    kind: str
    times: int = 1  # -1: until cleared
    command: tuple[int, int] | None = None  # None: any command
    status: int = 0


class FaultQueue:
    """Faults waiting for the request they apply to; thread-safe (tests inject while the module serves)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def inject(
        self, kind: str, times: int = 1, command: tuple[int, int] | None = None, status: int = 0
    ) -> None:
        """Queue a fault for the next matching request(s). ``times=-1`` keeps it until cleared."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(FAULTS)}")
        with self._lock:
            self._faults.append(Fault(kind, times, command, status))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, command: tuple[int, int]) -> Fault | None:
        """The first fault that applies to ``command``, counted down (and dropped when used up)."""
        with self._lock:
            for fault in self._faults:
                if fault.command is None or fault.command == command:
                    if fault.times > 0:
                        fault.times -= 1
                        if fault.times == 0:
                            self._faults.remove(fault)
                    return fault
        return None


def damage(fault: Fault, reply: bytes, rng: random.Random) -> bytes:
    """What goes on the wire instead of ``reply`` (``silence`` and ``status`` are handled before a reply
    is built: the first sends nothing, the second replaces the reply)."""
    if fault.kind == "bad_checksum":
        return reply[:-1] + bytes([reply[-1] ^ 0x5A])
    if fault.kind == "truncated":
        return reply[: max(8, len(reply) // 2)]
    if fault.kind == "garbage":
        noise = bytes(rng.randrange(256) for _ in range(rng.randrange(5, 40)))
        return noise + b"\xaa\xaa\x96" + p.PREAMBLE[:3] + reply
    if fault.kind == "lift_mid_read":  # the caller lifts the card after sending this
        return reply[: len(reply) // 3]
    return reply
