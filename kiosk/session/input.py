"""Citizen input inside a step: form fields (choices, months, the keypad, typed text), the signed
commitment and the 好差评 rating. Mixed into :class:`kiosk.session.core.SessionCore`, whose session and
flow advance these handlers use; the UI reaches each through ``controller.tap(action, value)`` ->
``core.tap_<action>(value)``. Qt-free: the tests and the scripted citizen type through the same code.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from common.months import month_add
from flows import forms
from flows.model import Step
from flows.ratings import RatingInvalid, load_rating_set
from flows.templating import render
from kiosk.session.signature import signature_svg
from kiosk.session.state import CoreParts
from offline_cache.store import RatingExists
from wire import services

log = logging.getLogger(__name__)
RATE_SAVING, RATE_NOT_SAVED = "rate.saving", "rate.not_saved"  # session.status while 提交评价 is stored


def month_value(months_ago: int, today: date | None = None) -> str:
    """The month ``months_ago`` before today, as a month field holds it (YYYY-MM)."""
    today = today or date.today()
    y, m = month_add(today.year, today.month, -months_ago)
    return f"{y}-{m:02d}"


def form_defaults(step: Step, today: date | None = None) -> dict[str, Any]:
    """A form's values before the citizen touches it: declared defaults, months counted back from today."""
    values: dict[str, Any] = {}
    for spec in step.params.get("fields", []):
        if "default" in spec:
            values[spec["id"]] = spec["default"]
        elif spec["type"] == "month":
            values[spec["id"]] = month_value(spec.get("default_months_ago", 1), today)
    return values


