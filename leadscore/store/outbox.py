"""The webhook outbox: an event per lead whose tier is new or changed, written with the scoring, sent later.

Written by ``Store.record`` in the transaction that records the scorings (``enqueue_tier_changes``), so an
event exists exactly when its scoring does, and a receiver that is down never slows scoring: delivery reads the
outbox afterwards (``workflows/webhooks.py``). The database makes the events from the scorings just inserted
in one INSERT ... SELECT: no per-lead work in Python, so recording 100,000 leads with webhooks on costs
little more than without (benchmarks/bench_store.py).

Delivery is at least once, never twice once acknowledged, and safe with several senders (``leadscore webhooks
send`` from cron while ``leadscore serve`` runs, or several API workers): ``claim`` leases due events in one
atomic statement (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite one UPDATE, which holds the database's
write lock), moving their ``next_attempt_at`` past the lease; a sender that dies mid-way loses its lease and
another sends again. An event is marked delivered (``delivered``) before the sender moves on.

The payload kept is the scoring's id, its tier and the lead's tier before; the body sent adds the scoring's
score, reasons, model version and moment (``details``; the scorings are never changed once written, so the
body is the same on every retry). Lead data is never logged here.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from sqlalchemy import Connection, text

#: The longest error text kept per event (a receiver's error page can be long).
MAX_ERROR = 500


class Transactions(Protocol):
    """What the outbox asks of its store (``Store`` is one; named here because ``store.py`` imports this module)."""

    def reading(self, doing: str) -> AbstractContextManager[Connection]: ...
    def writing(self, doing: str) -> AbstractContextManager[Connection]: ...


@dataclass(frozen=True)
class Claimed:
    """An event leased to one sender: send it, then ``delivered`` or ``failed``."""

    id: int
    event_id: str
    lead_id: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class OutboxStatus:
    """Counts for ``leadscore webhooks status``: waiting (failing ones included), delivered, failing."""

    pending: int
    delivered: int
    failing: int
    oldest_pending: str | None
    next_attempt: str | None
    last_error: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe."""
        return dict(self.__dict__)


def _utc(moment: datetime | None = None) -> datetime:
    moment = moment or datetime.now(timezone.utc)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _stamp(connection: Connection, moment: datetime) -> datetime | str:
    """A moment as the driver stores it: a datetime on PostgreSQL, SQLAlchemy's naive UTC text on SQLite."""
    if connection.dialect.name == "postgresql":
        return moment
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def _read_time(value: datetime | str | None) -> str | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return _utc(moment).isoformat()


#: The events of a batch, made by the database from the scorings just inserted (no per-lead Python): each
#: scoring that is its lead's latest and whose tier differs from the lead's tier before the batch, or that is
#: the lead's first. ``{batch}`` selects the batch's scorings with the previous tier as ``previous``.
_ENQUEUE = """
INSERT INTO webhook_outbox (event_id, lead_id, payload, created_at, attempts, next_attempt_at)
SELECT :token || '-' || c.id, c.lead_id,
       '{{"scoring_id":' || c.id || ',"tier":' || {tier} || ',"previous_tier":' || COALESCE({previous}, 'null')
       || '}}', :now, 0, :now
FROM ({batch}) c
WHERE c.previous IS NULL OR c.previous <> c.tier
ORDER BY c.id
"""
#: SQLite: the lead's latest scoring older than the batch, looked up per lead (an index seek in-process).
_SQLITE_BATCH = """SELECT s.id, s.lead_id, s.tier,
       (SELECT p.tier FROM scorings p WHERE p.lead_id = s.lead_id AND p.id < :first ORDER BY p.id DESC LIMIT 1)
       AS previous
FROM scorings s WHERE s.id BETWEEN :first AND :last AND s.latest"""
#: PostgreSQL: the previous tiers kept by ``keeping_previous`` as the batch unmarked them, joined by hash.
_PREVIOUS = "leadscore_previous_tiers"
_POSTGRES_BATCH = f"""SELECT s.id, s.lead_id, s.tier, p.tier AS previous
FROM scorings s LEFT JOIN pg_temp.{_PREVIOUS} p ON p.lead_id = s.lead_id
WHERE s.id = ANY(:ids) AND s.latest"""


def keeping_previous(connection: Connection, unmark: str) -> str:
    """``unmark`` (the UPDATE that ends each lead's previous latest scoring) rewritten, on PostgreSQL, to keep
    those scorings' tiers in a temporary table for ``enqueue_tier_changes`` (emptied at commit). SQLite: as is."""
    if connection.dialect.name != "postgresql":
        return unmark
    connection.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {_PREVIOUS} (lead_id text, tier text) "
                               "ON COMMIT DELETE ROWS")
    return (f"WITH unmarked AS ({unmark} RETURNING lead_id, tier) "
            f"INSERT INTO pg_temp.{_PREVIOUS} (lead_id, tier) SELECT lead_id, tier FROM unmarked")


