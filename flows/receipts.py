"""Turn a receipt template (data in ``flows/templates``) and a run's context into a :class:`Receipt`.

Widths are display cells of the printer's font A: 48 on 80 mm paper, 32 on 58 mm.
Columns in a template are laid out for 80 mm; a column marked ``min_paper: 80`` is left out on 58 mm, and
what still does not fit is scaled down.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from common.receipt import Receipt, ReceiptLine
from flows.conditions import lookup
from flows.templating import display_width, fit, render

TEMPLATES_DIR = Path(__file__).parent / "templates"
PAPER_COLUMNS = {80: 48, 58: 32}


@cache
def load_template(template_id: str, directory: Path = TEMPLATES_DIR) -> dict[str, Any]:
    path = directory / f"{template_id}.yaml"
    if not path.is_file():
        raise KeyError(f"no template {template_id!r}")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _columns(spec: list[dict[str, Any]], context: dict[str, Any], width: int, paper_mm: int) -> str:
    """One table row. A column with ``min_paper: 80`` is left out on narrower paper: a template lays out for
    80 mm and drops what would not fit on 58 mm, rather than cutting numbers to fit (a total that the
    printed columns must add up to says what it includes in its own lines)."""
    spec = [c for c in spec if paper_mm >= int(c.get("min_paper", 0))]
    total = sum(c["width"] for c in spec)
    scale = min(1.0, width / total)
    cells = [
        fit(render(c["value"], context), max(2, int(c["width"] * scale)), c.get("align", "left"))
        for c in spec
    ]
    return "".join(cells).rstrip()


def _wrap(text: str, width: int) -> list[str]:
    """Break a long line at display-cell width (CJK aware); never drops characters."""
    lines, current = [], ""
    for ch in text:
        if display_width(current + ch) > width:
            lines.append(current)
            current = ""
        current += ch
    return [*lines, current]


def render_receipt(template: dict[str, Any], context: dict[str, Any], paper_mm: int = 80) -> Receipt:
    width = PAPER_COLUMNS.get(paper_mm, 48)
    lines: list[ReceiptLine] = []
    for spec in template["lines"]:
        if spec.get("rule"):
            lines.append(ReceiptLine("-" * width))
        elif "repeat" in spec:
            for item in lookup(context, spec["repeat"]) or []:
                row = _columns(spec["columns"], {**context, "item": item}, width, paper_mm)
                lines.append(ReceiptLine(row))
        elif "columns" in spec:
            lines.append(ReceiptLine(_columns(spec["columns"], context, width, paper_mm)))
        else:
            text = render(spec["text"], context)
            cell_width = width // 2 if spec.get("double") else width
            for part in _wrap(text, cell_width):
                lines.append(
                    ReceiptLine(
                        part,
                        align=spec.get("align", "left"),
                        bold=spec.get("bold", False),
                        double=spec.get("double", False),
                    )
                )
    qr = render(template["qr"], context) if template.get("qr") else None
    rate_qr, rate_lines = _rate_later(template, context, width)
    return Receipt(
        lines=tuple(lines), qr=qr, cut=True, title=template["id"], rate_qr=rate_qr, rate_lines=rate_lines
    )


def _rate_later(
    template: dict[str, Any], context: dict[str, Any], width: int
) -> tuple[str | None, tuple[ReceiptLine, ...]]:
    """好差评 later on a phone: every receipt carries the case's rating link as a QR code, with the code
    printed too (typed if the QR will not scan), when the terminal could make one (``case.rate_url``) and the
    template does not opt out (``rate_later: false``)."""
    case = context.get("case") or {}
    if not case.get("rate_url") or template.get("rate_later") is False:
        return None, ()
    caption = f"扫码评价本次服务（{case.get('rate_days', 7)}天内）"
    code = f"评价码：{case.get('rate_code', '')}"
    return str(case["rate_url"]), tuple(
        ReceiptLine(part, align="center") for text in (caption, code) for part in _wrap(text, width)
    )
