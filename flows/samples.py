"""Valid sample answers for a form step: what the scripted citizen enters, in the demo walk and in the tests.

One source of truth for both (``kiosk demo --walk``, ``kiosk flows try`` and ``tests/fixtures/flows.py``): a
field's own ``sample:`` in the flow, else its default or first option, else a value derived from its rules.
Qt-free, so the flow tests use exactly the answers the rendered walk types.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flows import forms
from flows.model import Step

# A valid answer per field type, for a field with no sample, default, option or pattern of its own.
BY_TYPE: dict[str, Any] = {
    "text": "ABC-123456",
    "number": 3,
    "money": "1500.00",
    "date": "2024-05-01",
    "month": "2024-01",
    "phone": "13912345678",
    "yesno": True,
}


def sample_values(step: Step, context: dict[str, Any], *, case_no: str | None = None) -> dict[str, Any]:
    """What a careful citizen enters: the flow's sample, the default, the first option, a valid value by rule.
    ``case_no``: a case that exists (the walk filed it first), for a field that asks for a 办件编号; without it
    such a field gets a well-formed number that names no case."""
    values: dict[str, Any] = {}
    for spec in step.params.get("fields", []):
        if not forms.is_shown(spec, context, values):
            continue
        if "sample" in spec:
            values[spec["id"]] = spec["sample"]
        elif spec["type"] == "choice":
            opts = forms.options(spec, context)
            values[spec["id"]] = spec.get("default") or (opts[0]["value"] if opts else "")
        elif spec["type"] == "month" and "default_months_ago" in spec:
            now = datetime.now()
            index = now.year * 12 + now.month - 1 - spec["default_months_ago"]
            values[spec["id"]] = f"{index // 12}-{index % 12 + 1:02d}"
        elif spec.get("pattern") == "^[0-9]{18}$" and case_no:
            values[spec["id"]] = case_no
        elif spec.get("pattern") == "^[0-9]{18}$":
            values[spec["id"]] = datetime.now().strftime("%Y%m%d") + "0001" + "000042"
        elif spec.get("pattern") == "^[0-9]{16,19}$":
            values[spec["id"]] = "6222021234567890123"
        else:
            values[spec["id"]] = BY_TYPE[spec["type"]]
    return values
