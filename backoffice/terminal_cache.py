"""The terminals' credentials, cached in each server process, with revocation honoured fleet-wide.

Every signed request needs its terminal's status, group and secret; the secret is stored sealed under the
server key (AES-GCM). Reading the row and opening the seal on every request was most of a heartbeat's
database work, so each process keeps them — but a revocation or a re-enrolment must reach every process
within :data:`REVISION_POLL_SECONDS`, as it did when the cache lived half a second.

That is done with one shared counter, the terminals' *revision* (a ``rate_counters`` row, ``sequence:`` so the
retention policy keeps it): whatever changes a terminal's status, secret or group bumps it in the same
transaction (:func:`bump_revision`). Each process reads the counter at most every
:data:`REVISION_POLL_SECONDS` (one indexed read, not one a request); when it moved, every cached entry is
dropped. An entry remembers the generation it was read under, so a row read while a revocation was
committing is never trusted past the next poll either.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from backoffice.models import RateCounter, Terminal

REVISION_KEY = "sequence:terminal_revision"
REVISION_POLL_SECONDS = 0.5  # a revocation reaches every process within this (plus one request's time)
ENTRY_SECONDS = 3600.0  # an entry is read again after this even if nothing moved (belt and braces)
MAX_ENTRIES = 200_000  # a fleet's worth; past it the cache starts again


@dataclass(frozen=True)
class Credentials:
    """A terminal as a signed request needs it: the row (detached, read-only) and its opened secret."""

    terminal: Terminal
    secret: str
    generation: int
    read_at: float


def bump_revision(session: Session, key: str = REVISION_KEY) -> None:
    """Tell every process that a terminal's status, secret or group changed (in the changing transaction).
    ``key``: another fleet-wide revision kept the same way (``backoffice.command_hint``'s)."""
    session.execute(update(RateCounter).where(RateCounter.key == key).values(count=RateCounter.count + 1))


def ensure_revision(sessions: sessionmaker, key: str = REVISION_KEY) -> None:
    """The counter row exists (created at start; two processes starting at once agree)."""
    try:
        with sessions.begin() as session:
            if session.get(RateCounter, key) is None:
                session.execute(insert(RateCounter).values(key=key, window_start=0.0, count=0))
    except IntegrityError:
        pass


_COLUMNS = (
    Terminal.id,
    Terminal.group,
    Terminal.secret,
    Terminal.status,
    Terminal.enrolled_at,
    Terminal.revoked_at,
)
_READ = select(*_COLUMNS).where(Terminal.id == bindparam("tid"))
_REVISION = select(RateCounter.count).where(RateCounter.key == REVISION_KEY)


class TerminalCache:
    """``engine``: autocommit (a read is one statement, no BEGIN or ROLLBACK around it)."""

    def __init__(self, engine: Engine, open_secret: Callable[[Terminal], str]):
        self.engine = engine
        self.open_secret = open_secret
        self._lock = threading.Lock()
        self._poll_lock = threading.Lock()
        self._entries: dict[str, Credentials] = {}
        self._generation = 0
        self._revision: int | None = None
        self._polled = -REVISION_POLL_SECONDS

    def cached(self, terminal_id: str) -> Credentials | None:
        """The entry if it can be trusted now without the database (the revision polled lately), else None."""
        now = time.monotonic()
        if now - self._polled >= REVISION_POLL_SECONDS:
            return None
        entry = self._entries.get(terminal_id)
        if entry is None or entry.generation != self._generation or now - entry.read_at >= ENTRY_SECONDS:
            return None
        return entry

    def get(self, terminal_id: str) -> Credentials | None:
        """The terminal's credentials, polling the revision and reading the row when needed (blocking)."""
        self._poll()
        entry = self.cached(terminal_id)
        if entry is not None:
            return entry
        generation, read_at = self._generation, time.monotonic()  # before the read: see the docstring
        with self.engine.connect() as conn:
            row = conn.execute(_READ, {"tid": terminal_id}).first()
        if row is None:
            return None
        # a plain instance, never attached to a session: the columns a signed request needs (not the
        # heartbeat, which backoffice.heartbeats reads with its own write)
        terminal = Terminal(**{column.key: value for column, value in zip(_COLUMNS, row, strict=True)})
        entry = Credentials(terminal, self.open_secret(terminal), generation, read_at)
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[terminal_id] = entry
        return entry

    def forget(self, terminal_id: str) -> None:
        """This process changed the terminal: drop it at once (the others follow the revision)."""
        with self._lock:
            self._entries.pop(terminal_id, None)

    def _poll(self) -> None:
        """Read the revision if it is due; one thread reads it, the others wait for that read."""
        if time.monotonic() - self._polled < REVISION_POLL_SECONDS:
            return
        with self._poll_lock:
            polled = time.monotonic()
            if polled - self._polled < REVISION_POLL_SECONDS:
                return  # another thread read it while this one waited
            with self.engine.connect() as conn:
                revision = conn.execute(_REVISION).scalar()
            with self._lock:
                if revision != self._revision:
                    self._revision = revision
                    self._generation += 1
                    self._entries.clear()
                self._polled = polled
