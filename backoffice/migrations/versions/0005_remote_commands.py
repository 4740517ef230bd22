"""Remote operations from the console: a command queue per terminal, and the screenshots terminals upload.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "remote_commands",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("args", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("batch", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("sent_at", sa.Float),
        sa.Column("send_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("acked_at", sa.Float),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("remote_commands_terminal", "remote_commands", ["terminal_id", "state", "created_at"])
    op.create_index("remote_commands_batch", "remote_commands", ["batch"])
    op.create_table(
        "screenshots",
        sa.Column("command_id", sa.String(64), primary_key=True),
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("length", sa.Integer, nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("received_at", sa.Float, nullable=False),
    )
    op.create_index("ix_screenshots_terminal_id", "screenshots", ["terminal_id"])


def downgrade() -> None:
    op.drop_index("ix_screenshots_terminal_id", "screenshots")
    op.drop_table("screenshots")
    op.drop_index("remote_commands_batch", "remote_commands")
    op.drop_index("remote_commands_terminal", "remote_commands")
    op.drop_table("remote_commands")
