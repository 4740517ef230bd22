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
    secret: Mapped[str] = mapped_column(String(128))  # encrypted under the server key (backoffice.secrets)
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
    __table_args__ = (
        UniqueConstraint("terminal_id", "idem_key", name="events_terminal_key"),
        Index("events_received", "received_at"),
    )
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    terminal_id: Mapped[str] = mapped_column(String(64), ForeignKey("terminals.id"))
    idem_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[float] = mapped_column(Float)
    answer: Mapped[dict] = mapped_column(JSON)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("cases_terminal_case", "terminal_id", "case_no"),
        Index("cases_case_no_unique", "case_no", unique=True),  # one terminal owns a number
        Index("cases_received", "received_at"),
        Index("cases_item", "item_code", "received_at"),
    )
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

    @property
    def reason(self) -> str:
        """Why a failed case failed (printer, service, network, terminal): kept in the case event's payload,
        not a column, because only failed cases have one (docs/outcomes.md)."""
        return str((self.payload or {}).get("reason") or "")[:64]


class Rating(Base):
    __tablename__ = "ratings"
    __table_args__ = (
        Index("ratings_case", "terminal_id", "case_no"),
        Index("ratings_case_no_unique", "case_no", unique=True),  # one rating per case, fleet-wide
        Index("ratings_received", "received_at"),
        Index("ratings_level", "level", "id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # the terminal's event it came in; None for a rating given later on a phone (backoffice.rate_later)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), nullable=True)
    terminal_id: Mapped[str] = mapped_column(String(64))  # the terminal of the case, whatever the channel
    case_no: Mapped[str] = mapped_column(String(64))
    item_code: Mapped[str] = mapped_column(String(128), default="")
    level: Mapped[int] = mapped_column(Integer)
    # rating set 2: {indicator id: score} (its rows also in rating_scores); set 1: a list of tick-box ids
    indicators: Mapped[dict | list] = mapped_column(JSON)
    reasons: Mapped[list] = mapped_column(JSON, default=list)  # 差评 reason ids (flows/ratings.yaml)
    set_version: Mapped[int] = mapped_column(Integer, default=1)
    comment: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(64), default="")
    received_at: Mapped[float] = mapped_column(Float)


class RatingScore(Base):
    """One indicator's score of one rating: the per-indicator statistics are a GROUP BY here, in either database."""

    __tablename__ = "rating_scores"
    __table_args__ = (Index("rating_scores_indicator", "indicator", "score"),)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), primary_key=True)
    indicator: Mapped[str] = mapped_column(String(32), primary_key=True)
    score: Mapped[int] = mapped_column(Integer)


class DeviceEvent(Base):
    __tablename__ = "device_events"
    __table_args__ = (Index("device_events_terminal_time", "terminal_id", "received_at"),)
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


class Nonce(Base):
    """A request nonce seen within the signature window, shared by every server process (replay)."""

    __tablename__ = "nonces"
    __table_args__ = (Index("nonces_expiry", "expires_at"),)
    terminal_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[float] = mapped_column(Float)


class CitizenSession(Base):
    """A citizen's session at a terminal: the only way to that citizen's data. The token is kept hashed,
    the subject as a keyed hash (never the ID number)."""

    __tablename__ = "citizen_sessions"
    __table_args__ = (Index("citizen_sessions_terminal", "terminal_id", "opened_at"),)
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    terminal_id: Mapped[str] = mapped_column(String(64))
    subject_hash: Mapped[str] = mapped_column(String(64))
    subject_masked: Mapped[str] = mapped_column(String(32))
    card_type: Mapped[str] = mapped_column(String(32))
    case_no: Mapped[str | None] = mapped_column(String(64), nullable=True)
    opened_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    queries_used: Mapped[int] = mapped_column(Integer, default=0)
    max_queries: Mapped[int] = mapped_column(Integer)
    closed_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class Alert(Base):
    """Something an operator must look at (e.g. a terminal opening sessions for too many people)."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("alerts_raised", "raised_at"),
        Index("alerts_status", "status", "raised_at"),
        UniqueConstraint("open_key", name="alerts_open_key"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    terminal_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[dict] = mapped_column(JSON)
    raised_at: Mapped[float] = mapped_column(Float)
    # the console's life of an alert (backoffice.console.alerts): raised once while its condition lasts
    # (open_key is set while unresolved), acknowledged, resolved — and by whom
    open_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    acknowledged_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    resolved_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    notified_at: Mapped[float | None] = mapped_column(
        Float, nullable=True
    )  # webhook / e-mail sent (or queued)


class AuditEntry(Base):
    """Append-only: every access to personal data and every operator action (subjects masked)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("audit_at", "at"), Index("audit_actor", "actor", "at"))
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[float] = mapped_column(Float)
    actor_kind: Mapped[str] = mapped_column(String(16))  # terminal | operator | system
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(32), default="")  # masked ID number, if any
    service: Mapped[str] = mapped_column(String(64), default="")
    outcome: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict] = mapped_column(JSON)