def enqueue_tier_changes(connection: Connection, scoring_ids: Sequence[int], now: datetime) -> int:
    """In the caller's transaction (``Store.record``), one event per lead of the batch whose tier is new or
    changed: its latest scoring in the batch against its latest before it (``keeping_previous`` ran on the
    batch's unmarking). Due at once; returns how many."""
    if not len(scoring_ids):
        return 0
    token = secrets.token_hex(8)  # event ids: a random token per batch and the scoring's id (stable once stored)
    stamp = _stamp(connection, _utc(now))
    first = min(scoring_ids)
    if connection.dialect.name == "postgresql":
        sql = _ENQUEUE.format(tier="to_json(c.tier)::text", previous="to_json(c.previous)::text",
                              batch=_POSTGRES_BATCH)
        parameters: dict[str, Any] = {"ids": list(scoring_ids)}
    else:  # SQLite: the batch's ids are consecutive (taken under the write lock, Store._new_ids)
        sql = _ENQUEUE.format(tier="json_quote(c.tier)", previous="json_quote(c.previous)", batch=_SQLITE_BATCH)
        parameters = {"last": max(scoring_ids)}
    result = connection.execute(text(sql), {"token": token, "now": stamp, "first": first, **parameters})
    return int(result.rowcount or 0)


class Outbox:
    """The outbox of one store (``Store.outbox``): claim due events, mark them, count them. Each goes through
    the store's ``reading``/``writing``, so a database fault is one ``StoreError`` line."""

    def __init__(self, store: Transactions) -> None:
        self.store = store

    def claim(self, limit: int, lease: timedelta, now: datetime | None = None) -> list[Claimed]:
        """Lease up to ``limit`` due events (oldest first) to this sender until ``now + lease``."""
        now = _utc(now)
        with self.store.writing("claim the due webhook events") as connection:
            pick = ("SELECT id FROM webhook_outbox WHERE delivered_at IS NULL AND next_attempt_at <= :now "
                    "ORDER BY id LIMIT :limit")
            if connection.dialect.name == "postgresql":
                pick += " FOR UPDATE SKIP LOCKED"
            rows = connection.execute(text(
                f"UPDATE webhook_outbox SET next_attempt_at = :until WHERE id IN ({pick}) "
                "RETURNING id, event_id, lead_id, payload, attempts"),
                {"now": _stamp(connection, now), "until": _stamp(connection, now + lease), "limit": limit}).all()
        return sorted((Claimed(int(r.id), r.event_id, r.lead_id, json.loads(r.payload), int(r.attempts))
                       for r in rows), key=lambda c: c.id)

    def details(self, events: Sequence[Claimed]) -> dict[int, dict[str, Any]]:
        """The scorings of ``events`` (by scoring id): score, chance, reasons, model version, moment. A scoring
        deleted since (retention) is missing: its event still goes out with what the outbox kept."""
        ids = sorted({int(e.payload["scoring_id"]) for e in events if "scoring_id" in e.payload})
        if not ids:
            return {}
        with self.store.reading("read the scorings of the webhook events") as connection:
            rows = connection.execute(text(
                "SELECT s.id, s.score, s.chance, s.model_version, s.scored_at, d.reasons FROM scorings s "
                "LEFT JOIN scoring_data d ON d.scoring_id = s.id WHERE s.id IN "
                f"({', '.join(str(i) for i in ids)})")).all()
        return {int(r.id): {"score": None if r.score is None else round(float(r.score)),
                            "chance": round(float(r.chance), 4), "model_version": r.model_version,
                            "scored_at": _read_time(r.scored_at),
                            "reasons": [v for v in json.loads(r.reasons).values() if v] if r.reasons else []}
                for r in rows}

    def delivered(self, event: Claimed, now: datetime | None = None) -> None:
        """The receiver acknowledged ``event``: it is never sent again."""
        with self.store.writing("mark a webhook event delivered") as connection:
            connection.execute(text("UPDATE webhook_outbox SET delivered_at = :now, attempts = attempts + 1, "
                                    "last_error = NULL WHERE id = :id AND delivered_at IS NULL"),
                               {"now": _stamp(connection, _utc(now)), "id": event.id})

    def failed(self, event: Claimed, error: str, retry_at: datetime) -> None:
        """A failed attempt: counted, its reason kept (one line, shortened), tried again from ``retry_at``."""
        with self.store.writing("mark a webhook event failed") as connection:
            connection.execute(text("UPDATE webhook_outbox SET attempts = attempts + 1, last_error = :error, "
                                    "next_attempt_at = :at WHERE id = :id AND delivered_at IS NULL"),
                               {"error": " ".join(error.split())[:MAX_ERROR],
                                "at": _stamp(connection, _utc(retry_at)), "id": event.id})

    def release(self, events: Sequence[Claimed], at: datetime) -> None:
        """Give back leased events not attempted (the receiver is down): due again from ``at``."""
        if not events:
            return
        with self.store.writing("give back the webhook events") as connection:
            connection.execute(text("UPDATE webhook_outbox SET next_attempt_at = :at "
                                    "WHERE id = :id AND delivered_at IS NULL"),
                               [{"at": _stamp(connection, _utc(at)), "id": e.id} for e in events])

    def status(self) -> OutboxStatus:
        """How many events wait, were delivered, are failing (waiting after at least one failed attempt)."""
        with self.store.reading("read the webhook outbox") as connection:
            row = connection.execute(text(
                "SELECT SUM(CASE WHEN delivered_at IS NULL THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN delivered_at IS NULL AND last_error IS NOT NULL THEN 1 ELSE 0 END), "
                "MIN(CASE WHEN delivered_at IS NULL THEN created_at END), "
                "MIN(CASE WHEN delivered_at IS NULL THEN next_attempt_at END) FROM webhook_outbox")).one()
            error = connection.execute(text(
                "SELECT last_error FROM webhook_outbox WHERE delivered_at IS NULL AND last_error IS NOT NULL "
                "ORDER BY id DESC LIMIT 1")).scalar()
        return OutboxStatus(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), _read_time(row[3]),
                            _read_time(row[4]), error)
