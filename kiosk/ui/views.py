"""View models: what each screen shows, as plain dicts of already-translated strings.

Qt-free and pure, so the QML stays dumb (it lays out what it is given) and
tests can check a screen's content without rendering it. Personal data appears
here only masked.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from common.months import month_add
from flows import forms
from flows.conditions import lookup
from flows.engine import FlowRun
from flows.model import Flow, Step, text
from flows.templating import render
from kiosk.i18n import tr

RATINGS_PATH = Path(__file__).resolve().parent.parent.parent / "flows" / "ratings.yaml"


@cache
def rating_levels() -> tuple[dict[str, Any], ...]:
    data = yaml.safe_load(RATINGS_PATH.read_text(encoding="utf-8"))
    return tuple(data["levels"])


def identity_lines(identity: dict[str, Any] | None, lang: str) -> list[dict[str, str]]:
    if not identity:
        return []
    return [
        {"label": tr("confirm.name", lang), "value": identity.get("masked_name", "")},
        {"label": tr("confirm.id_number", lang), "value": identity.get("masked_id_number", "")},
        {"label": tr("confirm.card_type", lang), "value": tr(f"card.{identity.get('card_type', 'resident')}", lang)},
    ]


def month_value(months_ago: int, today: date | None = None) -> str:
    today = today or date.today()
    y, m = month_add(today.year, today.month, -months_ago)
    return f"{y}-{m:02d}"


def form_defaults(step: Step, today: date | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in step.params.get("fields", []):
        if "default" in field:
            values[field["id"]] = field["default"]
        elif field["type"] == "month":
            values[field["id"]] = month_value(field.get("default_months_ago", 1), today)
    return values


def form_fields(step: Step, context: dict[str, Any], values: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The fields to show now (shown_if evaluated with the values being edited), ready for the screen."""
    shown = []
    for field in forms.visible_fields(step, context, values, lang):
        value = values.get(field["id"], "")
        shown.append({
            "id": field["id"], "type": field["type"], "label": text(field.get("label"), lang),
            "hint": text(field.get("hint"), lang), "keyboard": field["keyboard"],
            "value": "" if value is None else value,
            "display": _display(field, value, lang),
            "options": field.get("options", []),
        })
    return shown


def _display(field: dict[str, Any], value: Any, lang: str) -> str:
    if field["type"] == "yesno":
        return {True: tr("form.yes", lang), False: tr("form.no", lang)}.get(value, "")
    return "" if value is None else str(value)


def preview_table(step: Step, context: dict[str, Any], lang: str) -> dict[str, Any]:
    columns = step.params.get("columns", [])
    rows = [[render(c["value"], {**context, "item": item}) for c in columns]
            for item in lookup(context, step.params.get("rows", "")) or []]
    return {
        "headers": [text(c["label"], lang) for c in columns],
        "aligns": [c.get("align", "left") for c in columns],
        "rows": rows,
        "summary": [{"label": text(s["label"], lang), "value": render(s["value"], context)}
                    for s in step.params.get("summary", [])],
        "count": tr("preview.rows", lang, n=len(rows)),
    }


def rate_view(lang: str) -> dict[str, Any]:
    return {"levels": [{"level": lv["level"], "label": text(lv["label"], lang),
                        "indicators": [{"id": i["id"], "label": text(i["label"], lang)} for i in lv["indicators"]]}
                       for lv in rating_levels()]}


def step_view(run: FlowRun, lang: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything the screen of the current step shows."""
    step = run.current
    view: dict[str, Any] = {
        "stepId": step.id, "stepType": step.type, "title": text(step.title, lang),
        "flowTitle": text(run.flow.title, lang), "body": render(text(step.params.get("body"), lang), run.context),
        "canBack": run.can_go_back, "identity": identity_lines(run.context.get("identity"), lang),
        "visit": len(run.history),  # tells the screen a step was (re-)entered: its taps settle again
    }
    if step.type == "preview":
        view["table"] = preview_table(step, run.context, lang)
    elif step.type == "rate":
        view.update(rate_view(lang))
    elif step.type == "finish":
        case_no = lookup(run.context, "case.case_no") or ""
        view["caseNo"] = tr("done.case_no", lang, case_no=case_no) if case_no else ""
    view.update(extra or {})
    return view


def catalog_view(flows: list[Flow], availability: dict[str, tuple[bool, str]], lang: str) -> list[dict[str, Any]]:
    items = []
    for flow in flows:
        ok, reason = availability.get(flow.id, (True, ""))
        items.append({"id": flow.id, "title": text(flow.title, lang), "icon": flow.icon,
                      "category": tr(f"category.{flow.category}", lang), "category_id": flow.category, "available": ok,
                      "reason": tr(reason, lang) if reason else ""})
    return items


def intro_view(flow: Flow, lang: str) -> dict[str, Any]:
    return {"title": text(flow.title, lang), "notice": text(flow.notice, lang),
            "identity": tr(f"intro.identity.{flow.identity}", lang)}
