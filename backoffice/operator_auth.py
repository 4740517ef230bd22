"""Operators with names and roles: argon2 password hashes, per-operator API tokens, lockout, roles.

An operator logs in (``POST /api/v1/operator/login``, name and password) and gets an API token for
``Authorization: Bearer ...``. Wrong passwords count per account (``Limits.login_attempts`` locks it for
``Limits.lockout_seconds``) and logins count per client address (``Limits.login_per_minute``), both in the
shared database so every server process applies the same limit.

Roles (``ROLES``): ``admin`` may do everything; ``publisher`` bundles, config and announcements;
``rating_supervisor`` the ratings; ``auditor`` the audit trail; ``viewer`` the read-only views. Every
operator route names the roles it admits (``require``), and every call — allowed or refused — is a row
in the audit trail.

The shared ``X-Operator-Key`` is a bootstrap for the embedded demo and the tests only: given to
``create_app(operator_key=...)`` it acts as the admin ``bootstrap``; a deployment sets none.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Header, Request
from sqlalchemy import select, update

from backoffice import audit
from backoffice.errors import ApiError
from backoffice.models import Operator, OperatorToken
from backoffice.state import Backoffice, State

ROLES = ("admin", "publisher", "rating_supervisor", "auditor", "viewer")
READERS = ROLES  # the read-only views of terminals, cases, bundles and alerts
TOKEN_SECONDS = 12 * 3600
BOOTSTRAP = "bootstrap"
NAME_PATTERN = r"^[a-z][a-z0-9_.-]{1,63}$"
HASHER = PasswordHasher()  # argon2id, the library's defaults (memory-hard)
_DUMMY_HASH = HASHER.hash("not a password")  # unknown names take as long as known ones


@dataclass(frozen=True)
class Actor:
    name: str
    role: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_operator(bo: Backoffice, name: str, role: str, password: str, *, by: str = "cli") -> None:
    if role not in ROLES:
        raise ApiError(422, "operator.role", f"role is one of {', '.join(ROLES)}")
    if len(password) < 12:
        raise ApiError(422, "operator.password", "a password has at least 12 characters")
    now = bo.clock()
    with bo.sessions.begin() as session:
        if session.get(Operator, name) is not None:
            raise ApiError(409, "operator.exists", "an operator with this name exists")
        session.add(
            Operator(
                name=name, role=role, password_hash=HASHER.hash(password), created_at=now, failed_logins=0
            )
        )
        audit.record(
            session,
            now,
            actor_kind="operator",
            actor=by,
            action="operator.add",
            outcome="ok",
            detail={"name": name, "role": role},
        )


def login(bo: Backoffice, name: str, password: str, client: str) -> tuple[str, Actor, float]:
    """A new API token for the operator; ApiError 401 (wrong name or password, or a locked account), 429 (too
    many attempts from this address).

    A locked account answers exactly like a wrong password (status, body, and the same argon2 work), and the
    lock is audited (``refused.locked``): a 423 for a known name after five tries, and a 401 forever for an
    unknown one, told anyone which operator names exist."""
    now, limits = bo.clock(), bo.limits
    if bo.count(f"login:{client}", 60.0, now) > limits.login_per_minute:
        _audit(bo, name, "operator.login", "refused.rate")
        raise ApiError(429, "operator.rate_limited", "too many login attempts; wait a minute")
    with bo.sessions() as session:
        row = session.get(Operator, name)
    locked = row is not None and row.locked_until is not None and row.locked_until > now
    try:
        HASHER.verify(row.password_hash if row is not None else _DUMMY_HASH, password)
        ok = row is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if locked:
        _audit(bo, name, "operator.login", "refused.locked")
        raise ApiError(401, "operator.unauthorised", "name or password wrong")
    if not ok:
        if row is not None:
            with bo.sessions.begin() as session:
                session.execute(
                    update(Operator)
                    .where(Operator.name == name)
                    .values(failed_logins=Operator.failed_logins + 1)
                )
                failed = session.scalar(select(Operator.failed_logins).where(Operator.name == name)) or 0
                if failed >= limits.login_attempts:
                    session.execute(
                        update(Operator)
                        .where(Operator.name == name)
                        .values(locked_until=now + limits.lockout_seconds, failed_logins=0)
                    )
        _audit(bo, name, "operator.login", "refused.password")
        raise ApiError(401, "operator.unauthorised", "name or password wrong")
    assert row is not None  # ok implies a known operator
    token = operator_token()
    with bo.sessions.begin() as session:
        session.execute(
            update(Operator).where(Operator.name == name).values(failed_logins=0, locked_until=None)
        )
        session.add(
            OperatorToken(
                token_hash=token_hash(token), operator=name, created_at=now, expires_at=now + TOKEN_SECONDS
            )
        )
        audit.record(session, now, actor_kind="operator", actor=name, action="operator.login", outcome="ok")
    return token, Actor(name, row.role), now + TOKEN_SECONDS


def operator_token() -> str:
    """A bearer token an operator pastes after ``--token``: 256 random bits with a prefix, so that it never
    starts with '-' (a command line would take it for an option; 1 token in 64 did before)."""
    return "op_" + secrets.token_urlsafe(32)


def identify(bo: Backoffice, authorization: str | None, operator_key: str | None) -> Actor:
    if operator_key is not None:
        if bo.operator_key and secrets.compare_digest(operator_key.encode(), bo.operator_key.encode()):
            return Actor(BOOTSTRAP, "admin")
        raise ApiError(401, "operator.unauthorised", "operator key missing or wrong")
    if not authorization or not authorization.startswith("Bearer ") or len(authorization) > 300:
        raise ApiError(401, "operator.unauthorised", "operator token missing or wrong")
    with bo.sessions() as session:
        row = session.get(OperatorToken, token_hash(authorization[7:].strip()))
        operator = session.get(Operator, row.operator) if row is not None else None
    if row is None or operator is None or row.expires_at < bo.clock():
        raise ApiError(401, "operator.unauthorised", "operator token missing or wrong")
    return Actor(operator.name, operator.role)


def require(*roles: str) -> Callable[..., Iterator[Actor]]:
    """Dependency: an operator holding one of ``roles`` (admin always); the call is audited. Used through
    :func:`operator_with`, so the audit row is committed before the answer leaves."""

    def dependency(
        request: Request,
        bo: State,
        authorization: Annotated[str | None, Header()] = None,
        x_operator_key: Annotated[str | None, Header()] = None,
    ) -> Iterator[Actor]:
        route = getattr(request.scope.get("route"), "path", request.url.path)
        action = f"{request.method} {route}"[:64]
        try:
            actor = identify(bo, authorization, x_operator_key)
        except ApiError:
            _audit(bo, "", action, "refused.unauthenticated")
            raise
        if actor.role != "admin" and actor.role not in roles:
            _audit(bo, actor.name, action, "refused.role")
            raise ApiError(403, "operator.forbidden", f"this needs the role {' or '.join(roles) or 'admin'}")
        outcome = "ok"
        try:
            yield actor
        except ApiError as exc:
            outcome = exc.code
            raise
        except Exception:
            outcome = "error"
            raise
        finally:
            _audit(bo, actor.name, action, outcome, {"path": request.url.path[:200]})

    return dependency


def _audit(
    bo: Backoffice, actor: str, action: str, outcome: str, detail: dict[str, Any] | None = None
) -> None:
    with bo.sessions.begin() as session:
        audit.record(
            session,
            bo.clock(),
            actor_kind="operator",
            actor=actor or "-",
            action=action,
            outcome=outcome,
            detail=detail,
        )


def operator_with(*roles: str) -> Any:
    """The route parameter for :func:`require`. ``scope="function"``: FastAPI's default ends a dependency with
    ``yield`` after the answer is sent, so an operator (or an auditor reading the trail right after) had the
    answer before its audit row existed, and a crash in between lost the row."""
    return Depends(require(*roles), scope="function")


Admin = Annotated[Actor, operator_with("admin")]
Reader = Annotated[Actor, operator_with(*READERS)]
Publisher = Annotated[Actor, operator_with("publisher")]
RatingSupervisor = Annotated[Actor, operator_with("rating_supervisor")]
Auditor = Annotated[Actor, operator_with("auditor")]
OP_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "operator token or key missing or wrong"},
    403: {"description": "the operator's role does not allow this"},
}
