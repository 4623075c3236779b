"""Who may change the model (retrain, publish, activate): the rules, without any user interface.

Fail closed:

- ``LEADSCORE_RETRAIN_ENABLED``: ``1``/``true``/``yes``/``on`` (or unset) allow changes,
  ``0``/``false``/``no``/``off`` forbid them; any other value forbids them too (a typo
  must not open the door) and is logged.
- A password (``LEADSCORE_RETRAIN_PASSWORD`` or the dashboard's secret) is needed, except
  when no password is set and the dashboard listens only on this machine (127.0.0.1,
  ``localhost``, ``::1``): then whoever can reach it is already on the machine.
- Failed password attempts are limited: after ``MAX_FAILURES`` within ``WINDOW_SECONDS``
  from one address, further attempts are refused until the oldest failure ages out.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

ENABLED_WORDS = frozenset({"1", "true", "yes", "on"})
DISABLED_WORDS = frozenset({"0", "false", "no", "off"})
MAX_FAILURES = 5
WINDOW_SECONDS = 600.0


def enabled_setting(value: str | None) -> bool:
    """Whether the on/off setting allows model changes; unset allows, an unrecognised value forbids."""
    if value is None or not value.strip():
        return True
    word = value.strip().lower()
    if word in ENABLED_WORDS:
        return True
    if word not in DISABLED_WORDS:
        log.warning("LEADSCORE_RETRAIN_ENABLED=%r is not one of %s: model changes are off",
                    value, ", ".join(sorted(ENABLED_WORDS | DISABLED_WORDS)))
    return False


def is_local_address(address: str | None) -> bool:
    """Whether a listening address accepts connections from this machine only (empty: all interfaces)."""
    if not address:
        return False
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Access:
    """The rule as configured: on or off, the password (None: none set), local-only or not."""

    enabled: bool
    password: str | None
    local_only: bool

    @property
    def needs_password(self) -> bool:
        """Whether a password must be typed (always, unless no password is set on a local-only server)."""
        return self.password is not None or not self.local_only

    @property
    def refusal(self) -> str | None:
        """Why nobody may change the model here, or None when a change can be allowed."""
        if not self.enabled:
            return "Changing the model is switched off on this server (LEADSCORE_RETRAIN_ENABLED)."
        if self.password is None and not self.local_only:
            return ("Changing the model needs an administrator password on a shared server: set "
                    "LEADSCORE_RETRAIN_PASSWORD, or run the dashboard with --server.address 127.0.0.1.")
        return None

    def admits(self, attempt: str) -> bool:
        """Whether ``attempt`` opens the rule (constant-time comparison)."""
        if self.refusal is not None:
            return False
        if self.password is None:
            return True
        return hmac.compare_digest(attempt.encode("utf-8"), self.password.encode("utf-8"))


class AttemptLimiter:
    """At most ``max_failures`` failed attempts per key within ``window`` seconds (thread-safe)."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures, self.window, self._clock = max_failures, window, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= self._clock() - self.window:
            failures.popleft()
        return failures

    def wait_seconds(self, key: str) -> float:
        """Seconds until ``key`` may try again (0: it may try now)."""
        with self._lock:
            failures = self._recent(key)
            if len(failures) < self.max_failures:
                return 0.0
            return max(0.0, failures[0] + self.window - self._clock())

    def attempt(self, key: str, check: Callable[[], bool]) -> bool | None:
        """Run ``check`` unless ``key`` is locked out: None when locked, else its result (a failure counts)."""
        if self.wait_seconds(key) > 0:
            return None
        admitted = check()
        if not admitted:
            with self._lock:
                self._recent(key).append(self._clock())
            log.warning("failed model-change password attempt from %s", key)
        return admitted
