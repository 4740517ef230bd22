"""The print step: the paper through the print journal, and the outcome that follows the paper.

Mixed into :class:`kiosk.session.core.SessionCore`. The work runs on the printer's lane and is not guarded:
a citizen who pressed Home while the paper was coming out still gets it, and the case is closed with what
really happened to the paper (completed, or failed with the printer as the reason) — never ``cancelled``
while a receipt lies in the tray.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from kiosk.session import outcomes
from kiosk.session.state import CoreParts, Session

log = logging.getLogger("kiosk.session.core")


class PrintStep(CoreParts):
    def _print(self, session: Session) -> None:
        step = session.run.current
        session.run.context["case"] = {
            "case_no": session.case_no or "",
            "time": self.ports.clock().strftime("%Y-%m-%d %H:%M"),
        }
        session.status = "print.printing"
        session.printing = True
        context = copy.deepcopy(session.run.context)
        printer_class = step.params.get("printer", "receipt")

        def work() -> Any:
            context["case"]["case_no"] = session.case_no or ""  # set by the db lane by now
            link = self.ports.rate_later(session.case_no or "") or {}  # the receipt's rate-later QR code
            context["case"].update(link, rate_days=self.ports.rate_window_days)
            return self.ports.print_step(
                printer_class,
                step.params["template"],
                context,
                case_no=session.case_no or "",
                step_id=step.id,
                data_path=step.params.get("data"),
            )

        # not guarded: the outcome follows the paper even when the citizen has already gone home
        self.ports.lanes.run(
            printer_class,
            work,
            on_done=lambda _r: self._printed(session),
            on_error=lambda error: self._print_failed(session, error),
        )

    def _printed(self, session: Session) -> None:
        session.printing, session.delivered = False, True
        if session.end_requested:
            self._close_case(session, outcomes.COMPLETED)
        elif session is self.session:
            self.advance("ok")

    def _print_failed(self, session: Session, error: BaseException) -> None:
        session.printing, session.failure = False, outcomes.PRINTER
        key = getattr(error, "key", "error.printer.generic")
        log.warning("print failed for case %s: %s", session.case_no, key)
        if session.end_requested:
            self._close_case(session, outcomes.FAILED, outcomes.PRINTER)
        elif session is self.session:
            session.run.context["error"] = {"key": key}
            self.advance("error")
