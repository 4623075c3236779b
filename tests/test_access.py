"""Who may change the model: the on/off setting, the local-only rule, the password attempt limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadscore.access import Access, AttemptLimiter, enabled_setting, is_local_address

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
