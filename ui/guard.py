"""Who is using the dashboard and what they may do, as the pages ask it (rules: leadscore/access.py).

The visitor is decided once per script run by ``ui/signin.py`` (``admit``) and read here by every page:

- ``visitor()``: the person signed in (their role's permissions, a rep's owner value), or the single user of a
  dashboard on this machine with no account, or an anonymous viewer of a shared dashboard with no account.
- ``lead_owner()``: the owner value every lead query of this visitor is filtered by (None: every lead).
- ``current_guard()``: whether the model may be changed (retrain, publish, activate), and how.

Model changes, read on every run so a change of setting needs no restart:

- ``LEADSCORE_RETRAIN_ENABLED`` (environment): ``0``/``false``/``no``/``off`` switch model
  changes off for everyone; an unrecognised value does too.
- Once an administrator account exists, the role decides: an admin who signed in changes the model without a
  further password; nobody else can.
- Until then, ``LEADSCORE_RETRAIN_PASSWORD`` (environment), else ``retrain_password`` in
  ``.streamlit/secrets.toml``: asked for and compared in constant time. Without one, changes
  are allowed only when the dashboard listens on this machine alone (``server.address``
  127.0.0.1 or localhost, as ``scripts/dashboard.sh`` starts it).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from leadscore.access import Access, AttemptLimiter, Mode, SignInLimiter, Visitor, is_local_address
from leadscore.fields.headers import owner_column
from leadscore.settings import Settings
from leadscore.store import StoreError
from ui import accounts
from ui.text import md_escape

SECRET_PASSWORD = "retrain_password"
#: Where ``ui/signin.py`` keeps this run's visitor.
VISITOR_KEY = "signin.visitor"
#: What the next run of the page says about a change made in this one (``changed``, ``show_change``).
FLASH, FLASH_WARNING = "flash", "flash_warning"

log = logging.getLogger(__name__)


def _secret_password() -> str | None:
    try:
        value = st.secrets.get(SECRET_PASSWORD)
    except StreamlitSecretNotFoundError:
        return None
    return str(value) if value else None


def local_only() -> bool:
    """Whether the dashboard listens on this machine only."""
    return is_local_address(st.get_option("server.address"))


def visitor() -> Visitor:
    """This run's visitor (decided by ``signin.admit`` before any page runs)."""
    found = st.session_state.get(VISITOR_KEY)
    if not isinstance(found, Visitor):
        raise RuntimeError("signin.admit() must run before a page asks who the visitor is")
    return found


def lead_owner() -> str | None:
    """The owner value this visitor's lead queries are filtered by: a rep's own, None for everyone's."""
    return accounts.lead_scope(visitor())


def current_guard() -> Access:
    """The model-change rule as configured now (the settings are read on every call), for this visitor.

    A setting that cannot be read has already stopped the page with its one line: every run opens the store
    first (``signin.admit``, ``ui.store.store``), which reads the same settings."""
    settings = Settings.from_environment()
    enabled = settings.retrain_enabled
    person = visitor()
    if person.mode is Mode.SIGN_IN and accounts.has_admin():
        allowed = person.may(accounts.CHANGE_MODEL)
        refusal = None if allowed else (f"Only an administrator can change the model; you are signed in as "
                                        f"{person.email} ({person.role}).")
        return Access(enabled=enabled, password=None, local_only=local_only(), by_role=True, role_refusal=refusal)
    return Access(enabled=enabled, password=settings.retrain_password or _secret_password(),
                  local_only=local_only())


@st.cache_resource
def _limiter() -> AttemptLimiter:
    """One limiter per server process for model-change passwords, keyed by the visitor's address."""
    return AttemptLimiter()


@st.cache_resource
def sign_in_limiter() -> SignInLimiter:
    """One limiter per server process for sign-in passwords, keyed by address and by email."""
    return SignInLimiter()


