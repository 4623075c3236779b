"""Every setting the product reads from the environment, read in this one place.

The faces (command line, API, dashboard) and the engine ask a ``Settings`` value instead of reading
``os.environ`` themselves, so a variable has one name, one reading rule and one error message. A value
that cannot be read (``LEADSCORE_RETENTION_DAYS=abc``) raises ``SettingsError`` naming the variable and
the value, before anything is served or recorded.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from leadscore.access import enabled_setting

ENV_MODELS_DIR = "LEADSCORE_MODELS_DIR"
ENV_DATABASE_URL = "LEADSCORE_DATABASE_URL"
ENV_RETENTION_DAYS = "LEADSCORE_RETENTION_DAYS"
ENV_API_KEY = "LEADSCORE_API_KEY"
ENV_RECORD = "LEADSCORE_RECORD"
ENV_SIGNING_KEY = "LEADSCORE_SIGNING_KEY"
ENV_WEBHOOK_URL = "LEADSCORE_WEBHOOK_URL"
ENV_WEBHOOK_SECRET = "LEADSCORE_WEBHOOK_SECRET"
ENV_LOCK_TIMEOUT = "LEADSCORE_LOCK_TIMEOUT"
#: Seconds the API gives its recording queue at shutdown (a store that is down is retried until then).
ENV_DRAIN_SECONDS = "LEADSCORE_DRAIN_SECONDS"
#: The dashboard's model-change switch (unset: on; an unrecognised value: off, see ``access.enabled_setting``).
ENV_RETRAIN_ENABLED = "LEADSCORE_RETRAIN_ENABLED"
#: The dashboard's model-change password until the first administrator account exists.
ENV_RETRAIN_PASSWORD = "LEADSCORE_RETRAIN_PASSWORD"
#: How many synthetic leads the built-in model is trained on when a registry has none yet (unset: the shipped
#: 10,000): a smaller number trains a rougher model sooner, for trials and the tests of a fresh clone's first visit.
ENV_BUILTIN_ROWS = "LEADSCORE_BUILTIN_ROWS"
#: Where per-user configuration lives (the signing key's folder): $XDG_CONFIG_HOME, else ~/.config.
ENV_CONFIG_HOME = "XDG_CONFIG_HOME"
#: The model registry folder when neither ``--models-dir`` nor $LEADSCORE_MODELS_DIR says otherwise: the
#: project's own ``models/`` (the store's SQLite file sits beside the versions).
DEFAULT_MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
#: Seconds a store write waits for another program's lock (SQLite's busy timeout, PostgreSQL's lock_timeout).
DEFAULT_LOCK_SECONDS = 30
#: The shortest lock wait $LEADSCORE_LOCK_TIMEOUT may set (a tenth of a second; 0 would mean "no limit" to PostgreSQL).
MIN_LOCK_SECONDS = 0.1
#: Seconds the API's recording queue is given at shutdown when $LEADSCORE_DRAIN_SECONDS is unset.
DEFAULT_DRAIN_SECONDS = 10

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def models_folder(path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The registry folder: the argument, else $LEADSCORE_MODELS_DIR, else ``DEFAULT_MODELS_DIR``."""
    env = os.environ if environ is None else environ
    return Path(path or env.get(ENV_MODELS_DIR) or DEFAULT_MODELS_DIR)


class SettingsError(ValueError):
    """An environment variable holds a value the product cannot use (one line: the variable and the value)."""


def _flag(environ: Mapping[str, str], name: str) -> bool:
    value = environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name} must be 1/true/yes/on or 0/false/no/off, not {environ.get(name)!r}")


