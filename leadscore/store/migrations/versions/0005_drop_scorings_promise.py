"""Scorings lose ``promise``: a tier's promise for a set of leads is their mean chance, worked out when the report
is built. Before this revision's code the column held, for built-in leads, the tier's midpoint of the seed's
conversion range (read by the old report), and the chance for a team's leads; both can be rebuilt from the tier
and the chance, so nothing is lost with it.

Existing records are kept: every other column and every ``scoring_data`` row stay as they were.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Drop scorings.promise.

    Plain ALTER TABLE (SQLite 3.35+ drops an unindexed column in place), as in 0002 and 0003: a batch copy of
    scorings would drop the old table, and with foreign keys on, that would delete every scoring_data row.
    """
    op.execute("ALTER TABLE scorings DROP COLUMN promise")


def downgrade() -> None:
    """Put scorings.promise back (NOT NULL, as 0001 made it), filled from each scoring's chance."""
    # SQLite adds a NOT NULL column only with a default; the UPDATE then writes the real values.
    op.execute("ALTER TABLE scorings ADD COLUMN promise FLOAT NOT NULL DEFAULT 0")
    op.execute("UPDATE scorings SET promise = chance")
    if op.get_context().dialect.name == "postgresql":
        op.execute("ALTER TABLE scorings ALTER COLUMN promise DROP DEFAULT")
