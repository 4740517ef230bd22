"""Idempotent ingest of the terminals' outbox events.

Ingest is idempotent per (terminal, idempotency key): the first answer is stored and replayed for any
repeat, so a terminal that retries after a lost answer never creates a second case. One event that
cannot be understood is answered ``rejected`` (and kept), never failing the batch: a poison event must
not block the terminal's queue.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice import audit, citizen_sessions
from backoffice.models import Case, DeviceEvent, Event, Rating
from backoffice.query_services import SERVICES, run_query
from backoffice.ratings import add_scores, rating_row
from backoffice.schemas import EventIn, EventResult, EventsOut
from backoffice.state import Backoffice
from flows.services import ServiceError
from wire import events as wire_events
from wire import services

log = logging.getLogger(__name__)


def ingest(bo: Backoffice, terminal_id: str, raw_events: list[Any]) -> EventsOut:
    """Ingest a batch of events as they came (each validated alone; see the module docstring)."""
    now = bo.clock()
    parsed = [_parse(raw) for raw in raw_events]
    results: list[EventResult] = []
    with bo.sessions.begin() as session:
        keys = list({item.idem_key for item, _reason, _key in parsed if item is not None})
        known: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            for key, answer in session.execute(
                select(Event.idem_key, Event.answer).where(
                    Event.terminal_id == terminal_id, Event.idem_key.in_(chunk)
                )
            ):
                known[key] = answer
        fresh: list[tuple[EventIn, Event, Any]] = []
        claims = _Claims(session, terminal_id, [item for item, _r, _k in parsed if item is not None])
        for item, poison, shown_key in parsed:
            if item is None:  # cannot even be stored: answered, not kept
                results.append(
                    EventResult(
                        idem_key=shown_key,
                        status="rejected",
                        duplicate=False,
                        answer={"status": "rejected", "kind": "", "received_at": now, "reason": poison},
                    )
                )
                continue
            if item.idem_key in known:
                answer = known[item.idem_key]
                results.append(
                    EventResult(
                        idem_key=item.idem_key, status=answer["status"], duplicate=True, answer=answer
                    )
                )
                continue
            if poison is None:
                record, reason = _domain_record(terminal_id, item, now)
            else:  # a poison event (e.g. a lone surrogate): rejected alone, the batch goes on
                record, reason = None, poison
            if record is not None:
                reason = claims.check(record)
                record = None if reason else record
            answer = {
                "status": "accepted" if reason is None else "rejected",
                "kind": item.kind,
                "received_at": now,
                **({"reason": reason} if reason else {}),
            }
            if item.kind == wire_events.EVENT_SUBMISSION and reason is None:
                answer.update(_run_submission(bo, session, terminal_id, item.payload, now))
            event = Event(
                terminal_id=terminal_id,
                idem_key=item.idem_key,
                kind=item.kind,
                received_at=now,
                answer=answer,
            )
            session.add(event)
            fresh.append((item, event, record))
            known[item.idem_key] = answer
            results.append(
                EventResult(idem_key=item.idem_key, status=answer["status"], duplicate=False, answer=answer)
            )
        if fresh:
            session.flush()
            for _item, event, record in fresh:
                if record is not None:
                    record.event_id = event.id
                    session.add(record)
            rated = [record for _i, _e, record in fresh if isinstance(record, Rating)]
            if rated:
                session.flush()
                add_scores(session, rated)
    return EventsOut(results=results)


class _Claims:
    """Who owns a case number and whether a case is rated, across the database and this batch: a case
    number belongs to the terminal that filed it first, and a case is rated once, fleet-wide (the unique
    indexes back this up against a concurrent batch; the ingest is then retried and sees the claim).
    The batch's numbers are looked up in two queries, not one per event."""

    def __init__(self, session: Session, terminal_id: str, items: list[EventIn]):
        self.terminal_id = terminal_id
        numbers = list(
            {
                str(i.payload.get("case_no"))[: wire_events.CASE_NO_MAX]
                for i in items
                if i.kind in (wire_events.EVENT_CASE, wire_events.EVENT_RATING)
                and isinstance(i.payload.get("case_no"), str)
            }
        )
        self.cases: dict[str, str] = {}
        self.rated: set[str] = set()
        for start in range(0, len(numbers), 500):
            chunk = numbers[start : start + 500]
            for case_no, owner in session.execute(
                select(Case.case_no, Case.terminal_id).where(Case.case_no.in_(chunk))
            ):
                self.cases[case_no] = owner
            self.rated.update(session.scalars(select(Rating.case_no).where(Rating.case_no.in_(chunk))))

    def check(self, record: Any) -> str | None:
        if isinstance(record, Case):
            owner = self.cases.get(record.case_no)
            if owner is not None:
                return "case_no already filed" if owner == self.terminal_id else "case_no of another terminal"
            self.cases[record.case_no] = self.terminal_id
        if isinstance(record, Rating):
            if record.case_no in self.rated:
                return "case already rated"
            self.rated.add(record.case_no)
        return None


