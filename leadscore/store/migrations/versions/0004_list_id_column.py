"""Each saved list remembers the column its lead IDs were read from, so an export gives them under that name.

Existing lists get no name (NULL): their export shows the IDs under ``lead_id``.

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
    """Add lists.id_column."""
    op.add_column("lists", sa.Column("id_column", sa.String(200), nullable=True))


def downgrade() -> None:
    """Drop lists.id_column (plain ALTER TABLE, as in 0002)."""
    op.execute("ALTER TABLE lists DROP COLUMN id_column")
