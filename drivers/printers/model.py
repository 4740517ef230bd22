"""How printers fail, what they answer, and the interfaces the kiosk prints through.

The receipt itself (lines, a QR payload, a cut) is :mod:`common.receipt`: flows render it, printers
encode it to ESC/POS bytes, preview it and decode it back in tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from common.receipt import Receipt
from drivers.base import DeviceError, DeviceState, DeviceStatus, HealthReport


@dataclass(frozen=True)
class PrintResult:
    job_id: str
    pages: int = 1
    detail: str = ""


class PrinterError(DeviceError):
    key = "error.printer.generic"


class PaperOut(PrinterError):
    key = "error.printer.paper_out"
    state = DeviceState.USER_ERROR


class CoverOpen(PrinterError):
    key = "error.printer.cover_open"
    state = DeviceState.USER_ERROR


class PaperJam(PrinterError):
    key = "error.printer.jam"
    state = DeviceState.HARDWARE_ERROR


class PrinterOffline(PrinterError):
    key = "error.printer.offline"
    state = DeviceState.OFFLINE


class PrinterNoAnswer(PrinterError):
    """The printer did not answer a status request: we cannot tell, so we do not print."""

    key = "error.printer.no_answer"
    state = DeviceState.UNKNOWN


class PrinterStopped(PrinterError):
    """The print queue is stopped (paused by a technician or after a backend failure)."""

    key = "error.printer.stopped"
    state = DeviceState.HARDWARE_ERROR


class JobFailed(PrinterError):
    """The job was accepted but did not complete (aborted, cancelled or timed out)."""

    key = "error.printer.job_failed"
    state = DeviceState.HARDWARE_ERROR


class PrintUnconfirmed(PrinterError):
    """Bytes were sent but the printer could not confirm them: the paper may or may not be out.
    The print journal marks such a job interrupted and reports it instead of printing it again."""

    key = "error.printer.unconfirmed"
    state = DeviceState.UNKNOWN


# reason key -> error class, so a status snapshot can be turned back into the error to raise
ERRORS_BY_KEY: dict[str, type[PrinterError]] = {
    cls.key: cls
    for cls in (
        PrinterError,
        PaperOut,
        CoverOpen,
        PaperJam,
        PrinterOffline,
        PrinterNoAnswer,
        PrinterStopped,
        JobFailed,
        PrintUnconfirmed,
    )
}


def error_for_status(status: DeviceStatus) -> PrinterError:
    """The typed error matching an unusable status (the reason key picks the class)."""
    cls = ERRORS_BY_KEY.get(status.reason, PrinterError)
    return cls(status.detail or status.reason, key=status.reason or None, state=status.state)


@dataclass(frozen=True)
class PrinterStatus(DeviceStatus):
    paper_near_end: bool = False
    extra: dict[str, str] = field(default_factory=dict)


class ReceiptPrinter(Protocol):
    """A thermal receipt printer. Every method blocks: call it off the GUI thread."""

    name: str

    def open(self) -> None: ...
    def close(self) -> None: ...
    def status(self) -> DeviceStatus: ...
    def refresh_status(self) -> DeviceStatus:
        """Ask the printer now (real-time status); UNKNOWN when it does not answer."""
        ...

    def health(self) -> HealthReport: ...
    def print_receipt(self, receipt: Receipt) -> PrintResult:
        """Print or raise a :class:`PrinterError`; checks status first."""
        ...


class DocumentPrinter(Protocol):
    """An A4 or license printer behind CUPS (or a simulator). Blocking."""

    name: str

    def open(self) -> None: ...
    def close(self) -> None: ...
    def status(self) -> DeviceStatus: ...
    def refresh_status(self) -> DeviceStatus: ...
    def health(self) -> HealthReport: ...
    def print_pdf(self, pdf_path: str, *, title: str, media: str = "A4") -> PrintResult: ...
