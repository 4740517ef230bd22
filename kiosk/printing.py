"""Print a flow's print step on its printer class, through the print journal.

Runs on the printer's lane (never the GUI thread): renders the receipt or the
PDF (Qt's PDF writer needs no display), records the job before sending it, and
records the outcome. A job key is stable for a case and step, so a repeated or
replayed step never prints twice; a job that may or may not be on paper is
reported as interrupted instead of being printed again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from drivers.base import DeviceError
from drivers.printers.model import PrinterError, PrintResult
from flows.conditions import lookup
from flows.receipts import load_template, render_receipt
from kiosk.consumables import receipt_length_mm, record_printed
from offline_cache.print_jobs import AlreadyPrinted, PrintJournal
from offline_cache.store import Store

log = logging.getLogger(__name__)


class PrintService:
    def __init__(self, store: Store, data_dir: Path, templates: Callable[[], Path | None] = lambda: None):
        self.journal = PrintJournal(store)
        self.store = store  # paper counts (kiosk.consumables)
        self.templates = templates  # the active bundle's receipt templates, if it has its own
        self.data_dir = Path(data_dir)
        self.spool = self.data_dir / "spool"

    def recover(self) -> list[Any]:
        """After a crash or power cut: jobs that were open are marked interrupted and reported."""
        return self.journal.recover()

    def print_step(
        self,
        printer: Any,
        printer_class: str,
        template: str,
        context: dict[str, Any],
        *,
        case_no: str,
        step_id: str,
        data_path: str | None = None,
    ) -> PrintResult | None:
        job_key = f"{case_no or 'nocase'}:{step_id}:{template}"
        try:
            if printer_class == "receipt":
                directory = self.templates()
                spec = load_template(template, directory) if directory else load_template(template)
                receipt = render_receipt(spec, context)
                result = self.journal.print_once(
                    job_key,
                    printer=printer_class,
                    kind=template,
                    case_no=case_no,
                    send=lambda submitted: printer.print_receipt(receipt),
                )
                record_printed(self.store, printer_class, receipt_length_mm(receipt))
                return result
            pdf = self._render_pdf(printer_class, template, context, case_no, data_path)
            media = "A3" if printer_class == "license" else "A4"
            try:
                result = self.journal.print_once(
                    job_key,
                    printer=printer_class,
                    kind=template,
                    case_no=case_no,
                    send=lambda submitted: printer.print_pdf(
                        str(pdf), title=f"{template} {case_no}", media=media, on_submitted=submitted
                    ),
                )
                record_printed(self.store, printer_class, float(getattr(result, "pages", 1) or 1))
                return result
            finally:
                pdf.unlink(missing_ok=True)  # it holds personal data: not kept once the printer has it
        except AlreadyPrinted:
            log.info("job %s already printed: not printed again", job_key)
            return None

    def _render_pdf(
        self, printer_class: str, template: str, context: dict[str, Any], case_no: str, data_path: str | None
    ) -> Path:
        self.spool.mkdir(parents=True, exist_ok=True)
        path = self.spool / f"{case_no or 'nocase'}-{template}.pdf"
        data = lookup(context, data_path) if data_path else None
        try:
            if printer_class == "license":
                from kiosk.documents.license import load_calibration, render_license

                company = dict(data or {})
                render_license(company, path, load_calibration(self.data_dir))
            else:
                from kiosk.documents.certificates import DOCUMENTS, render

                builder = DOCUMENTS[template]
                merged = {**(context.get("identity") or {}), **(data or {})}
                render(builder(merged, case_no, issued=datetime.now().strftime("%Y-%m-%d")), path)
        except KeyError as exc:
            raise PrinterError(
                f"template {template} cannot be rendered: missing {exc}", key="error.document.render"
            ) from None
        return path


def device_printer(devices: dict[str, Any], printing: PrintService) -> Callable[..., PrintResult | None]:
    """The session core's print port: print a step on the configured printer of its class."""

    def print_step(
        printer_class: str,
        template: str,
        context: dict[str, Any],
        *,
        case_no: str,
        step_id: str,
        data_path: str | None = None,
    ) -> PrintResult | None:
        printer = devices.get(printer_class)
        if printer is None:
            raise DeviceError("no printer configured", key="error.device.no_device")
        return printing.print_step(
            printer, printer_class, template, context, case_no=case_no, step_id=step_id, data_path=data_path
        )

    return print_step
