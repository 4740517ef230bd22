"""Citizen sessions: a person's data only for the terminal that has that person's card in its reader.

When a terminal identifies a citizen it opens a session (``POST /api/v1/sessions``: ID number, card
type, case number); the answer is a short-lived token bound to that terminal and that subject. Every
personal query must carry a live token for the subject it asks about, and uses one of the session's
bounded number of queries; the session ends with the case (``POST /api/v1/sessions/close``) or when it
expires. A terminal opening sessions for more distinct citizens than ``Limits.session_subjects`` within
``Limits.session_window`` is refused and an alert is raised: that is what an enumeration looks like.

The ID number itself is never stored: sessions hold a keyed hash (``ServerKey.subject_hash``) and the
masked number for the audit trail.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

from sqlalchemy import distinct, func, select, update

from backoffice import audit
from backoffice.errors import ApiError
from backoffice.models import Alert, CitizenSession, Terminal
from backoffice.state import Backoffice, rowcount
from wire import services

ID_NUMBER = re.compile(r"^[0-9]{17}[0-9X]$")
ALERT_EVERY = 300.0  # one alert per terminal per this many seconds while it keeps being refused


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(
    bo: Backoffice, term: Terminal, id_number: str, card_type: str, case_no: str | None
) -> dict[str, Any]:
    now, limits = bo.clock(), bo.limits
    subject = bo.key.subject_hash(id_number)
    masked = audit.masked(id_number)
    token = secrets.token_urlsafe(24)
    with bo.sessions.begin() as session:
        # one citizen at a time: whatever this terminal had open ends now
        session.execute(
            update(CitizenSession)
            .where(CitizenSession.terminal_id == term.id, CitizenSession.closed_at.is_(None))
            .values(closed_at=now)
        )
        others = (
            session.scalar(
                select(func.count(distinct(CitizenSession.subject_hash))).where(
                    CitizenSession.terminal_id == term.id,
                    CitizenSession.opened_at > now - limits.session_window,
                    CitizenSession.subject_hash != subject,
                )
            )
            or 0
        )
        if others >= limits.session_subjects:
            recent = session.scalar(
                select(func.count())
                .select_from(Alert)
                .where(
                    Alert.kind == "citizen_session.rate",
                    Alert.terminal_id == term.id,
                    Alert.raised_at > now - ALERT_EVERY,
                )
            )
            if not recent:
                session.add(
                    Alert(
                        kind="citizen_session.rate",
                        terminal_id=term.id,
                        raised_at=now,
                        detail={
                            "subjects": others + 1,
                            "window_seconds": limits.session_window,
                            "limit": limits.session_subjects,
                        },
                    )
                )
            audit.record(
                session,
                now,
                actor_kind="terminal",
                actor=term.id,
                action="citizen_session.open",
                subject=masked,
                outcome="refused.rate",
            )
            refused = True
        else:
            session.add(
                CitizenSession(
                    token_hash=_hash(token),
                    terminal_id=term.id,
                    subject_hash=subject,
                    subject_masked=masked,
                    card_type=card_type[:32],
                    case_no=case_no[:64] if case_no else None,
                    opened_at=now,
                    expires_at=now + limits.session_seconds,
                    queries_used=0,
                    max_queries=limits.session_queries,
                )
            )
            audit.record(
                session,
                now,
                actor_kind="terminal",
                actor=term.id,
                action="citizen_session.open",
                subject=masked,
                outcome="opened",
                detail={"card_type": card_type[:32]},
            )
            refused = False
    if refused:  # committed above: the alert and the audit row stay
        raise ApiError(403, services.E_SESSION_RATE, "too many citizens' sessions at this terminal")
    return {
        "session": token,
        "expires_at": now + limits.session_seconds,
        "max_queries": limits.session_queries,
    }


def close_session(bo: Backoffice, term: Terminal, token: str) -> bool:
    now = bo.clock()
    with bo.sessions.begin() as session:
        closed = rowcount(
            session.execute(
                update(CitizenSession)
                .where(
                    CitizenSession.token_hash == _hash(token),
                    CitizenSession.terminal_id == term.id,
                    CitizenSession.closed_at.is_(None),
                )
                .values(closed_at=now)
            )
        )
        if closed:
            audit.record(
                session,
                now,
                actor_kind="terminal",
                actor=term.id,
                action="citizen_session.close",
                outcome="closed",
            )
    return bool(closed)


def use_session(bo: Backoffice, term: Terminal, token: str | None, id_number: Any) -> bool:
    """Spend one query of a live session of this terminal for this subject; False if there is none.
    One conditional UPDATE: two processes can never both spend the last query."""
    if not token or not isinstance(id_number, str) or not ID_NUMBER.match(id_number.upper()):
        return False
    now = bo.clock()
    with bo.sessions.begin() as session:
        return bool(
            rowcount(
                session.execute(
                    update(CitizenSession)
                    .where(
                        CitizenSession.token_hash == _hash(token[:200]),
                        CitizenSession.terminal_id == term.id,
                        CitizenSession.subject_hash == bo.key.subject_hash(id_number),
                        CitizenSession.closed_at.is_(None),
                        CitizenSession.expires_at > now,
                        CitizenSession.queries_used < CitizenSession.max_queries,
                    )
                    .values(queries_used=CitizenSession.queries_used + 1)
                )
            )
        )


def session_was_opened(bo: Backoffice, terminal_id: str, token: Any, id_number: Any) -> bool:
    """For a submission queued offline and delivered later: the session it was made in existed, at this
    terminal, for this subject (it may have ended since)."""
    if not isinstance(token, str) or not token or not isinstance(id_number, str):
        return False
    with bo.sessions() as session:
        row = session.get(CitizenSession, _hash(token[:200]))
    return (
        row is not None
        and row.terminal_id == terminal_id
        and row.subject_hash == bo.key.subject_hash(id_number)
    )
