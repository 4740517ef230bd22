"""好差评 rating set 2 (GB/T 39734-2020): indicator scores in their own table, 差评 reasons and the set's version on
the rating, and ratings that come by no terminal event (rated later on a phone).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None
_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("ratings") as batch:
        batch.add_column(sa.Column("reasons", sa.JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("set_version", sa.Integer, nullable=False, server_default="1"))
        batch.alter_column("event_id", existing_type=_ID, nullable=True)
    op.create_table(
        "rating_scores",
        sa.Column("rating_id", sa.Integer, sa.ForeignKey("ratings.id"), primary_key=True),
        sa.Column("indicator", sa.String(32), primary_key=True),
        sa.Column("score", sa.Integer, nullable=False),
    )
    op.create_index("rating_scores_indicator", "rating_scores", ["indicator", "score"])


def downgrade() -> None:
    op.drop_index("rating_scores_indicator", "rating_scores")
    op.drop_table("rating_scores")
    with op.batch_alter_table("ratings") as batch:
        batch.alter_column("event_id", existing_type=_ID, nullable=False)
        batch.drop_column("set_version")
        batch.drop_column("reasons")
