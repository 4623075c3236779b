"""The first schema: lists, scorings and outcomes.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create lists, scorings (with their indexes) and outcomes."""
    op.create_table(
        "lists",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "scorings",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("lead_id", sa.String(200), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("list_id", sa.Integer(), sa.ForeignKey("lists.id", ondelete="CASCADE"), nullable=True),
        sa.Column("tier", sa.String(20), nullable=False),
        sa.Column("chance", sa.Float(), nullable=False),
        sa.Column("promise", sa.Float(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("chances", sa.Text(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=True),
    )
    op.create_index("ix_scorings_lead", "scorings", ["lead_id", "id"])
    op.create_index("ix_scorings_scored_at", "scorings", ["scored_at"])
    op.create_index("ix_scorings_model", "scorings", ["model_version"])
    op.create_index("ix_scorings_list", "scorings", ["list_id"])
    op.create_table(
        "outcomes",
        sa.Column("lead_id", sa.String(200), primary_key=True),
        sa.Column("outcome", sa.SmallInteger(), nullable=False),
        sa.Column("known_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    """Drop every table of this revision."""
    op.drop_table("outcomes")
    op.drop_table("scorings")
    op.drop_table("lists")
