"""Index cases by 办件编号 alone: citizens rate a case by its number at any terminal.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("cases_case_no", "cases", ["case_no"])


def downgrade() -> None:
    op.drop_index("cases_case_no", table_name="cases")
