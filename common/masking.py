"""How personal data is shown on a screen, a receipt or in a log: one rule for the whole product.

The drivers' ``Identity``, the flows' ``mask_id``/``mask_name`` template filters and the test fixtures all
use these two functions, so a masked value looks the same wherever a citizen or an auditor sees it.
"""

from __future__ import annotations


def mask_id_number(number: str) -> str:
    """``420106199001011234`` -> ``4201**********1234`` (first 4, last 4 kept)."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_name(name: str) -> str:
    """``张三`` -> ``*三``, ``欧阳娜娜`` -> ``**娜娜``; Latin names keep the first letter."""
    name = name.strip()
    if not name:
        return ""
    if name.isascii():
        return name[0] + "*" * (len(name) - 1)
    if len(name) <= 2:
        return "*" + name[-1]
    if len(name) == 3:
        return "*" + name[1:]
    return "*" * (len(name) - 2) + name[-2:]
