"""The business license (营业执照) on pre-printed A3 stock, and its calibration.

Field positions are data (``templates/business_license.json``, millimetres from the
sheet's top-left corner). Every printer feeds a little differently, so each
terminal has its own (x, y) offset: a technician prints the calibration page,
measures how far the printed crosses sit from the stock's marks, and stores the
correction with ``kiosk devices calibrate license --x .. --y ..``.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRectF, Qt

from kiosk.documents.pdf import Page, RenderError, mm, pdf_canvas

TEMPLATE = Path(__file__).with_name("templates") / "business_license.json"
CALIBRATION_FILE = Path("printing") / "license_calibration.json"
MAX_OFFSET_MM = 15.0
VERIFY_BASE = "https://www.gsxt.gov.cn/verify/"


@dataclass(frozen=True)
class Calibration:
    """Offsets in mm added to every position (positive x: right, positive y: down)."""

    x_mm: float = 0.0
    y_mm: float = 0.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.x_mm) and math.isfinite(self.y_mm)):
            raise ValueError("offsets must be finite numbers of mm")
        if abs(self.x_mm) > MAX_OFFSET_MM or abs(self.y_mm) > MAX_OFFSET_MM:
            raise ValueError(
                f"offsets beyond ±{MAX_OFFSET_MM:g} mm mean the stock is loaded wrong, not a calibration"
            )


def calibration_path(data_dir: Path) -> Path:
    return Path(data_dir) / CALIBRATION_FILE


def load_calibration(data_dir: Path) -> Calibration:
    path = calibration_path(data_dir)
    if not path.exists():
        return Calibration()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Calibration(float(data.get("x_mm", 0.0)), float(data.get("y_mm", 0.0)))
    except (ValueError, TypeError, AttributeError) as exc:  # damaged, or written before offsets were checked
        raise ValueError(f"the stored calibration {path} is not usable ({exc})") from None


def save_calibration(data_dir: Path, calibration: Calibration) -> Path:
    """Write atomically (a power cut must not leave half a file)."""
    path = calibration_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".calibration-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(asdict(calibration), handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    return path


def load_template(path: Path | None = None) -> dict[str, Any]:
    return json.loads((path or TEMPLATE).read_text(encoding="utf-8"))


def _page(template: dict[str, Any]) -> Page:
    return Page(float(template["page"]["width_mm"]), float(template["page"]["height_mm"]))


def license_values(company: dict[str, Any], *, issued: str | None = None) -> dict[str, str]:
    """The printed values from a ``license.ready`` record."""
    today = date.today()
    values = {
        key: str(company.get(key, ""))
        for key in (
            "credit_code",
            "name",
            "type",
            "legal_representative",
            "scope",
            "capital",
            "established",
            "address",
        )
    }
    values["issued"] = issued or f"{today.year}年{today.month}月{today.day}日"
    values["verify_url"] = f"{VERIFY_BASE}{values['credit_code']}"
    return values


def render_license(
    company: dict[str, Any],
    path: Path | str,
    calibration: Calibration = Calibration(),
    *,
    template: dict[str, Any] | None = None,
    issued: str | None = None,
) -> None:
    template = template or load_template()
    values = license_values(company, issued=issued)
    dx, dy = calibration.x_mm, calibration.y_mm
    with pdf_canvas(path, _page(template), title="营业执照") as c:
        for field in template["fields"]:
            value = values.get(field["key"], "")
            if not value:
                raise RenderError(f"license field {field['key']} is empty")
            x, y = field["x_mm"] + dx, field["y_mm"] + dy
            if field.get("wrap"):
                c.painter.setFont(c.font(field["size_pt"]))
                c.painter.setPen(c._text_pen)
                box = QRectF(mm(x), mm(y), mm(field["max_width_mm"]), mm(field["height_mm"]))
                c.painter.drawText(
                    box,
                    int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap),
                    value,
                )
            else:
                c.baseline_text(x, y, value, field["size_pt"])
        qr = template["qr"]
        c.qr(qr["x_mm"] + dx, qr["y_mm"] + dy, qr["size_mm"], values[qr["key"]])


def render_calibration_page(
    path: Path | str, calibration: Calibration = Calibration(), *, template: dict[str, Any] | None = None
) -> None:
    """Crosses at the stock's reference marks (shifted by the current offsets) and a millimetre scale."""
    template = template or load_template()
    page = _page(template)
    dx, dy = calibration.x_mm, calibration.y_mm
    with pdf_canvas(path, page, title="营业执照套打校准页") as c:
        for x, y in template["calibration_marks"]:
            cx, cy = x + dx, y + dy
            c.line(cx - 8, cy, cx + 8, cy, 0.15)
            c.line(cx, cy - 8, cx, cy + 8, 0.15)
            c.rect(cx - 2, cy - 2, 4, 4, 0.1)
        for i in range(0, 41):  # a 40 mm scale along both axes from the centre mark
            cx, cy = template["calibration_marks"][2]
            length = 4 if i % 10 == 0 else (2.5 if i % 5 == 0 else 1.5)
            c.line(cx + dx + 10 + i, cy + dy + 12, cx + dx + 10 + i, cy + dy + 12 + length, 0.1)
            c.line(cx + dx - 12, cy + dy + 10 + i, cx + dx - 12 - length, cy + dy + 10 + i, 0.1)
        c.baseline_text(40 + dx, 60 + dy, "营业执照套打校准页", 20, bold=True)
        c.baseline_text(
            40 + dx, 80 + dy, f"当前偏移：X {calibration.x_mm:+.1f} mm，Y {calibration.y_mm:+.1f} mm", 12
        )
        c.baseline_text(
            40 + dx, 92 + dy, "用预印底纹纸打印本页，量出十字中心相对底纹标记的偏差（向右、向下为正）；", 11
        )
        c.baseline_text(
            40 + dx,
            102 + dy,
            "新偏移 = 当前偏移 − 量得偏差，执行：kiosk devices calibrate license --x X --y Y",
            11,
        )
