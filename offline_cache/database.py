"""The SQLite connection under the store: durability settings, migrations, the lock and transactions.

Every other part of the store (outbox, cases, key-value, bundles) reaches SQLite only through a
:class:`Database`, so the one lock and the one ``BEGIN IMMEDIATE`` discipline live in one place and
cannot be bypassed by a part that forgets them.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from offline_cache.migrations import MIGRATIONS

if TYPE_CHECKING:
    import sqlite_utils


def now() -> float:
    """Wall-clock time for timestamps in the store (one function, so every part stamps alike)."""
    return time.time()


def _private(path: Path) -> None:
    """The database holds citizens' data until delivery: only the kiosk's user may read it (0600; SQLite gives
    its -wal and -shm files the database's mode). An older 0644 file is tightened."""
    if str(path) == ":memory:":
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    for suffix in ("-wal", "-shm"):
        sidecar = path.with_name(path.name + suffix)
        if sidecar.exists():
            sidecar.chmod(0o600)


class Database:
    """One connection, opened for durability (WAL, ``synchronous=FULL``: kiosks lose power), migrated on open."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _private(self.path)
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        # deleted and overwritten content is zeroed, not left in free pages: purged personal data is gone
        self.conn.execute("PRAGMA secure_delete=ON")
        self._utils: sqlite_utils.Database | None = None
        self._migrate()

    @property
    def utils(self) -> sqlite_utils.Database:
        """sqlite-utils over the same connection, built on first use: only tests and tools read through it,
        and importing it (with click, dateutil and pluggy) cost the terminal's cold start some 40 ms."""
        if self._utils is None:
            import sqlite_utils

            self._utils = sqlite_utils.Database(self.conn)
        return self._utils

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    def _migrate(self) -> None:
        with self.lock:
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                with self.transaction():
                    for statement in script:
                        self.conn.execute(statement)
                    self.conn.execute(f"PRAGMA user_version={number}")

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock and a write transaction; commit on exit, roll back on any exception."""
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def fetchone(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        """One row of a read, under the lock."""
        with self.lock:
            return self.conn.execute(sql, params).fetchone()

    def fetchall(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """All rows of a read, under the lock."""
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def integrity_check(self) -> str:
        return self.fetchone("PRAGMA integrity_check")[0]

    def size_bytes(self) -> int:
        with self.lock:
            pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
            size = self.conn.execute("PRAGMA page_size").fetchone()[0]
        wal = self.path.with_name(self.path.name + "-wal")
        return pages * size + (wal.stat().st_size if wal.exists() else 0)

    def used_bytes(self) -> int:
        """Bytes in live pages: what the size bound compares (free pages are reused, so the file stops growing)."""
        with self.lock:
            pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
            free = self.conn.execute("PRAGMA freelist_count").fetchone()[0]
            size = self.conn.execute("PRAGMA page_size").fetchone()[0]
        return (pages - free) * size

    def checkpoint(self) -> None:
        """Fold the WAL back into the database file and truncate it (after a large delete)."""
        with self.lock:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
