"""Who may retrain, publish or switch the model, as the dashboard asks it (rules: leadscore/access.py).

Settings, read on every run so a change needs no restart:

- ``LEADSCORE_RETRAIN_ENABLED`` (environment): ``0``/``false``/``no``/``off`` switch model
  changes off for everyone; an unrecognised value does too.
- ``LEADSCORE_RETRAIN_PASSWORD`` (environment), else ``retrain_password`` in
  ``.streamlit/secrets.toml``: asked for and compared in constant time. Without one, changes
  are allowed only when the dashboard listens on this machine alone (``server.address``
  127.0.0.1 or localhost, as ``scripts/dashboard.sh`` starts it).
"""

from __future__ import annotations

import os

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from leadscore.access import Access, AttemptLimiter, enabled_setting, is_local_address

ENV_ENABLED = "LEADSCORE_RETRAIN_ENABLED"
ENV_PASSWORD = "LEADSCORE_RETRAIN_PASSWORD"
SECRET_PASSWORD = "retrain_password"


def _secret_password() -> str | None:
    try:
        value = st.secrets.get(SECRET_PASSWORD)
    except StreamlitSecretNotFoundError:
        return None
    return str(value) if value else None


def current_guard() -> Access:
    """The rule as configured now."""
    return Access(enabled=enabled_setting(os.environ.get(ENV_ENABLED)),
                  password=os.environ.get(ENV_PASSWORD) or _secret_password(),
                  local_only=is_local_address(st.get_option("server.address")))


@st.cache_resource
def _limiter() -> AttemptLimiter:
    """One limiter per server process, keyed by the visitor's address."""
    return AttemptLimiter()


def client_address() -> str:
    """The visitor's address as Streamlit reports it, for the audit log and the attempt limit; "this computer"
    for a visitor on the server's own machine (Streamlit gives no address for localhost)."""
    address = getattr(st.context, "ip_address", None)
    return address if isinstance(address, str) and address else "this computer"


def password_problem(guard: Access, attempt: str) -> str | None:
    """None when ``attempt`` is admitted, else why not (a wrong password, or too many of them)."""
    admitted = _limiter().attempt(client_address(), lambda: guard.admits(attempt))
    if admitted is None:
        minutes = max(1, round(_limiter().wait_seconds(client_address()) / 60))
        return f"Too many wrong passwords: try again in about {minutes} minute{'s' if minutes > 1 else ''}."
    if not admitted:
        return guard.refusal or "Wrong password."
    return None