class Operator(Base):
    """A named operator account; the password is kept as an argon2 hash."""

    __tablename__ = "operators"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[float] = mapped_column(Float)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[float | None] = mapped_column(Float, nullable=True)


class OperatorToken(Base):
    """A per-operator API token (hashed), got by logging in."""

    __tablename__ = "operator_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator: Mapped[str] = mapped_column(String(64), ForeignKey("operators.name"))
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)


class Approval(Base):
    """A sensitive operator action waiting for a second admin (root keys, many enrolment tokens)."""

    __tablename__ = "approvals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done
    approved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    approved_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    result: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class HeartbeatHistory(Base):
    """Past heartbeats, bounded by the retention policy (the latest is on the terminal's row)."""

    __tablename__ = "heartbeat_history"
    __table_args__ = (
        Index("heartbeat_history_terminal", "terminal_id", "at"),
        Index("heartbeat_history_at", "at"),
    )
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    terminal_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[float] = mapped_column(Float)
    data: Mapped[dict] = mapped_column(JSON)


class RateCounter(Base):
    """A fixed-window counter shared by every server process (login attempts per source, ...)."""

    __tablename__ = "rate_counters"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer)


class Rectification(Base):
    """A 差评整改 case: every 不满意 / 非常不满意 rating opens one (backoffice.console.rectify)."""

    __tablename__ = "rectifications"
    __table_args__ = (
        Index("rectifications_status", "status", "due_at"),
        Index("rectifications_opened", "opened_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rating_id: Mapped[int] = mapped_column(Integer, unique=True)
    case_no: Mapped[str] = mapped_column(String(64))
    terminal_id: Mapped[str] = mapped_column(String(64))
    item_code: Mapped[str] = mapped_column(String(128), default="")
    level: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # open | called_back | rectified | verified | closed
    assignee: Mapped[str | None] = mapped_column(String(64), nullable=True)
    opened_at: Mapped[float] = mapped_column(Float)
    due_at: Mapped[float] = mapped_column(Float)
    escalated_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    callback_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    callback_note: Mapped[str] = mapped_column(Text, default="")
    rectified_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    rectification: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    verified_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    verified_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    closed_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    history: Mapped[list] = mapped_column(JSON)


class RemoteCommand(Base):
    """A console command queued for one terminal (``backoffice.remote_commands``): handed out in heartbeat
    answers until acknowledged or expired. A group command is one row per terminal, sharing ``batch``."""

    __tablename__ = "remote_commands"
    __table_args__ = (
        Index("remote_commands_terminal", "terminal_id", "state", "created_at"),
        Index("remote_commands_batch", "batch"),
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    terminal_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    args: Mapped[dict] = mapped_column(JSON)  # a PIN only encrypted, and dropped once the command is final
    state: Mapped[str] = mapped_column(String(16))  # pending | sent | done | refused | failed | expired
    batch: Mapped[str] = mapped_column(String(64), default="")  # 'group:G' for a group's commands
    created_at: Mapped[float] = mapped_column(Float)
    created_by: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[float] = mapped_column(Float)
    sent_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    send_count: Mapped[int] = mapped_column(Integer, default=0)
    acked_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")


class Screenshot(Base):
    """The PNG a terminal uploaded for a screenshot command (at most ``wire.limits.MAX_SCREENSHOT_BYTES``)."""

    __tablename__ = "screenshots"
    command_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    terminal_id: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    length: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[float] = mapped_column(Float)
