"""The data-flow check: every value a step reads (in a template, a condition, a row source) is provided
by a step on every path to it.

This is the one check that needs both the graph (the edges, from :mod:`flows.lint.graph`) and the text
(the placeholders, from :mod:`flows.lint.text`); it is a forward must-analysis over the edges, so it is
kept on its own rather than folded into either.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from flows.conditions import fields_used
from flows.lint.context import FAST_LOADER, Report
from flows.lint.graph import Edge
from flows.lint.text import placeholders
from flows.model import Flow, Step

# Context roots the UI sets for every run: the terminal, the flow, the case (number and time), the
# citizen's language.
ALWAYS = frozenset({"terminal", "flow", "case", "lang"})
IDENTITY_FIELDS = frozenset(
    {
        "card_type",
        "source",
        "name",
        "id_number",
        "gender",
        "nation",
        "birth_date",
        "address",
        "authority",
        "valid_from",
        "valid_to",
        "masked_name",
        "masked_id_number",
        "extra",
    }
)

Read = tuple[str, int, str]  # (context path, line, 'before'|'after' the step's own data)


def check_data(report: Report, edges: list[Edge]) -> None:
    flow = report.flow
    produced = {s.id: produces(s) for s in flow.steps.values()}
    anywhere = set(ALWAYS).union(*produced.values(), {"error"})
    into = must_provide(flow, edges, produced)
    for step in flow.steps.values():
        before = into.get(step.id)
        if before is None:
            continue  # unreachable, reported already
        after = before | produced[step.id]
        for path, at_line, scope in reads(report, step):
            known = (after if scope == "after" else before) | (
                {"item"} if path.startswith("item.") else set()
            )
            if step.type == "form" and path.startswith("form."):
                known = known | produced[step.id]
            if provided(path, known):
                _check_identity_path(report, path, at_line)
                continue
            if provided(path, anywhere):
                report.add(
                    at_line,
                    "maybe-unset",
                    f"{path!r} is read in step {step.id!r} but not provided on every path to it",
                    "warning",
                )
            else:
                report.add(at_line, "unset", f"{path!r} is read in step {step.id!r} but no step provides it")


def _check_identity_path(report: Report, path: str, line: int) -> None:
    parts = path.split(".")
    if parts[0] == "identity" and len(parts) > 1 and parts[1] not in IDENTITY_FIELDS:
        report.add(line, "unset", f"{path!r}: an identity has no field {parts[1]!r}")


def reads(report: Report, step: Step) -> list[Read]:
    """(context path, line, 'before'|'after' the step's own data) for everything the step reads."""
    p, line = step.params, step.line
    out: list[Read] = []

    def templates(values: Iterable[str], scope: str = "before") -> None:
        for value in values:
            for path in placeholders(report, value, line):
                out.append((path, line, scope))

    for transition in step.next:
        out += [(f, line, "after") for f in fields_used(transition.when)]
    templates(_strings(p.get("body")))
    templates(_strings(p.get("commitment")))
    templates((p.get("params") or {}).values())
    templates((p.get("subject") or {}).values())
    if p.get("rows"):
        out.append((p["rows"], line, "before"))
    templates(c["value"] for c in p.get("columns", []) + p.get("summary", []))
    for field in p.get("fields", []):
        out += [(f, line, "before") for f in fields_used(field.get("shown_if"))]
        if field.get("options_from"):
            spec = field["options_from"]
            out.append((spec["rows"], line, "before"))
            templates((spec["value"], spec["label"]))
    if step.type == "print":
        if p.get("data"):
            out.append((p["data"], line, "before"))
        out += template_reads(report, step)
    return out


def template_reads(report: Report, step: Step) -> list[Read]:
    """What the template a print step names reads (a receipt template's placeholders, a document's list)."""
    printer, template = step.params.get("printer", "receipt"), step.params.get("template", "")
    if printer != "receipt":
        spec = (report.ctx.document_templates or {}).get(template) or {}
        return [(path, step.line, "before") for path in spec.get("reads", [])]
    path = report.ctx.templates_dir / f"{template}.yaml"
    if not path.is_file():
        return []
    data = _template(path, path.stat().st_mtime_ns)
    found = []
    for spec in data.get("lines", []):
        if "repeat" in spec:
            found.append(spec["repeat"])
        for value in [spec.get("text", "")] + [c.get("value", "") for c in spec.get("columns", [])]:
            found += placeholders(report, value, step.line)
    found += placeholders(report, data.get("qr") or "", step.line)
    return [(f, step.line, "before") for f in found]


@cache
def _template(path: Path, _mtime_ns: int) -> dict[str, Any]:
    """A receipt template, parsed once per version of the file (many flows print the same one)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=FAST_LOADER) or {}


def _strings(text: Any) -> list[str]:
    return [v for v in text.values() if isinstance(v, str)] if isinstance(text, dict) else []


def produces(step: Step) -> set[str]:
    """Context prefixes a step adds when it completes with 'ok' (as the UI and engine merge them)."""
    if step.type == "identify":
        return {"identity"}
    if step.type == "form":
        return {f"form.{f['id']}" for f in step.params.get("fields", [])}
    if step.type in ("query", "commitment", "rate") and step.params.get("store_as"):
        return {step.params["store_as"]}
    return set()


def must_provide(flow: Flow, edges: list[Edge], produced: dict[str, set[str]]) -> dict[str, set[str]]:
    """For each reachable step, what is provided on every path to it (a forward must-analysis)."""
    into: dict[str, set[str] | None] = {s: None for s in flow.steps}
    into[flow.start] = set(ALWAYS)
    changed = True
    while changed:
        changed = False
        for source, label, target in edges:
            before = into[source]
            if before is None:
                continue
            out = before | produced[source] if label == "next" else before | {"error"}
            current = into[target]
            new = out if current is None else (current & out if target != flow.start else current)
            if new != current:
                into[target] = new
                changed = True
    return {k: v for k, v in into.items() if v is not None}


def provided(path: str, known: set[str] | frozenset[str]) -> bool:
    """True if ``path`` or one of its prefixes (``form`` for ``form.x``) is known."""
    parts = path.split(".")
    return any(".".join(parts[:i]) in known for i in range(1, len(parts) + 1))
