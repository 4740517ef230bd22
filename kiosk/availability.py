"""Which services a citizen may start now, and if not, why (a translation key).

A service is unavailable when a device it needs is not usable (a printer out of
paper, a reader unplugged — UNKNOWN counts as not usable) or when it needs live
data and the back office cannot be reached. It comes back by itself when the
device or the network does.
"""

from __future__ import annotations

from drivers.base import DeviceStatus
from flows.model import Flow


def service_availability(flow: Flow, devices: dict[str, DeviceStatus], online: bool) -> tuple[bool, str]:
    for device in flow.devices:
        status = devices.get(device)
        if status is None:
            return False, "error.device.no_device"
        if not status.state.usable:
            return False, status.reason if status.reason.startswith("error.") else "error.device.generic"
    if not flow.offline and not online:
        return False, "error.service.offline"
    return True, ""
