"""The webhook outbox: an event per lead whose tier is new or changed, written with the scoring, sent later.

Written by ``Store.record`` in the transaction that records the scorings (``tier_changes`` + ``enqueue``), so an
event exists exactly when its scoring does, and a receiver that is down never slows scoring: delivery reads the
outbox afterwards (``workflows/webhooks.py``).

Delivery is at least once, never twice once acknowledged, and safe with several senders (``leadscore webhooks
send`` from cron while ``leadscore serve`` runs, or several API workers): ``claim`` leases due events in one
atomic statement (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite one UPDATE, which holds the database's
write lock), moving their ``next_attempt_at`` past the lease; a sender that dies mid-way loses its lease and
another sends again. An event is marked delivered (``delivered``) before the sender moves on.

The payload kept is the lead's scoring (tier, previous tier, score, chance, reasons, model version, moment);
the body sent is made from it (``workflows/webhooks.py``). Lead data is never logged here.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection, Engine, text

from leadscore.store.record import Encoded

_COLUMNS = ("event_id", "lead_id", "payload", "created_at", "attempts", "next_attempt_at")
#: The longest error text kept per event (a receiver's error page can be long).
MAX_ERROR = 500


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


def tier_changes(scoring_ids: Sequence[int], columns: Encoded, latest: Sequence[bool],
                 previous: Mapping[str, str], scored_at: datetime) -> list[tuple[str, str]]:
    """(lead id, payload JSON) for each lead of a batch whose tier is new or changed.

    A lead twice in one batch counts once, by its last scoring (``latest``); ``previous`` holds each lead's
    tier before the batch (its latest scoring then). Built as text directly: this runs for every recorded lead.
    """
    dumps = json.dumps
    moment = dumps(_utc(scored_at).isoformat())
    out = []
    for i, lead in enumerate(columns.lead_id):
        if not latest[i]:
            continue
        tier = columns.tier[i]
        before = previous.get(lead)
        if before == tier:
            continue
        out.append((lead, f'{{"scoring_id":{scoring_ids[i]},"tier":{dumps(tier)},'
                          f'"previous_tier":{dumps(before)},"score":{int(columns.score[i])},'
                          f'"chance":{round(columns.chance[i], 4)},"reasons":{columns.reasons[i] or "{}"},'
                          f'"model_version":{dumps(columns.model_version[i])},"scored_at":{moment}}}'))
    return out


def enqueue(connection: Connection, events: Sequence[tuple[str, str]], now: datetime) -> int:
    """Put ``events`` (lead id, payload JSON) in the outbox inside the caller's transaction; due at once."""
    if not events:
        return 0
    token = secrets.token_hex(8)  # event ids: one random token per batch and a counter (stable once stored)
    stamp = _stamp(connection, _utc(now))
    rows = [(f"{token}-{k}", lead, payload, stamp, 0, stamp) for k, (lead, payload) in enumerate(events)]
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY webhook_outbox ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        connection.exec_driver_sql(f"INSERT INTO webhook_outbox ({', '.join(_COLUMNS)}) "
                                   f"VALUES ({', '.join('?' * len(_COLUMNS))})", rows)
    return len(rows)


class Outbox:
    """The outbox of one store (``Store.outbox``): claim due events, mark them, count them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def claim(self, limit: int, lease: timedelta, now: datetime | None = None) -> list[Claimed]:
        """Lease up to ``limit`` due events (oldest first) to this sender until ``now + lease``."""
        now = _utc(now)
        with self.engine.begin() as connection:
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

    def delivered(self, event: Claimed, now: datetime | None = None) -> None:
        """The receiver acknowledged ``event``: it is never sent again."""
        with self.engine.begin() as connection:
            connection.execute(text("UPDATE webhook_outbox SET delivered_at = :now, attempts = attempts + 1, "
                                    "last_error = NULL WHERE id = :id AND delivered_at IS NULL"),
                               {"now": _stamp(connection, _utc(now)), "id": event.id})

    def failed(self, event: Claimed, error: str, retry_at: datetime) -> None:
        """A failed attempt: counted, its reason kept (one line, shortened), tried again from ``retry_at``."""
        with self.engine.begin() as connection:
            connection.execute(text("UPDATE webhook_outbox SET attempts = attempts + 1, last_error = :error, "
                                    "next_attempt_at = :at WHERE id = :id AND delivered_at IS NULL"),
                               {"error": " ".join(error.split())[:MAX_ERROR],
                                "at": _stamp(connection, _utc(retry_at)), "id": event.id})

    def release(self, events: Sequence[Claimed], at: datetime) -> None:
        """Give back leased events not attempted (the receiver is down): due again from ``at``."""
        if not events:
            return
        with self.engine.begin() as connection:
            connection.execute(text("UPDATE webhook_outbox SET next_attempt_at = :at "
                                    "WHERE id = :id AND delivered_at IS NULL"),
                               [{"at": _stamp(connection, _utc(at)), "id": e.id} for e in events])

    def status(self) -> OutboxStatus:
        """How many events wait, were delivered, are failing (waiting after at least one failed attempt)."""
        with self.engine.connect() as connection:
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
