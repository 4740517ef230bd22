"""Checks of what a step needs from the terminal and of each step type's own parameters.

These look at one step (or the flow's identity and device list) at a time and need no graph: the
identity a flow declares against its identify steps, the devices its steps use against the flow's and
the terminal's, and per type the service, template, form fields and commitment it names.
"""

from __future__ import annotations

import re

from flows.lint.context import Report
from flows.model import Step

CARD_DEVICES = {
    "resident": "idcard",
    "hkmt": "idcard",
    "foreign2017": "idcard",
    "foreign2023": "idcard",
    "sscard": "sscard",
}


# steps whose result belongs to a case: who came, the paper's print journal, the signed commitment
CASE_STEPS = ("identify", "print", "commitment")


def check_case(report: Report) -> None:
    """A flow that opens no case (``opens_case: false``, the service guide) only shows things: a step whose
    result needs a case to be recorded under is refused."""
    if report.flow.opens_case:
        return
    for step in report.flow.steps.values():
        if step.type in CASE_STEPS:
            report.add(
                step.line,
                "case",
                f"a {step.type} step needs a case, but the flow opens none (opens_case: false)",
            )


def check_identity_and_devices(report: Report) -> None:
    """The identity the flow declares matches its identify steps; every device a step uses is listed."""
    flow, line = report.flow, report.flow_line
    identify = [s for s in flow.steps.values() if s.type == "identify"]
    if flow.identity == "none" and identify:
        report.add(identify[0].line, "identity", "the flow needs no identity but has an identify step")
    if flow.identity != "none" and not identify:
        report.add(line, "identity", f"the flow needs identity {flow.identity!r} but has no identify step")
    needed: dict[str, int] = {}
    for step in identify:
        accept = step.params.get("accept") or (["sscard"] if flow.identity == "ss_card" else ["resident"])
        cards = {CARD_DEVICES[a] for a in accept}
        if (
            flow.identity == "id_card"
            and "sscard" in cards
            or flow.identity == "ss_card"
            and "idcard" in cards
        ):
            report.add(
                step.line,
                "identity",
                f"step accepts {sorted(accept)} but the flow's identity is {flow.identity!r}",
            )
        if flow.identity == "either" and cards != {"idcard", "sscard"}:
            report.add(
                step.line, "identity", "identity 'either' but the step does not accept both cards", "warning"
            )
        if (
            step.params.get("assurance") == "any"
            and "sscard" in accept
            and any(s.type == "query" for s in flow.steps.values())
        ):
            report.add(
                step.line,
                "assurance",
                "assurance 'any' lets an unauthenticated social-security card "
                "reach a query that shows personal data",
                "warning",
            )
        for device in cards:
            needed.setdefault(device, step.line)
    for step in flow.steps.values():
        if step.type == "print":
            needed.setdefault(step.params.get("printer", "receipt"), step.line)
    for device, at in sorted(needed.items()):
        if device not in flow.devices:
            report.add(at, "devices", f"step needs device {device!r} which the flow does not list in devices")
    if report.ctx.terminal_devices is not None:
        for device in flow.devices:
            if device not in report.ctx.terminal_devices:
                report.add(
                    report.line_of_key("devices", line),
                    "terminal-device",
                    f"needs device {device!r} which this terminal type does not have",
                )


def check_step(report: Report, step: Step) -> None:
    """The parameters of one step, by type: the service, the template, the form's fields, the commitment."""
    p, ctx = step.params, report.ctx
    if step.type == "query" and p.get("service") not in ctx.services:
        report.add(
            step.line,
            "service",
            f"unknown service {p.get('service')!r} (the terminal offers: {', '.join(sorted(ctx.services))})",
        )
    if step.type == "print":
        _check_print(report, step)
    if step.type == "form":
        _check_form(report, step)
    if step.type == "commitment" and not p.get("store_as"):
        report.add(
            step.line,
            "commitment",
            "commitment step without store_as: the signature would not be kept",
            "warning",
        )


def _check_print(report: Report, step: Step) -> None:
    ctx = report.ctx
    printer, template = step.params.get("printer", "receipt"), step.params.get("template", "")
    if printer == "receipt":
        if not (ctx.templates_dir / f"{template}.yaml").is_file():
            report.add(step.line, "template", f"no receipt template {template!r} in {ctx.templates_dir}")
        return
    spec = (ctx.document_templates or {}).get(template)
    if spec is None:
        report.add(step.line, "template", f"no {printer} template {template!r} in document_templates.yaml")
    elif spec.get("printer") != printer:
        report.add(
            step.line,
            "template",
            f"template {template!r} is for the {spec.get('printer')} printer, not {printer!r}",
        )


def _check_form(report: Report, step: Step) -> None:
    fields = step.params.get("fields", [])
    ids = [f["id"] for f in fields]
    for dup in {i for i in ids if ids.count(i) > 1}:
        report.add(step.line, "field", f"field {dup!r} appears twice")
    for field in fields:
        if field["type"] == "choice" and not (field.get("options") or field.get("options_from")):
            report.add(step.line, "field", f"choice field {field['id']!r} has no options")
        if "pattern" in field:
            try:
                re.compile(field["pattern"])
            except re.error as exc:
                report.add(step.line, "field", f"field {field['id']!r}: bad pattern: {exc}")
