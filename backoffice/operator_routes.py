"""Routes for operators: enrolment tokens, revocation, per-group and per-terminal config,
announcements, and the read-only views of terminals, cases and ratings. Each names the roles it admits
(``backoffice.operator_auth``); every call is in the audit trail."""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query
from fastapi.responses import JSONResponse
from pydantic import Field
from sqlalchemy import select

from backoffice import approvals, enrolment
from backoffice.errors import ApiError
from backoffice.models import Case, Rating, Terminal
from backoffice.operator_auth import BOOTSTRAP, OP_ERRORS, Admin, Publisher, RatingSupervisor, Reader
from backoffice.schemas import (
    ID_PATTERN,
    Announcement,
    CaseView,
    Ok,
    RatingView,
    TerminalView,
    TokenIn,
    TokenOut,
)
from backoffice.state import State
from wire import signing

log = logging.getLogger(__name__)
router = APIRouter(prefix=f"{signing.API}/operator")


@router.post(
    "/tokens",
    response_model=TokenOut,
    responses={**OP_ERRORS, 202: {"description": "more than a handful: waiting for a second admin"}},
)
def issue_tokens(body: TokenIn, bo: State, actor: Admin) -> Any:
    """More than ``Limits.bulk_tokens`` at once need a second admin's approval (``backoffice.approvals``)."""
    if body.count > bo.limits.bulk_tokens and actor.name != BOOTSTRAP:
        return JSONResponse(
            approvals.request(bo, approvals.ISSUE_TOKENS, body.model_dump(), actor.name), status_code=202
        )
    if body.count > bo.limits.bulk_tokens:
        raise ApiError(403, "operator.bulk_tokens", "the bootstrap key issues a handful of tokens at most")
    return enrolment.issue_tokens(bo, body)


@router.post(
    "/terminals/{terminal_id}/revoke",
    response_model=Ok,
    responses={**OP_ERRORS, 404: {"description": "unknown terminal"}},
)
def revoke(terminal_id: Annotated[str, Path(max_length=64)], bo: State, _actor: Admin) -> Ok:
    with bo.sessions.begin() as session:
        row = session.get(Terminal, terminal_id)
        if row is None:
            raise ApiError(404, "terminal.unknown", "unknown terminal")
        row.status, row.revoked_at = "revoked", bo.clock()
    bo.forget_terminal(terminal_id)
    log.info("revoked terminal %s", terminal_id)
    return Ok()


@router.get("/terminals", response_model=list[TerminalView], responses=OP_ERRORS)
def list_terminals(
    bo: State,
    _actor: Reader,
    group: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
) -> list[TerminalView]:
    with bo.sessions() as session:
        stmt = select(Terminal).order_by(Terminal.id).limit(limit).offset(offset)
        if group:
            stmt = stmt.where(Terminal.group == group)
        rows = session.scalars(stmt).all()
    return [
        TerminalView(
            terminal_id=r.id,
            group=r.group,
            status=r.status,
            enrolled_at=r.enrolled_at,
            revoked_at=r.revoked_at,
            last_heartbeat_at=r.last_heartbeat_at,
            heartbeat=r.heartbeat,
        )
        for r in rows
    ]


@router.get("/cases", response_model=list[CaseView], responses=OP_ERRORS)
def list_cases(
    bo: State,
    _actor: Reader,
    terminal_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
) -> list[CaseView]:
    with bo.sessions() as session:
        stmt = select(Case).order_by(Case.id).limit(limit).offset(offset)
        if terminal_id:
            stmt = stmt.where(Case.terminal_id == terminal_id)
        rows = session.scalars(stmt).all()
    return [
        CaseView(
            terminal_id=r.terminal_id,
            case_no=r.case_no,
            service_id=r.service_id,
            item_code=r.item_code,
            outcome=r.outcome,
            started_at=r.started_at,
            reason=str((r.payload or {}).get("reason") or "")[:64],
            finished_at=r.finished_at,
            received_at=r.received_at,
        )
        for r in rows
    ]


@router.get("/ratings", response_model=list[RatingView], responses=OP_ERRORS)
def list_ratings(
    bo: State,
    _actor: RatingSupervisor,
    terminal_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
) -> list[RatingView]:
    with bo.sessions() as session:
        stmt = select(Rating).order_by(Rating.id).limit(limit).offset(offset)
        if terminal_id:
            stmt = stmt.where(Rating.terminal_id == terminal_id)
        rows = session.scalars(stmt).all()
    return [
        RatingView(
            terminal_id=r.terminal_id,
            case_no=r.case_no,
            item_code=r.item_code,
            level=r.level,
            indicators=r.indicators,
            reasons=list(r.reasons or []),
            set_version=r.set_version,
            comment=r.comment,
            channel=r.channel,
            received_at=r.received_at,
        )
        for r in rows
    ]


@router.put("/config/{scope}/{name}", response_model=Ok, responses=OP_ERRORS)
def put_config(
    scope: Literal["group", "terminal"],
    name: Annotated[str, Path(pattern=ID_PATTERN)],
    config: Annotated[dict[str, Any], Body(max_length=200)],
    bo: State,
    _actor: Publisher,
) -> Ok:
    """Per-terminal settings override per-group ones. No secrets belong here: terminals pull it."""
    bo.put_setting(f"config:{scope}:{name}", config)
    return Ok()


@router.put("/announcements", response_model=Ok, responses=OP_ERRORS)
def put_announcements(
    items: Annotated[list[Announcement], Field(max_length=200)], bo: State, _actor: Publisher
) -> Ok:
    bo.put_setting("announcements", [a.model_dump() for a in items])
    return Ok()
