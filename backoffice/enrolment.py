"""Enrolment: operators issue one-time tokens, a technician's ``kiosk provision`` spends one.

A token is stored only as its hash; spending it gives the terminal a new secret and the bundle root
keys it pins.
"""

from __future__ import annotations

import base64
import logging
import secrets

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backoffice import audit
from backoffice.errors import ApiError
from backoffice.models import EnrolmentToken, RateCounter, Terminal
from backoffice.schemas import EnrolIn, EnrolOut, TokenIn, TokenOut
from backoffice.state import Backoffice, get_setting, rowcount
from backoffice.terminal_cache import bump_revision
from wire import signing

log = logging.getLogger(__name__)
TERMINAL_SEQUENCE = "sequence:terminal_id"  # a counter row (never expired by the retention policy)


def enrolment_token() -> str:
    """A one-time token a technician types or pastes: 120 random bits in lowercase base32, in groups of 4
    (``kiosk provision --token k3xq-...``). No leading '-', which a command line would take for an option."""
    raw = base64.b32encode(secrets.token_bytes(15)).decode().lower()
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def issue_tokens(bo: Backoffice, body: TokenIn) -> TokenOut:
    now = bo.clock()
    tokens = [enrolment_token() for _ in range(body.count)]
    with bo.sessions.begin() as session:
        session.add_all(
            EnrolmentToken(
                token_hash=signing.token_hash(t),
                group=body.group,
                terminal_id=body.terminal_id,
                created_at=now,
                expires_at=now + body.ttl_seconds,
            )
            for t in tokens
        )
    return TokenOut(
        tokens=tokens, group=body.group, terminal_id=body.terminal_id, expires_at=now + body.ttl_seconds
    )


def enrol(bo: Backoffice, body: EnrolIn) -> EnrolOut:
    """Enrol; a new terminal id taken at the same moment by another enrolment is retried with the next."""
    for attempt in range(5):
        try:
            return _enrol(bo, body)
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def _enrol(bo: Backoffice, body: EnrolIn) -> EnrolOut:
    """Spend a one-time token: a new terminal (or the re-enrolment the token names) gets a new secret.

    The token is spent by one conditional UPDATE, the first statement of the transaction: of any number of
    concurrent enrolments with one token — in one process or several, SQLite or PostgreSQL — exactly one
    changes the row; the others see it spent. A check failing afterwards rolls the spending back."""
    now = bo.clock()
    token_hash = signing.token_hash(body.token)
    with bo.sessions.begin() as session:
        spent = rowcount(
            session.execute(
                update(EnrolmentToken)
                .where(EnrolmentToken.token_hash == token_hash, EnrolmentToken.used_at.is_(None))
                .values(used_at=now)
            )
        )
        token = session.get(EnrolmentToken, token_hash)
        if token is None:
            raise ApiError(401, "enrol.token_unknown", "this enrolment token is not known")
        if not spent:
            raise ApiError(410, "enrol.token_used", "this enrolment token was already used")
        if token.expires_at < now:
            raise ApiError(410, "enrol.token_expired", "this enrolment token has expired")
        if token.terminal_id and body.terminal_id and body.terminal_id != token.terminal_id:
            raise ApiError(409, "enrol.terminal_mismatch", "the token was issued for another terminal")
        if body.group and body.group != token.group:
            raise ApiError(409, "enrol.group_mismatch", "the token was issued for another group")
        terminal_id = token.terminal_id or body.terminal_id or _next_terminal_id(session)
        existing = session.get(Terminal, terminal_id)
        if existing is not None and token.terminal_id != terminal_id:
            # an enrolled or revoked id comes back only with a token an operator issued for that id
            raise ApiError(409, "enrol.terminal_exists", "a terminal with this id is enrolled")
        secret = secrets.token_hex(32)
        sealed = bo.seal_secret(terminal_id, secret)
        if existing is None:
            session.add(
                Terminal(id=terminal_id, group=token.group, secret=sealed, status="active", enrolled_at=now)
            )
        else:  # re-enrolment the operator asked for: new secret, the old one stops working
            existing.secret, existing.status, existing.group = sealed, "active", token.group
            existing.enrolled_at, existing.revoked_at = now, None
            bump_revision(session)  # no process goes on trusting the old secret
        token.used_by = terminal_id
        root = get_setting(session, "bundle_root_keys", {})
        group = token.group
        audit.record(
            session,
            now,
            actor_kind="terminal",
            actor=terminal_id,
            action="terminal.enrol",
            outcome="enrolled",
            detail={"group": group},
        )
    bo.forget_terminal(terminal_id)
    log.info("enrolled terminal %s in group %s", terminal_id, group)
    return EnrolOut(
        terminal_id=terminal_id,
        secret=secret,
        group=group,
        bundle_root_keys=list(root.get("keys", [])),
        bundle_root_threshold=int(root.get("threshold", 1)),
        bundle_root_version=int(root.get("version", 1)),
        server_time=now,
    )


def _next_terminal_id(session: Session) -> str:
    """The next free ``T-NNNN``, from a counter row: its UPDATE locks the row until this enrolment
    commits, so concurrent enrolments (any process) take different numbers."""
    changed = rowcount(
        session.execute(
            update(RateCounter)
            .where(RateCounter.key == TERMINAL_SEQUENCE)
            .values(count=RateCounter.count + 1)
        )
    )
    if not changed:  # the first enrolment: start after the terminals there are
        count = session.scalar(select(func.count()).select_from(Terminal)) or 0
        session.add(RateCounter(key=TERMINAL_SEQUENCE, window_start=0.0, count=count + 1))
        session.flush()
    number = session.scalar(select(RateCounter.count).where(RateCounter.key == TERMINAL_SEQUENCE)) or 1
    for n in range(number, number + 10000):
        candidate = f"T-{n:04d}"
        if session.get(Terminal, candidate) is None:
            session.execute(update(RateCounter).where(RateCounter.key == TERMINAL_SEQUENCE).values(count=n))
            return candidate
    raise ApiError(409, "enrol.no_id", "no free terminal id")
