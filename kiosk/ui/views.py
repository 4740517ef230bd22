"""View models: what each screen shows, as plain dicts of already-translated strings.

Qt-free and pure, so the QML stays dumb (it lays out what it is given) and
tests can check a screen's content without rendering it. Personal data appears
here only masked.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from drivers.identity import display_text
from flows import forms
from flows.conditions import lookup
from flows.engine import FlowRun
from flows.model import Flow, Step, text
from flows.templating import render
from kiosk.i18n import tr
from kiosk.session import outcomes
from kiosk.session.input import form_defaults, month_value  # noqa: F401  (re-exported for the screens' tests)

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
                      "category": tr(f"category.{flow.category}", lang), "available": ok,
                      "reason": tr(reason, lang) if reason else ""})
    return items


def intro_view(flow: Flow, lang: str) -> dict[str, Any]:
    return {"title": text(flow.title, lang), "notice": text(flow.notice, lang),
            "identity": tr(f"intro.identity.{flow.identity}", lang)}


def card_view(identity: Any, lang: str) -> dict[str, Any]:
    """Card first: the card read on the attract screen, to confirm before choosing a service."""
    lines = identity_lines({"masked_name": display_text(identity.masked_name),
                            "masked_id_number": identity.masked_id_number, "card_type": identity.card_type}, lang)
    return {"stepId": "card", "stepType": "confirm_identity", "canBack": True, "identity": lines,
            "title": tr("card.read", lang, name=display_text(identity.masked_name)),
            "flowTitle": tr("card.choose", lang), "body": ""}


def field_error(step: Step, field_id: str, key: str, lang: str) -> str:
    """A field's own error text (``error:`` in the flow) for a pattern failure, else the generic one."""
    spec: dict[str, Any] = next((f for f in step.params.get("fields", []) if f["id"] == field_id), {})
    if key == "form.pattern" and spec.get("error"):
        return text(spec["error"], lang)
    return tr(key, lang)


def end_view(core: Any, session: Any, lang: str) -> dict[str, Any]:
    """The end screen of an outcome: only a completed case shows ✓ and "请取走…"; a failure says what
    happened, where to go, and offers a retry when one can help (the printer is back)."""
    outcome = session.outcome or outcomes.COMPLETED
    extra: dict[str, Any] = {"outcome": outcome, "success": outcome == outcomes.COMPLETED,
                             "canRetry": bool(core.retry_step()), "retryText": tr("done.retry", lang)}
    if outcome == outcomes.FAILED:
        extra["failure"] = tr(f"done.failed.{session.reason or outcomes.SERVICE}", lang)
        extra["where"] = tr("done.where", lang)
    return extra


def screen_view(core: Any, lang: str, online: bool) -> dict[str, Any] | None:
    """What the current screen of a :class:`kiosk.session.core.SessionCore` shows (None: nothing to show)."""
    session = core.session
    if core.screen == "intro" and session is not None:
        return intro_view(session.flow, lang)
    if core.screen == "step" and session is None and core.reader_card is not None:
        return card_view(core.reader_card, lang)
    if core.screen != "step" or session is None:
        return None
    extra: dict[str, Any] = {"status": tr(session.status, lang) if session.status else ""}
    step = session.run.current
    if step.type == "form":
        extra["fields"] = form_fields(step, session.run.context, session.form_values, lang)
        extra["errors"] = {k: field_error(step, k, v, lang) for k, v in session.form_errors.items()}
        extra["activeField"] = session.active_field
    if step.type == "identify":
        takes_sscard = "sscard" in (step.params.get("accept") or [])
        extra["prompt"] = tr("identify.prompt_sscard" if takes_sscard else "identify.prompt", lang)
    if step.type == "commitment":
        extra["commitment"] = text(step.params.get("commitment"), lang)
        extra["needsSignature"] = bool(step.params.get("signature"))
    if step.type == "rate":
        subject = step.params.get("subject")
        if subject:
            extra["subject"] = tr("rate.subject", lang, title=render(subject.get("title", ""), session.run.context))
        extra["selectedLevel"] = session.rating_level
        extra["comment"] = session.rating_comment
        extra["selectedIndicators"] = list(session.rating_indicators)
    if step.type == "finish":
        extra.update(end_view(core, session, lang))
        if not online:
            extra["queued"] = tr("done.queued", lang)  # the case waits in the outbox
    failed_end = step.type == "finish" and session.outcome == outcomes.FAILED
    if (step.type == "notice" or failed_end) and session.run.context.get("error"):
        extra["detail"] = tr(session.run.context["error"]["key"], lang)
    if session.card_away:  # personal data hidden until the card comes back
        extra["identity"] = []
        extra["status"] = tr("session.card_away", lang)
    view = step_view(session.run, lang)
    view.update(extra)
    return view
