"""Factories the registry calls for printer URLs.

``sim://receipt`` starts the simulated ESC/POS network printer (a TCP server on
127.0.0.1, ephemeral port) and returns the *real* escpos driver connected to it,
so the demo exercises the same path as a terminal with a network printer; the
printer's ``simulator`` attribute is the demo buttons' and tests' control surface
(``set_fault('paper_out')``, ``printed``).

URL parameters: ``encoding`` (gb18030 | gbk), ``width`` (58 | 80), ``qr_size``,
``status_timeout`` and ``poll`` (seconds), ``baud`` (serial), ``server`` (CUPS).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drivers.base import DeviceConfigError
from drivers.printers.escpos_driver import EscposReceiptPrinter, EscposTransport, escpos_printer_classes
from drivers.printers.escpos_encoder import EncoderSettings
from drivers.registry import DeviceContext, DeviceUrl

if (
    TYPE_CHECKING
):  # imported when the URL asks for them: CUPS and the document simulator stay unloaded otherwise
    from drivers.printers.cups_driver import CupsPrinter
    from drivers.printers.document_sim import SimulatedDocumentPrinter


def _float_param(url: DeviceUrl, name: str, default: float) -> float:
    try:
        return float(url.params.get(name, default))
    except ValueError:
        raise DeviceConfigError(f"device URL {url.raw!r}: {name} must be a number") from None


def _settings(url: DeviceUrl) -> EncoderSettings:
    try:
        return EncoderSettings(
            encoding=url.params.get("encoding", "gb18030").lower(),
            width_mm=url.int_param("width", 80),
            qr_size=url.int_param("qr_size", 6),
        )
    except ValueError as exc:
        raise DeviceConfigError(f"device URL {url.raw!r}: {exc}") from None


def _driver(url: DeviceUrl, transport: EscposTransport, simulator: Any = None) -> EscposReceiptPrinter:
    return EscposReceiptPrinter(
        transport,
        _settings(url),
        status_timeout=_float_param(url, "status_timeout", 0.5),
        poll_interval=_float_param(url, "poll", 2.0),
        simulator=simulator,
    )


def _usb_ids(url: DeviceUrl) -> tuple[int, int]:
    """``escpos+usb://04b8:0202`` or ``escpos+usb://?vid=04b8&pid=0e28`` (hex)."""
    match = re.match(r"escpos\+usb://([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4})", url.raw)
    vid, pid = (match.group(1), match.group(2)) if match else (url.params.get("vid"), url.params.get("pid"))
    if not vid or not pid:
        raise DeviceConfigError(f"device URL {url.raw!r}: give the USB ids as escpos+usb://VID:PID")
    return int(vid, 16), int(pid, 16)


def transport_for(url: DeviceUrl, context: DeviceContext | None = None) -> EscposTransport:
    """The python-escpos connection a receipt URL names (imported only now)."""
    printers = escpos_printer_classes()
    write_timeout = _float_param(url, "write_timeout", 10.0)
    if url.scheme == "escpos+tcp":
        if not url.host:
            raise DeviceConfigError(f"device URL {url.raw!r}: give host and port (escpos+tcp://HOST:9100)")
        host, port = url.host, url.port or 9100
        return EscposTransport(
            "network", lambda: printers.Network(host, port, timeout=write_timeout), f"{host}:{port}"
        )
    if url.scheme == "escpos+serial":
        if not url.path:
            raise DeviceConfigError(f"device URL {url.raw!r}: give the port (escpos+serial:///dev/ttyS0)")
        baud = url.int_param("baud", 9600)
        return EscposTransport(
            "serial", lambda: printers.Serial(devfile=url.path, baudrate=baud, timeout=0.5), url.path
        )
    if url.scheme == "escpos+usb":
        vid, pid = _usb_ids(url)
        return EscposTransport(
            "usb", lambda: printers.Usb(vid, pid, timeout=int(write_timeout * 1000)), f"{vid:04x}:{pid:04x}"
        )
    raise DeviceConfigError(f"device URL {url.raw!r}: not an escpos URL")


def open_escpos(url: DeviceUrl, context: DeviceContext) -> EscposReceiptPrinter:
    return _driver(url, transport_for(url, context))


def open_simulated_receipt(url: DeviceUrl, context: DeviceContext) -> EscposReceiptPrinter:
    """Start the simulated network printer and connect the real driver to it."""
    from drivers.printers.simulator import EscposPrinterSimulator

    settings = _settings(url)
    simulator = EscposPrinterSimulator(encoding=settings.encoding).start()
    real_url = DeviceUrl.parse(simulator.url + ("?" + url.raw.split("?", 1)[1] if "?" in url.raw else ""))
    return _driver(url, transport_for(real_url, context), simulator)


def open_cups(url: DeviceUrl, context: DeviceContext) -> CupsPrinter:
    from drivers.printers.cups_driver import CupsPrinter

    queue = url.host or url.path.strip("/")
    if not queue:
        raise DeviceConfigError(f"device URL {url.raw!r}: name the CUPS queue (cups://QUEUE)")
    device_class = url.params.get("class", "license" if "license" in queue.lower() else "document")
    return CupsPrinter(
        queue,
        name=device_class,
        server=url.params.get("server"),
        job_timeout=_float_param(url, "job_timeout", 120.0),
        poll_interval=_float_param(url, "poll", 5.0),
    )


def _open_simulated_document(url: DeviceUrl, context: DeviceContext, name: str) -> SimulatedDocumentPrinter:
    from drivers.printers.document_sim import SimulatedDocumentPrinter

    out = url.params.get("out")  # never the data directory by default: a printed copy is personal data
    return SimulatedDocumentPrinter(name, Path(out) if out else None)


def open_simulated_document(url: DeviceUrl, context: DeviceContext) -> SimulatedDocumentPrinter:
    return _open_simulated_document(url, context, "document")


def open_simulated_license(url: DeviceUrl, context: DeviceContext) -> SimulatedDocumentPrinter:
    return _open_simulated_document(url, context, "license")
