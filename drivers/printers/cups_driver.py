"""A4 and license printers behind CUPS (pycups): submit a PDF, follow the job, read faults.

A job is followed by ``job-state`` (9 completed, 7 cancelled, 8 aborted), never by
``job-state-reasons``. A fault the backend reports (``media-empty-error``,
``media-jam-error``, ``offline-report``...) stops the queue and leaves the job
pending: we cancel it — a certificate that comes out an hour later, after the
citizen left, is worse than none — and raise the typed fault. With cupsd down,
pycups raises ``RuntimeError``: that is UNKNOWN, never "fine".
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from pathlib import Path
from typing import Any

from drivers.base import DeviceState, HealthReport
from drivers.printers.model import (
    CoverOpen,
    JobFailed,
    PaperJam,
    PaperOut,
    PrinterError,
    PrinterNoAnswer,
    PrinterOffline,
    PrinterStatus,
    PrinterStopped,
    PrintResult,
    PrintUnconfirmed,
    error_for_status,
)
from drivers.printers.polling import PolledPrinter

log = logging.getLogger(__name__)

JOB_PENDING, JOB_HELD, JOB_PROCESSING, JOB_STOPPED, JOB_CANCELED, JOB_ABORTED, JOB_COMPLETED = range(3, 10)
PRINTER_IDLE, PRINTER_PROCESSING, PRINTER_STOPPED = 3, 4, 5
REASON_NO_QUEUE = "error.printer.no_queue"
REASON_MEDIA_LOW = "state.printer.paper_near_end"

# IPP printer-state-reasons keyword (without -error/-warning/-report) -> (state, reason key)
FAULTS: dict[str, tuple[DeviceState, str]] = {
    "media-empty": (DeviceState.USER_ERROR, PaperOut.key),
    "media-needed": (DeviceState.USER_ERROR, PaperOut.key),
    "input-tray-missing": (DeviceState.USER_ERROR, PaperOut.key),
    "media-jam": (DeviceState.HARDWARE_ERROR, PaperJam.key),
    "cover-open": (DeviceState.USER_ERROR, CoverOpen.key),
    "door-open": (DeviceState.USER_ERROR, CoverOpen.key),
    "interlock-open": (DeviceState.USER_ERROR, CoverOpen.key),
    "offline": (DeviceState.OFFLINE, PrinterOffline.key),
    "shutdown": (DeviceState.OFFLINE, PrinterOffline.key),
    "timed-out": (DeviceState.OFFLINE, PrinterOffline.key),
    "toner-empty": (DeviceState.HARDWARE_ERROR, "error.printer.toner_empty"),
    "marker-supply-empty": (DeviceState.HARDWARE_ERROR, "error.printer.toner_empty"),
}
_ATTRS = ["printer-state", "printer-state-reasons", "printer-state-message", "printer-is-accepting-jobs"]


def _keyword(reason: str) -> tuple[str, str]:
    for suffix in ("-error", "-warning", "-report"):
        if reason.endswith(suffix):
            return reason[: -len(suffix)], suffix[1:]
    return reason, "error"


def interpret(attrs: dict[str, Any]) -> tuple[DeviceState, str, str, bool]:
    """(state, reason key, detail, media low) from printer attributes; pure so every fault is testable."""
    reasons = [r for r in attrs.get("printer-state-reasons", []) or [] if r and r != "none"]
    message = attrs.get("printer-state-message", "") or ""
    low = any(_keyword(r)[0] in ("media-low", "toner-low", "marker-supply-low") for r in reasons)
    if (
        attrs.get("printer-state") == PRINTER_IDLE
        and attrs.get("printer-is-accepting-jobs", True)
        and "paused" not in reasons
    ):
        # CUPS learns about faults only while a job runs, and keeps the last reasons after a
        # technician re-enables the queue: on an idle, enabled queue they are history, not state.
        # Trusting them would keep the service closed forever (no job ever runs to clear them);
        # the next job re-checks for real and a fault then stops the queue again.
        stale = [r for r in reasons if _keyword(r)[1] != "warning"]
        if stale:
            return DeviceState.ONLINE, "", f"last job reported {' '.join(stale)}", low
    for reason in reasons:
        keyword, severity = _keyword(reason)
        if keyword in FAULTS and severity != "warning":
            state, key = FAULTS[keyword]
            return state, key, f"{reason} {message}".strip(), low
    for reason in reasons:
        keyword, severity = _keyword(reason)
        if severity == "error" and keyword not in ("paused", "cups-insecure-filter", "cups-missing-filter"):
            return DeviceState.HARDWARE_ERROR, PrinterError.key, f"{reason} {message}".strip(), low
    if attrs.get("printer-state") == PRINTER_STOPPED or "paused" in reasons:
        return DeviceState.HARDWARE_ERROR, PrinterStopped.key, f"queue stopped {message}".strip(), low
    if attrs.get("printer-is-accepting-jobs") is False:
        return DeviceState.HARDWARE_ERROR, PrinterStopped.key, "queue rejects jobs", low
    if low:
        return DeviceState.ONLINE, REASON_MEDIA_LOW, "", True
    return DeviceState.ONLINE, "", "", False


class CupsPrinter(PolledPrinter):
    """:class:`~drivers.printers.model.DocumentPrinter` for one CUPS queue. Every method blocks."""

    def __init__(
        self,
        queue: str,
        *,
        name: str = "document",
        server: str | None = None,
        job_timeout: float = 120.0,
        poll_interval: float = 5.0,
        follow_interval: float = 0.05,
    ):
        self.name = name
        super().__init__()
        self.queue = queue
        self.server = server
        self.job_timeout = job_timeout
        self.poll_interval = poll_interval
        self.follow_interval = follow_interval
        self.simulator = None

    # -- plumbing ------------------------------------------------------------------------------
    def _connect(self) -> Any:
        """A connection per call: pycups connections are not thread-safe and a unix socket is cheap."""
        import cups

        return cups.Connection(host=self.server) if self.server else cups.Connection()

    def open(self) -> None:
        self.refresh_status()
        self._start_polling()

    def close(self) -> None:
        self._stop_polling()
        self._publish(DeviceState.OFFLINE, "state.closed")

    def _publish(
        self,
        state: DeviceState,
        reason: str = "",
        detail: str = "",
        near_end: bool = False,
        extra: dict[str, str] | None = None,
    ) -> None:
        super()._publish(state, reason, detail, near_end, extra or {"queue": self.queue})

    def _query(self, conn: Any = None) -> PrinterStatus:
        import cups

        try:
            conn = conn or self._connect()
            attrs = conn.getPrinterAttributes(self.queue, requested_attributes=_ATTRS)
        except RuntimeError as exc:  # cupsd not running or not reachable
            self._publish(DeviceState.UNKNOWN, PrinterNoAnswer.key, f"cupsd: {exc}")
            return self._status
        except cups.IPPError as exc:
            status, message = exc.args if len(exc.args) == 2 else (0, str(exc))
            if status == cups.IPP_NOT_FOUND:
                self._publish(DeviceState.NO_DEVICE, REASON_NO_QUEUE, f"no CUPS queue {self.queue}")
            else:
                self._publish(DeviceState.UNKNOWN, PrinterNoAnswer.key, f"IPP {status}: {message}")
            return self._status
        state, reason, detail, low = interpret(attrs)
        self._publish(state, reason, detail, low)
        return self._status

    def health(self) -> HealthReport:
        status = self.refresh_status()
        return HealthReport(
            self.name,
            status.state.usable,
            {
                "queue": self.queue,
                "status": "ok"
                if status.state.usable
                else f"{status.state.value}: {status.reason} {status.detail}".strip(),
            },
        )

    # -- printing ------------------------------------------------------------------------------
    def print_pdf(
        self,
        pdf_path: str,
        *,
        title: str,
        media: str = "A4",
        options: dict[str, str] | None = None,
        on_submitted: Any = None,
    ) -> PrintResult:
        """Submit and follow to completion; raise the printer's fault or :class:`JobFailed`.

        ``on_submitted(detail)`` is called once CUPS has the job (the journal stores the job id).
        ``title`` shows in CUPS queues and logs: a document kind or case number, never a name."""
        pdf = Path(pdf_path)
        pages = _pdf_pages(pdf)
        job_options = {"media": media, "print-scaling": "none", **(options or {})}
        with self._io:
            import cups

            try:
                conn = self._connect()
            except RuntimeError:
                self._publish(DeviceState.UNKNOWN, PrinterNoAnswer.key, "cupsd not reachable")
                raise PrinterNoAnswer("cupsd not reachable") from None
            status = self._query(conn)
            if not status.state.usable:
                raise error_for_status(status)
            try:
                job_id = conn.printFile(self.queue, str(pdf), title, job_options)
            except (RuntimeError, cups.IPPError) as exc:
                raise PrinterError(f"submit to {self.queue} failed: {exc}") from None
            if on_submitted is not None:
                on_submitted(f"cups:{self.queue}:{job_id}")
            log.info("%s: submitted job %s (%s, %d pages) to %s", self.name, job_id, title, pages, self.queue)
            self._follow(conn, job_id)
        return PrintResult(job_id=f"cups:{self.queue}:{job_id}", pages=pages)

    def _follow(self, conn: Any, job_id: int) -> None:
        deadline = time.monotonic() + self.job_timeout
        while True:
            try:
                job = conn.getJobAttributes(
                    job_id,
                    requested_attributes=["job-state", "job-state-reasons", "job-printer-state-message"],
                )
            except RuntimeError as exc:
                raise PrintUnconfirmed(f"job {job_id}: lost cupsd while following ({exc})") from None
            state = job.get("job-state")
            if state == JOB_COMPLETED:
                return
            if state in (JOB_CANCELED, JOB_ABORTED):
                self._query(conn)
                raise JobFailed(
                    f"job {job_id} {'cancelled' if state == JOB_CANCELED else 'aborted'}: "
                    f"{job.get('job-state-reasons', '')} {job.get('job-printer-state-message', '')}"
                )
            printer = self._query(conn)
            if not printer.state.usable and state in (JOB_PENDING, JOB_HELD, JOB_STOPPED):
                self._cancel(conn, job_id)
                raise error_for_status(printer)
            if time.monotonic() > deadline:
                self._cancel(conn, job_id)
                raise JobFailed(f"job {job_id} not completed within {self.job_timeout:.0f} s")
            time.sleep(self.follow_interval)

    def _cancel(self, conn: Any, job_id: int) -> None:
        with contextlib.suppress(Exception):
            conn.cancelJob(job_id, purge_job=False)
        log.warning("%s: cancelled job %s so it does not print after the citizen left", self.name, job_id)

    def job_outcome(self, detail: str) -> str | None:
        """For journal recovery: 'completed' / 'failed' for a ``cups:QUEUE:ID`` detail, None if unknown."""
        parts = detail.split(":")
        if len(parts) < 3 or parts[0] != "cups" or not parts[2].split()[0].isdigit():
            return None
        job = self._connect().getJobAttributes(int(parts[2].split()[0]), requested_attributes=["job-state"])
        state = job.get("job-state")
        if state == JOB_COMPLETED:
            return "completed"
        if state in (JOB_CANCELED, JOB_ABORTED):
            return "failed"
        return None


def _pdf_pages(path: Path) -> int:
    """Page count from the PDF's page objects (enough for the PDFs the kiosk renders itself)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PrinterError(f"cannot read {path.name}: {exc}") from None
    return max(1, len(_PAGE.findall(data)))


_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
