"""Engine set-up and Alembic migrations, for SQLite (default) and PostgreSQL.

``upgrade(url)`` runs the migrations in ``backoffice/migrations`` programmatically: the server calls it
at start, so a new database or a new release needs no separate step.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` as the psycopg 3 driver (the one installed)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


POOL_SIZE, POOL_OVERFLOW = 8, 8  # per worker process: workers x nodes x 24 must fit max_connections
EPHEMERAL_POOL_SIZE, EPHEMERAL_POOL_OVERFLOW = 4, 4


def _create_private(path: str | None) -> None:
    """Create a new SQLite database file 0600 before SQLite does (it would use the umask: 0644, and the file
    holds operator password hashes, the audit trail and citizens' comments). SQLite gives its -wal and -shm
    files the database file's permissions, so they are private too. An existing file is left as it is; a
    path SQLite cannot open is left for SQLite to report."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def make_engine(url: str) -> Engine:
    """The engine for everything that must last (autocommit where one statement is all a step does:
    ``engine.execution_options(isolation_level="AUTOCOMMIT")``).

    No ``pool_pre_ping``: it was a round trip on every checkout, three a heartbeat. A connection the
    database dropped (a restart, a fail-over) fails the one request that meets it; SQLAlchemy then
    discards every pooled connection older than that moment, and the terminal retries as after any 5xx.
    ``pool_recycle`` retires connections before a proxy or firewall forgets them."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        if ":memory:" in url or url in ("sqlite://", "sqlite:///"):
            raise ValueError("use a file for the SQLite database: the server has several threads")
        _create_private(make_url(url).database)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=16, max_overflow=16
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # WAL: readers never wait for the writer
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, pool_recycle=1800)


def make_ephemeral_engine(url: str, durable: Engine) -> Engine:
    """The engine for state the next request rewrites anyway — a heartbeat and its nonce: autocommit, and
    on PostgreSQL ``synchronous_commit=off`` for the whole connection, so a commit does not wait for the
    WAL to reach the disk and costs no ``SET`` a transaction. A crash loses at most the last few hundred
    milliseconds of heartbeats (each terminal sends the next within a minute), never a case, a rating,
    an audit row or any other nonce. SQLite: the durable engine in autocommit (one process, one file)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return durable.execution_options(isolation_level="AUTOCOMMIT")
    return create_engine(
        url,
        pool_size=EPHEMERAL_POOL_SIZE,
        max_overflow=EPHEMERAL_POOL_OVERFLOW,
        pool_recycle=1800,
        isolation_level="AUTOCOMMIT",
        connect_args={"options": "-c synchronous_commit=off"},
    )


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
