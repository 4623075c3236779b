"""The store's tables (SQLAlchemy 2). The schema is created and changed only by the migrations beside this file.

Lead data (fields as read, reasons) is stored as JSON text: one column whatever the model's fields, and the
report reads it only for a breakdown or a sample (drift), never row by row for the totals.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer, SmallInteger, String, Text
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
    #: Written as ``chance`` (a tier's promise for a set of leads is their mean chance) and not read; scorings
    #: recorded before that hold the built-in tier's midpoint here.
    promise: Mapped[float] = mapped_column(Float)
    #: The chance as a whole score 0-100 (None for built-in scorings recorded before every lead had one).
    score: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[int | None] = mapped_column(SmallInteger)
    latest: Mapped[bool] = mapped_column(Boolean)
    __table_args__ = (
        Index("ix_scorings_lead", "lead_id", "id"),
        Index("ix_scorings_scored_at", "scored_at"),
        Index("ix_scorings_model", "model_version"),
        Index("ix_scorings_list", "list_id"),
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
