"""A simulated document/license printer for the demo without cupsd: keeps each PDF in its paper tray.

The tray is memory, like paper a citizen takes away: the terminal's disk keeps no copy of a document
with personal data on it. ``sim://document?out=DIR`` also writes each copy to DIR, for a technician who
wants to look at them (a folder of their choosing, never the data directory by default).

Same interface and faults as the CUPS driver, so the UI's unavailable/recovered
paths can be shown at a demo stand (``printer.simulator.set_fault('paper_out')``).
"""

from __future__ import annotations

import itertools
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drivers.base import DeviceState, HealthReport, StatefulDevice
from drivers.printers.cups_driver import _PAGE
from drivers.printers.model import (
    CoverOpen,
    PaperJam,
    PaperOut,
    PrinterError,
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


@dataclass(frozen=True)
class PrintedPdf:
    """One document in the simulated paper tray."""

    name: str
    data: bytes

    @property
    def pages(self) -> int:
        return max(1, len(_PAGE.findall(self.data)))

    def text(self) -> str:
        """The document's text as ``pdftotext -layout`` reads it (fed on stdin: no file is written)."""
        return subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=self.data, capture_output=True, check=True
        ).stdout.decode("utf-8")


class DocumentPrinterSimulator:
    def __init__(self, printer: SimulatedDocumentPrinter, folder: Path | None):
        self._printer = printer
        self.folder = folder  # None: the tray is memory only
        self.fault: str | None = None
        self.printed: list[PrintedPdf] = []  # the documents, in print order
        self.options: list[dict[str, str]] = []

    def set_fault(self, fault: str | None) -> None:
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        self.fault = fault
        self._printer.refresh_status()


class SimulatedDocumentPrinter(StatefulDevice):
    _status: PrinterStatus  # narrower than StatefulDevice's: set only by _set, never by _set_state

    def __init__(self, name: str, folder: Path | None = None):
        self.name = name
        super().__init__()
        self.simulator = DocumentPrinterSimulator(self, Path(folder) if folder else None)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._status = PrinterStatus(self.name, DeviceState.UNKNOWN, "state.unknown")

    def status(self) -> PrinterStatus:
        return self._status

    def open(self) -> None:
        if self.simulator.folder is not None:
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
        return HealthReport(
            self.name,
            status.state.usable,
            {"simulator": str(self.simulator.folder or "memory"), "status": status.state.value},
        )

    def print_pdf(
        self,
        pdf_path: str,
        *,
        title: str,
        media: str = "A4",
        options: dict[str, str] | None = None,
        on_submitted: Any = None,
    ) -> PrintResult:
        with self._lock:
            status = self.refresh_status()
            if not status.state.usable:
                raise error_for_status(status)
            number = next(self._ids)
            job_id = f"sim:{self.name}:{number}"
            if on_submitted is not None:
                on_submitted(job_id)
            try:
                document = PrintedPdf(f"{number:04d}-{Path(pdf_path).name}", Path(pdf_path).read_bytes())
            except OSError as exc:
                raise PrinterError(f"cannot read {Path(pdf_path).name}: {exc}") from None
            if self.simulator.folder is not None:
                self.simulator.folder.mkdir(parents=True, exist_ok=True)
                (self.simulator.folder / document.name).write_bytes(document.data)
            self.simulator.printed.append(document)
            self.simulator.options.append({"media": media, "title": title, **(options or {})})
            return PrintResult(job_id=job_id, pages=document.pages)
