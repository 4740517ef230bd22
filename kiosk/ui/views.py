"""View models: what each screen shows, as plain dicts of already-translated strings.

Qt-free and pure, so the QML stays dumb (it lays out what it is given) and
tests can check a screen's content without rendering it. Personal data appears
here only masked.
"""

from __future__ import annotations

from typing import Any

from drivers.identity import display_text
from flows import forms
from flows.conditions import lookup
from flows.engine import FlowRun
from flows.model import Flow, Step, text
from flows.ratings import load_rating_set
from flows.templating import render
from kiosk.i18n import catalog, tr
from kiosk.session import outcomes
from kiosk.session.input import form_defaults, month_value  # noqa: F401  (re-exported for the screens' tests)
from kiosk.ui.qr import qr_data_url


def identity_lines(identity: dict[str, Any] | None, lang: str) -> list[dict[str, str]]:
    if not identity:
        return []
    return [
        {"label": tr("confirm.name", lang), "value": identity.get("masked_name", "")},
        {"label": tr("confirm.id_number", lang), "value": identity.get("masked_id_number", "")},
        {
            "label": tr("confirm.card_type", lang),
            "value": tr(f"card.{identity.get('card_type', 'resident')}", lang),
        },
    ]


def form_fields(
    step: Step, context: dict[str, Any], values: dict[str, Any], lang: str
) -> list[dict[str, Any]]:
    """The fields to show now (shown_if evaluated with the values being edited), ready for the screen."""
    shown = []
    for field in forms.visible_fields(step, context, values, lang):
        value = values.get(field["id"], "")
        shown.append(
            {
                "id": field["id"],
                "type": field["type"],
                "label": text(field.get("label"), lang),
                "hint": text(field.get("hint"), lang),
                "keyboard": field["keyboard"],
                "caption": tr(
                    "form.caption_hint",
                    lang,
                    label=text(field.get("label"), lang),
                    hint=text(field.get("hint"), lang),
                )
                if field.get("hint")
                else text(field.get("label"), lang),
                "value": "" if value is None else value,
                "display": _display(field, value, lang),
                "options": field.get("options", []),
            }
        )
    return shown


def _display(field: dict[str, Any], value: Any, lang: str) -> str:
    if field["type"] == "yesno":
        return {True: tr("form.yes", lang), False: tr("form.no", lang)}.get(value, "")
    return "" if value is None else str(value)


def preview_table(step: Step, context: dict[str, Any], lang: str) -> dict[str, Any]:
    columns = step.params.get("columns", [])
    rows = [
        [data_text(render(c["value"], {**context, "item": item}), lang) for c in columns]
        for item in lookup(context, step.params.get("rows", "")) or []
    ]
    headers = [text(c["label"], lang) for c in columns]
    return {
        "headers": headers,
        "aligns": [c.get("align", "left") for c in columns],
        "weights": column_weights(headers, rows),
        "rows": rows,
        "summary": [
            {"label": text(s["label"], lang), "value": data_text(render(s["value"], context), lang)}
            for s in step.params.get("summary", [])
        ],
        # a summary-only preview (no table) has no records to count: "共 0 条记录" would be false
        "count": tr("preview.rows", lang, n=len(rows)) if columns else "",
    }


def data_text(value: str, lang: str) -> str:
    """A word of the back office's data (e.g. a contribution's status 已缴) in the citizen's language,
    when the terminal knows it (``data.<word>`` keys); anything else is shown as given."""
    return tr(f"data.{value}", lang) if value and f"data.{value}" in catalog(lang) else value


def _display_width(value: str) -> int:
    """Columns on screen: a CJK character takes about two Latin ones."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in value)


def column_weights(headers: list[str], rows: list[list[str]]) -> list[int]:
    """Each column's share of the table's width, from its widest text (clamped, so one long address wraps
    instead of squeezing the numbers next to it until they overprint each other)."""
    return [
        min(40, max(6, _display_width(header), *(_display_width(row[i]) for row in rows if i < len(row))))
        for i, header in enumerate(headers)
    ]


def preview_action(step: Step, flow: Flow, lang: str) -> str:
    """The preview's main button: 打印 only if the paper really comes next, else 完成/继续."""
    following = [flow.steps.get(t.goto) for t in step.next] + [
        flow.steps.get(goto) for goto in step.on.values()
    ]
    if any(s is not None and s.type == "print" for s in following):
        return tr("preview.print", lang)
    if any(s is not None and s.type == "finish" for s in following):
        return tr("preview.done", lang)
    return tr("common.continue", lang)


def rate_view(lang: str) -> dict[str, Any]:
    """The rating set in the screen's language (flows/ratings.yaml): levels, indicators and their scale,
    差评 reasons; the screen says the rating is optional."""
    return load_rating_set().view(lang)