def _days(environ: Mapping[str, str], name: str) -> int | None:
    value = environ.get(name, "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 36_500:
        raise SettingsError(f"{name} must be a whole number of days from 1 to 36500, not {environ.get(name)!r}")
    return int(value)


def _seconds(environ: Mapping[str, str], name: str, default: int) -> int:
    value = environ.get(name, "").strip()
    if not value:
        return default
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 3_600:
        raise SettingsError(f"{name} must be a whole number of seconds from 1 to 3600, not {environ.get(name)!r}")
    return int(value)


def _lock_seconds(environ: Mapping[str, str]) -> float:
    """$LEADSCORE_LOCK_TIMEOUT: seconds, whole or decimal (``30``, ``0.5``), from 0.1 to 3600; unset: 30."""
    value = environ.get(ENV_LOCK_TIMEOUT, "").strip()
    if not value:
        return DEFAULT_LOCK_SECONDS
    if not re.fullmatch(r"[0-9]+(\.[0-9]*)?|\.[0-9]+", value) or not MIN_LOCK_SECONDS <= float(value) <= 3_600:
        raise SettingsError(f"{ENV_LOCK_TIMEOUT} must be a number of seconds from 0.1 to 3600 (such as 30 or 2.5), "
                            f"not {environ.get(ENV_LOCK_TIMEOUT)!r}")
    return float(value)


def builtin_rows(environ: Mapping[str, str] | None = None) -> int | None:
    """``LEADSCORE_BUILTIN_ROWS``: the synthetic leads to train the built-in model on (500 to 1,000,000), or
    None when it is unset or empty (the shipped number)."""
    env = os.environ if environ is None else environ
    value = env.get(ENV_BUILTIN_ROWS, "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or not 500 <= int(value) <= 1_000_000:
        raise SettingsError(f"{ENV_BUILTIN_ROWS} must be a whole number of leads from 500 to 1000000, "
                            f"not {env.get(ENV_BUILTIN_ROWS)!r}")
    return int(value)


def signing_key_text(environ: Mapping[str, str] | None = None) -> str | None:
    """``LEADSCORE_SIGNING_KEY`` exactly as set, or None when it is unset or empty (then the key file is used).

    Kept as given: ``signing.py`` reads it and the key file by one rule (surrounding whitespace ignored, a
    blank key refused), so a key copied from the file with its line break is the same key.
    """
    env = os.environ if environ is None else environ
    return env.get(ENV_SIGNING_KEY) or None


def config_home(environ: Mapping[str, str] | None = None) -> Path:
    """The user's configuration folder: ``$XDG_CONFIG_HOME``, else ``~/.config``."""
    env = os.environ if environ is None else environ
    return Path(env.get(ENV_CONFIG_HOME) or Path.home() / ".config")


def _webhook_url(environ: Mapping[str, str]) -> str | None:
    value = environ.get(ENV_WEBHOOK_URL, "").strip()
    if not value:
        return None
    if not value.lower().startswith(("http://", "https://")) or any(c.isspace() for c in value):
        # The value may hold a password (https://user:secret@host/): named only by its scheme.
        raise SettingsError(f"{ENV_WEBHOOK_URL} must be an http:// or https:// address")
    return value


def _webhook_secret(environ: Mapping[str, str]) -> str | None:
    """The signing secret, exactly as set except a trailing line end (a value read from a file); required with
    a webhook URL: every event is signed. Its value is never shown."""
    value = environ.get(ENV_WEBHOOK_SECRET, "").rstrip("\r\n")
    if environ.get(ENV_WEBHOOK_URL, "").strip() and not value.strip():
        raise SettingsError(f"{ENV_WEBHOOK_URL} is set but {ENV_WEBHOOK_SECRET} is not: every webhook event is "
                            "signed with it (choose a long random value and give it to the receiver)")
    return value or None


@dataclass(frozen=True)
class Settings:
    """The environment as the product reads it."""

    models_dir: Path
    database_url: str | None
    retention_days: int | None
    api_key: str | None
    record: bool
    webhook_url: str | None
    webhook_secret: str | None
    #: Seconds a store write waits for another program's lock ($LEADSCORE_LOCK_TIMEOUT; may be a fraction).
    lock_seconds: float = DEFAULT_LOCK_SECONDS
    #: Seconds the API's recording queue is given at shutdown ($LEADSCORE_DRAIN_SECONDS).
    drain_seconds: int = DEFAULT_DRAIN_SECONDS
    #: ``LEADSCORE_SIGNING_KEY`` as set (``signing.py`` reads it); None: the key file in ``config_home``.
    signing_key: str | None = field(default=None, repr=False)
    #: $LEADSCORE_RETRAIN_ENABLED as set (None: unset); ``retrain_enabled`` reads it.
    retrain_switch: str | None = None
    #: $LEADSCORE_RETRAIN_PASSWORD (None: unset or empty); never shown.
    retrain_password: str | None = field(default=None, repr=False)

    @property
    def webhooks_on(self) -> bool:
        """Whether recorded tier changes go to the webhook outbox ($LEADSCORE_WEBHOOK_URL set)."""
        return self.webhook_url is not None

    @property
    def retrain_enabled(self) -> bool:
        """Whether the dashboard may change the model at all: unset allows, 0/false/no/off forbid, and so does
        an unrecognised value (logged as a warning when asked, not by every command that reads the settings)."""
        return enabled_setting(self.retrain_switch)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None,
                         models_dir: str | os.PathLike[str] | None = None) -> Settings:
        """Read every variable; ``models_dir`` (a ``--models-dir`` argument) wins over the variable."""
        env = os.environ if environ is None else environ
        return cls(
            models_dir=models_folder(models_dir, env),
            database_url=env.get(ENV_DATABASE_URL) or None,
            retention_days=_days(env, ENV_RETENTION_DAYS),
            api_key=env.get(ENV_API_KEY) or None,
            record=_flag(env, ENV_RECORD),
            webhook_url=_webhook_url(env),
            webhook_secret=_webhook_secret(env),
            signing_key=signing_key_text(env),
            lock_seconds=_lock_seconds(env),
            drain_seconds=_seconds(env, ENV_DRAIN_SECONDS, DEFAULT_DRAIN_SECONDS),
            retrain_switch=env.get(ENV_RETRAIN_ENABLED),
            retrain_password=env.get(ENV_RETRAIN_PASSWORD) or None,
        )
