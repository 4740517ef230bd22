"""The PDF canvas: a QPdfWriter at 254 dpi (exactly 10 device units per millimetre), zero margins,
a CJK font whose text extracts exactly, and vector-free QR codes as one image per page.

Why WenQuanYi Micro Hei: with Noto CJK the PDF text layer maps some ideographs to
Kangxi radicals and drops digits, so names and amounts would not extract exactly.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPageLayout, QPageSize, QPainter, QPdfWriter, QPen

DPI = 254  # 10 device units per mm
FONT_FILES = (
    Path(__file__).resolve().parents[2] / "assets" / "fonts" / "wqy-microhei.ttc",
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)
FONT_FAMILY = "WenQuanYi Micro Hei"
_font_lock = threading.Lock()
_font_family: str | None = None


class RenderError(Exception):
    key = "error.document.render"


def ensure_qt() -> None:
    """A Qt application object must exist for fonts; create one (offscreen) when the CLI or a test runs us."""
    from PySide6.QtCore import QCoreApplication

    if QCoreApplication.instance() is None:
        if threading.current_thread() is not threading.main_thread():
            raise RenderError("create the Qt application on the main thread before rendering")
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtWidgets import QApplication

        global _app
        _app = QApplication([])


_app = None


def font_family() -> str:
    """Load the CJK font once; fail loudly rather than print tofu or unextractable text."""
    global _font_family
    with _font_lock:
        if _font_family is None:
            ensure_qt()
            for path in FONT_FILES:
                if path.exists():
                    font_id = QFontDatabase.addApplicationFont(str(path))
                    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
                    if families:
                        _font_family = families[0]
                        break
            else:
                raise RenderError("WenQuanYi Micro Hei not found (apt-get install fonts-wqy-microhei)")
        return _font_family


def mm(value: float) -> float:
    return value * DPI / 25.4


@dataclass
class Page:
    width_mm: float
    height_mm: float


class Canvas:
    """A QPainter on a QPdfWriter with millimetre helpers."""

    def __init__(self, writer: Any, painter: Any, page: Page):
        self.writer = writer
        self.painter = painter
        self.page = page
        self.family = font_family()
        self._fonts: dict[tuple[float, bool], QFont] = {}
        self._text_pen = QPen(QColor("black"))  # text is drawn with the pen: never inherit NoPen from a QR

    def font(self, size_pt: float, bold: bool = False) -> QFont:
        font = self._fonts.get((size_pt, bold))
        if font is None:
            raw = QFont(self.family)
            raw.setPointSizeF(size_pt)
            raw.setBold(bold)
            font = self._fonts[(size_pt, bold)] = raw
        return font

    def text(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        text: str,
        size: float = 10.5,
        *,
        bold: bool = False,
        align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
        wrap: bool = False,
    ) -> None:
        """Draw text in a box given in mm (vertically centred)."""
        self.painter.setFont(self.font(size, bold))
        self.painter.setPen(self._text_pen)
        flags = align | Qt.AlignmentFlag.AlignVCenter
        if wrap:
            flags |= Qt.TextFlag.TextWordWrap
        self.painter.drawText(QRectF(mm(x), mm(y), mm(w), mm(h)), int(flags), text)

    def baseline_text(self, x: float, y: float, text: str, size: float = 10.5, bold: bool = False) -> None:
        """Text whose top-left corner is exactly (x, y) mm: pre-printed forms are laid out this way."""
        font = self.font(size, bold)
        self.painter.setFont(font)
        self.painter.setPen(self._text_pen)
        ascent = self.painter.fontMetrics().ascent()
        self.painter.drawText(int(round(mm(x))), int(round(mm(y) + ascent)), text)

    def line(self, x1: float, y1: float, x2: float, y2: float, width_mm: float = 0.2) -> None:
        self.painter.setPen(QPen(QColor("black"), mm(width_mm)))
        self.painter.drawLine(int(mm(x1)), int(mm(y1)), int(mm(x2)), int(mm(y2)))

    def rect(self, x: float, y: float, w: float, h: float, width_mm: float = 0.2) -> None:
        self.painter.setPen(QPen(QColor("black"), mm(width_mm)))
        self.painter.setBrush(Qt.BrushStyle.NoBrush)
        self.painter.drawRect(QRectF(mm(x), mm(y), mm(w), mm(h)))

    def qr(self, x: float, y: float, size: float, payload: str) -> None:
        """A QR code as vector squares (an image would be JPEG-compressed by Qt and print blurred);
        ``size`` mm includes the quiet zone. Dark runs in a row are merged to keep the PDF small."""
        matrix = qr_matrix(payload)
        module = mm(size) / len(matrix)
        left, top = mm(x), mm(y)
        self.painter.setPen(Qt.PenStyle.NoPen)
        self.painter.setBrush(QColor("black"))
        for row, cells in enumerate(matrix):
            col = 0
            while col < len(cells):
                if cells[col]:
                    start = col
                    while col < len(cells) and cells[col]:
                        col += 1
                    self.painter.drawRect(
                        QRectF(left + start * module, top + row * module, (col - start) * module, module)
                    )
                else:
                    col += 1
        self.painter.setBrush(Qt.BrushStyle.NoBrush)

    def new_page(self) -> None:
        self.writer.newPage()


def qr_matrix(payload: str) -> list[list[bool]]:
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(payload.encode("utf-8"))
    code.make(fit=True)
    return code.get_matrix()


@contextmanager
def pdf_canvas(
    path: Path | str, page: Page, *, title: str = "", creator: str = "gov-kiosk"
) -> Iterator[Canvas]:
    """Open a PDF with exact page size and zero margins; the painter ends (and the file closes) on exit."""
    font_family()
    writer = QPdfWriter(str(path))
    writer.setResolution(DPI)
    writer.setTitle(title)
    writer.setCreator(creator)
    size = QPageSize(
        QSizeF(page.width_mm, page.height_mm),
        QPageSize.Unit.Millimeter,
        "",
        QPageSize.SizeMatchPolicy.ExactMatch,
    )
    writer.setPageLayout(QPageLayout(size, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
    painter = QPainter()
    if not painter.begin(writer):
        raise RenderError(f"cannot write {path}")
    try:
        yield Canvas(writer, painter, page)
    finally:
        painter.end()


def verification_code(*parts: str) -> str:
    """A 12-character code printed on every page; the back office can recompute it from the case."""
    digest = hashlib.sha256("|".join(parts).encode("utf-8")).digest()
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    chars = "".join(alphabet[b % len(alphabet)] for b in digest[:12])
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


A4 = Page(210, 297)
A3 = Page(297, 420)
