"""Routes for operators: enrolment tokens, revocation, and the read-only views of terminals, cases and ratings
(settings and announcements: ``backoffice.standing_routes``). Each names the roles it admits
(``backoffice.operator_auth``); every call is in the audit trail."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from sqlalchemy import select

from backoffice import approvals, enrolment
from backoffice.errors import ApiError
from backoffice.models import Case, Rating, Terminal
from backoffice.operator_auth import BOOTSTRAP, OP_ERRORS, Admin, RatingSupervisor, Reader
from backoffice.schemas import (
    CaseView,
    Ok,
    RatingView,
    RowView,
    TerminalView,
    TokenIn,
    TokenOut,
)
from backoffice.state import Backoffice, State
from backoffice.terminal_cache import bump_revision
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
        bump_revision(session)  # every process drops its cached credentials within half a second
    bo.forget_terminal(terminal_id)
    log.info("revoked terminal %s", terminal_id)
    return Ok()


TerminalFilter = Annotated[str | None, Query(max_length=64)]
Limit = Annotated[int, Query(ge=1, le=100000)]
Offset = Annotated[int, Query(ge=0, le=2**31)]


def _page(bo: Backoffice, model: Any, limit: int, offset: int, **equal: str | None) -> Sequence[Any]:
    """One page of a table in id order, narrowed to the rows whose columns equal the filters given."""
    stmt = select(model).order_by(model.id).limit(limit).offset(offset)
    for column, value in equal.items():
        if value:
            stmt = stmt.where(getattr(model, column) == value)
    with bo.sessions() as session:
        return session.scalars(stmt).all()


@router.get("/terminals", response_model=list[TerminalView], responses=OP_ERRORS)
def list_terminals(
    bo: State,
    _actor: Reader,
    group: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
    offset: Offset = 0,
) -> list[TerminalView]:
    return _listed(bo, Terminal, TerminalView, limit, offset, group=group)


@router.get("/cases", response_model=list[CaseView], responses=OP_ERRORS)
def list_cases(
    bo: State, _actor: Reader, terminal_id: TerminalFilter = None, limit: Limit = 1000, offset: Offset = 0
) -> list[CaseView]:
    return _listed(bo, Case, CaseView, limit, offset, terminal_id=terminal_id)


@router.get("/ratings", response_model=list[RatingView], responses=OP_ERRORS)
def list_ratings(
    bo: State,
    _actor: RatingSupervisor,
    terminal_id: TerminalFilter = None,
    limit: Limit = 1000,
    offset: Offset = 0,
) -> list[RatingView]:
    return _listed(bo, Rating, RatingView, limit, offset, terminal_id=terminal_id)


def _listed(
    bo: Backoffice, model: Any, view: type[RowView], limit: int, offset: int, **equal: str | None
) -> list[Any]:
    """A page of ``model``'s rows (``_page``) as ``view``."""
    return [view.model_validate(r) for r in _page(bo, model, limit, offset, **equal)]
