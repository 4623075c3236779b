"""The store's tables (SQLAlchemy 2). The schema is created and changed only by the migrations beside this file.

Lead data (fields as read, reasons) is stored as JSON text: one column whatever the model's fields, and the
report reads it only for a breakdown or a sample (drift), never row by row for the totals.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: An autoincrementing 64-bit key (SQLite only makes an INTEGER PRIMARY KEY its rowid).
BigId = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    """Declarative base of the store's tables."""


class SavedList(Base):
    """A named list of scored leads (``--list NAME``, the dashboard's "Save this list")."""

    __tablename__ = "lists"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: The column the list's lead IDs were read from (``--id``), for exports; None: hashes or not known.
    #: Added by migration 0004.
    id_column: Mapped[str | None] = mapped_column(String(200))


class Scoring(Base):
    """One lead scored once: the promise made (tier, chance) and, once known, what happened.

    Narrow on purpose: the report scans it (a million rows in well under a second); the lead's data is in
    ``ScoringData``. ``outcome`` is copied from ``outcomes`` (on import, and when a lead with a known outcome
    is scored again) and ``latest`` marks each lead's latest scoring, so the report is one GROUP BY.
    """

    __tablename__ = "scorings"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    lead_id: Mapped[str] = mapped_column(String(200))
    scored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    model_version: Mapped[str] = mapped_column(String(100))
    list_id: Mapped[int | None] = mapped_column(ForeignKey("lists.id", ondelete="CASCADE"))
    tier: Mapped[str] = mapped_column(String(20))
    #: The lead's calibrated chance of conversion, as its model's target defines it (``Target.conversion``).
    chance: Mapped[float] = mapped_column(Float)
    #: The chance as a whole score 0-100 (None for built-in scorings recorded before every lead had one).
    score: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[int | None] = mapped_column(SmallInteger)
    latest: Mapped[bool] = mapped_column(Boolean)
    #: Whose lead it is (the owner column's value as read; a rep sees only theirs). Added by migration 0003.
    owner: Mapped[str | None] = mapped_column(String(200))
    __table_args__ = (
        Index("ix_scorings_lead", "lead_id", "id"),
        Index("ix_scorings_scored_at", "scored_at"),
        Index("ix_scorings_model", "model_version"),
        Index("ix_scorings_list", "list_id"),
        Index("ix_scorings_owner", "owner"),
    )


class ScoringData(Base):
    """What a scoring was made on and said: the fields as read, the chances and the reasons (JSON text)."""

    __tablename__ = "scoring_data"
    scoring_id: Mapped[int] = mapped_column(BigId, ForeignKey("scorings.id", ondelete="CASCADE"), primary_key=True)
    chances: Mapped[str] = mapped_column(Text)
    fields: Mapped[str] = mapped_column(Text)
    reasons: Mapped[str | None] = mapped_column(Text)


class Outcome(Base):
    """The latest known outcome of a lead (1 converted, 0 not); older or repeated imports do not add rows."""

    __tablename__ = "outcomes"
    lead_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    outcome: Mapped[int] = mapped_column(SmallInteger)
    known_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(500))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DriftReference(Base):
    """A model version's training distribution (``drift.drift_reference``), as JSON. Added by migration 0002."""

    __tablename__ = "drift_references"
    model_version: Mapped[str] = mapped_column(String(100), primary_key=True)
    reference: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class User(Base):
    """A person who signs in: a role (admin, manager, rep, viewer), a rep's owner value. Added by migration 0003.

    ``password_hash`` is an argon2 hash (never the password); empty for an account that signs in only through
    the team's OpenID Connect provider.
    """

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    owner: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiKey(Base):
    """An API key: its name, a hash of the key (never the key), its scopes (space-separated). Migration 0003."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEvent(Base):
    """One change or sign-in failure: when, who, what (``detail`` JSON text), from where. Migration 0003."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(50))
    detail: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(200))
    __table_args__ = (Index("ix_audit_events_at", "at"),)


class SavedView(Base):
    """A person's saved view of a page: filters, sort and columns as JSON text. Added by migration 0003."""

    __tablename__ = "saved_views"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_email: Mapped[str] = mapped_column(String(320))
    page: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200))
    view: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("user_email", "page", "name", name="uq_saved_views_user_page_name"),)


class WebhookEvent(Base):
    """A webhook event waiting in the outbox (written with the scoring, delivered later). Migration 0003.

    ``event_id`` is stable across retries; ``delivered_at`` is set once the receiver acknowledged it.
    """

    __tablename__ = "webhook_outbox"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    lead_id: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_webhook_outbox_pending", "delivered_at", "next_attempt_at"),)