class StepInput(CoreParts):
    """Handlers ``tap_<action>`` for ``tap('field' | 'month_step' | 'submit' | 'focus' | 'key' | 'commit' | 'decline' |
    'rate_level' | 'rate_indicator' | 'rate_reason' | 'rate_comment' | 'rate_submit' | 'rate_skip',
    value)``."""

    def tap_field(self, value: dict) -> None:
        session = self.session
        if session is None:
            return
        session.form_values[str(value["id"])] = value["value"]
        if value.get("typing"):
            return  # the text input already shows it; re-rendering would rebuild the field and drop the keyboard
        session.form_errors.pop(str(value["id"]), None)
        self.on_change()

    def tap_month_step(self, value: dict) -> None:
        """Touch month picker: move a month field by ``delta`` months (no keyboard needed)."""
        session = self.session
        if session is None:
            return
        current = session.form_values.get(value["id"]) or month_value(1)
        y, m = (int(x) for x in str(current).split("-"))
        y, m = month_add(y, m, int(value["delta"]))
        latest = month_value(1)
        candidate = f"{y}-{m:02d}"
        session.form_values[value["id"]] = min(candidate, latest)
        session.form_errors.pop(value["id"], None)
        self.on_change()

    def tap_submit(self, _value: Any = None) -> None:
        session = self.session
        if session is None or session.run.current.type != "form":
            return
        step = session.run.current
        clean, errors = forms.validate(step, session.form_values, session.run.context)
        months = [
            f["id"]
            for f in forms.visible_fields(step, session.run.context, session.form_values)
            if f["type"] == "month"
        ]
        if len(months) == 2 and not errors and str(clean[months[0]]) > str(clean[months[1]]):
            errors[months[1]] = services.E_BAD_PERIOD
        if errors:
            session.form_errors = errors
            self.on_change()
            return
        self.advance("ok", clean)

    def tap_focus(self, field_id: str) -> None:
        session = self.session
        if session is not None:
            session.active_field = str(field_id)
            self.on_change()

    def tap_key(self, key: str) -> None:
        """The on-screen keypad: digits (and X for ID numbers, '.' for money) into the active field."""
        session = self.session
        if session is None or not session.active_field:
            return
        current = str(session.form_values.get(session.active_field) or "")
        if key == "back":
            current = current[:-1]
        elif key == "clear":
            current = ""
        elif len(key) == 1 and (key.isdigit() or key in "X.-") and len(current) < 40:
            current += key
        session.form_values[session.active_field] = current
        session.form_errors.pop(session.active_field, None)
        self.on_change()

    def tap_commit(self, signature: Any) -> None:
        """告知承诺制: the citizen accepted the commitment and signed; the signature is kept with the case."""
        session = self.session
        if session is None or session.run.current.type != "commitment":
            return
        strokes = [
            [(round(float(x), 1), round(float(y), 1)) for x, y in stroke] for stroke in (signature or [])
        ]
        if session.run.current.params.get("signature") and not any(len(stroke) > 1 for stroke in strokes):
            session.status = "commitment.need_signature"
            self.on_change()
            return
        svg = signature_svg(strokes)
        session.signature = svg
        self.advance("ok", {"accepted": True, "signature": svg, "signed_at": self.ports.clock().isoformat()})

    def tap_decline(self, _value: Any = None) -> None:
        self.advance("declined")

    def tap_rate_level(self, level: int) -> None:
        """整体满意度. Indicator scores stay (they rate the same service); reasons only belong to 差评."""
        session = self.session
        if session is None:
            return
        session.rating_level = int(level)
        if not load_rating_set().is_bad(session.rating_level):
            session.rating_reasons = []
        self.on_change()

    def tap_rate_indicator(self, value: dict) -> None:
        """One indicator's score (``{"id", "value"}``); the same score again clears it (every one is optional)."""
        session = self.session
        if session is None:
            return
        indicator, score = str(value["id"]), int(value["value"])
        if session.rating_scores.get(indicator) == score:
            session.rating_scores.pop(indicator)
        else:
            session.rating_scores[indicator] = score
        self.on_change()

    def tap_rate_reason(self, reason: str) -> None:
        session = self.session
        if session is None or not load_rating_set().is_bad(session.rating_level):
            return
        if reason in session.rating_reasons:
            session.rating_reasons.remove(reason)
        else:
            session.rating_reasons.append(str(reason))
        self.on_change()

    def tap_rate_comment(self, comment: str) -> None:
        """The optional 意见, as typed (no re-render: that would rebuild the field and drop the keyboard).
        Never logged: it may name people."""
        session = self.session
        if session is not None:
            session.rating_comment = str(comment or "").strip()[: load_rating_set().comment_max]

    def tap_rate_submit(self, _value: Any = None) -> None:
        """The screen moves on only once the rating is stored: "谢谢评价" must be true. A failed save keeps the
        citizen here with a message saying so, submit to try again and 暂不评价 still one tap away."""
        session = self.session
        if session is None or not session.rating_level or session.status == RATE_SAVING:
            return  # a second tap while the first is being stored files nothing twice
        try:
            rating = load_rating_set().check(
                session.rating_level,
                dict(session.rating_scores),
                list(session.rating_reasons),
                session.rating_comment,
            )
        except RatingInvalid as exc:  # the screen offers only the set's own choices: a bug, not the citizen
            log.error("rating refused by the rating set: %s", exc)
            return
        subject = session.run.current.params.get("subject")  # rating an earlier case by its number
        case_no = render(subject["case_no"], session.run.context) if subject else None
        item_code = (
            render(subject.get("item_code", ""), session.run.context) if subject else session.flow.item_code
        )
        step_id = session.run.current_id

        def save() -> None:
            target = case_no or session.case_no  # read here: the case is opened on this same lane
            if not target:  # the case was never opened (its store failed): there is nothing to rate
                raise LookupError("no case to rate")
            self.ports.store.record_rating(
                target,
                item_code or session.flow.item_code,
                rating.level,
                rating.scores,
                rating.comment,
                reasons=list(rating.reasons),
                set_version=rating.set_version,
            )
            self.ports.outbox_changed()

        def saved(_result: Any) -> None:
            session.rated = True
            if session.run.current_id == step_id and session.status == RATE_SAVING:
                session.status = ""
                self.advance("ok")

        def failed(error: BaseException) -> None:
            log.error("rating not stored: %s", type(error).__name__)
            if session.run.current_id == step_id:  # already rated (一事一评) or the store refused it
                session.status = RatingExists.key if isinstance(error, RatingExists) else RATE_NOT_SAVED
                self.on_change()

        session.status = RATE_SAVING
        self.on_change()
        self.ports.lanes.run("db", save, on_done=saved, on_error=failed, guard=session)

    def tap_rate_skip(self, _value: Any = None) -> None:
        session = self.session
        if session is not None and session.status != RATE_SAVING:  # a rating being stored is not skipped
            self.advance("skip" if "skip" in session.run.current.on else "ok")
