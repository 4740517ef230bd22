"""A simulated document/license printer for the demo without cupsd: keeps each PDF in a folder.

Same interface and faults as the CUPS driver, so the UI's unavailable/recovered
paths can be shown at a demo stand (``printer.simulator.set_fault('paper_out')``).
"""

from __future__ import annotations

import itertools
import shutil
import threading
from pathlib import Path
from typing import Any

from drivers.base import DeviceState, HealthReport, StatefulDevice
from drivers.printers.cups_driver import _pdf_pages
from drivers.printers.model import (
    CoverOpen,
    PaperJam,
    PaperOut,
    PrinterNoAnswer,
    PrinterOffline,
    PrinterStatus,
    PrinterStopped,
    PrintResult,
    error_for_status,
)

FAULTS: dict[str, tuple[DeviceState, str]] = {
    "paper_out": (PaperOut.state, PaperOut.key),
    "cover_open": (CoverOpen.state, CoverOpen.key),
    "jam": (PaperJam.state, PaperJam.key),
    "offline": (PrinterOffline.state, PrinterOffline.key),
    "stopped": (PrinterStopped.state, PrinterStopped.key),
    "silent": (PrinterNoAnswer.state, PrinterNoAnswer.key),
    "paper_near_end": (DeviceState.ONLINE, "state.printer.paper_near_end"),
}


class DocumentPrinterSimulator:
    def __init__(self, printer: SimulatedDocumentPrinter, folder: Path):
        self._printer = printer
        self.folder = folder
        self.fault: str | None = None
        self.printed: list[Path] = []  # copies of the PDFs, in print order
        self.options: list[dict[str, str]] = []

    def set_fault(self, fault: str | None) -> None:
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        self.fault = fault
        self._printer.refresh_status()


class SimulatedDocumentPrinter(StatefulDevice):
    _status: PrinterStatus  # narrower than StatefulDevice's: set only by _set, never by _set_state

    def __init__(self, name: str, folder: Path):
        self.name = name
        super().__init__()
        self.simulator = DocumentPrinterSimulator(self, Path(folder))
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._status = PrinterStatus(self.name, DeviceState.UNKNOWN, "state.unknown")

    def status(self) -> PrinterStatus:
        return self._status

    def open(self) -> None:
        self.simulator.folder.mkdir(parents=True, exist_ok=True)
        self.refresh_status()

    def close(self) -> None:
        self._set(DeviceState.OFFLINE, "state.closed")

    def _set(self, state: DeviceState, reason: str, low: bool = False) -> None:
        if (self._status.state, self._status.reason) != (state, reason):
            self._status = PrinterStatus(self.name, state, reason, "simulated", paper_near_end=low)
            self.events.emit(self._status)

    def refresh_status(self) -> PrinterStatus:
        fault = self.simulator.fault
        if fault is None:
            self._set(DeviceState.ONLINE, "")
        else:
            state, reason = FAULTS[fault]
            self._set(state, reason, fault == "paper_near_end")
        return self._status

    def health(self) -> HealthReport:
        status = self.refresh_status()
        return HealthReport(self.name, status.state.usable, {"simulator": str(self.simulator.folder),
                                                             "status": status.state.value})

    def print_pdf(self, pdf_path: str, *, title: str, media: str = "A4", options: dict[str, str] | None = None,
                  on_submitted: Any = None) -> PrintResult:
        with self._lock:
            status = self.refresh_status()
            if not status.state.usable:
                raise error_for_status(status)
            number = next(self._ids)
            job_id = f"sim:{self.name}:{number}"
            if on_submitted is not None:
                on_submitted(job_id)
            self.simulator.folder.mkdir(parents=True, exist_ok=True)
            target = self.simulator.folder / f"{number:04d}-{Path(pdf_path).name}"
            shutil.copyfile(pdf_path, target)
            self.simulator.printed.append(target)
            self.simulator.options.append({"media": media, "title": title, **(options or {})})
            return PrintResult(job_id=job_id, pages=_pdf_pages(target))
