"""Team use: people with roles, API keys, the audit trail, saved views, each scoring's owner, the webhook outbox.

Existing records are kept: the new tables start empty and ``scorings.owner`` is added empty (NULL: no owner
was known when those leads were recorded), so a rep sees none of them until they are scored again with an
owner column.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Add users, api_keys, audit_events, saved_views, webhook_outbox and scorings.owner (indexed)."""
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.Column("password_hash", sa.String(300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("scopes", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_email", sa.String(320), nullable=False),
        sa.Column("page", sa.String(50), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("view", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_email", "page", "name", name="uq_saved_views_user_page_name"),
    )
    op.add_column("scorings", sa.Column("owner", sa.String(200), nullable=True))
    op.create_index("ix_scorings_owner", "scorings", ["owner"])
    op.create_table(
        "webhook_outbox",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("lead_id", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    op.create_index("ix_webhook_outbox_pending", "webhook_outbox", ["delivered_at", "next_attempt_at"])


def downgrade() -> None:
    """Drop every table and column of this revision."""
    op.drop_table("webhook_outbox")
    op.drop_index("ix_scorings_owner", table_name="scorings")
    # Plain ALTER TABLE, as in 0002: a batch copy of scorings would cascade-delete scoring_data on SQLite.
    op.execute("ALTER TABLE scorings DROP COLUMN owner")
    op.drop_table("saved_views")
    op.drop_table("audit_events")
    op.drop_table("api_keys")
    op.drop_table("users")
