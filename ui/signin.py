"""Signing in to the dashboard, before any page runs (rules: leadscore/access.py; accounts: ui/accounts.py).

- No account in the store and the dashboard on this machine only (``scripts/dashboard.sh``): one person, every
  page and change as before accounts existed.
- No account and reachable from other machines: the Model and Results pages without lead rows, no change (the
  retrain password keeps working until the first administrator exists), and how to add the first administrator.
- Accounts exist: everyone signs in. With an OpenID Connect provider in ``.streamlit/secrets.toml`` (``[auth]``),
  through Streamlit's own ``st.login``, the verified email mapped to its account; otherwise with an email and a
  password against the local accounts, at most 5 wrong tries in 10 minutes per address and per email.
  Every failure goes to the audit trail (never the password).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from leadscore.access import (
    FIRST_ADMIN_COMMAND,
    Mode,
    Visitor,
    identity_email,
    normal_email,
    oidc_provider,
    sign_in_mode,
)
from ui import accounts, guard
from ui.text import md_escape

log = logging.getLogger(__name__)

#: The email signed in with a local password, for the rest of this browser session.
SIGNED_IN_KEY = "signin.email"
#: Set once this session's sign-in (or refusal) through the provider was written to the audit trail.
AUDITED_KEY = "signin.audited"


def _auth_section() -> Mapping[str, Any] | None:
    try:
        section = st.secrets.get("auth")
    except StreamlitSecretNotFoundError:
        return None
    return section if isinstance(section, Mapping) else None


def admit() -> Visitor:
    """Who is using the dashboard in this run; shows the sign-in screen and stops the run until someone signs in."""
    mode = sign_in_mode(accounts.count(), guard.local_only())
    if mode is Mode.SINGLE_USER:
        visitor = Visitor(None, accounts.ADMIN, None, accounts.permissions(accounts.ADMIN), mode)
    elif mode is Mode.NO_ACCOUNT_SHARED:
        visitor = Visitor(None, accounts.VIEWER, None, accounts.permissions(accounts.VIEWER), mode)
    else:
        provider = oidc_provider(_auth_section())
        visitor = _through_provider(provider) if provider else _with_password()
    st.session_state[guard.VISITOR_KEY] = visitor
    return visitor


def _visitor(account: accounts.Account) -> Visitor:
    return Visitor(account.email, account.role, account.owner, accounts.permissions(account.role), Mode.SIGN_IN)


# ---- a local password ----------------------------------------------------------------------------------------
def _with_password() -> Visitor:
    email = st.session_state.get(SIGNED_IN_KEY)
    if email:
        account = accounts.find(email)
        if account is not None:
            return _visitor(account)
        del st.session_state[SIGNED_IN_KEY]  # the account was removed since: sign in again
        st.warning("Your account was removed from this dashboard.")
    _password_form()
    st.stop()
    raise AssertionError  # st.stop() does not return


def _password_form() -> None:
    st.title("Sign in")
    st.caption("This dashboard holds the team's leads: sign in with the email and password an administrator "
               "gave you.")
    with st.form("signin", enter_to_submit=True):
        email = st.text_input("Email", key="signin_email_input", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    if not email.strip() or not password:
        st.error("Type your email and your password.")
        return
    source = guard.client_address()
    result = guard.sign_in_limiter().attempt(source, email, lambda: accounts.check_password(email, password))
    if result.account is None:
        accounts.audit(normal_email(email), accounts.SIGN_IN_FAILED, {"reason": result.failure}, source)
        if result.locked:
            minutes = max(1, round(result.wait_seconds / 60))
            st.error(f"Too many wrong passwords: try again in about {minutes} minute{'s' if minutes > 1 else ''}.")
        else:
            st.error("Wrong email or password.")
        return
    account = result.account
    assert isinstance(account, accounts.Account)
    accounts.audit(account.email, accounts.SIGNED_IN, {"how": "password"}, source)
    st.session_state[SIGNED_IN_KEY] = account.email
    st.rerun()


# ---- the team's OpenID Connect provider (st.login) -----------------------------------------------------------
def _through_provider(provider: str) -> Visitor:
    if not st.user.is_logged_in:
        st.title("Sign in")
        st.caption("This dashboard holds the team's leads: sign in with your company account.")
        st.button("Sign in with your company account", type="primary", on_click=st.login,
                  args=(None if provider == "default" else provider,))
        st.stop()
    email = identity_email(st.user.to_dict())
    account = accounts.find(email) if email else None
    if account is None:
        if not st.session_state.get(AUDITED_KEY):
            accounts.audit(email or "(no verified email)", accounts.SIGN_IN_FAILED,
                           {"reason": "no account for this identity", "how": provider}, guard.client_address())
            st.session_state[AUDITED_KEY] = True
        st.title("Sign in")
        shown = email or "Your company account"
        st.error(f"{md_escape(shown)} has no account on this dashboard"
                 + ("" if email else " (the provider gave no verified email)")
                 + ". Ask an administrator to add it:")
        st.code(f"leadscore users add {email or 'you@example.com'} --role rep --owner \"Your name in the CRM\"",
                language="bash")
        st.button("Sign out", on_click=st.logout)
        st.stop()
    if not st.session_state.get(AUDITED_KEY):
        accounts.audit(account.email, accounts.SIGNED_IN, {"how": provider}, guard.client_address())
        st.session_state[AUDITED_KEY] = True
    return _visitor(account)


# ---- every page -------------------------------------------------------------------------------------------------
def _sign_out() -> None:
    person = guard.visitor()
    accounts.audit(person.name, accounts.SIGNED_OUT, {}, guard.client_address())
    for key in (SIGNED_IN_KEY, AUDITED_KEY, guard.VISITOR_KEY):
        st.session_state.pop(key, None)
    if st.user.is_logged_in:
        st.logout()


def sidebar(visitor: Visitor) -> None:
    """Who is signed in and a sign-out button; or the single-user and no-account notes."""
    with st.sidebar:
        if visitor.mode is Mode.SIGN_IN:
            st.markdown(f"Signed in as **{md_escape(visitor.email)}**  \n{accounts.ROLE_WORDS[visitor.role]}"
                        + (f" (owner “{md_escape(visitor.owner)}”)" if visitor.owner else ""))
            st.button("Sign out", on_click=_sign_out, key="sign_out")
        elif visitor.mode is Mode.SINGLE_USER:
            st.caption("Single user on this machine: no sign-in. To share it with a team, add accounts "
                       "(README: Serving the dashboard to a team).")


def no_account_banner(visitor: Visitor) -> None:
    """On a shared dashboard with no account: say what is off and how to add the first administrator."""
    if visitor.mode is not Mode.NO_ACCOUNT_SHARED:
        return
    st.warning("This dashboard is reachable from other machines and has no account yet, so lead data and "
               "changes are off: only the model and the results' totals are shown. Add the first administrator on "
               "the server, then sign in:")
    st.code(FIRST_ADMIN_COMMAND, language="bash")
