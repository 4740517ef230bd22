"""Every table the back office exports (CSV, Excel), through one formula-injection guard.

A spreadsheet runs a cell that starts with ``= + - @`` (or a tab or carriage return before one) as a formula; an
operator name, a subject or a comment is text someone else typed, so such a cell gets a leading apostrophe, which
Excel and LibreOffice show as plain text. Only such a cell: an empty one stays empty (the test ``c[:1] in
"=+-@"`` was true for "" and put an apostrophe in every empty cell of every export).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet should show it: text that would start a formula is quoted, the rest as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return out.getvalue()


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a BOM: Excel on Chinese Windows then opens it with the right encoding."""
    return ("\ufeff" + csv_text(rows)).encode()


def xlsx_bytes(rows: Iterable[Sequence[Any]], title: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    for row in rows:
        sheet.append([safe_cell(c) for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
