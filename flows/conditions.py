"""Conditions in flows are structured data, not expressions: nothing is parsed or evaluated as code.

A condition is one of::

    {field: form.period, eq: custom}        # also ne, in, not_in, gt, ge, lt, le, empty
    {all: [cond, ...]}  {any: [cond, ...]}  {not: cond}

``field`` is a dotted path into the run's context (``form.period``,
``record.count``, ``identity.card_type``).
"""

from __future__ import annotations

from typing import Any

OPERATORS = ("eq", "ne", "in", "not_in", "gt", "ge", "lt", "le", "empty")
_MISSING = object()


def lookup(context: dict[str, Any], path: str) -> Any:
    """Follow a dotted path through dicts (and list indexes); missing parts give None."""
    value: Any = context
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part, _MISSING)
        elif isinstance(value, list | tuple) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            value = _MISSING
        if value is _MISSING:
            return None
    return value


def evaluate(condition: dict[str, Any] | None, context: dict[str, Any]) -> bool:
    if condition is None:
        return True
    if "all" in condition:
        return all(evaluate(c, context) for c in condition["all"])
    if "any" in condition:
        return any(evaluate(c, context) for c in condition["any"])
    if "not" in condition:
        return not evaluate(condition["not"], context)
    value = lookup(context, condition["field"])
    for op in OPERATORS:
        if op in condition:
            return _compare(op, value, condition[op])
    raise ValueError(f"condition on {condition['field']!r} has no operator")


def _compare(op: str, value: Any, operand: Any) -> bool:
    if op == "eq":
        return value == operand
    if op == "ne":
        return value != operand
    if op == "in":
        return value in operand
    if op == "not_in":
        return value not in operand
    if op == "empty":
        return (value in (None, "", [], {}, 0)) == bool(operand)
    if value is None:
        return False
    try:
        return {"gt": value > operand, "ge": value >= operand, "lt": value < operand, "le": value <= operand}[
            op
        ]
    except TypeError:
        return False


def fields_used(condition: dict[str, Any] | None) -> list[str]:
    """Every context path a condition reads (for lint)."""
    if not condition:
        return []
    for key in ("all", "any"):
        if key in condition:
            return [f for c in condition[key] for f in fields_used(c)]
    if "not" in condition:
        return fields_used(condition["not"])
    return [condition["field"]]
