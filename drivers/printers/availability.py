"""Which services can run now, given the printers' states (Qt-free; the UI binds it to signals).

A service that needs a faulty printer is shown as temporarily unavailable with the
printer's reason key, and comes back by itself: the drivers poll in the
background, every state change arrives here, and listeners are told when a
service's availability flips.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from drivers.base import DeviceState, DeviceStatus, EventSource


@dataclass(frozen=True)
class Availability:
    service_id: str
    available: bool
    reason: str = ""  # translation key of the printer fault, '' when available
    device: str = ""  # the device class that blocks it


class PrinterAvailability:
    """Maps services to the printers they need (``{"si.certificate": ["document", "receipt"]}``)."""

    def __init__(self, needs: dict[str, Iterable[str]]):
        self.needs = {service: tuple(devices) for service, devices in needs.items()}
        self.events = EventSource()  # emits Availability when a service flips
        self._status: dict[str, DeviceStatus] = {}
        self._lock = threading.Lock()
        self._last: dict[str, Availability] = {}

    def watch(self, printer: Any) -> None:
        """Follow a printer's status events (and take its current status now)."""
        printer.events.subscribe(self.update)
        self.update(printer.status())

    def update(self, status: DeviceStatus) -> None:
        with self._lock:
            self._status[status.device] = status
            changed = []
            for service in self.needs:
                now = self._evaluate(service)
                if self._last.get(service) != now:
                    self._last[service] = now
                    changed.append(now)
        for availability in changed:
            self.events.emit(availability)

    def _evaluate(self, service: str) -> Availability:
        for device in self.needs[service]:
            status = self._status.get(device)
            if status is None:
                return Availability(service, False, "state.unknown", device)
            if not status.state.usable:
                reason = status.reason or ("state.unknown" if status.state == DeviceState.UNKNOWN else "")
                return Availability(service, False, reason, device)
        return Availability(service, True)

    def availability(self, service: str) -> Availability:
        with self._lock:
            return self._evaluate(service)