def client_address() -> str:
    """The visitor's address as Streamlit reports it, for the audit log and the attempt limit; "this computer"
    for a visitor on the server's own machine (Streamlit gives no address for localhost)."""
    address = getattr(st.context, "ip_address", None)
    return address if isinstance(address, str) and address else "this computer"


def who() -> str:
    """Who asked for a change, for the registry's audit log line: the person and their address."""
    person = st.session_state.get(VISITOR_KEY)
    name = person.email if isinstance(person, Visitor) and person.email else None
    return f"{name} from {client_address()}" if name else client_address()


def audit(action: str, detail: dict[str, Any]) -> None:
    """One change by this visitor into the store's audit trail (who, when, what, from where)."""
    person = st.session_state.get(VISITOR_KEY)
    actor = person.name if isinstance(person, Visitor) else "unknown"
    accounts.audit(actor, action, detail, client_address())


def audit_after(action: str, detail: dict[str, Any]) -> str | None:
    """Write the audit entry of a change that HAS been made (a model published, a list saved). None when written;
    else what the page says beside the change (the entry is missing, and the store's fault), so a store that
    cannot take the entry never hides that the change was made."""
    try:
        audit(action, detail)
    except StoreError as error:
        log.warning("%s: the audit entry could not be written: %s", action, error)
        return f"The audit entry of this change could not be written: {error}."
    return None


def changed(done: str, action: str, detail: dict[str, Any]) -> None:
    """A model change that has been made (published, activated, renamed): its audit entry (``audit_after``), then
    ``done`` and any missing entry said on the page's next run (``show_change``)."""
    missing = audit_after(action, detail)
    st.session_state[FLASH] = done
    if missing is not None:
        st.session_state[FLASH_WARNING] = missing


def show_change() -> None:
    """What the last change said (``changed``), once."""
    if FLASH in st.session_state:
        st.success(st.session_state.pop(FLASH))
    if FLASH_WARNING in st.session_state:
        st.warning(md_escape(st.session_state.pop(FLASH_WARNING)))


def password_problem(guard: Access, attempt: str) -> str | None:
    """None when ``attempt`` is admitted, else why not (a wrong password, or too many of them)."""
    if guard.by_role:
        return guard.refusal
    admitted = _limiter().attempt(client_address(), lambda: guard.admits(attempt))
    if admitted is None:
        minutes = max(1, round(_limiter().wait_seconds(client_address()) / 60))
        return f"Too many wrong passwords: try again in about {minutes} minute{'s' if minutes > 1 else ''}."
    if not admitted:
        return guard.refusal or "Wrong password."
    return None


def own_rows(table: pd.DataFrame, ragged: list[tuple[int, str, str, str]]
             ) -> tuple[pd.DataFrame, list[tuple[int, str, str, str]]] | None:
    """An uploaded list as this visitor may see it: a rep's own rows only (its owner column equal to their owner
    value), with the rows that could not be read left out (their owner is unknown); everyone else's unchanged.
    None (and says why) when a rep's list has no owner column."""
    owner = lead_owner()
    if owner is None:
        return table, ragged
    column = owner_column(table.columns)
    if column is None:
        st.warning("This list has no owner column (Owner, Lead Owner, Sales Rep, Assigned To…), so none of its "
                   "leads can be shown as yours. Export it from the CRM with the owner column.")
        return None
    mine = table[column].astype("string").str.strip() == owner
    others = int((~mine.fillna(False)).sum())
    if others or ragged:
        st.caption(f"Showing your leads only (“{md_escape(column)}” is “{md_escape(owner)}”): {others:,} rows of "
                   f"other owners" + (f" and {len(ragged):,} unreadable rows" if ragged else "") + " are left out.")
    return table[mine.fillna(False).to_numpy(dtype=bool)], []


def scoped_key(key: str) -> str:
    """A cache key of lead data made this visitor's: a rep's filtered rows never share a cache entry with the
    whole file's (caches are shared by every session of the server)."""
    owner = lead_owner()
    return key if owner is None else f"{key}:owner:{hashlib.sha256(owner.encode()).hexdigest()[:16]}"
