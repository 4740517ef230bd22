"""Factories the registry calls for printer URLs.

Placeholder for ``sim://receipt`` until the escpos driver and its TCP printer
simulator land (issue 4): an in-process printer that records receipts and can be
told to fail (``printer.simulator.set_fault('paper_out')``).
"""

from __future__ import annotations

import itertools
import threading

from drivers.base import DeviceState, HealthReport, StatefulDevice
from drivers.printers.model import PaperOut, PrinterError, PrintResult, Receipt
from drivers.registry import DeviceContext, DeviceUrl

_FAULTS = {"paper_out": PaperOut}


class InProcessPrinterSimulator:
    def __init__(self, printer: SimulatedReceiptPrinter):
        self._printer = printer
        self.printed: list[Receipt] = []
        self.fault: str | None = None

    def set_fault(self, fault: str | None) -> None:
        self.fault = fault
        self._printer.refresh_status()


class SimulatedReceiptPrinter(StatefulDevice):
    name = "receipt"

    def __init__(self) -> None:
        super().__init__()
        self.simulator = InProcessPrinterSimulator(self)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def open(self) -> None:
        self.refresh_status()

    def close(self) -> None:
        self._set_state(DeviceState.OFFLINE, "state.closed")

    def refresh_status(self):
        fault = self.simulator.fault
        if fault:
            error = _FAULTS[fault]()
            self._set_state(error.state, error.key)
        else:
            self._set_state(DeviceState.ONLINE)
        return self.status()

    def health(self) -> HealthReport:
        status = self.refresh_status()
        return HealthReport(self.name, status.state.usable, {"status": status.state.value})

    def print_receipt(self, receipt: Receipt) -> PrintResult:
        with self._lock:
            status = self.refresh_status()
            if not status.state.usable:
                raise _FAULTS.get(self.simulator.fault or "", PrinterError)(status.reason)
            self.simulator.printed.append(receipt)
            return PrintResult(job_id=f"sim-{next(self._ids)}")


def open_simulated_receipt(url: DeviceUrl, context: DeviceContext) -> SimulatedReceiptPrinter:
    return SimulatedReceiptPrinter()
