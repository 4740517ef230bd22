"""Operator accounts, login, approvals, the audit trail and alerts.

Login is public (rate-limited, with lockout); creating operators and approving is for admins; the audit
trail (list and export) is for auditors; alerts for anyone who may read the views.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from backoffice import approvals, audit
from backoffice.exports import csv_text
from backoffice.models import Alert, Operator
from backoffice.operator_auth import (
    NAME_PATTERN,
    OP_ERRORS,
    ROLES,
    Admin,
    Auditor,
    Reader,
    add_operator,
    login,
)
from backoffice.schemas import Ok
from backoffice.state import State
from wire import signing

router = APIRouter(prefix=f"{signing.API}/operator")
TEN_YEARS = 10 * 366 * 86400.0


class LoginIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class LoginOut(BaseModel):
    token: str  # Authorization: Bearer <token>
    role: str
    expires_at: float


class OperatorIn(BaseModel):
    name: str = Field(pattern=NAME_PATTERN)
    role: Literal["admin", "publisher", "rating_supervisor", "auditor", "viewer"]
    password: str = Field(min_length=12, max_length=1024)


class OperatorView(BaseModel):
    name: str
    role: str
    created_at: float
    locked: bool


@router.post(
    "/login",
    response_model=LoginOut,
    responses={
        401: {"description": "name or password wrong"},
        429: {"description": "too many attempts"},
    },
)
def operator_login(body: LoginIn, request: Request, bo: State) -> LoginOut:
    client = request.client.host if request.client else "-"
    token, actor, expires = login(bo, body.name, body.password, client)
    return LoginOut(token=token, role=actor.role, expires_at=expires)


@router.post(
    "/operators",
    response_model=Ok,
    status_code=201,
    responses={**OP_ERRORS, 409: {"description": "name taken"}},
)
def create_operator(body: OperatorIn, bo: State, actor: Admin) -> Ok:
    add_operator(bo, body.name, body.role, body.password, by=actor.name)
    return Ok()


@router.get("/operators", response_model=list[OperatorView], responses=OP_ERRORS)
def list_operators(bo: State, _actor: Admin) -> list[OperatorView]:
    now = bo.clock()
    with bo.sessions() as session:
        rows = session.scalars(select(Operator).order_by(Operator.name)).all()
    return [
        OperatorView(
            name=r.name,
            role=r.role,
            created_at=r.created_at,
            locked=bool(r.locked_until and r.locked_until > now),
        )
        for r in rows
    ]


@router.get("/approvals", responses=OP_ERRORS)
def list_approvals(bo: State, _actor: Admin) -> list[dict[str, Any]]:
    return approvals.pending(bo)


@router.post(
    "/approvals/{approval_id}/approve",
    responses={**OP_ERRORS, 404: {"description": "no such approval"}, 409: {"description": "done"}},
)
def approve(approval_id: Annotated[int, Path(ge=1, le=2**31)], bo: State, actor: Admin) -> dict[str, Any]:
    return approvals.approve(bo, approval_id, actor.name)


def _since(value: float | None, bo_now: float) -> float | None:
    return None if value is None else max(value, bo_now - TEN_YEARS)


@router.get("/audit", responses=OP_ERRORS)
def audit_entries(
    bo: State,
    _actor: Auditor,
    since: Annotated[float | None, Query(ge=0, le=1e11)] = None,
    until: Annotated[float | None, Query(ge=0, le=1e11)] = None,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
) -> list[dict[str, Any]]:
    with bo.sessions() as session:
        return audit.entries(
            session, since=_since(since, bo.clock()), until=until, actor=actor, limit=limit, offset=offset
        )


@router.get(
    "/audit/export",
    response_class=Response,
    responses={**OP_ERRORS, 200: {"content": {"text/csv": {}, "application/x-ndjson": {}}}},
)
def audit_export(
    bo: State,
    _actor: Auditor,
    since: Annotated[float | None, Query(ge=0, le=1e11)] = None,
    until: Annotated[float | None, Query(ge=0, le=1e11)] = None,
    format: Annotated[Literal["csv", "jsonl"], Query()] = "csv",
) -> Response:
    """The audit trail for an auditor's own tools (at most 100,000 rows a call; page with ``since``)."""
    with bo.sessions() as session:
        rows = audit.entries(session, since=_since(since, bo.clock()), until=until, limit=100_000)
    if format == "jsonl":
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        return Response(text, media_type="application/x-ndjson")
    header = ["id", "at", "time", "actor_kind", "actor", "action", "subject", "service", "outcome"]
    table = [header] + [
        [
            r["id"],
            r["at"],
            datetime.fromtimestamp(r["at"]).isoformat(timespec="seconds"),
            r["actor_kind"],
            r["actor"],
            r["action"],
            r["subject"],
            r["service"],
            r["outcome"],
        ]
        for r in rows
    ]
    return Response(csv_text(table), media_type="text/csv")


@router.get("/alerts", responses=OP_ERRORS)
def list_alerts(
    bo: State, _actor: Reader, limit: Annotated[int, Query(ge=1, le=10000)] = 1000
) -> list[dict[str, Any]]:
    with bo.sessions() as session:
        rows = session.scalars(select(Alert).order_by(Alert.id.desc()).limit(limit)).all()
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "terminal_id": r.terminal_id,
            "detail": r.detail,
            "raised_at": r.raised_at,
        }
        for r in rows
    ]


__all__ = ["ROLES", "router"]
