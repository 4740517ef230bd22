"""Routes for terminals: enrolment (public, one-time token), then signed sync — events, heartbeat,
config, announcements, the service catalog, citizen sessions and live queries (personal ones only inside
the citizen's session, ``backoffice.citizen_sessions``)."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import IntegrityError

from backoffice import audit, case_lookup, citizen_sessions, enrolment, heartbeats, remote_commands, rollouts
from backoffice.console import alerts
from backoffice.errors import ApiError
from backoffice.ingest import ingest_rows
from backoffice.models import Terminal
from backoffice.query_services import SERVICES, run_query
from backoffice.schemas import (
    EnrolIn,
    EnrolOut,
    EventsIn,
    EventsOut,
    HeartbeatIn,
    HeartbeatOut,
    Ok,
    SessionCloseIn,
    SessionIn,
    SessionOut,
    inline_schema,
)
from backoffice.standing import announcements_for, config_for, version_of
from backoffice.state import Backoffice, State
from backoffice.terminal_auth import AUTH_ERRORS, Signed
from flows.services import ServiceError
from wire import services, signing
from wire.limits import MAX_BATCH

router = APIRouter()
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")  # JSON's escape of a UTF-16 surrogate


@router.get(f"{signing.API}/health")
def health(bo: State) -> dict[str, Any]:
    return {"status": "ok", "server_time": bo.clock()}


@router.post(
    f"{signing.API}/enrol",
    response_model=EnrolOut,
    responses={
        401: {"description": "unknown token"},
        409: {"description": "conflict"},
        410: {"description": "token used or expired"},
    },
)
def enrol(body: EnrolIn, bo: State) -> EnrolOut:
    return enrolment.enrol(bo, body)


@router.post(
    f"{signing.API}/events",
    response_model=EventsOut,
    responses=AUTH_ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inline_schema(EventsIn)}},
        }
    },
)
async def ingest(request: Request, term: Signed, bo: State) -> Response:
    """Each event is validated on its own: one that cannot be understood (a lone surrogate, a missing
    key) is answered ``rejected`` alone and never fails its batch (``backoffice.ingest``). The answer is
    serialised here, once (as a model FastAPI would validate its 500 results again)."""
    raw = await request.body()
    try:
        body = json.loads(raw)
    except ValueError:
        raise ApiError(422, "request.invalid", "body is not JSON") from None
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("events"), list)
        or len(body["events"]) > MAX_BATCH
    ):
        raise ApiError(422, "request.invalid", 'body is {"events": [...]} with at most MAX_BATCH events')
    plain_text = SURROGATE_ESCAPE.search(raw) is None  # no event can hold a lone surrogate
    results = await run_in_threadpool(_ingest_with_retry, bo, term.id, body["events"], plain_text)
    return Response(
        json.dumps({"results": results}, ensure_ascii=False, separators=(",", ":")),
        media_type="application/json",
    )


def _ingest_with_retry(
    bo: Backoffice, terminal_id: str, events: list[Any], plain_text: bool
) -> list[dict[str, Any]]:
    for attempt in range(3):
        try:
            return ingest_rows(bo, terminal_id, events, plain_text=plain_text)
        except IntegrityError:  # the same key raced in from a concurrent retry: read its answer
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@router.post(f"{signing.API}/heartbeat", response_model=HeartbeatOut, responses=AUTH_ERRORS)
def heartbeat(body: HeartbeatIn, term: Signed, bo: State, request: Request) -> Response:
    """The latest state on the terminal's row and a bounded history (``backoffice.heartbeats``: one
    statement in the steady state). Alert conditions (paper out, reader gone, ...) are raised and resolved
    by ``backoffice.console.alerts``. The answer is serialised here, once: returned as a model, FastAPI
    would validate it again against ``HeartbeatOut`` and encode it twice (the model still documents it)."""
    now = bo.clock()
    data = body.model_dump()
    data["clock_offset"] = round(now - body.clock, 3) if body.clock else None
    previous, previous_at = heartbeats.record(bo, term.id, data, now)
    alerts.on_heartbeat(bo, request.app.state.console, term.id, data, previous, previous_at)  # the console
    settings = bo.settings()
    config = config_for(settings, term)
    announcements = announcements_for(settings, term, now)
    rollouts.evaluate(bo, term.group, every=bo.rollout_check_seconds)
    answer = {
        "server_time": now,
        "clock_offset": data["clock_offset"] or 0.0,
        "config_version": version_of(config),
        "announcements_version": version_of(announcements),
        "bundle_version": rollouts.latest_for(bo, term.group, term.id),
        "bundle_withdrawn": bo.withdrawn_bundles(term.group),
        "server_cert_next": settings.get("server_cert_next"),
        "commands": remote_commands.for_heartbeat(bo, term.id),
    }
    return Response(json.dumps(answer, ensure_ascii=False), media_type="application/json")


@router.get(f"{signing.API}/config", responses=AUTH_ERRORS)
def get_config(term: Signed, bo: State) -> dict[str, Any]:
    """The terminal's standing settings (``backoffice.standing``): the default group's, its group's, its own."""
    config = config_for(bo.settings(), term)
    return {"version": version_of(config), "config": config}


