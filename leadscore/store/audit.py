"""The audit trail: every change (people, keys, models, outcomes, lists) and every sign-in failure.

One row per event: when, who (an email, or the operating-system user at the command line), what (an action
such as ``user added`` and a JSON detail), from where (``command line``, or the visitor's network address).
A change and its event are written in one transaction where the change is in the store (``write``); a change
made elsewhere (a model published in the registry) is written after it (``record``). Never a password, a key
or lead data in ``detail``: only names, roles, versions and counts.

    from leadscore.store import audit
    audit.record(store, "ana@example.com", audit.MODEL_ACTIVATED, {"version": "2026..."}, "10.0.0.7")
    audit.events(store, since=datetime(2026, 5, 1, tzinfo=timezone.utc))
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select

from leadscore.store.tables import AuditEvent

if TYPE_CHECKING:
    from leadscore.store.store import Store

log = logging.getLogger(__name__)

#: Where a change made at the command line comes from.
COMMAND_LINE = "command line"

USER_ADDED, USER_REMOVED, ROLE_SET, PASSWORD_SET = "user added", "user removed", "role set", "password set"
KEY_ADDED, KEY_REVOKED = "key added", "key revoked"
MODEL_TRAINED, MODEL_PUBLISHED, MODEL_ACTIVATED, MODEL_RENAMED = ("model trained", "model published",
                                                                 "model activated", "model renamed")
OUTCOMES_IMPORTED, LIST_SAVED, LIST_EXPORTED = "outcomes imported", "list saved", "list exported"
SIGN_IN_FAILED = "sign-in failed"
#: Column limits of the table (longer values are cut, never refused: the change itself already happened).
_ACTOR, _ACTION, _SOURCE = 320, 50, 200


@dataclass(frozen=True)
class Event:
    """One row of the audit trail."""

    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]
    source: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe (``at`` in ISO 8601, UTC)."""
        return {"at": self.at.isoformat(), "actor": self.actor, "action": self.action, "detail": self.detail,
                "source": self.source}


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def write(connection: Connection, actor: str, action: str, detail: Mapping[str, Any], source: str,
          at: datetime | None = None) -> None:
    """Add one event inside the caller's transaction (so the change and its event commit together)."""
    connection.execute(insert(AuditEvent).values(
        at=_utc(at or datetime.now(timezone.utc)), actor=(actor or "unknown")[:_ACTOR], action=action[:_ACTION],
        detail=json.dumps(dict(detail), default=str, sort_keys=True), source=(source or "unknown")[:_SOURCE]))


def record(store: Store, actor: str, action: str, detail: Mapping[str, Any], source: str) -> None:
    """Add one event in its own transaction."""
    with store.writing("write the audit entry") as connection:
        write(connection, actor, action, detail, source)
    log.info("audit: %s by %s from %s", action, actor, source)


def events(store: Store, since: datetime | None = None, limit: int | None = None) -> list[Event]:
    """Events, oldest first; ``since``: at or after that moment; ``limit``: only the newest ``limit``."""
    query = select(AuditEvent.at, AuditEvent.actor, AuditEvent.action, AuditEvent.detail, AuditEvent.source)
    if since is not None:
        query = query.where(AuditEvent.at >= _utc(since))
    query = query.order_by(AuditEvent.id.desc())
    if limit is not None:
        query = query.limit(limit)
    with store.reading("read the audit trail") as connection:
        rows = connection.execute(query).all()
    return [Event(_utc(datetime.fromisoformat(at) if isinstance(at, str) else at), actor, action, json.loads(detail),
                  source) for at, actor, action, detail, source in reversed(rows)]
