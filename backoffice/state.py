"""The state the routes share: the database engines, caches of read-mostly rows, the nonce store.

One ``Backoffice`` per application (``app.state.backoffice``); routes get it through the ``State``
dependency. Everything several server processes must agree on — nonces, revocations, rate counters,
citizen sessions — lives in the database; a process keeps only caches of read-mostly rows so a
heartbeat stays cheap: terminals' credentials until the fleet-wide terminal revision moves
(``backoffice.terminal_cache``: a revocation reaches every process within half a second), settings and the
latest bundle per group for ``CACHE_SECONDS``.

Two engines: ``engine`` for everything that must last, and ``ephemeral`` (``database.make_ephemeral_engine``)
for heartbeats and their nonces, which the next heartbeat rewrites anyway.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from backoffice import command_hint
from backoffice.database import make_engine, make_ephemeral_engine, normalise_url, upgrade
from backoffice.models import Bundle, Nonce, RateCounter, Setting, Terminal
from backoffice.server_key import ServerKey, is_encrypted, load_or_create
from backoffice.terminal_cache import Credentials, TerminalCache, ensure_revision
from wire import signing

CACHE_SECONDS = 2.0
NONCE_PURGE_SECONDS = 30.0  # each process deletes the expired nonces this often, in one statement
_NONCE_INSERT = insert(Nonce)


def default_key_file(database_url: str) -> Path:
    """``BACKOFFICE_KEY_FILE``, else beside a SQLite database, else ``backoffice.key`` here."""
    if os.environ.get("BACKOFFICE_KEY_FILE"):
        return Path(os.environ["BACKOFFICE_KEY_FILE"])
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() == "sqlite" and url.database:
        return Path(url.database + ".key")
    return Path("backoffice.key")


class Limits:
    """The bounds a deployment may tune (``create_app(limits=...)``)."""

    def __init__(self, **values: Any):
        self.session_seconds = 900.0  # a citizen session's life; it ends earlier with the case
        self.session_queries = 20  # personal queries one session allows
        self.session_subjects = 30  # distinct citizens a terminal may open sessions for ...
        self.session_window = 3600.0  # ... within this many seconds, before it is refused and alerted
        self.login_attempts = 5  # wrong passwords before an operator account is locked ...
        self.lockout_seconds = 900.0  # ... for this long
        self.login_per_minute = 30  # login attempts from one address a minute, any account
        self.bulk_tokens = 5  # enrolment tokens one call may issue without a second admin
        self.heartbeat_history_days = 7.0  # retention (backoffice.retention)
        self.event_days = 400.0
        self.audit_days = 3650.0
        self.command_seconds = 3600.0  # an unacknowledged console command then expires
        self.screenshot_days = 30.0  # terminals' screenshots (retention)
        self.command_resend_seconds = 30.0  # an unacknowledged command goes out again after this long
        self.rate_window_days = 7.0  # a case may be rated later on a phone this long after it finished
        self.rate_per_minute = 20  # phone-page submissions from one address a minute
        self.rate_per_case = 10  # ... and for one case number an hour, from any address (code guessing)
        self.lookups_per_minute = 20  # case.lookup (rating by case number) from one terminal a minute ...
        self.lookups_per_hour = (
            200  # ... and an hour: a citizen types an 18-digit number, a script enumerates
        )
        for key, value in values.items():
            if not hasattr(self, key):
                raise TypeError(f"unknown limit {key}")
            setattr(self, key, value)


class NonceStore:
    """Nonces seen within the signature window, in the shared database: a request captured at one server
    process is a replay at every other. One autocommit INSERT a request (the primary key refuses a
    replay); the expired rows go in one DELETE every ``NONCE_PURGE_SECONDS`` per process, by the
    ``expires_at`` index, instead of a DELETE on a random one request in a thousand.

    A heartbeat's nonce is written through the ephemeral engine (``synchronous_commit`` off), like the
    heartbeat itself: should a crash lose it, a replay of that heartbeat within its window only states
    again what the terminal said, and the terminal says it anew within a minute. Every other nonce is
    committed durably."""

    def __init__(self, engine: Engine, ephemeral: Engine, window: float = signing.WINDOW):
        self.durable = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.ephemeral = ephemeral
        self.window = window
        self._purged = time.monotonic()

    def add(self, terminal_id: str, nonce: str, now: float, *, durable: bool = True) -> bool:
        """Remember a nonce; False if it was already used (a replay)."""
        row = {"terminal_id": terminal_id, "nonce": nonce, "expires_at": now + 2 * self.window}
        try:
            with (self.durable if durable else self.ephemeral).connect() as conn:
                conn.execute(_NONCE_INSERT, row)
        except IntegrityError:
            return False
        if time.monotonic() - self._purged >= NONCE_PURGE_SECONDS:
            self._purged = time.monotonic()
            with self.durable.connect() as conn:
                conn.execute(delete(Nonce).where(Nonce.expires_at < now))
        return True


class Backoffice:
    """State shared by the routes: the engine, sessions, the server key, the limits, short caches."""

    def __init__(
        self,
        database_url: str,
        operator_key: str | None,
        bundle_root_keys: dict[str, Any] | None = None,
        *,
        key_file: Path | None = None,
        limits: Limits | None = None,
    ):
        self.engine = make_engine(database_url)
        upgrade(self.engine)
        self.ephemeral = make_ephemeral_engine(database_url, self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.operator_key = operator_key  # the demo/test bootstrap key (backoffice.operator_auth), or None
        self.key = ServerKey(load_or_create(key_file or default_key_file(database_url)))
        self.limits = limits or Limits()
        self.nonces = NonceStore(self.engine, self.ephemeral)
        self.clock = time.time  # tests may shift the server's clock
        self._encrypt_plain_secrets()
        ensure_revision(self.sessions)
        self.terminals = TerminalCache(self.nonces.durable, self.terminal_secret)
        command_hint.ensure_revision(self.sessions)
        self.waiting_commands = command_hint.WaitingTerminals(self.nonces.durable)
        self._cache_lock = threading.Lock()
        self._settings: tuple[float, dict[str, Any]] | None = None
        self._latest_bundle: dict[str, tuple[float, int | None]] = {}
        self.rollout_checked: dict[str, float] = {}  # group -> monotonic time of the last rollout evaluation
        self.rollout_check_seconds = 1.0  # at most this often per group, on its heartbeats (tests set 0)
        if bundle_root_keys is not None:
            with self.sessions.begin() as session:
                put_setting(session, "bundle_root_keys", dict(bundle_root_keys), self.clock())

    def dispose(self) -> None:
        """Close both engines' pooled connections (a test's or a command's end)."""
        self.ephemeral.dispose()
        self.engine.dispose()

    def terminal(self, terminal_id: str) -> Terminal | None:
        """The terminal (detached, read-only: its heartbeat columns may be old), from the cache."""
        credentials = self.terminals.get(terminal_id)
        return None if credentials is None else credentials.terminal

    def credentials(self, terminal_id: str) -> Credentials | None:
        """The terminal and its opened secret, from the cache (blocking: may read the database)."""
        return self.terminals.get(terminal_id)

    def terminal_secret(self, terminal: Terminal) -> str:
        return self.key.decrypt(terminal.secret, terminal.id)

    def seal_secret(self, terminal_id: str, secret: str) -> str:
        return self.key.encrypt(secret, terminal_id)

    def _encrypt_plain_secrets(self) -> None:
        """Secrets stored before encryption at rest are encrypted at the first start of this release."""
        with self.sessions.begin() as session:
            for row in session.scalars(select(Terminal).where(~Terminal.secret.startswith("v1:"))):
                if not is_encrypted(row.secret):
                    row.secret = self.seal_secret(row.id, row.secret)

    def count(self, key: str, window: float, now: float) -> int:
        """Add one to a fixed-window counter shared by every process; the count in the window so far."""
        try:
            return self._count(key, window, now)
        except IntegrityError:  # another process created the counter at the same moment
            return self._count(key, window, now)

    def _count(self, key: str, window: float, now: float) -> int:
        with self.sessions.begin() as session:
            changed = rowcount(
                session.execute(
                    update(RateCounter)
                    .where(RateCounter.key == key, RateCounter.window_start > now - window)
                    .values(count=RateCounter.count + 1)
                )
            )
            if not changed:
                row = session.get(RateCounter, key)
                if row is None:
                    session.add(RateCounter(key=key, window_start=now, count=1))
                else:
                    row.window_start, row.count = now, 1
                return 1
            return session.scalar(select(RateCounter.count).where(RateCounter.key == key)) or 0

    def forget_terminal(self, terminal_id: str) -> None:
        self.terminals.forget(terminal_id)

    def settings(self) -> dict[str, Any]:
        now = time.monotonic()
        cached = self._settings
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        with self.sessions() as session:
            values = {row.key: row.value for row in session.scalars(select(Setting))}
        self._settings = (now, values)
        return values

    def put_setting(self, key: str, value: Any) -> None:
        with self.sessions.begin() as session:
            put_setting(session, key, value, self.clock())
        self._settings = None

    def settings_changed(self) -> None:
        """Settings were written in a transaction of the caller's: this process reads them again at next use."""
        self._settings = None

    def get_setting(self, key: str, default: Any = None) -> Any:
        """One setting read now (not from the cache): for decisions, not for the terminals' hot path."""
        with self.sessions() as session:
            return get_setting(session, key, default)

    def latest_bundle(self, group: str) -> int | None:
        """The group's newest bundle that is not withdrawn (what the heartbeat announces)."""
        now = time.monotonic()
        cached = self._latest_bundle.get(group)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        withdrawn = self.withdrawn_bundles(group)
        with self.sessions() as session:
            latest = session.scalar(
                select(func.max(Bundle.version)).where(
                    Bundle.group == group, Bundle.version.notin_(withdrawn)
                )
            )
        with self._cache_lock:
            self._latest_bundle[group] = (now, latest)
        return latest

    def withdrawn_bundles(self, group: str) -> list[int]:
        return sorted(int(v) for v in self.settings().get(f"bundles_withdrawn:{group}") or [])

    def forget_latest_bundle(self, group: str) -> None:
        with self._cache_lock:
            self._latest_bundle.pop(group, None)


def rowcount(result: Any) -> int:
    """Rows an UPDATE or DELETE changed (``Session.execute`` is typed as returning a plain Result)."""
    return int(result.rowcount or 0)


async def backoffice_of(request: Request) -> Backoffice:
    """Dependency: the application's state (async: no thread hop for a lookup)."""
    return request.app.state.backoffice


State = Annotated[Backoffice, Depends(backoffice_of)]


def put_setting(session: Session, key: str, value: Any, now: float) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value, updated_at=now))
    else:
        row.value, row.updated_at = value, now


def get_setting(session: Session, key: str, default: Any) -> Any:
    row = session.get(Setting, key)
    return default if row is None else row.value
