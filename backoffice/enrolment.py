"""Enrolment: operators issue one-time tokens, a technician's ``kiosk provision`` spends one.

A token is stored only as its hash; spending it gives the terminal a new secret and the bundle root
keys it pins.
"""

from __future__ import annotations

import base64
import logging
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.errors import ApiError
from backoffice.models import EnrolmentToken, Terminal
from backoffice.schemas import EnrolIn, EnrolOut, TokenIn, TokenOut
from backoffice.state import Backoffice, get_setting
from wire import signing

log = logging.getLogger(__name__)


def enrolment_token() -> str:
    """A one-time token a technician types or pastes: 120 random bits in lowercase base32, in groups of 4
    (``kiosk provision --token k3xq-...``). No leading '-', which a command line would take for an option."""
    raw = base64.b32encode(secrets.token_bytes(15)).decode().lower()
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def issue_tokens(bo: Backoffice, body: TokenIn) -> TokenOut:
    now = bo.clock()
    tokens = [enrolment_token() for _ in range(body.count)]
    with bo.sessions.begin() as session:
        session.add_all(EnrolmentToken(token_hash=signing.token_hash(t), group=body.group,
                                       terminal_id=body.terminal_id, created_at=now,
                                       expires_at=now + body.ttl_seconds) for t in tokens)
    return TokenOut(tokens=tokens, group=body.group, terminal_id=body.terminal_id,
                    expires_at=now + body.ttl_seconds)


def enrol(bo: Backoffice, body: EnrolIn) -> EnrolOut:
    """Spend a one-time token: a new terminal (or the re-enrolment the token names) gets a new secret."""
    now = bo.clock()
    with bo.sessions.begin() as session:
        token = session.get(EnrolmentToken, signing.token_hash(body.token), with_for_update=True)
        if token is None:
            raise ApiError(401, "enrol.token_unknown", "this enrolment token is not known")
        if token.used_at is not None:
            raise ApiError(410, "enrol.token_used", "this enrolment token was already used")
        if token.expires_at < now:
            raise ApiError(410, "enrol.token_expired", "this enrolment token has expired")
        if token.terminal_id and body.terminal_id and body.terminal_id != token.terminal_id:
            raise ApiError(409, "enrol.terminal_mismatch", "the token was issued for another terminal")
        if body.group and body.group != token.group:
            raise ApiError(409, "enrol.group_mismatch", "the token was issued for another group")
        terminal_id = token.terminal_id or body.terminal_id or _next_terminal_id(session)
        existing = session.get(Terminal, terminal_id)
        if existing is not None and existing.status == "active" and token.terminal_id != terminal_id:
            raise ApiError(409, "enrol.terminal_exists", "a terminal with this id is enrolled")
        secret = secrets.token_hex(32)
        if existing is None:
            session.add(Terminal(id=terminal_id, group=token.group, secret=secret, status="active",
                                 enrolled_at=now))
        else:  # re-enrolment the operator asked for: new secret, the old one stops working
            existing.secret, existing.status, existing.group = secret, "active", token.group
            existing.enrolled_at, existing.revoked_at = now, None
        token.used_at, token.used_by = now, terminal_id
        root = get_setting(session, "bundle_root_keys", {})
        group = token.group
    bo.forget_terminal(terminal_id)
    log.info("enrolled terminal %s in group %s", terminal_id, group)
    return EnrolOut(terminal_id=terminal_id, secret=secret, group=group,
                    bundle_root_keys=list(root.get("keys", [])), bundle_root_threshold=int(root.get("threshold", 1)),
                    bundle_root_version=int(root.get("version", 1)),
                    server_time=now)


def _next_terminal_id(session: Session) -> str:
    count = session.scalar(select(func.count()).select_from(Terminal)) or 0
    for n in range(count + 1, count + 10000):
        candidate = f"T-{n:04d}"
        if session.get(Terminal, candidate) is None:
            return candidate
    raise ApiError(409, "enrol.no_id", "no free terminal id")
