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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

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
    """The rule as configured: on or off, the password (None: none set), local-only or not.

    ``by_role``: people sign in and an administrator exists, so the visitor's role decides and no password is
    asked; ``role_refusal`` says why this visitor may not (None: an administrator, who may).
    """

    enabled: bool
    password: str | None
    local_only: bool
    by_role: bool = False
    role_refusal: str | None = None

    @property
    def needs_password(self) -> bool:
        """Whether a password must be typed (always, unless no password is set on a local-only server, or the
        visitor signed in and their role decides)."""
        if self.by_role:
            return False
        return self.password is not None or not self.local_only

    @property
    def refusal(self) -> str | None:
        """Why this visitor may not change the model here, or None when a change can be allowed."""
        if not self.enabled:
            return "Changing the model is switched off on this server (LEADSCORE_RETRAIN_ENABLED)."
        if self.by_role:
            return self.role_refusal
        if self.password is None and not self.local_only:
            return ("Changing the model needs an administrator password on a shared server: set "
                    "LEADSCORE_RETRAIN_PASSWORD, or run the dashboard with --server.address 127.0.0.1.")
        return None

    def admits(self, attempt: str) -> bool:
        """Whether ``attempt`` opens the rule (constant-time comparison)."""
        if self.refusal is not None:
            return False
        if self.by_role or self.password is None:
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
            self.record_failure(key)
            log.warning("failed model-change password attempt from %s", key)
        return admitted

    def record_failure(self, key: str) -> None:
        """Count one failed attempt for ``key`` now."""
        with self._lock:
            self._recent(key).append(self._clock())


# ---- sign-in: who is using the dashboard, and what they may open ------------------------------------------------
#: What a shared dashboard with no account says: how to add the first administrator.
FIRST_ADMIN_COMMAND = "leadscore users add you@example.com --role admin --password-stdin"


class Mode(Enum):
    """How the dashboard admits people, from the accounts in the store and where it listens."""

    #: No account and listening on this machine only: one person, everything allowed as before accounts existed.
    SINGLE_USER = "single-user"
    #: No account and reachable from other machines: no lead data, no change; says how to add the first admin.
    NO_ACCOUNT_SHARED = "no-account-shared"
    #: Accounts exist: everyone signs in (through the team's OpenID Connect provider, or a local password).
    SIGN_IN = "sign-in"


def sign_in_mode(accounts: int, local_only: bool) -> Mode:
    """The mode for ``accounts`` accounts in the store on a server that is ``local_only`` or not."""
    if accounts:
        return Mode.SIGN_IN
    return Mode.SINGLE_USER if local_only else Mode.NO_ACCOUNT_SHARED


def normal_email(email: str) -> str:
    """An email as accounts are looked up: trimmed, lower case."""
    return email.strip().lower()


@dataclass(frozen=True)
class Visitor:
    """Who is using the dashboard now and what they may do.

    ``email`` is None when nobody signed in (single-user mode, or a shared dashboard with no account).
    ``permissions`` come from the role (the store's role table); ``owner`` is a rep's owner value.
    """

    email: str | None
    role: str
    owner: str | None
    permissions: frozenset[str]
    mode: Mode

    def may(self, permission: str) -> bool:
        """Whether the visitor's role grants ``permission``."""
        return permission in self.permissions

    @property
    def name(self) -> str:
        """How the audit trail and the sidebar name the visitor."""
        if self.email:
            return self.email
        return "single user (this machine)" if self.mode is Mode.SINGLE_USER else "not signed in"


@dataclass(frozen=True)
class SignInResult:
    """A sign-in attempt: the account admitted, or why not (``locked`` when too many wrong tries)."""

    account: object | None
    failure: str | None = None
    wait_seconds: float = 0.0

    @property
    def locked(self) -> bool:
        """Whether the attempt was refused without checking the password (too many recent failures)."""
        return self.wait_seconds > 0


class SignInLimiter:
    """Wrong passwords limited per address: the visitor's network address and the email tried, each at most
    ``max_failures`` within ``window`` seconds (one guesser cannot try many accounts, nor many guessers one)."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._limiter = AttemptLimiter(max_failures, window, clock)

    def attempt(self, source: str, email: str, check: Callable[[], object | None]) -> SignInResult:
        """Run ``check`` (the account, or None for a wrong email or password) unless ``source`` or ``email`` is
        locked out; a failure counts against both."""
        keys = (f"from {source}", f"as {normal_email(email)}")
        wait = max(self._limiter.wait_seconds(key) for key in keys)
        if wait > 0:
            return SignInResult(None, "too many wrong passwords", wait)
        account = check()
        if account is None:
            for key in keys:
                self._limiter.record_failure(key)
            return SignInResult(None, "wrong email or password")
        return SignInResult(account)


#: What an [auth] provider needs for Streamlit's st.login (OpenID Connect), beside [auth]'s own settings.
OIDC_PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
OIDC_SHARED_KEYS = ("redirect_uri", "cookie_secret")


def oidc_provider(auth: Mapping[str, Any] | None) -> str | None:
    """The OpenID Connect provider that ``.streamlit/secrets.toml``'s ``[auth]`` section configures for
    ``st.login``: "default" for settings directly in ``[auth]``, else the first complete ``[auth.NAME]``; None when
    no provider is configured (people then sign in with a local password)."""
    if not auth or any(not auth.get(key) for key in OIDC_SHARED_KEYS):
        return None
    if all(auth.get(key) for key in OIDC_PROVIDER_KEYS):
        return "default"
    for name, section in auth.items():
        if isinstance(section, Mapping) and "_" not in name and all(section.get(key) for key in OIDC_PROVIDER_KEYS):
            return str(name)
    return None


def identity_email(identity: Mapping[str, Any]) -> str | None:
    """The email an OpenID Connect identity (``st.user``) vouches for, or None: missing, or marked unverified by
    the provider (``email_verified`` false), which must not open someone else's account."""
    email = identity.get("email")
    if not isinstance(email, str) or "@" not in email:
        return None
    if identity.get("email_verified") is False:
        return None
    return normal_email(email)
