"""The no-double-print rule: the journal records before sending, and a killed process leaves evidence."""

from __future__ import annotations

import os
import signal

import pytest

from common.receipt import Receipt, ReceiptLine
from drivers.base import DeviceState
from drivers.printers.model import PaperOut, PrintUnconfirmed
from drivers.registry import DeviceContext, open_device
from offline_cache.print_jobs import (
    COMPLETED,
    FAILED,
    INTERRUPTED,
    AlreadyPrinted,
    JobInterrupted,
    PrintJournal,
    record_status_changes,
)
from offline_cache.store import Store
from tests.fixtures.printing import run_crash_child

RECEIPT = Receipt((ReceiptLine("办件回执"),), qr="2026112200010000001")


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "kiosk.db", terminal_id="T-0007")
    yield s
    s.close()


@pytest.fixture
def printer(tmp_path):
    p = open_device("receipt", "sim://receipt?poll=0&status_timeout=0.3", DeviceContext(tmp_path))
    p.open()
    yield p
    p.close()
    p.simulator.stop()


def send_receipt(printer):
    return lambda submitted: printer.print_receipt(RECEIPT)


def test_completed_job_is_not_printed_again(store, printer):
    journal = PrintJournal(store)
    journal.print_once(
        "C1:receipt:1", printer="receipt", kind="receipt", case_no="C1", send=send_receipt(printer)
    )
    assert journal.get("C1:receipt:1").state == COMPLETED
    with pytest.raises(AlreadyPrinted):
        journal.print_once(
            "C1:receipt:1", printer="receipt", kind="receipt", case_no="C1", send=send_receipt(printer)
        )
    assert len(printer.simulator.printed) == 1


def test_refused_job_is_failed_and_may_be_retried(store, printer):
    journal = PrintJournal(store)
    printer.simulator.set_fault("paper_out")
    with pytest.raises(PaperOut):
        journal.print_once(
            "C2:receipt:1", printer="receipt", kind="receipt", case_no="C2", send=send_receipt(printer)
        )
    job = journal.get("C2:receipt:1")
    assert job.state == FAILED and "error.printer.paper_out" in job.detail
    printer.simulator.set_fault(None)
    journal.print_once(
        "C2:receipt:1", printer="receipt", kind="receipt", case_no="C2", send=send_receipt(printer)
    )
    assert journal.get("C2:receipt:1").state == COMPLETED and len(printer.simulator.printed) == 1


def test_unconfirmed_job_is_interrupted_not_retried(store, printer):
    journal = PrintJournal(store)

    def send(submitted):
        printer.print_receipt(RECEIPT)
        raise PrintUnconfirmed("printer went silent after the bytes left")

    with pytest.raises(PrintUnconfirmed):
        journal.print_once("C3:receipt:1", printer="receipt", kind="receipt", case_no="C3", send=send)
    assert journal.get("C3:receipt:1").state == INTERRUPTED
    with pytest.raises(JobInterrupted):
        journal.print_once(
            "C3:receipt:1", printer="receipt", kind="receipt", case_no="C3", send=send_receipt(printer)
        )
    journal.resolve("C3:receipt:1", COMPLETED, "staff saw the receipt in the tray")
    assert journal.interrupted() == []


@pytest.mark.parametrize(("stage", "on_paper"), [("recorded", 1), ("sent", 2)])
def test_no_double_print_across_killed_process(tmp_path, escpos_sim, stage, on_paper):
    db = tmp_path / "kiosk.db"
    child = run_crash_child(db, escpos_sim.port, stage)
    lines = []
    for line in child.stdout:
        lines.append(line.strip())
        if line.startswith("B-"):
            break
    os.kill(child.pid, signal.SIGKILL)  # power cut
    child.wait(timeout=10)
    assert lines == ["A-DONE", f"B-{stage.upper()}"]
    assert len(escpos_sim.printed) == on_paper

    store = Store(db, terminal_id="T-0007")  # the kiosk starts again
    journal = PrintJournal(store)
    interrupted = journal.recover()
    assert [job.job_key for job in interrupted] == ["B:receipt:1"]
    assert journal.get("A:receipt:1").state == COMPLETED
    printer = open_device(
        "receipt", f"escpos+tcp://127.0.0.1:{escpos_sim.port}?poll=0", DeviceContext(tmp_path)
    )
    printer.open()
    for key in ("A:receipt:1", "B:receipt:1"):  # the flow is replayed: nothing goes to paper again
        with pytest.raises((AlreadyPrinted, JobInterrupted)):
            journal.print_once(
                key,
                printer="receipt",
                kind="receipt",
                case_no=key[0],
                send=lambda submitted: printer.print_receipt(RECEIPT),
            )
    assert len(escpos_sim.printed) == on_paper
    printer.close()
    store.close()


def test_fault_is_recorded_as_device_event_and_recovers(store, printer):
    record_status_changes(store, printer)
    printer.simulator.set_fault("paper_out")
    blocked = printer.refresh_status()
    assert not blocked.state.usable and blocked.reason == "error.printer.paper_out"
    printer.simulator.set_fault(None)
    assert printer.refresh_status().state.usable
    events = store._conn.execute("SELECT device, state, reason FROM device_events ORDER BY id").fetchall()
    assert ("receipt", DeviceState.USER_ERROR.value, "error.printer.paper_out") in events
    assert events[-1] == ("receipt", "online", "")
    assert any(e["kind"] == "device_event" for e in store.pending_events())
