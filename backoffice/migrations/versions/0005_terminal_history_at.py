"""When a terminal's last heartbeat history row was written, on its row: a heartbeat decides whether it
needs a new one from what its single UPDATE returns (``backoffice.heartbeats``), without a SELECT first.

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
    with op.batch_alter_table("terminals") as batch:
        batch.add_column(sa.Column("history_at", sa.Float, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("terminals") as batch:
        batch.drop_column("history_at")
