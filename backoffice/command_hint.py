"""Which terminals have commands waiting, known to each server process without a query per heartbeat.

Almost every heartbeat finds no command for its terminal; asking the database each time added a
transaction (three statements) to the heartbeat, the back office's hottest path. Instead each process
keeps the set of terminals with an active command, read again when the fleet-wide *command revision* (a
``rate_counters`` row, bumped by :func:`bump` in the transaction that queues a command) has moved — polled
at most every :data:`POLL_SECONDS` — and every :data:`REFRESH_SECONDS` in any case. A command queued at
one process therefore reaches its terminal's next heartbeat at any process within half a second; a
terminal that has just acknowledged its last command costs one empty query until the next refresh.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from backoffice import terminal_cache
from backoffice.models import RateCounter, RemoteCommand

REVISION_KEY = "sequence:command_revision"
POLL_SECONDS = 0.5
REFRESH_SECONDS = 10.0  # re-sends and expiry need no revision to move: read the set again anyway
ACTIVE = ("pending", "sent")

_REVISION = select(RateCounter.count).where(RateCounter.key == REVISION_KEY)
_WAITING = select(RemoteCommand.terminal_id).where(RemoteCommand.state.in_(ACTIVE)).distinct()


def bump(session: Session) -> None:
    """Tell every process that a command was queued (in the queuing transaction)."""
    terminal_cache.bump_revision(session, REVISION_KEY)


def ensure_revision(sessions: sessionmaker) -> None:
    """The counter row exists (created at start; two processes starting at once agree)."""
    terminal_cache.ensure_revision(sessions, REVISION_KEY)


class WaitingTerminals:
    """``engine``: autocommit (each read one statement)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._lock = threading.Lock()
        self._terminals: frozenset[str] = frozenset()
        self._revision: int | None = None
        self._polled = -POLL_SECONDS
        self._read = -REFRESH_SECONDS

    def may_have(self, terminal_id: str) -> bool:
        """False only when no command was waiting for the terminal at the last read (at most half a second
        behind a queued command); True means: look in the queue."""
        now = time.monotonic()
        if now - self._polled >= POLL_SECONDS:
            with self._lock:
                if now - self._polled >= POLL_SECONDS:
                    self._poll(now)
        return terminal_id in self._terminals

    def note(self, terminal_ids: list[str]) -> None:
        """This process queued commands for these terminals: their next heartbeat here looks at once."""
        with self._lock:
            self._terminals = self._terminals | frozenset(terminal_ids)

    def _poll(self, now: float) -> None:
        with self.engine.connect() as conn:
            revision = conn.execute(_REVISION).scalar()
            if revision != self._revision or now - self._read >= REFRESH_SECONDS:
                # the revision first: a command queued between the two reads is in the set, and the
                # revision seen is the older one, so the next poll reads the set again
                self._terminals = frozenset(conn.scalars(_WAITING))
                self._revision, self._read = revision, now
        self._polled = now
