"""The common device model every driver follows (after CEN/XFS and UnifiedPOS).

Each device class (ID-card reader, social-security card reader, receipt printer,
document printer, license printer) has a small interface of its own, but all of
them share what is here: a state enum with an explicit UNKNOWN, a typed error that
carries a translation key instead of a sentence, a health report, and a way to
tell listeners about state changes.

Nothing here imports Qt: drivers are plain Python objects that block, and the UI
runs them on worker threads and observes them through signals.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class DeviceState(enum.Enum):
    """XFS4IoT-style device states. UNKNOWN is never treated as fine."""

    UNKNOWN = "unknown"
    ONLINE = "online"
    OFFLINE = "offline"
    NO_DEVICE = "no_device"
    HARDWARE_ERROR = "hardware_error"
    USER_ERROR = "user_error"
    BUSY = "busy"

    @property
    def usable(self) -> bool:
        """Only an online (or momentarily busy) device may be used for a citizen."""
        return self in (DeviceState.ONLINE, DeviceState.BUSY)


class DeviceError(Exception):
    """A device failure the kiosk can explain.

    ``key`` is a translation key (``error.device.paper_out``); ``detail`` is for
    technicians and logs and must never contain personal data.
    """

    key: str = "error.device.generic"
    state: DeviceState = DeviceState.HARDWARE_ERROR

    def __init__(self, detail: str = "", *, key: str | None = None, state: DeviceState | None = None):
        super().__init__(detail or self.key)
        self.detail = detail
        if key is not None:
            self.key = key
        if state is not None:
            self.state = state


class DeviceTimeout(DeviceError):
    key = "error.device.timeout"
    state = DeviceState.OFFLINE


class DeviceNotFound(DeviceError):
    key = "error.device.no_device"
    state = DeviceState.NO_DEVICE


class DeviceConfigError(DeviceError):
    """A device URL that names an unknown scheme or bad parameters."""

    key = "error.device.config"
    state = DeviceState.NO_DEVICE


@dataclass(frozen=True)
class DeviceStatus:
    """A snapshot of a device, safe to log and to send in a heartbeat."""

    device: str
    state: DeviceState
    reason: str = ""  # translation key of the reason, '' when online
    detail: str = ""  # technician detail, never personal data
    at: float = field(default_factory=time.time)

    def as_dict(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "state": self.state.value,
            "reason": self.reason,
            "detail": self.detail,
            "at": self.at,
        }


@dataclass(frozen=True)
class HealthReport:
    """UnifiedPOS CheckHealth result: internal checks the driver could run."""

    device: str
    ok: bool
    checks: dict[str, str] = field(default_factory=dict)  # name -> 'ok' or a failure description


Listener = Callable[[Any], None]


class EventSource:
    """A thread-safe list of listeners.

    Drivers call :meth:`emit` from their own threads; the Qt adapter listens and
    re-emits as queued signals, so the GUI thread never runs driver code.
    """

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def emit(self, event: Any) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(event)


class StatefulDevice:
    """Holds the current state; one setter changes it and notifies listeners."""

    name = "device"

    def __init__(self) -> None:
        self.events = EventSource()
        self._status = DeviceStatus(self.name, DeviceState.UNKNOWN, "state.unknown")

    def status(self) -> DeviceStatus:
        return self._status

    def _set_state(self, state: DeviceState, reason: str = "", detail: str = "") -> None:
        previous = self._status
        if previous.state == state and previous.reason == reason:
            return
        self._status = DeviceStatus(self.name, state, reason, detail)
        self.events.emit(self._status)
