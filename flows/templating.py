"""Substitution in flow texts and print templates: ``${record.total|money}``.

Deliberately tiny: a placeholder is a dotted context path and optional named
filters from a fixed table. There is no attribute access, no call, no loop
syntax (templates repeat rows with a ``repeat:`` key instead), so a template
pushed in a bundle can only show data, never run anything.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from common.masking import mask_id_number, mask_name
from flows.conditions import lookup

PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][\w.]*)((?:\|[a-z_]+)*)\}")


def _money(value: Any) -> str:
    try:
        return f"{float(value):,.2f}"
    except (TypeError, ValueError):
        return str(value)


def _yyyymmdd(value: Any) -> str:
    s = str(value)
    return f"{s[:4]}-{s[4:6]}-{s[6:8]}" if len(s) == 8 and s.isdigit() else s


FILTERS: dict[str, Callable[[Any], str]] = {
    "money": _money,
    "mask_id": lambda v: mask_id_number(str(v)),
    "mask_name": lambda v: mask_name(str(v)),
    "date": _yyyymmdd,
    "upper": lambda v: str(v).upper(),
}


def placeholders(template: str) -> list[str]:
    """The context paths a template reads (for lint)."""
    return [m.group(1) for m in PLACEHOLDER.finditer(template)]


def render(template: str, context: dict[str, Any]) -> str:
    def substitute(match: re.Match[str]) -> str:
        value = lookup(context, match.group(1))
        if value is None:
            return ""
        for name in filter(None, match.group(2).split("|")):
            value = FILTERS[name](value)
        return str(value)

    return PLACEHOLDER.sub(substitute, template)


def display_width(s: str) -> int:
    """Columns a string takes on a receipt or a monospace line: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def fit(s: str, width: int, align: str = "left") -> str:
    """Pad or cut ``s`` to exactly ``width`` display columns."""
    out, used = [], 0
    for ch in s:
        w = display_width(ch)
        if used + w > width:
            break
        out.append(ch)
        used += w
    pad = " " * (width - used)
    text = "".join(out)
    return (
        pad + text
        if align == "right"
        else (
            text + pad if align == "left" else " " * (len(pad) // 2) + text + " " * (len(pad) - len(pad) // 2)
        )
    )