@router.get(f"{signing.API}/announcements", responses=AUTH_ERRORS)
def get_announcements(term: Signed, bo: State) -> dict[str, Any]:
    """The announcements for this terminal that have not ended; it shows each from its start."""
    items = announcements_for(bo.settings(), term, bo.clock())
    return {"version": version_of(items), "announcements": items}


@router.get(f"{signing.API}/catalog", responses=AUTH_ERRORS)
def get_catalog(term: Signed) -> dict[str, Any]:
    return {"services": sorted(SERVICES)}


@router.post(
    f"{signing.API}/query/{{name}}",
    responses={
        **AUTH_ERRORS,
        403: {"description": "revoked; no citizen session (personal services); too many case lookups"},
        404: {"description": "unknown service"},
        422: {"description": "refused; error holds the translation key"},
    },
)
def query(
    name: Annotated[str, Path(max_length=64)],
    params: dict[str, Any],
    term: Signed,
    bo: State,
    x_kiosk_session: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    """Personal services answer only inside a live session for the subject asked about; every personal
    query, answered or refused, is in the audit trail."""
    if name not in SERVICES:
        raise ApiError(404, services.E_UNKNOWN, "unknown service")
    if name == "case.lookup":  # not personal, but audited and rate-limited per terminal
        return case_lookup.lookup(bo, term, params)
    personal = name in services.PERSONAL_SERVICES
    if personal and not citizen_sessions.use_session(bo, term, x_kiosk_session, params.get("id_number")):
        _audit_query(bo, term, name, params, "refused.session")
        raise ApiError(403, services.E_SESSION, "no live session for this citizen at this terminal")
    error: ApiError | None = None
    try:
        answer = run_query(name, params)
    except ServiceError as exc:
        outcome, error = exc.key, ApiError(422, exc.key, exc.detail)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
        outcome, error = (
            services.E_BAD_REQUEST,
            ApiError(422, services.E_BAD_REQUEST, "parameters not understood"),
        )
    else:
        outcome, error = "answered", None
    if personal:
        _audit_query(bo, term, name, params, outcome)
    if error is not None:
        raise error
    return answer


def _audit_query(bo: Backoffice, term: Terminal, service: str, params: dict[str, Any], outcome: str) -> None:
    with bo.sessions.begin() as session:
        audit.record(
            session,
            bo.clock(),
            actor_kind="terminal",
            actor=term.id,
            action="query",
            service=service,
            subject=audit.masked(params.get("id_number")),
            outcome=outcome,
        )


@router.post(
    f"{signing.API}/sessions",
    response_model=SessionOut,
    responses={
        **AUTH_ERRORS,
        422: {"description": "not an ID number"},
        403: {"description": "revoked, or too many citizens' sessions: refused and alerted"},
    },
)
def open_session(body: SessionIn, term: Signed, bo: State) -> SessionOut:
    """The terminal identified a citizen: a short-lived token for that citizen's data at this terminal."""
    return SessionOut(
        **citizen_sessions.open_session(bo, term, body.id_number.upper(), body.card_type, body.case_no)
    )


@router.post(f"{signing.API}/sessions/close", response_model=Ok, responses=AUTH_ERRORS)
def close_session(body: SessionCloseIn, term: Signed, bo: State) -> Ok:
    """The case ended: the session's token stops working at once."""
    citizen_sessions.close_session(bo, term, body.session)
    return Ok()
