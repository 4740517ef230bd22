"""Citizen sessions, alerts, the audit trail, named operators and approvals, shared nonces and rate
counters, heartbeat history; one case number per terminal and one rating per case fleet-wide; indexes for
the operator queries and the retention policy.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "nonces",
        sa.Column("terminal_id", sa.String(64), primary_key=True),
        sa.Column("nonce", sa.String(64), primary_key=True),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_index("nonces_expiry", "nonces", ["expires_at"])
    op.create_table(
        "citizen_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("subject_hash", sa.String(64), nullable=False),
        sa.Column("subject_masked", sa.String(32), nullable=False),
        sa.Column("card_type", sa.String(32), nullable=False),
        sa.Column("case_no", sa.String(64)),
        sa.Column("opened_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("queries_used", sa.Integer, nullable=False),
        sa.Column("max_queries", sa.Integer, nullable=False),
        sa.Column("closed_at", sa.Float),
    )
    op.create_index("citizen_sessions_terminal", "citizen_sessions", ["terminal_id", "opened_at"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("terminal_id", sa.String(64)),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("raised_at", sa.Float, nullable=False),
    )
    op.create_index("alerts_raised", "alerts", ["raised_at"])
    op.create_table(
        "audit_log",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(32), nullable=False),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(64), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("audit_at", "audit_log", ["at"])
    op.create_index("audit_actor", "audit_log", ["actor", "at"])
    op.create_table(
        "operators",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.Float),
    )
    op.create_table(
        "operator_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("operator", sa.String(64), sa.ForeignKey("operators.name"), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("approved_by", sa.String(64)),
        sa.Column("approved_at", sa.Float),
        sa.Column("result", sa.JSON),
    )
    op.create_table(
        "heartbeat_history",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_index("heartbeat_history_terminal", "heartbeat_history", ["terminal_id", "at"])
    op.create_index("heartbeat_history_at", "heartbeat_history", ["at"])
    op.create_table(
        "rate_counters",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("window_start", sa.Float, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )
    # a case number belongs to one terminal; a case is rated once, wherever the citizen rates it
    op.drop_index("cases_case_no", table_name="cases")
    op.create_index("cases_case_no_unique", "cases", ["case_no"], unique=True)
    op.create_index("ratings_case_no_unique", "ratings", ["case_no"], unique=True)
    op.create_index("cases_received", "cases", ["received_at"])
    op.create_index("ratings_received", "ratings", ["received_at"])
    op.create_index("events_received", "events", ["received_at"])


def downgrade() -> None:
    for index, table in (
        ("events_received", "events"),
        ("ratings_received", "ratings"),
        ("cases_received", "cases"),
        ("ratings_case_no_unique", "ratings"),
        ("cases_case_no_unique", "cases"),
    ):
        op.drop_index(index, table_name=table)
    op.create_index("cases_case_no", "cases", ["case_no"])
    for table in (
        "rate_counters",
        "heartbeat_history",
        "approvals",
        "operator_tokens",
        "operators",
        "audit_log",
        "alerts",
        "citizen_sessions",
        "nonces",
    ):
        op.drop_table(table)