def step_view(run: FlowRun, lang: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything the screen of the current step shows."""
    step = run.current
    view: dict[str, Any] = {
        "stepId": step.id,
        "stepType": step.type,
        "title": text(step.title, lang),
        "flowTitle": text(run.flow.title, lang),
        "body": render(text(step.params.get("body"), lang), run.context),
        "canBack": run.can_go_back,
        "identity": identity_lines(run.context.get("identity"), lang),
        "visit": len(run.history),  # tells the screen a step was (re-)entered: its taps settle again
    }
    if step.type == "preview":
        view["table"] = preview_table(step, run.context, lang)
        view["action"] = preview_action(step, run.flow, lang)
    elif step.type == "rate":
        view.update(rate_view(lang))
    elif step.type == "finish":
        # a flow that rates an earlier case ends with the number the citizen typed, not its own
        case_no = rated_case_no(run) or lookup(run.context, "case.case_no") or ""
        view["caseNo"] = tr("done.case_no", lang, case_no=case_no) if case_no else ""
    view.update(extra or {})
    return view


def rated_case_no(run: FlowRun) -> str:
    """The earlier case a rating flow rated (its rate step's ``subject.case_no``), if any."""
    for step in run.flow.steps.values():
        subject = step.params.get("subject") if step.type == "rate" else None
        if subject and subject.get("case_no") and any(r.step_id == step.id for r in run.history):
            return str(render(subject["case_no"], run.context) or "")
    return ""


def case_title(title: str, flows: dict[str, Flow], lang: str) -> str:
    """What a looked-up case is called: the back office answers with its service id
    (``medical_certificate_print``), which the terminal knows by its title in the citizen's language."""
    flow = flows.get(title)
    return text(flow.title, lang) if flow is not None else title


def catalog_view(
    flows: list[Flow], availability: dict[str, tuple[bool, str]], lang: str
) -> list[dict[str, Any]]:
    items = []
    for flow in flows:
        ok, reason = availability.get(flow.id, (True, ""))
        items.append(
            {
                "id": flow.id,
                "title": text(flow.title, lang),
                "icon": flow.icon,
                "category": tr(f"category.{flow.category}", lang),
                "category_id": flow.category,
                "available": ok,
                "reason": tr(reason, lang) if reason else "",
            }
        )
    return items


def intro_view(flow: Flow, lang: str) -> dict[str, Any]:
    """一次性告知: everything to bring, at once — the flow's materials list (not just the card it reads)."""
    materials = [
        tr(
            "intro.material" if m.get("required") else "intro.material_optional",
            lang,
            name=text(m["name"], lang),
        )
        for m in flow.materials
    ]
    return {
        "title": text(flow.title, lang),
        "notice": text(flow.notice, lang),
        "materialsTitle": tr("intro.materials", lang) if materials else "",
        "materials": materials,
        "identity": "" if materials else tr(f"intro.identity.{flow.identity}", lang),
    }


def card_view(identity: Any, lang: str) -> dict[str, Any]:
    """Card first: the card read on the attract screen, to confirm before choosing a service."""
    lines = identity_lines(
        {
            "masked_name": display_text(identity.masked_name),
            "masked_id_number": identity.masked_id_number,
            "card_type": identity.card_type,
        },
        lang,
    )
    return {
        "stepId": "card",
        "stepType": "confirm_identity",
        "canBack": True,
        "identity": lines,
        "title": tr("card.read", lang, name=display_text(identity.masked_name)),
        "flowTitle": tr("card.choose", lang),
        "body": "",
    }


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
    extra: dict[str, Any] = {
        "outcome": outcome,
        "success": outcome == outcomes.COMPLETED,
        "canRetry": bool(core.retry_step()),
        "retryText": tr("done.retry", lang),
    }
    if outcome == outcomes.FAILED:
        # the cause only: the end step's own title above it already says what did not happen ("打印未完成");
        # a headline here too showed that title twice
        extra["failure"] = tr(f"done.failed.{session.reason or outcomes.SERVICE}", lang)
        extra["where"] = tr("done.where", lang)
    link = None if session.rated or not session.case_no else core.ports.rate_later(session.case_no)
    if link:  # not rated here: rate later on a phone, by the same link as the receipt's second QR code
        extra["rateQr"] = qr_data_url(link["rate_url"])
        extra["rateLater"] = tr(
            "done.rate_later", lang, days=core.ports.rate_window_days, code=link["rate_code"]
        )
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
            extra["subject"] = tr(
                "rate.subject",
                lang,
                title=case_title(render(subject.get("title", ""), session.run.context), core.flows, lang),
            )
        extra["selectedLevel"] = session.rating_level
        extra["comment"] = session.rating_comment
        extra["scores"] = dict(session.rating_scores)
        extra["selectedReasons"] = list(session.rating_reasons)
        extra["bad"] = load_rating_set().is_bad(session.rating_level)
        extra["saving"] = session.status == "rate.saving"  # submit waits for the store; no second tap
    if step.type == "finish":
        extra.update(end_view(core, session, lang))
        if not online and session.flow.opens_case:
            extra["queued"] = tr("done.queued", lang)  # the case waits in the outbox (a guide has none)
    failed_end = step.type == "finish" and session.outcome == outcomes.FAILED
    if (step.type == "notice" or failed_end) and session.run.context.get("error"):
        extra["detail"] = tr(session.run.context["error"]["key"], lang)
    if session.card_away:  # personal data hidden until the card comes back
        extra["identity"] = []
        extra["status"] = tr("session.card_away", lang)
    view = step_view(session.run, lang)
    view.update(extra)
    return view
