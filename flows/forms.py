"""Form fields: which are shown, which keyboard they take, and whether submitted values are valid.

The UI calls :func:`visible_fields` to lay out a form step, :func:`keyboard_for` to pick the on-screen
keyboard, and :func:`validate` when the citizen presses Next. Validation returns translation keys per
field (never texts), so the same rules serve both languages and the tests. Values come back normalised
(numbers as numbers, money with two decimals, yes/no as booleans) ready for ``FlowRun.advance``.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from flows.conditions import evaluate, lookup
from flows.model import Step, Text, text
from flows.templating import render

# Error keys the UI translates (assets/i18n); the fallback texts below serve until they are added there.
ERROR_TEXTS: dict[str, Text] = {
    "form.required": {"zh_CN": "此项必填", "en": "Required"},
    "form.invalid": {"zh_CN": "格式不正确", "en": "Not valid"},
    "form.pattern": {"zh_CN": "格式不正确", "en": "Not in the expected format"},
    "form.too_small": {"zh_CN": "数值过小", "en": "Too small"},
    "form.too_large": {"zh_CN": "数值过大", "en": "Too large"},
    "form.too_short": {"zh_CN": "内容过短", "en": "Too short"},
    "form.too_long": {"zh_CN": "内容过长", "en": "Too long"},
    "form.not_an_option": {"zh_CN": "请从选项中选择", "en": "Choose one of the options"},
    "form.bad_date": {"zh_CN": "日期无效", "en": "Not a valid date"},
    "form.bad_phone": {
        "zh_CN": "请输入11位手机号码或固定电话",
        "en": "Enter an 11-digit mobile or a landline number",
    },
}

# On-screen keyboard per field type; a text field names its own (default pinyin, Chinese input).
_KEYBOARDS = {
    "number": "digits",
    "money": "digits",
    "phone": "digits",
    "date": "digits",
    "month": "digits",
    "text": "pinyin",
    "choice": "none",
    "yesno": "none",
}

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def error_text(key: str, lang: str = "zh_CN") -> str:
    return text(ERROR_TEXTS.get(key, ERROR_TEXTS["form.invalid"]), lang)


def keyboard_for(field: dict[str, Any]) -> str:
    """digits | latin | pinyin | handwriting | none (choice and yes/no use buttons)."""
    return field.get("keyboard") or _KEYBOARDS.get(field["type"], "pinyin")


def is_shown(field: dict[str, Any], context: dict[str, Any], values: dict[str, Any] | None = None) -> bool:
    """``shown_if`` is evaluated against the context with the values entered so far on this form."""
    condition = field.get("shown_if")
    if not condition:
        return True
    ctx = {**context, "form": {**context.get("form", {}), **(values or {})}}
    return evaluate(condition, ctx)


def options(field: dict[str, Any], context: dict[str, Any], lang: str = "zh_CN") -> list[dict[str, str]]:
    """A choice field's options as [{value, label}] in ``lang``: listed in the flow, or taken from a
    list in the context (``options_from: {rows: ready.licenses, value: '${item.code}', label: ...}``)."""
    if "options_from" in field:
        spec = field["options_from"]
        rows = lookup(context, spec["rows"]) or []
        return [
            {
                "value": render(spec["value"], {**context, "item": row}),
                "label": render(spec["label"], {**context, "item": row}),
            }
            for row in rows
        ]
    return [{"value": str(o["value"]), "label": text(o["label"], lang)} for o in field.get("options", [])]


def visible_fields(
    step: Step, context: dict[str, Any], values: dict[str, Any] | None = None, lang: str = "zh_CN"
) -> list[dict[str, Any]]:
    """The step's fields the citizen sees now, each with resolved ``options`` and its ``keyboard``."""
    shown = []
    for field in step.params.get("fields", []):
        if not is_shown(field, context, values):
            continue
        resolved = dict(field, keyboard=keyboard_for(field))
        if field["type"] == "choice":
            resolved["options"] = options(field, context, lang)
        shown.append(resolved)
    return shown


def validate(
    step: Step, values: dict[str, Any], context: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Check submitted values against the step's field rules.

    Returns ``(clean, errors)``: ``clean`` holds the normalised values of the shown fields (hidden fields
    are dropped so stale input never reaches a query); ``errors`` maps field id to an error key.
    """
    context = context or {}
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in step.params.get("fields", []):
        if not is_shown(field, context, values):
            continue
        raw = values.get(field["id"])
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if field.get("required"):
                errors[field["id"]] = "form.required"
            continue
        value, error = _check(field, raw, context)
        if error:
            errors[field["id"]] = error
        else:
            clean[field["id"]] = value
    return clean, errors


def _check(field: dict[str, Any], raw: Any, context: dict[str, Any]) -> tuple[Any, str | None]:
    kind = field["type"]
    if kind == "yesno":
        if isinstance(raw, bool):
            return raw, None
        if str(raw).lower() in ("yes", "true", "1", "是"):
            return True, None
        if str(raw).lower() in ("no", "false", "0", "否"):
            return False, None
        return None, "form.invalid"
    if kind == "choice":
        allowed = {o["value"] for o in options(field, context)}
        return (str(raw), None) if str(raw) in allowed else (None, "form.not_an_option")
    if kind in ("number", "money"):
        return _number(field, raw)
    value = str(raw).strip()
    if kind == "phone":
        value = value.replace(" ", "")
        if not (_MOBILE.match(value) or _LANDLINE.match(value)):
            return None, "form.bad_phone"
    elif kind == "date":
        if not _valid_date(value):
            return None, "form.bad_date"
        if (
            field.get("min_date")
            and value < field["min_date"]
            or field.get("max_date")
            and value > field["max_date"]
        ):
            return None, "form.bad_date"
    elif kind == "month":
        m = _MONTH.match(value)
        if not m or not 1 <= int(m.group(2)) <= 12:
            return None, "form.bad_date"
    if "min_length" in field and len(value) < field["min_length"]:
        return None, "form.too_short"
    if "max_length" in field and len(value) > field["max_length"]:
        return None, "form.too_long"
    if "pattern" in field and not re.fullmatch(field["pattern"], value):
        return None, "form.pattern"
    return value, None


def _valid_date(value: str) -> bool:
    m = _DATE.match(value)
    if not m:
        return False
    try:
        date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return False
    return True


def _number(field: dict[str, Any], raw: Any) -> tuple[Any, str | None]:
    try:
        number = Decimal(str(raw).replace(",", "").strip())
    except InvalidOperation:
        return None, "form.invalid"
    if not number.is_finite():
        return None, "form.invalid"
    decimals = field.get("decimals", 2 if field["type"] == "money" else 0)
    try:  # quantize raises (rather than answers) when the digits exceed the context's precision, e.g. "1e30"
        exact = number == number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        exact = False
    if not exact:
        return None, "form.invalid"
    if "min" in field and number < Decimal(str(field["min"])):
        return None, "form.too_small"
    if "max" in field and number > Decimal(str(field["max"])):
        return None, "form.too_large"
    if field["type"] == "money":
        return float(number.quantize(Decimal("0.01"))), None
    return (int(number) if decimals == 0 else float(number)), None
