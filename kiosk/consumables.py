"""Paper per printer: counted from what was printed, reset by "paper replaced", and a days-left estimate.

Printers report "near end" late or not at all (a CUPS A4 tray says nothing until it is empty), so the
terminal counts what it sends: millimetres of receipt roll, sheets of A4 and of license stock. The rate
since the last replacement gives the days left, which the heartbeat carries and the console shows.
Counts live in the store's sync state (one JSON value per printer), so they survive restarts. Qt-free.
"""

from __future__ import annotations

import time
from typing import Any

from common.receipt import Receipt
from offline_cache.store import Store

# What a full load holds: an 80 mm thermal roll of 80 m, an A4 tray of 250 sheets, 50 sheets of license stock.
CAPACITY = {"receipt": 80_000.0, "document": 250.0, "license": 50.0}
UNIT = {"receipt": "mm", "document": "sheets", "license": "sheets"}
LINE_MM, DOUBLE_LINE_MM, QR_MM, FEED_AND_CUT_MM = 4.25, 8.5, 30.0, 20.0
MIN_DAYS_FOR_RATE = 0.25  # less history than six hours says nothing about a daily rate


def receipt_length_mm(receipt: Receipt) -> float:
    """Roll used by one receipt: its lines, its QR codes (the rate-later one too), the feed before the cut."""
    printed = (*receipt.lines, *getattr(receipt, "rate_lines", ()))
    lines = sum(DOUBLE_LINE_MM if getattr(line, "double", False) else LINE_MM for line in printed)
    decoded = getattr(receipt, "qr_codes", None)  # a receipt decoded back from the bytes lists its codes
    codes = (
        len(decoded) if decoded is not None else bool(receipt.qr) + bool(getattr(receipt, "rate_qr", None))
    )
    return lines + QR_MM * codes + FEED_AND_CUT_MM


def _key(printer: str) -> str:
    return f"paper:{printer}"


def _load(store: Store, printer: str, now: float) -> dict[str, Any]:
    value = store.get_state(_key(printer))
    if not isinstance(value, dict):
        value = {"used": 0.0, "since": now, "jobs": 0, "changes": 0}
    return value


def record_printed(store: Store, printer: str, amount: float, *, now: float | None = None) -> None:
    """Count paper a finished job used (mm of roll or sheets)."""
    if printer not in CAPACITY or amount <= 0:
        return
    now = time.time() if now is None else now
    value = _load(store, printer, now)
    value["used"] = float(value.get("used", 0.0)) + amount
    value["jobs"] = int(value.get("jobs", 0)) + 1
    store.set_state(_key(printer), value)


def paper_replaced(store: Store, printer: str, *, now: float | None = None) -> dict[str, Any]:
    """A technician loaded a full roll or tray: the count starts again (and the change is counted)."""
    now = time.time() if now is None else now
    value = _load(store, printer, now)
    value = {"used": 0.0, "since": now, "jobs": 0, "changes": int(value.get("changes", 0)) + 1}
    store.set_state(_key(printer), value)
    return estimate(store, printer, now=now)


def estimate(store: Store, printer: str, *, now: float | None = None) -> dict[str, Any]:
    """Used, left (of a full load) and days left at the rate since the last replacement (None: too early)."""
    now = time.time() if now is None else now
    return estimate_from(_load(store, printer, now), printer, now)


def estimate_from(value: dict[str, Any], printer: str, now: float) -> dict[str, Any]:
    """The estimate from a stored count (``kiosk status`` reads the value without opening a store)."""
    capacity = CAPACITY.get(printer, 0.0)
    used = float(value.get("used", 0.0))
    left = max(0.0, capacity - used)
    days = max(0.0, (now - float(value.get("since", now))) / 86400)
    rate = used / days if days >= MIN_DAYS_FOR_RATE and used > 0 else None
    return {
        "printer": printer,
        "unit": UNIT.get(printer, ""),
        "used": round(used, 1),
        "left": round(left, 1),
        "capacity": capacity,
        "jobs": int(value.get("jobs", 0)),
        "paper_changes": int(value.get("changes", 0)),
        "days_left": None if rate is None else round(left / rate, 1),
    }


def heartbeat_fields(store: Store, printer: str) -> dict[str, Any]:
    """What a printer's heartbeat entry adds: the paper left and the days it will last."""
    if printer not in CAPACITY:
        return {}
    facts = estimate(store, printer)
    return {"paper_left": facts["left"], "paper_unit": facts["unit"], "paper_days_left": facts["days_left"]}
