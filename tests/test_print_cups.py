"""A4 and license printing through a real cupsd: cups-pdf for success, a backend that reports faults."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from backoffice import query_services
from backoffice.demo import data as demo_data
from drivers.base import DeviceState
from drivers.printers.cups_driver import CupsPrinter, interpret
from drivers.printers.model import (
    CoverOpen,
    PaperJam,
    PaperOut,
    PrinterNoAnswer,
    PrinterOffline,
    PrinterStopped,
)
from drivers.registry import DeviceContext, open_device
from kiosk.documents.certificates import render, si_certificate
from kiosk.documents.license import Calibration, render_license
from offline_cache.print_jobs import COMPLETED, FAILED, PrintJournal
from offline_cache.store import Store

CASE = "2026112200010000001"


@pytest.fixture(scope="module")
def certificate_pdf(tmp_path_factory) -> Path:
    person = demo_data.persons()[0]
    data = query_services.run_query("si.contributions", {"id_number": person.id_number, "months": 12})
    path = tmp_path_factory.mktemp("docs") / "si.pdf"
    render(si_certificate(data, CASE), path)
    return path


def cups_printer(
    cupsd, queue: str, device_class: str = "document", tmp_path: Path = Path("var")
) -> CupsPrinter:
    printer = open_device(device_class, cupsd.url(queue, device_class), DeviceContext(tmp_path))
    printer.open()
    return printer


def test_pdf_queue_completes(cupsd, certificate_pdf, tmp_path):
    printer = cups_printer(cupsd, cupsd.PDF_QUEUE, tmp_path=tmp_path)
    try:
        assert printer.status().state == DeviceState.ONLINE
        submitted = []
        result = printer.print_pdf(
            str(certificate_pdf), title="社保参保缴费证明", on_submitted=submitted.append
        )
        assert submitted == [result.job_id] and result.pages == 1
        job_id = int(result.job_id.rsplit(":", 1)[1])
        assert printer.job_outcome(result.job_id) == "completed"
        assert printer._connect().getJobAttributes(job_id)["job-state"] == 9
    finally:
        printer.close()


def test_raw_queue_receives_the_exact_pdf_with_a3_options(cupsd, tmp_path):
    """The license queue is raw: what arrives is byte-identical to what the kiosk rendered."""
    company = query_services.run_query(
        "license.ready", {"id_number": next(p for p in demo_data.persons() if p.company).id_number}
    )["licenses"][0]
    pdf = tmp_path / "license.pdf"
    render_license(company, pdf, Calibration(1.0, -1.0))
    printer = cups_printer(cupsd, cupsd.LICENSE_QUEUE, "license", tmp_path)
    try:
        assert printer.name == "license"
        result = printer.print_pdf(str(pdf), title="营业执照", media="A3")
        job_id = result.job_id.rsplit(":", 1)[1]
        out = cupsd.out / f"{cupsd.LICENSE_QUEUE}-{job_id}.pdf"
        assert out.read_bytes() == pdf.read_bytes()
        attrs = printer._connect().getJobAttributes(int(job_id))
        assert attrs.get("media") == "A3" and attrs.get("print-scaling") == "none"
    finally:
        printer.close()


@pytest.mark.parametrize(
    ("reason", "error", "state"),
    [
        ("media-empty-error", PaperOut, DeviceState.USER_ERROR),
        ("media-jam-error", PaperJam, DeviceState.HARDWARE_ERROR),
        (
            "offline-error",
            PrinterOffline,
            DeviceState.OFFLINE,
        ),  # cupsd keeps offline-report out of the reasons
        ("cover-open-report", CoverOpen, DeviceState.USER_ERROR),
    ],
)
def test_backend_fault_fails_the_job_and_recovers(cupsd, certificate_pdf, tmp_path, reason, error, state):
    queue = cupsd.FAULT_QUEUE
    cupsd.set_fault(queue, reason)
    store = Store(tmp_path / "kiosk.db")
    journal = PrintJournal(store)
    printer = cups_printer(cupsd, queue, tmp_path=tmp_path)
    events = []
    printer.events.subscribe(events.append)
    try:
        with pytest.raises(error):
            journal.print_once(
                f"{CASE}:si:{reason}",
                printer="document",
                kind="si_certificate",
                case_no=CASE,
                send=lambda submitted: printer.print_pdf(
                    str(certificate_pdf), title="证明", on_submitted=submitted
                ),
            )
        assert printer.status().state == state and printer.status().reason == error.key
        job = journal.get(f"{CASE}:si:{reason}")
        assert job.state == FAILED and error.key in job.detail
        # the job was cancelled: it must not come out later, after the citizen has gone
        assert cupsd.run("lpstat", "-o", queue).strip() == ""
        # a technician fixes the printer; the poller sees the queue come back by itself
        cupsd.reset(queue)
        journal.print_once(
            f"{CASE}:si:{reason}",
            printer="document",
            kind="si_certificate",
            case_no=CASE,
            send=lambda submitted: printer.print_pdf(
                str(certificate_pdf), title="证明", on_submitted=submitted
            ),
        )
        assert journal.get(f"{CASE}:si:{reason}").state == COMPLETED
        deadline = time.monotonic() + 30  # bounds a failure only: CUPS on a loaded machine takes its time
        while printer.status().state != DeviceState.ONLINE and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [e.state for e in events][-1] == DeviceState.ONLINE
        assert error.key in [e.reason for e in events]
    finally:
        printer.close()
        store.close()
        cupsd.reset(queue)


def test_stopped_queue_refuses_before_submitting(cupsd, certificate_pdf, tmp_path):
    queue = cupsd.FAULT_QUEUE
    cupsd.run("cupsdisable", "-r", "maintenance", queue)
    printer = cups_printer(cupsd, queue, tmp_path=tmp_path)
    try:
        assert printer.status().reason == PrinterStopped.key
        with pytest.raises(PrinterStopped):
            printer.print_pdf(str(certificate_pdf), title="证明")
        assert cupsd.run("lpstat", "-o", queue).strip() == ""
    finally:
        printer.close()
        cupsd.reset(queue)


def test_missing_queue_and_cupsd_down(cupsd, certificate_pdf, tmp_path):
    missing = CupsPrinter("no-such-queue", server=cupsd.socket, poll_interval=0)
    missing.open()
    assert missing.status().state == DeviceState.NO_DEVICE
    down = CupsPrinter(cupsd.PDF_QUEUE, server=str(tmp_path / "no-cupsd.sock"), poll_interval=0)
    down.open()
    assert down.status().state == DeviceState.UNKNOWN and down.status().reason == PrinterNoAnswer.key
    with pytest.raises(PrinterNoAnswer):
        down.print_pdf(str(certificate_pdf), title="证明")


def test_reason_mapping():
    assert interpret({"printer-state": 3, "printer-state-reasons": ["none"]})[:2] == (DeviceState.ONLINE, "")
    assert interpret({"printer-state": 3, "printer-state-reasons": ["media-low-warning"]})[3] is True
    assert (
        interpret({"printer-state": 5, "printer-state-reasons": ["media-empty-error", "paused"]})[1]
        == PaperOut.key
    )
    assert interpret({"printer-state": 5, "printer-state-reasons": ["paused"]})[1] == PrinterStopped.key
    assert (
        interpret({"printer-state": 4, "printer-state-reasons": ["toner-empty-error"]})[0]
        == DeviceState.HARDWARE_ERROR
    )
    # an idle, re-enabled queue still lists the last job's fault: history, the next job checks again
    assert (
        interpret({"printer-state": 3, "printer-state-reasons": ["media-empty-error"]})[0]
        == DeviceState.ONLINE
    )
    assert (
        interpret(
            {"printer-state": 3, "printer-state-reasons": ["none"], "printer-is-accepting-jobs": False}
        )[1]
        == PrinterStopped.key
    )


def test_cli_test_print_document_on_cups(cupsd, tmp_path):
    import sys

    base = [sys.executable, "-m", "kiosk", "devices", "test-print", "document", "--data-dir", str(tmp_path)]
    ok = subprocess.run(
        [*base, "--device", cupsd.url(cupsd.PDF_QUEUE)], capture_output=True, text=True, timeout=60
    )
    assert ok.returncode == 0, ok.stderr
    assert "printed (cups:kiosk-pdf:" in ok.stdout
    cupsd.set_fault(cupsd.FAULT_QUEUE, "media-empty-error")
    try:
        failed = subprocess.run(
            [*base, "--device", cupsd.url(cupsd.FAULT_QUEUE)], capture_output=True, text=True, timeout=60
        )
        assert failed.returncode == 3
        assert "error.printer.paper_out" in failed.stderr
    finally:
        cupsd.reset(cupsd.FAULT_QUEUE)


def test_recovery_asks_cups_what_happened(cupsd, certificate_pdf, tmp_path):
    """After a crash between submission and completion, the CUPS job state settles the journal entry."""
    store = Store(tmp_path / "kiosk.db")
    journal = PrintJournal(store)
    printer = cups_printer(cupsd, cupsd.PDF_QUEUE, tmp_path=tmp_path)
    try:
        journal.begin("X:si:1", printer="document", kind="si_certificate", case_no="X")
        result = printer.print_pdf(
            str(certificate_pdf),
            title="证明",
            on_submitted=lambda detail: journal.mark_sent("X:si:1", detail),
        )
        journal.begin(
            "Y:si:1", printer="document", kind="si_certificate", case_no="Y"
        )  # crashed before submit
        # (the process "dies" here: neither job's outcome was written)
        interrupted = PrintJournal(store).recover(lambda job: printer.job_outcome(job.detail))
        assert [job.job_key for job in interrupted] == ["Y:si:1"]
        assert journal.get("X:si:1").state == COMPLETED and result.job_id in journal.get("X:si:1").detail
    finally:
        printer.close()
        store.close()
