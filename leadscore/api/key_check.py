"""Which API key a request carries and what it may do: the store's keys and ``LEADSCORE_API_KEY``, cached briefly.

Keys are asked for once any key that is not revoked exists in the store (``leadscore keys add``), or when
``LEADSCORE_API_KEY`` is set (an all-scopes key, kept for set-ups made before keys had scopes). Lookups are
cached for ``CACHE_SECONDS`` (a key's scopes, an unknown key, whether any key exists), so a request costs a
SHA-256 and a dictionary lookup, not a query: a key made or revoked takes effect within that time.

Fail closed: when the store cannot be read, a request is answered 503 (unless it carries LEADSCORE_API_KEY),
never let through. With the default SQLite store and no file yet there are no keys, and the file is not
created by asking.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from leadscore.permissions import SCOPES
from leadscore.settings import ENV_API_KEY
from leadscore.store import Store, StoreError, keys

log = logging.getLogger(__name__)

#: How long a lookup is trusted (a revoked key stops working within this time).
CACHE_SECONDS = 5.0
#: At most this many keys (known or unknown) are remembered; beyond it the cache starts again.
CACHE_KEYS = 4096
#: The all-scopes key of the environment, as the access log names it.
ENVIRONMENT_KEY = keys.KeyInfo(ENV_API_KEY, SCOPES, None)


@dataclass(frozen=True)
class Checked:
    """What a request's key is: not needed (``required`` False), a valid key, none or unknown (``key`` None),
    or not checkable now (``problem``: the store cannot be read)."""

    required: bool
    key: keys.KeyInfo | None = None
    problem: str | None = None


class KeyCheck:
    """The API's key lookups, against one store (``database_url``) and the environment's key."""

    def __init__(self, database_url: str, environment_key: str | None, ttl: float = CACHE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.database_url = database_url
        self.environment_key = environment_key.encode() if environment_key else None
        self.ttl, self._clock = ttl, clock
        self._store: Store | None = None
        self._open_lock = threading.Lock()
        self._active: tuple[float, int] | None = None
        self._keys: dict[str, tuple[float, keys.KeyInfo | None]] = {}
        #: Until when the store is taken as unreadable (after an error: not asked again on every request).
        self._down_until = -1.0

    def close(self) -> None:
        """Release the store's connections."""
        if self._store is not None:
            self._store.close()

    # ---- the store, read only when a lookup is not cached ---------------------------------------------
    def _missing_sqlite_file(self) -> bool:
        url = make_url(self.database_url)
        return url.get_backend_name() == "sqlite" and bool(url.database) and not Path(str(url.database)).exists()

    def _opened(self) -> Store:
        with self._open_lock:
            if self._store is None:
                self._store = Store.open(self.database_url)
            return self._store

    def _active_keys(self) -> int:
        if self._missing_sqlite_file():
            return 0
        return keys.active_keys(self._opened())

    # ---- lookups ---------------------------------------------------------------------------------
    def cached(self, presented: bytes) -> Checked | None:
        """The answer from the cache alone, or None when it needs the store (then call ``check``)."""
        return self._decide(presented, fetch=False)

    def check(self, presented: bytes) -> Checked:
        """The answer, reading the store when the cache has no fresh answer (blocking: run it in a thread)."""
        decided = self._decide(presented, fetch=True)
        assert decided is not None
        return decided

    def _decide(self, presented: bytes, fetch: bool) -> Checked | None:
        if self.environment_key is not None and presented and hmac.compare_digest(presented, self.environment_key):
            return Checked(True, ENVIRONMENT_KEY)
        now = self._clock()
        if now < self._down_until:
            return self._unreadable()
        try:
            active = self._cached_active(now, fetch)
            if active is None:
                return None
            if not active and self.environment_key is None:
                return Checked(False)
            if not presented:
                return Checked(True)
            return self._cached_key(presented, now, fetch)
        except (SQLAlchemyError, StoreError, OSError) as error:
            log.warning("API keys cannot be checked for %.0f s: the store cannot be read (%s)", self.ttl,
                        type(error).__name__)
            self._down_until = now + self.ttl
            return self._unreadable()

    def _unreadable(self) -> Checked:
        if self.environment_key is not None:
            return Checked(True)  # only the environment's key can be checked, and this is not it
        return Checked(True, problem="API keys cannot be checked now: the store cannot be reached")

    def _cached_active(self, now: float, fetch: bool) -> int | None:
        if self._active is not None and self._active[0] > now:
            return self._active[1]
        if not fetch:
            return None
        active = self._active_keys()
        self._active = (now + self.ttl, active)
        return active

    def _cached_key(self, presented: bytes, now: float, fetch: bool) -> Checked | None:
        try:
            text = presented.decode("utf-8")
        except UnicodeDecodeError:
            return Checked(True)
        digest = keys.key_hash(text)
        hit = self._keys.get(digest)
        if hit is not None and hit[0] > now:
            return Checked(True, hit[1])
        if not fetch:
            return None
        found = keys.find_key(self._opened(), text) if not self._missing_sqlite_file() else None
        if len(self._keys) >= CACHE_KEYS:
            self._keys.clear()
        self._keys[digest] = (now + self.ttl, found)
        return Checked(True, found)
