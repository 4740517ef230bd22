"""The print journal: nothing prints twice and nothing is lost.

A job is written (and fsynced: the store runs ``synchronous=FULL``) *before* a byte
goes to the printer, and its outcome after. After a crash or a power cut, a job
still ``pending`` or ``sent`` may or may not be on paper: the kiosk marks it
``interrupted`` and reports it (to staff and to the back office) instead of
printing it again blindly. A job that ``completed`` is never sent again under the
same key; one that ``failed`` before anything was sent may be retried.

Job keys are chosen by the caller so they are stable across restarts, e.g.
``f"{case_no}:si_certificate:1"``. Nothing here imports the drivers: the send step
is a callable, and errors are classified by duck typing (``key``, ``sent``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from offline_cache.store import Store

log = logging.getLogger(__name__)

PENDING, SENT, COMPLETED, FAILED, INTERRUPTED = "pending", "sent", "completed", "failed", "interrupted"
OPEN_STATES = (PENDING, SENT)
# errors after which we cannot know whether paper came out (the bytes may have left)
UNCERTAIN_KEYS = {"error.printer.unconfirmed"}


@dataclass(frozen=True)
class PrintJob:
    job_key: str
    case_no: str | None
    printer: str
    kind: str
    state: str
    created_at: float
    updated_at: float
    detail: str

    @property
    def done(self) -> bool:
        return self.state == COMPLETED


class AlreadyPrinted(Exception):
    """The job completed before: it is not printed again."""

    key = "error.print.already_printed"

    def __init__(self, job: PrintJob):
        super().__init__(f"{job.job_key} already completed")
        self.job = job


class JobInterrupted(Exception):
    """The job may or may not be on paper (crash, power cut, unconfirmed): report it, do not reprint."""

    key = "error.print.interrupted"

    def __init__(self, job: PrintJob):
        super().__init__(f"{job.job_key} was interrupted ({job.detail})")
        self.job = job


class PrintJournal:
    def __init__(self, store: Store):
        self.store = store

    # -- reading ---------------------------------------------------------------------------------
    def get(self, job_key: str) -> PrintJob | None:
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT job_key, case_no, printer, kind, state, created_at, updated_at, detail "
                "FROM print_jobs WHERE job_key=?",
                (job_key,),
            ).fetchone()
        return PrintJob(*row) if row else None

    def jobs(self, *states: str) -> list[PrintJob]:
        query = (
            "SELECT job_key, case_no, printer, kind, state, created_at, updated_at, detail FROM print_jobs"
        )
        args: tuple[str, ...] = ()
        if states:
            query += f" WHERE state IN ({','.join('?' * len(states))})"
            args = states
        with self.store.transaction() as conn:
            return [PrintJob(*row) for row in conn.execute(query + " ORDER BY created_at, job_key", args)]

    def interrupted(self) -> list[PrintJob]:
        return self.jobs(INTERRUPTED)

    # -- writing ---------------------------------------------------------------------------------
    def begin(self, job_key: str, *, printer: str, kind: str, case_no: str | None = None) -> PrintJob:
        """Record the job before sending. Refuses a completed or open/interrupted job with the same key."""
        now = time.time()
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT job_key, case_no, printer, kind, state, created_at, updated_at, detail "
                "FROM print_jobs WHERE job_key=?",
                (job_key,),
            ).fetchone()
            if row is not None:
                job = PrintJob(*row)
                if job.state == COMPLETED:
                    raise AlreadyPrinted(job)
                if job.state != FAILED:  # pending/sent (another attempt running or crashed) or interrupted
                    raise JobInterrupted(job)
                conn.execute(
                    "UPDATE print_jobs SET state=?, printer=?, updated_at=?, detail='' WHERE job_key=?",
                    (PENDING, printer, now, job_key),
                )
            else:
                conn.execute(
                    "INSERT INTO print_jobs(job_key, case_no, printer, kind, state, created_at, updated_at) "
                    "VALUES (?,?,?,?,?,?,?)",
                    (job_key, case_no, printer, kind, PENDING, now, now),
                )
        return self.get(job_key)  # type: ignore[return-value]

    def _set(self, job_key: str, state: str, detail: str, only_from: tuple[str, ...] = OPEN_STATES) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                f"UPDATE print_jobs SET state=?, detail=?, updated_at=? WHERE job_key=? "
                f"AND state IN ({','.join('?' * len(only_from))})",
                (state, detail, time.time(), job_key, *only_from),
            )

    def mark_sent(self, job_key: str, detail: str = "") -> None:
        """The printer (or CUPS) took the job; ``detail`` keeps e.g. the CUPS job id for recovery."""
        self._set(job_key, SENT, detail)

    def mark_completed(self, job_key: str, detail: str = "") -> None:
        self._set(job_key, COMPLETED, detail)

    def mark_failed(self, job_key: str, reason: str) -> None:
        """Definitely not printed (refused before sending, or the spooler aborted it)."""
        self._set(job_key, FAILED, reason)

    def mark_interrupted(self, job_key: str, reason: str) -> None:
        self._set(job_key, INTERRUPTED, reason)

    def resolve(self, job_key: str, state: str, note: str) -> None:
        """Staff settled an interrupted job (``completed``: it was on paper; ``failed``: may be retried)."""
        if state not in (COMPLETED, FAILED):
            raise ValueError("resolve to completed or failed")
        self._set(job_key, state, note, only_from=(INTERRUPTED,))

    def recover(self, check: Callable[[PrintJob], str | None] | None = None) -> list[PrintJob]:
        """At start-up: settle jobs a crash left open. ``check(job)`` may say ``completed`` or ``failed``
        from evidence (e.g. the CUPS job state); everything else becomes ``interrupted``.
        Returns the interrupted jobs, which the kiosk reports instead of re-printing."""
        for job in self.jobs(*OPEN_STATES):
            verdict = None
            if check is not None:
                try:
                    verdict = check(job)
                except Exception as exc:  # evidence unavailable (spooler down): stay cautious
                    log.warning("print journal: cannot check %s: %s", job.job_key, exc)
            if verdict == COMPLETED:
                self._set(job.job_key, COMPLETED, f"{job.detail}; confirmed after restart".lstrip("; "))
            elif verdict == FAILED:
                self._set(
                    job.job_key, FAILED, f"{job.detail}; not printed (checked after restart)".lstrip("; ")
                )
            else:
                self._set(job.job_key, INTERRUPTED, f"{job.state} at restart {job.detail}".strip())
                log.warning(
                    "print journal: job %s (%s, case %s) was interrupted",
                    job.job_key,
                    job.kind,
                    job.case_no or "-",
                )
        return self.interrupted()

    # -- the whole rule in one call ------------------------------------------------------------
    def print_once(
        self,
        job_key: str,
        *,
        printer: str,
        kind: str,
        case_no: str | None,
        send: Callable[[Callable[[str], None]], Any],
    ) -> Any:
        """Record, send, record the outcome. ``send(submitted)`` prints and returns the driver's result;
        it may call ``submitted(detail)`` once the spooler accepted the job (CUPS job id).

        Raises :class:`AlreadyPrinted` / :class:`JobInterrupted` without sending; re-raises the
        driver's error after recording ``failed`` or (when the bytes may have left) ``interrupted``."""
        self.begin(job_key, printer=printer, kind=kind, case_no=case_no)
        try:
            result = send(lambda detail: self.mark_sent(job_key, detail))
        except Exception as exc:
            key = getattr(exc, "key", "")
            reason = f"{key or type(exc).__name__}: {getattr(exc, 'detail', '') or ''}".strip(": ")
            if key and key not in UNCERTAIN_KEYS:
                self.mark_failed(job_key, reason)
            else:
                self.mark_interrupted(job_key, reason)
            raise
        except BaseException:
            self.mark_interrupted(job_key, "stopped while printing")
            raise
        self.mark_completed(job_key, str(getattr(result, "job_id", "") or ""))
        return result


def record_status_changes(store: Store, device: Any) -> Callable[[], None]:
    """Record every state change of a device as a device event (queued for the back office)."""

    def on_status(status: Any) -> None:
        if hasattr(status, "state") and hasattr(status, "reason"):
            store.record_device_event(status.device, status.state.value, status.reason, status.detail)

    return device.events.subscribe(on_status)