def _run_submission(
    bo: Backoffice, session: Session, terminal_id: str, payload: dict[str, Any], now: float
) -> dict[str, Any]:
    """An application queued offline, run once (its answer is stored with the event and replayed). A
    personal one must name the citizen session it was made in, at this terminal, for this person."""
    service, params = payload.get("service"), payload.get("params")
    if not isinstance(service, str) or service not in SERVICES or not isinstance(params, dict):
        return {"status": "rejected", "reason": "unknown service or parameters"}
    subject = audit.masked(params.get("id_number"))
    answer: dict[str, Any]
    if service in services.PERSONAL_SERVICES and not citizen_sessions.session_was_opened(
        bo, terminal_id, payload.get("session"), params.get("id_number")
    ):
        answer = {"status": "rejected", "reason": services.E_SESSION}
    else:
        try:
            answer = {"result": run_query(service, params)}
        except ServiceError as exc:
            answer = {"status": "rejected", "reason": exc.key}
        except Exception:  # a poison submission must not fail the batch it came in
            log.exception("submission to %s failed", service)
            answer = {"status": "rejected", "reason": services.E_BAD_REQUEST}
    audit.record(
        session,
        now,
        actor_kind="terminal",
        actor=terminal_id,
        action="submission",
        service=service,
        subject=subject,
        outcome=answer.get("reason", "accepted"),
    )
    return answer


def _parse(raw: Any) -> tuple[EventIn | None, str | None, str]:
    """(the event, why it is poison or None, its key as shown in the answer). A poison event whose key
    and kind are sound is kept, rejected, so its answer is replayed; one without a usable key is not."""
    key = raw.get("idem_key") if isinstance(raw, dict) else None
    shown = _printable(key)[: wire_events.IDEM_KEY_MAX] if isinstance(key, str) else ""
    if not isinstance(raw, dict):
        return None, "event not an object", shown
    if _encodable(raw):
        try:
            return EventIn.model_validate(raw), None, shown
        except ValidationError:
            reason = "event not understood"
    else:
        reason = "text not encodable"
    try:
        envelope = EventIn.model_validate({"idem_key": key, "kind": raw.get("kind"), "payload": {}})
    except ValidationError:
        return None, reason, shown
    return (
        (envelope, reason, shown) if _encodable(envelope.idem_key, envelope.kind) else (None, reason, shown)
    )


def _encodable(*values: Any) -> bool:
    """Whether the values can be stored as UTF-8 text (a lone surrogate cannot)."""
    try:
        json.dumps(values, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, ValueError, TypeError):
        return False
    return True


def _printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8", "replace")


def _text(value: Any, limit: int) -> str:
    return ("" if value is None else str(value))[:limit]


def _number(value: Any) -> float | None:
    return (
        float(value)
        if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) < 1e12
        else None
    )


def _domain_record(terminal_id: str, item: EventIn, now: float) -> tuple[Any, str | None]:
    """The row an event becomes, or why it is rejected. The terminal id comes from the signature, not the
    payload. Text is cut to the limits in ``wire.events``."""
    p, w = item.payload, wire_events
    if item.kind == w.EVENT_CASE:
        if not isinstance(p.get("case_no"), str) or not p["case_no"]:
            return None, "case_no missing"
        return Case(
            terminal_id=terminal_id,
            case_no=p["case_no"][: w.CASE_NO_MAX],
            service_id=_text(p.get("service_id"), w.CODE_MAX),
            item_code=_text(p.get("item_code"), w.CODE_MAX),
            outcome=_text(p.get("outcome"), w.OUTCOME_MAX),
            started_at=_number(p.get("started_at")),
            finished_at=_number(p.get("finished_at")),
            received_at=now,
            payload=p,
        ), None
    if item.kind == w.EVENT_RATING:
        rating = rating_row(terminal_id, p, _text(p.get("channel"), w.CHANNEL_MAX), now)
        return (rating, None) if rating is not None else (None, "case_no or level invalid")
    if item.kind == w.EVENT_DEVICE:
        if not isinstance(p.get("device"), str):
            return None, "device missing"
        return DeviceEvent(
            terminal_id=terminal_id,
            device=p["device"][: w.DEVICE_MAX],
            state=_text(p.get("state"), w.STATE_MAX),
            reason=_text(p.get("reason"), w.CODE_MAX),
            detail=_text(p.get("detail"), w.TEXT_MAX),
            received_at=now,
        ), None
    return None, None  # a kind this server does not know yet: kept as an event, acknowledged
