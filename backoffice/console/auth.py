"""Console logins: a cookie holding a per-operator token, an idle timeout, CSRF tokens, role checks.

The console reuses the operators of ``backoffice.operator_auth`` (argon2 passwords, lockout, the login
rate limit, audit rows). A login's token goes into an ``HttpOnly``, ``SameSite=Strict`` cookie and its
row's ``expires_at`` slides: each request pushes it ``session_idle_seconds`` ahead, so an idle console
ends server-side in every process at once. Every form and htmx request carries a CSRF token derived
from the session token (HMAC), checked on each POST: another site can neither read nor forge it.
Each page names the roles it admits; a refused role gets the refusal page with status 403.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from fastapi import Request
from sqlalchemy import update

from backoffice.errors import ApiError
from backoffice.models import OperatorToken
from backoffice.operator_auth import Actor, identify, token_hash
from backoffice.state import Backoffice

COOKIE = "console_session"
SLIDE_EVERY = 30.0  # seconds between writes of the sliding expiry (not one write per request)


class LoginRequired(Exception):
    """No live console session: the page answers with a redirect to the login page."""

    def __init__(self, expired: bool = False):
        super().__init__("login required")
        self.expired = expired


class Refused(Exception):
    """The operator's role may not see this page or do this action (HTTP 403)."""

    def __init__(self, actor: Actor):
        super().__init__("refused")
        self.actor = actor


def csrf_token(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"console-csrf", hashlib.sha256).hexdigest()[:40]


def start(bo: Backoffice, token: str, idle: float) -> None:
    """A fresh login: its token lives ``idle`` seconds unless used."""
    with bo.sessions.begin() as session:
        session.execute(
            update(OperatorToken)
            .where(OperatorToken.token_hash == token_hash(token))
            .values(expires_at=bo.clock() + idle)
        )


def end(bo: Backoffice, token: str) -> None:
    with bo.sessions.begin() as session:
        session.execute(
            update(OperatorToken).where(OperatorToken.token_hash == token_hash(token)).values(expires_at=0.0)
        )


def current(request: Request, bo: Backoffice, idle: float) -> tuple[Actor, str]:
    """The logged-in operator and the session token; LoginRequired when none or timed out."""
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 100:
        raise LoginRequired()
    try:
        actor = identify(bo, f"Bearer {token}", None)
    except ApiError:
        raise LoginRequired(expired=True) from None
    now = bo.clock()
    with bo.sessions() as session:
        row = session.get(OperatorToken, token_hash(token))
        expires = row.expires_at if row is not None else 0.0
    if now + idle - expires > SLIDE_EVERY:
        with bo.sessions.begin() as session:
            session.execute(
                update(OperatorToken)
                .where(OperatorToken.token_hash == token_hash(token))
                .values(expires_at=now + idle)
            )
    return actor, token


def check_csrf(token: str, form: dict[str, Any], request: Request) -> bool:
    given = request.headers.get("x-csrf-token") or str(form.get("csrf", ""))
    return hmac.compare_digest(given.encode(), csrf_token(token).encode())


def allowed(actor: Actor, roles: tuple[str, ...]) -> bool:
    return actor.role == "admin" or actor.role in roles
