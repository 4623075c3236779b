"""Drift references per model version (the training distribution each version is compared with).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add drift_references; existing scorings and outcomes are untouched."""
    op.create_table(
        "drift_references",
        sa.Column("model_version", sa.String(100), primary_key=True),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    """Drop drift_references."""
    op.drop_table("drift_references")
