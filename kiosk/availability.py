"""Which services a citizen may start now, and if not, why (a translation key).

A service is unavailable when a device it needs is not usable (a printer out of
paper, a reader unplugged — UNKNOWN counts as not usable) or when it needs live
data and the back office cannot be reached, or when the console paused it (by flow id or 事项编码). A flow that takes either card needs
only one working card reader. It comes back by itself when the device or the
network does.
"""

from __future__ import annotations

from drivers.base import DeviceStatus
from flows.model import Flow
from wire import services

CARD_READERS = ("idcard", "sscard")


def _problem(device: str, devices: dict[str, DeviceStatus]) -> str:
    """'' when the device is usable, else the translation key of why not."""
    status = devices.get(device)
    if status is None:
        return "error.device.no_device"
    if not status.state.usable:
        return status.reason if status.reason.startswith("error.") else "error.device.generic"
    return ""


PAUSED = "catalog.paused"  # the console paused this service (settings command, wire.commands)


def service_availability(
    flow: Flow, devices: dict[str, DeviceStatus], online: bool, paused: frozenset[str] = frozenset()
) -> tuple[bool, str]:
    if flow.id in paused or (flow.item_code and flow.item_code in paused):
        return False, PAUSED
    readers = [d for d in flow.devices if d in CARD_READERS]
    others = [d for d in flow.devices if d not in CARD_READERS]
    for device in others:
        if problem := _problem(device, devices):
            return False, problem
    reader_problems = [_problem(d, devices) for d in readers]
    if flow.identity == "either":
        if readers and all(reader_problems):
            return False, reader_problems[0]
    elif problem := next((p for p in reader_problems if p), ""):
        return False, problem
    if not flow.offline and not online:
        return False, services.E_OFFLINE
    return True, ""
