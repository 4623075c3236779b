"""API keys with scopes: made once, shown once, kept only as a hash, revoked by name.

Scopes (``leadscore/permissions.py``): ``score`` (POST /v1/score and /v1/score/batch), ``record`` (the leads
it scores are recorded when the server records), ``outcomes`` (POST /v1/outcomes), ``models`` (GET
/v1/model). A key is
``lsk_`` + 43 characters of ``secrets.token_urlsafe(32)``: 256 random bits.

Why SHA-256 and not argon2 as for passwords: a password is short and guessable, so its hash must be slow to
try; a key has 256 random bits, so nobody can guess it however fast each try is, and a fast hash lets the
API check a key on every request in microseconds and find it through the unique index on ``key_hash``.

    from leadscore.store import keys
    key = keys.add_key(store, "website form", ["score", "record"], actor="root", source="command line")
    keys.find_key(store, key)          # ApiKey(name="website form", scopes=(...)) or None (unknown, revoked)
    keys.revoke_key(store, "website form", actor="root", source="command line")
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from leadscore.permissions import SCOPES
from leadscore.store import audit as trail
from leadscore.store.faults import StoreError
from leadscore.store.tables import ApiKey

if TYPE_CHECKING:
    from leadscore.store.store import Store

log = logging.getLogger(__name__)

PREFIX = "lsk_"
MAX_NAME = 100
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._@-]*$")


class ApiKeyError(ValueError):
    """A key cannot be made or revoked (one line: what, and the name)."""


@dataclass(frozen=True)
class KeyInfo:
    """A key as the store knows it (never the key itself)."""

    name: str
    scopes: tuple[str, ...]
    created_at: datetime | None
    revoked_at: datetime | None = None

    def allows(self, scope: str) -> bool:
        """Whether the key carries ``scope``."""
        return scope in self.scopes

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: name, scopes, created_at, revoked_at."""
        return {"name": self.name, "scopes": list(self.scopes),
                "created_at": self.created_at.isoformat() if self.created_at else None,
                "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None}


def key_hash(key: str) -> str:
    """The stored form of a key: SHA-256 in hex (see the module docstring for why a fast hash)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def check_name(name: str) -> str:
    """The key's name, trimmed; ApiKeyError when it is empty, too long or holds odd characters."""
    value = name.strip()
    if not value or len(value) > MAX_NAME or not _NAME.match(value):
        raise ApiKeyError(f"{name!r} is not a key name: up to {MAX_NAME} letters, digits, spaces and . _ @ -, "
                        "starting with a letter or digit")
    return value


def check_scopes(scopes: Iterable[str]) -> tuple[str, ...]:
    """The scopes in their usual order, each once; ApiKeyError naming the scopes when one is not, or none given."""
    given = [scope.strip().lower() for scope in scopes]
    unknown = [scope for scope in given if scope not in SCOPES]
    if unknown:
        raise ApiKeyError(f"{unknown[0]!r} is not a scope; the scopes are {', '.join(SCOPES)}")
    if not given:
        raise ApiKeyError(f"a key needs at least one scope: {', '.join(SCOPES)}")
    return tuple(scope for scope in SCOPES if scope in given)


def _utc(moment: datetime | str | None) -> datetime | None:
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _info(row: Row[Any]) -> KeyInfo:
    return KeyInfo(row.name, tuple(row.scopes.split()), _utc(row.created_at), _utc(row.revoked_at))


def add_key(store: Store, name: str, scopes: Iterable[str], *, actor: str, source: str) -> str:
    """Make a key; returns it (the only time it exists outside the caller: the store keeps its hash)."""
    name, chosen = check_name(name), check_scopes(scopes)
    key = PREFIX + secrets.token_urlsafe(32)
    try:
        with store.writing("add the API key") as connection:
            taken = connection.execute(select(ApiKey.revoked_at).where(ApiKey.name == name)).first()
            if taken is not None:
                raise ApiKeyError(f"a key named {name!r} already exists"
                                + (" (revoked; names are not reused, so the audit trail stays clear)"
                                   if taken.revoked_at is not None else "; revoke it first or choose another name"))
            connection.execute(insert(ApiKey).values(name=name, key_hash=key_hash(key), scopes=" ".join(chosen),
                                                     created_at=datetime.now(timezone.utc)))
            trail.write(connection, actor, trail.KEY_ADDED, {"name": name, "scopes": list(chosen)}, source)
    except StoreError as error:
        if not isinstance(error.__cause__, IntegrityError):
            raise
        # another process took the name at the same moment
        raise ApiKeyError(f"a key named {name!r} already exists") from error
    log.info("keys: added %r (%s)", name, ", ".join(chosen))
    return key


def revoke_key(store: Store, name: str, *, actor: str, source: str) -> tuple[KeyInfo, bool]:
    """Revoke a key by name (it stops working; its row stays for the record): the key, and whether it was
    revoked now (False: it already was, and nothing changed)."""
    name = name.strip()
    with store.writing("revoke the API key") as connection:
        row = connection.execute(select(ApiKey.__table__).where(ApiKey.name == name)).first()
        if row is None:
            raise ApiKeyError(f"no key named {name!r}; `leadscore keys list` shows them")
        if row.revoked_at is not None:
            return _info(row), False
        now = datetime.now(timezone.utc)
        connection.execute(update(ApiKey).where(ApiKey.id == row.id).values(revoked_at=now))
        trail.write(connection, actor, trail.KEY_REVOKED, {"name": name}, source)
    log.info("keys: revoked %r", name)
    return KeyInfo(row.name, tuple(row.scopes.split()), _utc(row.created_at), now), True


def list_keys(store: Store) -> list[KeyInfo]:
    """Every key ever made (revoked ones too), oldest first."""
    with store.reading("read the API keys") as connection:
        rows = connection.execute(select(ApiKey.__table__).order_by(ApiKey.id)).all()
    return [_info(row) for row in rows]


def active_keys(store: Store) -> int:
    """How many keys are not revoked (none: the API asks for no key unless LEADSCORE_API_KEY is set)."""
    with store.reading("read the API keys") as connection:
        return int(connection.execute(select(func.count()).select_from(ApiKey)
                                      .where(ApiKey.revoked_at.is_(None))).scalar_one())


def find_key(store: Store, key: str) -> KeyInfo | None:
    """The key's name and scopes when ``key`` is a key that is not revoked, else None."""
    with store.reading("check the API key") as connection:
        row = connection.execute(select(ApiKey.__table__).where(ApiKey.key_hash == key_hash(key),
                                                                ApiKey.revoked_at.is_(None))).first()
    return _info(row) if row is not None else None
