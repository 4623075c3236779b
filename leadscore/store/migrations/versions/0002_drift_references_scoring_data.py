"""Drift references per model version; the lead's data moved out of scorings so the report scans a narrow table.

Existing records are kept: fields, chances and reasons are copied to scoring_data, each lead's latest
scoring is marked and known outcomes are copied onto the scorings before the wide columns are dropped.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Add drift_references and scoring_data; scorings gains outcome and latest and loses the lead's data."""
    op.create_table(
        "drift_references",
        sa.Column("model_version", sa.String(100), primary_key=True),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "scoring_data",
        sa.Column("scoring_id", BIG_ID, sa.ForeignKey("scorings.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("chances", sa.Text(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=True),
    )
    op.execute("INSERT INTO scoring_data (scoring_id, chances, fields, reasons) "
               "SELECT id, chances, fields, reasons FROM scorings")
    # Plain ALTER TABLE (SQLite 3.35+ drops columns in place): a batch copy of scorings would drop the old
    # table, and with foreign keys on, that would delete the scoring_data rows just copied.
    op.add_column("scorings", sa.Column("outcome", sa.SmallInteger(), nullable=True))
    op.add_column("scorings", sa.Column("latest", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE scorings SET latest = (id IN (SELECT MAX(id) FROM scorings GROUP BY lead_id))")
    op.execute("UPDATE scorings SET outcome = (SELECT o.outcome FROM outcomes o WHERE o.lead_id = scorings.lead_id)")
    for column in ("chances", "fields", "reasons"):
        op.execute(f"ALTER TABLE scorings DROP COLUMN {column}")


def downgrade() -> None:
    """Put the lead's data back into scorings and drop the tables of this revision."""
    for column, kind in (("chances", "TEXT NOT NULL DEFAULT '{}'"), ("fields", "TEXT NOT NULL DEFAULT '{}'"),
                         ("reasons", "TEXT")):
        op.execute(f"ALTER TABLE scorings ADD COLUMN {column} {kind}")
    for column in ("chances", "fields", "reasons"):
        op.execute(f"UPDATE scorings SET {column} = "
                   f"(SELECT d.{column} FROM scoring_data d WHERE d.scoring_id = scorings.id)")
    op.execute("ALTER TABLE scorings DROP COLUMN outcome")
    op.execute("ALTER TABLE scorings DROP COLUMN latest")
    op.drop_table("scoring_data")
    op.drop_table("drift_references")
