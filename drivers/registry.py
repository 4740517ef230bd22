"""Choose a driver by device URL: ``sim://idcard``, ``serial:///dev/ttyUSB0?baud=115200``, ...

The table maps (device class, URL scheme) to ``module:function`` so a driver's
dependencies (pyserial, pyscard, escpos, cups) are imported only when a terminal
actually uses that driver: this keeps cold start fast and lets a terminal run
without the libraries of devices it does not have.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from drivers.base import DeviceConfigError

DEVICE_CLASSES = ("idcard", "sscard", "receipt", "document", "license")

# (device class, scheme) -> "module:factory". Each factory takes (DeviceUrl, DeviceContext).
DRIVERS: dict[tuple[str, str], str] = {
    ("idcard", "sim"): "drivers.idcard.factory:open_simulated",
    ("idcard", "serial"): "drivers.idcard.factory:open_serial",
    ("sscard", "sim"): "drivers.sscard.factory:open_simulated",
    ("sscard", "pcsc"): "drivers.sscard.factory:open_pcsc",
    ("receipt", "sim"): "drivers.printers.factory:open_simulated_receipt",
    ("receipt", "escpos+tcp"): "drivers.printers.factory:open_escpos",
    ("receipt", "escpos+serial"): "drivers.printers.factory:open_escpos",
    ("receipt", "escpos+usb"): "drivers.printers.factory:open_escpos",
    ("document", "sim"): "drivers.printers.factory:open_simulated_document",
    ("document", "cups"): "drivers.printers.factory:open_cups",
    ("license", "sim"): "drivers.printers.factory:open_simulated_license",
    ("license", "cups"): "drivers.printers.factory:open_cups",
}


@dataclass(frozen=True)
class DeviceUrl:
    """A parsed device URL. ``serial:///dev/ttyUSB0?baud=9600`` -> path '/dev/ttyUSB0', params {'baud': '9600'}."""

    raw: str
    scheme: str
    host: str
    port: int | None
    path: str
    params: dict[str, str]

    @classmethod
    def parse(cls, url: str) -> DeviceUrl:
        parts = urlsplit(url)
        if not parts.scheme:
            raise DeviceConfigError(f"device URL {url!r} has no scheme (e.g. sim://idcard)")
        try:
            port = parts.port
        except ValueError as exc:
            raise DeviceConfigError(f"device URL {url!r}: {exc}") from None
        return cls(
            raw=url,
            scheme=parts.scheme.lower(),
            host=parts.hostname or "",
            port=port,
            path=unquote(parts.path),
            params=dict(parse_qsl(parts.query)),
        )

    def int_param(self, name: str, default: int) -> int:
        value = self.params.get(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise DeviceConfigError(f"device URL {self.raw!r}: {name} must be a whole number") from None


@dataclass
class DeviceContext:
    """What a factory may need besides its URL: where the terminal keeps files, and demo fixtures."""

    data_dir: Path
    options: dict[str, Any] = field(default_factory=dict)


def supported_schemes(device_class: str) -> list[str]:
    return sorted(scheme for (cls, scheme) in DRIVERS if cls == device_class)


def check_url(device_class: str, url: str) -> DeviceUrl:
    """Validate a URL for a device class without importing the driver (used by config validation)."""
    if device_class not in DEVICE_CLASSES:
        raise DeviceConfigError(f"unknown device class {device_class!r}; known: {', '.join(DEVICE_CLASSES)}")
    parsed = DeviceUrl.parse(url)
    if (device_class, parsed.scheme) not in DRIVERS:
        raise DeviceConfigError(
            f"{device_class}: scheme {parsed.scheme!r} is not supported; use one of "
            f"{', '.join(s + '://' for s in supported_schemes(device_class))}"
        )
    return parsed


def open_device(device_class: str, url: str, context: DeviceContext) -> Any:
    """Create the driver for ``url``. The caller then calls ``open()`` (off the GUI thread)."""
    parsed = check_url(device_class, url)
    module_name, _, func_name = DRIVERS[(device_class, parsed.scheme)].partition(":")
    factory = getattr(importlib.import_module(module_name), func_name)
    return factory(parsed, context)
