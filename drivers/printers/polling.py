"""What every real printer driver shares: a status the kiosk can trust, kept fresh in the background.

One conversation with the printer at a time (``_io``); the background poll never queues behind a print
(a print checks the status itself). Subclasses implement ``_query()``: ask the printer, ``_publish`` what
it said, return the status.
"""

from __future__ import annotations

import abc
import logging
import threading

from drivers.base import DeviceState, StatefulDevice
from drivers.printers.model import PrinterStatus

log = logging.getLogger(__name__)


class PolledPrinter(StatefulDevice, abc.ABC):
    poll_interval: float = 2.0
    poll_join_timeout: float = 5.0
    _status: (
        PrinterStatus  # narrower than StatefulDevice's: printers publish through _publish, never _set_state
    )

    def __init__(self) -> None:
        super().__init__()
        self._io = threading.Lock()
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None
        self._status = PrinterStatus(self.name, DeviceState.UNKNOWN, "state.unknown")

    @abc.abstractmethod
    def _query(self) -> PrinterStatus:
        """Ask the printer for its status, publish it and return it (called with ``_io`` held)."""

    def _start_polling(self) -> None:
        if self.poll_interval > 0 and (self._poller is None or not self._poller.is_alive()):
            self._stop.clear()
            self._poller = threading.Thread(target=self._poll, name=f"{self.name}-status", daemon=True)
            self._poller.start()

    def _stop_polling(self) -> None:
        self._stop.set()
        poller, self._poller = self._poller, None
        if poller is not None and poller is not threading.current_thread():
            poller.join(timeout=self.poll_join_timeout)

    def _poll(self) -> None:
        while not self._stop.wait(self.poll_interval):
            if self._io.acquire(blocking=False):  # never queue behind a print: the print checks itself
                try:
                    self._query()
                except Exception:  # the poller must survive anything a transport throws
                    log.exception("%s: status poll failed", self.name)
                finally:
                    self._io.release()

    def status(self) -> PrinterStatus:
        return self._status

    def refresh_status(self) -> PrinterStatus:
        """Ask the printer now; UNKNOWN when it does not answer, never 'fine' by default."""
        with self._io:
            return self._query()

    def _publish(
        self,
        state: DeviceState,
        reason: str = "",
        detail: str = "",
        near_end: bool = False,
        extra: dict[str, str] | None = None,
    ) -> None:
        previous = self._status
        if previous.state == state and previous.reason == reason and previous.paper_near_end == near_end:
            return
        self._status = PrinterStatus(
            self.name, state, reason, detail, paper_near_end=near_end, extra=extra or {}
        )
        log.info("%s: %s %s %s", self.name, state.value, reason, detail)
        self.events.emit(self._status)
