"""Maintenance mode without Qt: the technician's PIN (stored hashed), the lock after wrong PINs, the idle end.

The PIN is set at provisioning (``kiosk provision --maintenance-pin``) or with ``kiosk maintenance-pin``
and stored as a salted scrypt hash in ``DATA_DIR/maintenance.json`` (0600): someone who reads the file
does not learn the PIN. Three wrong PINs lock the gate for ``lockout_s``; an open maintenance session
ends by itself after ``idle_s`` without a touch. No PIN set means maintenance cannot be entered on the
screen at all (a terminal must not ship with a default PIN). The Qt side is
:mod:`kiosk.ui.maintenance`; the facts it shows come from :mod:`kiosk.status`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.sync.credentials import write_private

PIN_FILE = "maintenance.json"
MAX_ATTEMPTS = 3
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class PinError(ValueError):
    """A PIN that may not be stored (too short, not digits)."""


def _hash(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, dklen=32)


def set_pin(data_dir: Path, pin: str) -> Path:
    """Store a new PIN (6 to 12 digits) hashed; replaces the old one."""
    if not (pin.isascii() and pin.isdigit() and 6 <= len(pin) <= 12):
        raise PinError("the maintenance PIN must be 6 to 12 digits")
    salt = secrets.token_bytes(16)
    record = {"scheme": "scrypt", **_SCRYPT, "salt": salt.hex(), "hash": _hash(pin, salt, **_SCRYPT).hex()}
    path = Path(data_dir) / PIN_FILE
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_private(path, json.dumps(record))
    return path


def pin_is_set(data_dir: Path) -> bool:
    return (Path(data_dir) / PIN_FILE).is_file()


def check_pin(data_dir: Path, pin: str) -> bool:
    """Whether ``pin`` is the stored one (constant-time compare; False when none is stored or it is damaged)."""
    try:
        record = json.loads((Path(data_dir) / PIN_FILE).read_text(encoding="utf-8"))
        expected = bytes.fromhex(record["hash"])
        actual = _hash(
            pin, bytes.fromhex(record["salt"]), int(record["n"]), int(record["r"]), int(record["p"])
        )
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return hmac.compare_digest(expected, actual)


@dataclass
class MaintenanceGate:
    """Who may enter, and for how long it stays open. Times come from ``clock`` (monotonic seconds)."""

    data_dir: Path
    lockout_s: float = 300.0
    idle_s: float = 300.0
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    locked_until: float = 0.0
    open: bool = False
    remote: bool = False  # turned on by the console: services paused, no panel on the screen
    last_touch: float = field(default=0.0)

    def locked(self) -> bool:
        return self.clock() < self.locked_until

    def lock_left_s(self) -> int:
        return max(0, int(self.locked_until - self.clock() + 0.999))

    def try_pin(self, pin: str) -> str:
        """'ok' (the panel opens), 'wrong', 'locked' (three wrong: wait) or 'no_pin' (none was ever set)."""
        if self.locked():
            return "locked"
        if not pin_is_set(self.data_dir):
            return "no_pin"
        if check_pin(self.data_dir, pin):
            self.failures = 0
            self.open = True
            self.touch()
            return "ok"
        self.failures += 1
        if self.failures >= MAX_ATTEMPTS:
            self.failures = 0
            self.locked_until = self.clock() + self.lockout_s
            return "locked"
        return "wrong"

    def touch(self) -> None:
        self.last_touch = self.clock()

    def idle_expired(self) -> bool:
        return self.open and self.clock() - self.last_touch >= self.idle_s

    def close(self) -> None:
        self.open = False

    @property
    def active(self) -> bool:
        """Services paused: a technician at the panel, or the console's maintenance on."""
        return self.open or self.remote
