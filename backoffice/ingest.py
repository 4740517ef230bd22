"""Idempotent ingest of the terminals' outbox events.

Ingest is idempotent per (terminal, idempotency key): the first answer is stored and replayed for any
repeat, so a terminal that retries after a lost answer never creates a second case. One event that
cannot be understood is answered ``rejected`` (and kept), never failing the batch: a poison event must
not block the terminal's queue.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from backoffice.models import Case, DeviceEvent, Event, Rating
from backoffice.query_services import SERVICES, run_query
from backoffice.schemas import EventIn, EventResult, EventsOut
from backoffice.state import Backoffice
from flows.services import ServiceError
from wire import events as wire_events
from wire import services

log = logging.getLogger(__name__)


def ingest(bo: Backoffice, terminal_id: str, events: list[EventIn]) -> EventsOut:
    now = bo.clock()
    results: list[EventResult] = []
    with bo.sessions.begin() as session:
        keys = list({e.idem_key for e in events})
        known: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            for key, answer in session.execute(select(Event.idem_key, Event.answer).where(
                    Event.terminal_id == terminal_id, Event.idem_key.in_(chunk))):
                known[key] = answer
        fresh: list[tuple[EventIn, Event, Any]] = []
        for item in events:
            if item.idem_key in known:
                answer = known[item.idem_key]
                results.append(EventResult(idem_key=item.idem_key, status=answer["status"], duplicate=True,
                                           answer=answer))
                continue
            record, reason = _domain_record(terminal_id, item, now)
            answer = {"status": "accepted" if reason is None else "rejected", "kind": item.kind,
                      "received_at": now, **({"reason": reason} if reason else {})}
            if item.kind == wire_events.EVENT_SUBMISSION and reason is None:
                answer.update(_run_submission(item.payload))
            event = Event(terminal_id=terminal_id, idem_key=item.idem_key, kind=item.kind, received_at=now,
                          answer=answer)
            session.add(event)
            fresh.append((item, event, record))
            known[item.idem_key] = answer
            results.append(EventResult(idem_key=item.idem_key, status=answer["status"], duplicate=False,
                                       answer=answer))
        if fresh:
            session.flush()
            for _item, event, record in fresh:
                if record is not None:
                    record.event_id = event.id
                    session.add(record)
    return EventsOut(results=results)


def _run_submission(payload: dict[str, Any]) -> dict[str, Any]:
    """An application queued offline, run once (its answer is stored with the event and replayed)."""
    service, params = payload.get("service"), payload.get("params")
    if not isinstance(service, str) or service not in SERVICES or not isinstance(params, dict):
        return {"status": "rejected", "reason": "unknown service or parameters"}
    try:
        return {"result": run_query(service, params)}
    except ServiceError as exc:
        return {"status": "rejected", "reason": exc.key}
    except Exception:  # a poison submission must not fail the batch it came in
        log.exception("submission to %s failed", service)
        return {"status": "rejected", "reason": services.E_BAD_REQUEST}


def _text(value: Any, limit: int) -> str:
    return ("" if value is None else str(value))[:limit]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) < 1e12 \
        else None


def _domain_record(terminal_id: str, item: EventIn, now: float) -> tuple[Any, str | None]:
    """The row an event becomes, or why it is rejected. The terminal id comes from the signature, not the
    payload. Text is cut to the limits in ``wire.events``."""
    p, w = item.payload, wire_events
    if item.kind == w.EVENT_CASE:
        if not isinstance(p.get("case_no"), str) or not p["case_no"]:
            return None, "case_no missing"
        return Case(terminal_id=terminal_id, case_no=p["case_no"][:w.CASE_NO_MAX],
                    service_id=_text(p.get("service_id"), w.CODE_MAX), item_code=_text(p.get("item_code"), w.CODE_MAX),
                    outcome=_text(p.get("outcome"), w.OUTCOME_MAX),
                    started_at=_number(p.get("started_at")), finished_at=_number(p.get("finished_at")),
                    received_at=now, payload=p), None
    if item.kind == w.EVENT_RATING:
        level = p.get("level")
        if not isinstance(p.get("case_no"), str) or not isinstance(level, int) or level not in w.RATING_LEVELS:
            return None, "case_no or level invalid"
        indicators = p.get("indicators") if isinstance(p.get("indicators"), list) else []
        return Rating(terminal_id=terminal_id, case_no=p["case_no"][:w.CASE_NO_MAX],
                      item_code=_text(p.get("item_code"), w.CODE_MAX), level=level, indicators=indicators,
                      comment=_text(p.get("comment"), w.TEXT_MAX), channel=_text(p.get("channel"), w.CHANNEL_MAX),
                      received_at=now), None
    if item.kind == w.EVENT_DEVICE:
        if not isinstance(p.get("device"), str):
            return None, "device missing"
        return DeviceEvent(terminal_id=terminal_id, device=p["device"][:w.DEVICE_MAX],
                           state=_text(p.get("state"), w.STATE_MAX), reason=_text(p.get("reason"), w.CODE_MAX),
                           detail=_text(p.get("detail"), w.TEXT_MAX), received_at=now), None
    return None, None  # a kind this server does not know yet: kept as an event, acknowledged
