"""Who may retrain or switch the model: an on/off switch and an optional password.

Settings, first found wins:

- ``LEADSCORE_RETRAIN_ENABLED`` (environment): ``0``, ``false``, ``no`` or
  ``off`` switch retraining and version switching off for everyone.
- ``LEADSCORE_RETRAIN_PASSWORD`` (environment), else ``retrain_password`` in
  ``.streamlit/secrets.toml``: when set, the password is asked for and
  compared in constant time.
"""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

ENV_ENABLED = "LEADSCORE_RETRAIN_ENABLED"
ENV_PASSWORD = "LEADSCORE_RETRAIN_PASSWORD"
SECRET_PASSWORD = "retrain_password"
_OFF = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Guard:
    """Whether changing the model is allowed, and the password it needs (None: no password)."""

    enabled: bool
    password: str | None

    def admits(self, attempt: str) -> bool:
        """Whether ``attempt`` opens the guard (constant-time comparison)."""
        if not self.enabled:
            return False
        if self.password is None:
            return True
        return hmac.compare_digest(attempt.encode("utf-8"), self.password.encode("utf-8"))


def _secret_password() -> str | None:
    try:
        value = st.secrets.get(SECRET_PASSWORD)
    except StreamlitSecretNotFoundError:
        return None
    return str(value) if value else None


def current_guard() -> Guard:
    """The guard as configured now (read on every run, so a change needs no restart)."""
    enabled = os.environ.get(ENV_ENABLED, "1").strip().lower() not in _OFF
    password = os.environ.get(ENV_PASSWORD) or _secret_password()
    return Guard(enabled=enabled, password=password or None)
