"""The operator console: alerts get a life (a dedup key, acknowledged, resolved, by whom, notified); rectification
cases for bad ratings (差评整改).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("open_key", sa.String(200), nullable=True))
        batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="open"))
        batch.add_column(sa.Column("acknowledged_at", sa.Float))
        batch.add_column(sa.Column("acknowledged_by", sa.String(64)))
        batch.add_column(sa.Column("resolved_at", sa.Float))
        batch.add_column(sa.Column("resolved_by", sa.String(64)))
        batch.add_column(sa.Column("notified_at", sa.Float))
        batch.create_unique_constraint("alerts_open_key", ["open_key"])
    op.create_index("alerts_status", "alerts", ["status", "raised_at"])
    op.create_table(
        "rectifications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("rating_id", sa.Integer, nullable=False, unique=True),
        sa.Column("case_no", sa.String(64), nullable=False),
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("item_code", sa.String(128), nullable=False, server_default=""),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assignee", sa.String(64)),
        sa.Column("opened_at", sa.Float, nullable=False),
        sa.Column("due_at", sa.Float, nullable=False),
        sa.Column("escalated_at", sa.Float),
        sa.Column("callback_at", sa.Float),
        sa.Column("callback_note", sa.Text, nullable=False, server_default=""),
        sa.Column("rectified_at", sa.Float),
        sa.Column("rectification", sa.Text, nullable=False, server_default=""),
        sa.Column("evidence", sa.Text, nullable=False, server_default=""),
        sa.Column("verified_at", sa.Float),
        sa.Column("verified_by", sa.String(64)),
        sa.Column("closed_at", sa.Float),
        sa.Column("history", sa.JSON, nullable=False),
    )
    op.create_index("rectifications_status", "rectifications", ["status", "due_at"])
    op.create_index("rectifications_opened", "rectifications", ["opened_at"])
    op.create_index("ratings_level", "ratings", ["level", "id"])
    op.create_index("cases_item", "cases", ["item_code", "received_at"])
    op.create_index("device_events_terminal_time", "device_events", ["terminal_id", "received_at"])


def downgrade() -> None:
    op.drop_index("device_events_terminal_time", "device_events")
    op.drop_index("cases_item", "cases")
    op.drop_index("ratings_level", "ratings")
    op.drop_table("rectifications")
    op.drop_index("alerts_status", "alerts")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_constraint("alerts_open_key")
        for column in (
            "notified_at",
            "resolved_by",
            "resolved_at",
            "acknowledged_by",
            "acknowledged_at",
            "status",
            "open_key",
        ):
            batch.drop_column(column)
