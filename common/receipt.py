"""The receipt document model: what a flow's template renders and what a receipt printer prints.

Plain data with no behaviour beyond ``text()``, so ``flows.receipts`` can build it without importing a
driver, and ``drivers.printers`` can encode, decode and preview it without importing the flows.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReceiptLine:
    text: str
    align: str = "left"  # left | center | right
    bold: bool = False
    double: bool = False  # double width and height (titles)


@dataclass(frozen=True)
class Receipt:
    lines: tuple[ReceiptLine, ...]
    qr: str | None = None  # payload of a native QR code printed after the lines
    cut: bool = True
    title: str = ""  # job name, for logs (no personal data)
    # rate later on a phone (好差评): a second QR code after the first, under its caption lines
    rate_qr: str | None = None
    rate_lines: tuple[ReceiptLine, ...] = ()

    def text(self) -> str:
        """The printed text, one line per receipt line (what a test or preview compares)."""
        return "\n".join(line.text for line in (*self.lines, *self.rate_lines))
