"""Who may change the model: the on/off setting, the local-only rule, the password attempt limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadscore.access import (
    FIRST_ADMIN_COMMAND,
    Access,
    AttemptLimiter,
    Mode,
    SignInLimiter,
    enabled_setting,
    identity_email,
    is_local_address,
    oidc_provider,
    sign_in_mode,
)
from leadscore.fields.headers import owner_column

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("value", "enabled"), [
    (None, True), ("", True), ("1", True), ("true", True), (" Yes ", True), ("on", True),
    ("0", False), ("false", False), ("no", False), ("off", False),
    ("disabled", False), ("n", False), ("none", False), ("flase", False), ("enable", False),
])
def test_an_unrecognised_setting_switches_changes_off(value: str | None, enabled: bool) -> None:
    assert enabled_setting(value) is enabled


@pytest.mark.parametrize(("address", "local"), [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.0.0.2", True),
    (None, False), ("", False), ("0.0.0.0", False), ("::", False), ("10.0.0.5", False), ("example.com", False),
])
def test_only_loopback_addresses_count_as_local(address: str | None, local: bool) -> None:
    assert is_local_address(address) is local


def test_without_a_password_only_a_local_dashboard_allows_changes() -> None:
    assert Access(enabled=True, password=None, local_only=True).admits("")
    shared = Access(enabled=True, password=None, local_only=False)
    assert not shared.admits("") and "LEADSCORE_RETRAIN_PASSWORD" in (shared.refusal or "")
    assert shared.needs_password
    with_password = Access(enabled=True, password="s3cret", local_only=True)
    assert with_password.needs_password and not with_password.admits("") and with_password.admits("s3cret")
    assert not Access(enabled=False, password="s3cret", local_only=True).admits("s3cret")


def test_failed_attempts_lock_out_for_the_window() -> None:
    now = [0.0]
    limiter = AttemptLimiter(max_failures=5, window=600, clock=lambda: now[0])
    for _ in range(5):
        assert limiter.attempt("10.0.0.1", lambda: False) is False
    assert limiter.attempt("10.0.0.1", lambda: True) is None  # locked, even with the right password
    assert limiter.attempt("10.0.0.2", lambda: True) is True  # another address is not
    assert limiter.wait_seconds("10.0.0.1") == 600
    now[0] = 599.0
    assert limiter.attempt("10.0.0.1", lambda: True) is None
    now[0] = 600.5
    assert limiter.attempt("10.0.0.1", lambda: True) is True


def test_the_dashboard_listens_on_this_machine_only_by_default() -> None:
    server = (ROOT / ".streamlit" / "config.toml").read_text().split("[server]", 1)[1].split("\n[", 1)[0]
    assert 'address = "127.0.0.1"' in server.splitlines()
    assert "--server.address 127.0.0.1" in (ROOT / "scripts" / "dashboard.sh").read_text()


def test_the_sign_in_mode_follows_the_accounts_and_the_listening_address() -> None:
    assert sign_in_mode(0, local_only=True) is Mode.SINGLE_USER
    assert sign_in_mode(0, local_only=False) is Mode.NO_ACCOUNT_SHARED
    assert sign_in_mode(1, local_only=True) is Mode.SIGN_IN  # once an account exists, even this machine signs in
    assert sign_in_mode(3, local_only=False) is Mode.SIGN_IN
    assert "--role admin" in FIRST_ADMIN_COMMAND and "--password-stdin" in FIRST_ADMIN_COMMAND


def test_wrong_sign_ins_lock_the_address_and_the_email_for_the_window() -> None:
    now = [0.0]
    limiter = SignInLimiter(max_failures=5, window=600, clock=lambda: now[0])
    for k in range(5):  # one address trying five accounts
        assert limiter.attempt("10.0.0.1", f"user{k}@example.com", lambda: None).failure == "wrong email or password"
    locked = limiter.attempt("10.0.0.1", "rep@example.com", lambda: "account")
    assert locked.account is None and locked.locked and locked.wait_seconds == 600
    assert limiter.attempt("10.0.0.2", "rep@example.com", lambda: "account").account == "account"
    for k in range(5):  # five addresses trying one account (case and spaces do not make another account)
        limiter.attempt(f"10.0.1.{k}", " Boss@Example.com", lambda: None)
    assert limiter.attempt("10.0.2.1", "boss@example.com", lambda: "account").locked
    now[0] = 600.5
    assert limiter.attempt("10.0.0.1", "rep@example.com", lambda: "account").account == "account"
    assert limiter.attempt("10.0.2.1", "boss@example.com", lambda: "account").account == "account"


def test_a_signed_in_role_decides_model_changes_without_a_password() -> None:
    admin = Access(enabled=True, password="old secret", local_only=False, by_role=True, role_refusal=None)
    assert not admin.needs_password and admin.refusal is None and admin.admits("")
    manager = Access(enabled=True, password=None, local_only=True, by_role=True,
                     role_refusal="Only an administrator can change the model")
    assert manager.refusal and not manager.admits("") and not manager.admits("anything")
    switched_off = Access(enabled=False, password=None, local_only=True, by_role=True, role_refusal=None)
    assert "LEADSCORE_RETRAIN_ENABLED" in (switched_off.refusal or "") and not switched_off.admits("")


@pytest.mark.parametrize(("auth", "provider"), [
    (None, None),
    ({}, None),
    ({"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "s"}, None),
    ({"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "s", "client_id": "c",
      "client_secret": "x", "server_metadata_url": "https://id.example.com/.well-known/openid-configuration"},
     "default"),
    ({"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "s",
      "microsoft": {"client_id": "c", "client_secret": "x",
                    "server_metadata_url": "https://login.example.com/.well-known/openid-configuration"}},
     "microsoft"),
    ({"cookie_secret": "s", "client_id": "c", "client_secret": "x", "server_metadata_url": "https://x"}, None),
])
def test_an_openid_connect_provider_is_found_in_the_auth_secrets(auth: dict | None, provider: str | None) -> None:
    assert oidc_provider(auth) == provider


def test_only_a_verified_email_of_an_identity_names_an_account() -> None:
    assert identity_email({"email": " Rep@Example.com ", "email_verified": True}) == "rep@example.com"
    assert identity_email({"email": "rep@example.com"}) == "rep@example.com"  # providers that do not say
    assert identity_email({"email": "rep@example.com", "email_verified": False}) is None
    assert identity_email({"name": "Rep"}) is None


@pytest.mark.parametrize(("columns", "owner"), [
    (["Lead ID", "Lead Owner", "Income"], "Lead Owner"),
    (["id", "sales_agent", "x"], "sales_agent"),
    (["ID", "Assigned To"], "Assigned To"),
    (["ID", "OWNER", "Lead Owner"], "Lead Owner"),  # the more specific header wins
    (["ID", "Sales Rep."], "Sales Rep."),
    (["ID", "Income", "Owner ID2"], None),
    ([], None),
])
def test_the_owner_column_is_recognised_among_the_crms_headers(columns: list[str], owner: str | None) -> None:
    assert owner_column(columns) == owner
