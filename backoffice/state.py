"""The state the routes share: the database engine, short caches of read-mostly rows, the nonce cache.

One ``Backoffice`` per application (``app.state.backoffice``); routes get it through the ``State``
dependency. Read-mostly data (terminals, settings, the latest bundle per group) is cached briefly so a
heartbeat costs one write: writes through this process invalidate at once, other processes on the same
database see them within ``CACHE_SECONDS``.
"""

from __future__ import annotations

import collections
import threading
import time
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backoffice.database import make_engine, upgrade
from backoffice.models import Bundle, Setting, Terminal
from wire import signing

CACHE_SECONDS = 2.0


class NonceCache:
    """Nonces seen within the signature window. Per process: run one server process per database, or
    put this in a shared store, if the deployment grows beyond that."""

    def __init__(self, window: float = signing.WINDOW, limit: int = 1_000_000):
        self.window = window
        self.limit = limit
        self._seen: dict[tuple[str, str], float] = {}
        self._order: collections.deque[tuple[float, tuple[str, str]]] = collections.deque()
        self._lock = threading.Lock()

    def add(self, terminal_id: str, nonce: str, now: float) -> bool:
        """Remember a nonce; False if it was already used (a replay)."""
        key = (terminal_id, nonce)
        with self._lock:
            while self._order and (self._order[0][0] < now or len(self._order) > self.limit):
                _, old = self._order.popleft()
                self._seen.pop(old, None)
            if key in self._seen:
                return False
            expiry = now + 2 * self.window
            self._seen[key] = expiry
            self._order.append((expiry, key))
            return True


class Backoffice:
    """State shared by the routes: the engine, sessions, the operator key, the nonce cache."""

    def __init__(self, database_url: str, operator_key: str, bundle_root_keys: dict[str, Any] | None = None):
        self.engine = make_engine(database_url)
        upgrade(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.operator_key = operator_key
        self.nonces = NonceCache()
        self.clock = time.time  # tests may shift the server's clock
        self._cache_lock = threading.Lock()
        self._terminals: dict[str, tuple[float, Terminal]] = {}
        self._settings: tuple[float, dict[str, Any]] | None = None
        self._latest_bundle: dict[str, tuple[float, int | None]] = {}
        self.rollout_checked: dict[str, float] = {}  # group -> monotonic time of the last rollout evaluation
        self.rollout_check_seconds = 1.0  # at most this often per group, on its heartbeats (tests set 0)
        if bundle_root_keys is not None:
            with self.sessions.begin() as session:
                put_setting(session, "bundle_root_keys", dict(bundle_root_keys), self.clock())

    def terminal(self, terminal_id: str) -> Terminal | None:
        """The terminal (detached, read-only), from a short cache."""
        now = time.monotonic()
        cached = self._terminals.get(terminal_id)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        with self.sessions() as session:
            terminal = session.get(Terminal, terminal_id)
        if terminal is not None:
            with self._cache_lock:
                if len(self._terminals) > 100_000:
                    self._terminals.clear()
                self._terminals[terminal_id] = (now, terminal)
        return terminal

    def forget_terminal(self, terminal_id: str) -> None:
        with self._cache_lock:
            self._terminals.pop(terminal_id, None)

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
            latest = session.scalar(select(func.max(Bundle.version))
                                    .where(Bundle.group == group, Bundle.version.notin_(withdrawn)))
        with self._cache_lock:
            self._latest_bundle[group] = (now, latest)
        return latest

    def withdrawn_bundles(self, group: str) -> list[int]:
        return sorted(int(v) for v in self.settings().get(f"bundles_withdrawn:{group}") or [])

    def forget_latest_bundle(self, group: str) -> None:
        with self._cache_lock:
            self._latest_bundle.pop(group, None)


def backoffice_of(request: Request) -> Backoffice:
    """Dependency: the application's state."""
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
