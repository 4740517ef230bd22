"""The technician's device actions, Qt-free: a test print, a test card read, a health check.

``kiosk devices test-print``, ``kiosk selftest`` and the maintenance screen all call these, so a
technician gets the same page and the same verdict wherever they ask. Every function blocks (run it on
the device's lane in the UI) and raises the driver's typed errors; none falls back to a simulator.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drivers.base import DeviceError, DeviceState

PRINTERS = ("receipt", "document", "license")
CARD_READERS = ("idcard", "sscard")


class NotUsable(DeviceError):
    """A fresh status says the device cannot work now (UNKNOWN is a refusal too); nothing was done."""

    key = "error.device.not_usable"


@dataclass(frozen=True)
class Printed:
    printer: str
    job_id: str
    simulated: str = ""  # what a simulator kept ('' on a real printer)


@dataclass(frozen=True)
class CardRead:
    reader: str
    card_type: str
    masked_name: str
    masked_id_number: str


def check_usable(device: Any) -> None:
    """Refuse unless a fresh status says the device can work (printers are asked; readers report)."""
    status = device.refresh_status() if hasattr(device, "refresh_status") else device.status()
    if not status.state.usable:
        raise NotUsable(
            f"{status.state.value}: {status.reason}" + (f" ({status.detail})" if status.detail else ""),
            state=status.state,
        )


def test_print(
    printer: Any, printer_class: str, terminal_id: str, data_dir: Path, *, url: str = ""
) -> Printed:
    """Print the class's test page: a receipt with Chinese text and a QR; an A4 test page; the license
    calibration page at the stored offsets. Checks the printer first (nothing is printed on a fault)."""
    check_usable(printer)
    if printer_class == "receipt":
        from drivers.printers.receipts import test_receipt

        result = printer.print_receipt(test_receipt(terminal_id))
    else:
        with tempfile.TemporaryDirectory(prefix="kiosk-test-print-") as tmp:
            pdf = Path(tmp) / f"test-{printer_class}.pdf"
            if printer_class == "document":
                from kiosk.documents.certificates import render, test_page

                render(test_page(terminal_id, url or printer_class), pdf)
                result = printer.print_pdf(str(pdf), title="打印机测试页", media="A4")
            else:
                from kiosk.documents.license import load_calibration, render_calibration_page

                render_calibration_page(pdf, load_calibration(data_dir))
                result = printer.print_pdf(str(pdf), title="营业执照套打测试页", media="A3")
    keep_simulated_test_page(printer, printer_class, data_dir)
    return Printed(printer_class, str(result.job_id), simulated_output(printer))


def keep_simulated_test_page(printer: Any, printer_class: str, data_dir: Path) -> None:
    """A simulated document printer keeps its paper in memory (a citizen's document is personal data); a
    test or calibration page is not, so the technician finds it under DATA_DIR/printed/CLASS/."""
    simulator = getattr(printer, "simulator", None)
    printed = getattr(simulator, "printed", None)
    if not printed or getattr(simulator, "folder", "") is not None or not hasattr(printed[-1], "data"):
        return
    folder = data_dir / "printed" / printer_class
    folder.mkdir(parents=True, exist_ok=True)
    (folder / printed[-1].name).write_bytes(printed[-1].data)


def simulated_output(printer: Any) -> str:
    """What a simulator kept of the last job ('' for a real printer)."""
    printed = getattr(getattr(printer, "simulator", None), "printed", None)
    if not printed:
        return ""
    last = printed[-1]
    if hasattr(last, "pages"):  # a simulated document printer's PDF (kept in memory)
        return f"simulator received {last.name} ({last.pages} page(s))"
    return (
        f"simulator kept {last}" if isinstance(last, Path) else f"simulator decoded {len(last.lines)} lines"
    )


def read_test_card(reader: Any, reader_class: str, timeout: float = 20.0) -> CardRead:
    """Wait for a card on an opened reader (its own polling thread reports it) and describe it masked.

    A simulated reader is handed its first card, as the demo's button does; a real one waits for the
    technician's test card. Raises :class:`drivers.base.DeviceTimeout` when none arrives in time."""
    from drivers.base import DeviceTimeout
    from drivers.events import CardPresented, CardReadFailed

    arrived = threading.Event()
    seen: list[Any] = []

    def on_event(event: Any) -> None:
        if isinstance(event, CardPresented | CardReadFailed):
            seen.append(event)
            arrived.set()

    unsubscribe = reader.events.subscribe(on_event)
    try:
        simulator = getattr(reader, "simulator", None)
        if simulator is not None and hasattr(simulator, "place"):
            if getattr(simulator, "card_present", False) and hasattr(simulator, "lift"):
                simulator.lift()
            simulator.place(0)
        if not arrived.wait(timeout):
            raise DeviceTimeout(
                f"no card on the {reader_class} reader within {timeout:g} s",
                key="error.device.timeout",
                state=DeviceState.ONLINE,
            )
    finally:
        unsubscribe()
    event = seen[0]
    if isinstance(event, CardReadFailed):
        raise event.error
    identity = event.identity
    return CardRead(reader_class, identity.card_type, identity.masked_name, identity.masked_id_number)


def health(device: Any) -> tuple[bool, dict[str, str]]:
    """UnifiedPOS CheckHealth (internal) where the driver has it, else its reported state."""
    if hasattr(device, "health"):
        report = device.health()
        return bool(report.ok), dict(report.checks)
    status = device.status()
    return status.state.usable, {"state": status.state.value}
