"""Routes for terminals: enrolment (public, one-time token), then signed sync — events, heartbeat,
config, announcements, the service catalog and live queries."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Path
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from backoffice import enrolment, rollouts
from backoffice.errors import ApiError
from backoffice.ingest import ingest as ingest_events
from backoffice.models import Case, Rating, Terminal
from backoffice.query_services import SERVICES, run_query
from backoffice.schemas import EnrolIn, EnrolOut, EventsIn, EventsOut, HeartbeatIn, HeartbeatOut
from backoffice.state import Backoffice, State
from backoffice.terminal_auth import AUTH_ERRORS, Signed
from flows.services import ServiceError
from wire import services, signing

router = APIRouter()


@router.get(f"{signing.API}/health")
def health(bo: State) -> dict[str, Any]:
    return {"status": "ok", "server_time": bo.clock()}


@router.post(f"{signing.API}/enrol", response_model=EnrolOut,
             responses={401: {"description": "unknown token"}, 409: {"description": "conflict"},
                        410: {"description": "token used or expired"}})
def enrol(body: EnrolIn, bo: State) -> EnrolOut:
    return enrolment.enrol(bo, body)


@router.post(f"{signing.API}/events", response_model=EventsOut, responses=AUTH_ERRORS)
def ingest(body: EventsIn, term: Signed, bo: State) -> EventsOut:
    for attempt in range(3):
        try:
            return ingest_events(bo, term.id, body.events)
        except IntegrityError:  # the same key raced in from a concurrent retry: read its answer
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@router.post(f"{signing.API}/heartbeat", response_model=HeartbeatOut, responses=AUTH_ERRORS)
def heartbeat(body: HeartbeatIn, term: Signed, bo: State) -> HeartbeatOut:
    now = bo.clock()
    data = body.model_dump()
    data["clock_offset"] = round(now - body.clock, 3) if body.clock else None
    with bo.sessions.begin() as session:
        session.execute(update(Terminal).where(Terminal.id == term.id)
                        .values(last_heartbeat_at=now, heartbeat=data))
    settings = bo.settings()
    config = config_for(settings, term)
    announcements = announcements_for(settings, term, now)
    rollouts.evaluate(bo, term.group, every=bo.rollout_check_seconds)
    latest = rollouts.latest_for(bo, term.group, term.id)
    return HeartbeatOut(server_time=now, clock_offset=data["clock_offset"] or 0.0,
                        config_version=version_of(config), announcements_version=version_of(announcements),
                        bundle_version=latest, bundle_withdrawn=bo.withdrawn_bundles(term.group),
                        server_cert_next=settings.get("server_cert_next"))


@router.get(f"{signing.API}/config", responses=AUTH_ERRORS)
def get_config(term: Signed, bo: State) -> dict[str, Any]:
    """Group settings overridden by the terminal's own; never secrets."""
    config = config_for(bo.settings(), term)
    return {"version": version_of(config), "config": config}


@router.get(f"{signing.API}/announcements", responses=AUTH_ERRORS)
def get_announcements(term: Signed, bo: State) -> dict[str, Any]:
    items = announcements_for(bo.settings(), term, bo.clock())
    return {"version": version_of(items), "announcements": items}


@router.get(f"{signing.API}/catalog", responses=AUTH_ERRORS)
def get_catalog(term: Signed) -> dict[str, Any]:
    return {"services": sorted(SERVICES)}


@router.post(f"{signing.API}/query/{{name}}",
             responses={**AUTH_ERRORS, 404: {"description": "unknown service"},
                        422: {"description": "refused; error holds the translation key"}})
def query(name: Annotated[str, Path(max_length=64)], params: dict[str, Any], term: Signed,
          bo: State) -> dict[str, Any]:
    if name not in SERVICES:
        raise ApiError(404, services.E_UNKNOWN, "unknown service")
    if name == "case.lookup":
        found = case_lookup(bo, params)
        if found is not None:
            return found
    try:
        return run_query(name, params)
    except ServiceError as exc:
        raise ApiError(422, exc.key, exc.detail) from None
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
        raise ApiError(422, services.E_BAD_REQUEST, "parameters not understood") from None


def case_lookup(bo: Backoffice, params: dict[str, Any]) -> dict[str, Any] | None:
    """A case the back office holds, by its 办件编号 (for rating it later at any terminal). None: not here
    (perhaps still queued at its terminal), and the demo service answers from the number's format."""
    case_no = params.get("case_no")
    if not isinstance(case_no, str) or not 0 < len(case_no) <= 64:
        return None
    with bo.sessions() as session:
        case = session.scalars(select(Case).where(Case.case_no == case_no).order_by(Case.id).limit(1)).first()
        if case is None:
            return None
        rated = session.scalar(select(func.count()).select_from(Rating).where(
            Rating.case_no == case_no, Rating.terminal_id == case.terminal_id)) or 0
    return {"found": True, "case_no": case_no, "title": case.service_id, "item_code": case.item_code,
            "service_id": case.service_id, "outcome": case.outcome, "rated": rated > 0}


def version_of(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def config_for(settings: dict[str, Any], term: Terminal) -> dict[str, Any]:
    config = dict(settings.get("config:group:default", {}))
    if term.group != "default":
        config.update(settings.get(f"config:group:{term.group}", {}))
    config.update(settings.get(f"config:terminal:{term.id}", {}))
    return config


def announcements_for(settings: dict[str, Any], term: Terminal, now: float) -> list[dict[str, Any]]:
    items = settings.get("announcements", [])
    return [a for a in items
            if (not a.get("groups") or term.group in a["groups"])
            and (a.get("starts") is None or a["starts"] <= now) and (a.get("ends") is None or now < a["ends"])]
