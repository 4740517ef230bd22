"""Calendar months as (year, month) pairs: the period pickers and the query services count in months."""

from __future__ import annotations


def month_add(year: int, month: int, delta: int) -> tuple[int, int]:
    """``month_add(2026, 1, -1) == (2025, 12)``."""
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1
