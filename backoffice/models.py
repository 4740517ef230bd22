"""The back office's tables (SQLAlchemy 2.0). Schema changes go through Alembic (backoffice/migrations).

Portable between SQLite (the default and the embedded demo) and PostgreSQL (real deployments):
JSON columns, no database-specific types.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Terminal(Base):
    """An enrolled terminal, its secret (for request signatures) and its last heartbeat."""

    __tablename__ = "terminals"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    group: Mapped[str] = mapped_column(String(64), default="default")
    secret: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | revoked
    enrolled_at: Mapped[float] = mapped_column(Float)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_heartbeat_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    heartbeat: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class EnrolmentToken(Base):
    """One-time token an operator hands a technician; only its hash is kept."""

    __tablename__ = "enrolment_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    group: Mapped[str] = mapped_column(String(64), default="default")
    terminal_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    used_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    used_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Event(Base):
    """Every ingested event by its idempotency key, with the answer given the first time."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("terminal_id", "idem_key", name="events_terminal_key"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    terminal_id: Mapped[str] = mapped_column(String(64), ForeignKey("terminals.id"))
    idem_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[float] = mapped_column(Float)
    answer: Mapped[dict] = mapped_column(JSON)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (Index("cases_terminal_case", "terminal_id", "case_no"), Index("cases_case_no", "case_no"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    terminal_id: Mapped[str] = mapped_column(String(64))
    case_no: Mapped[str] = mapped_column(String(64))
    service_id: Mapped[str] = mapped_column(String(128), default="")
    item_code: Mapped[str] = mapped_column(String(128), default="")
    outcome: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    finished_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    received_at: Mapped[float] = mapped_column(Float)
    payload: Mapped[dict] = mapped_column(JSON)


class Rating(Base):
    __tablename__ = "ratings"
    __table_args__ = (Index("ratings_case", "terminal_id", "case_no"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    terminal_id: Mapped[str] = mapped_column(String(64))
    case_no: Mapped[str] = mapped_column(String(64))
    item_code: Mapped[str] = mapped_column(String(128), default="")
    level: Mapped[int] = mapped_column(Integer)
    indicators: Mapped[list] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(64), default="")
    received_at: Mapped[float] = mapped_column(Float)


class DeviceEvent(Base):
    __tablename__ = "device_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    terminal_id: Mapped[str] = mapped_column(String(64), index=True)
    device: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(128), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[float] = mapped_column(Float)


class Bundle(Base):
    """A flow bundle published to a group; the bytes are opaque here (signed by the operators' keys)."""

    __tablename__ = "bundles"
    __table_args__ = (UniqueConstraint("group", "version", name="bundles_group_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    length: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    published_at: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")


class Setting(Base):
    """Operator-set values: ``config:group:G``, ``config:terminal:T``, ``announcements``, ``bundle_root_keys``."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[dict | list] = mapped_column(JSON)
    updated_at: Mapped[float] = mapped_column(Float)
