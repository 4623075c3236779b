"""The environment is read in one place, ``leadscore.settings``, when it is needed (a variable changed after
import is seen), and nowhere else in the product's code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from leadscore.settings import (
    ENV_BUILTIN_ROWS,
    ENV_DRAIN_SECONDS,
    ENV_LOCK_TIMEOUT,
    ENV_RETRAIN_ENABLED,
    ENV_RETRAIN_PASSWORD,
    Settings,
    SettingsError,
    builtin_rows,
)

ROOT = Path(__file__).resolve().parents[1]


def test_the_retrain_switch_and_password_are_read_by_settings() -> None:
    settings = Settings.from_environment({ENV_RETRAIN_ENABLED: "off", ENV_RETRAIN_PASSWORD: "s3cret"})
    assert settings.retrain_enabled is False
    assert settings.retrain_password == "s3cret"
    assert "s3cret" not in repr(settings)
    unset = Settings.from_environment({})
    assert unset.retrain_enabled is True and unset.retrain_password is None
    assert Settings.from_environment({ENV_RETRAIN_PASSWORD: ""}).retrain_password is None


@pytest.mark.parametrize(("value", "enabled"), [("", True), ("yes", True), ("0", False), ("flase", False)])
def test_an_unrecognised_switch_turns_changes_off(value: str, enabled: bool) -> None:
    assert Settings.from_environment({ENV_RETRAIN_ENABLED: value}).retrain_enabled is enabled


def test_the_api_drain_time_is_a_whole_number_of_seconds_with_a_default() -> None:
    assert Settings.from_environment({}).drain_seconds == 10
    assert Settings.from_environment({ENV_DRAIN_SECONDS: " 2 "}).drain_seconds == 2
    for bad in ("0", "-1", "1.5", "soon", "3601"):
        with pytest.raises(SettingsError, match=f"^{ENV_DRAIN_SECONDS} must be a whole number of seconds .*{bad!r}"):
            Settings.from_environment({ENV_DRAIN_SECONDS: bad})


def test_the_lock_wait_is_a_number_of_seconds_whole_or_decimal_with_a_default() -> None:
    assert Settings.from_environment({}).lock_seconds == 30
    for value, seconds in ((" 2 ", 2), ("0.2", 0.2), (".5", 0.5), ("2.", 2), ("0.1", 0.1), ("3600", 3600)):
        assert Settings.from_environment({ENV_LOCK_TIMEOUT: value}).lock_seconds == seconds
    for bad in ("0", "0.05", "-1", "soon", "3601", "3600.5", "1e3", "nan", "inf", "1,5", "1.2.3", ".", "١"):
        with pytest.raises(SettingsError) as refused:
            Settings.from_environment({ENV_LOCK_TIMEOUT: bad})
        assert str(refused.value) == (f"{ENV_LOCK_TIMEOUT} must be a number of seconds from 0.1 to 3600 "
                                      f"(such as 30 or 2.5), not {bad!r}")


def test_the_built_in_models_training_rows_are_a_whole_number_with_the_shipped_default() -> None:
    assert builtin_rows({}) is None
    assert builtin_rows({ENV_BUILTIN_ROWS: " 1500 "}) == 1500
    for bad in ("0", "499", "-1", "1.5", "many", "1000001"):
        with pytest.raises(SettingsError, match=f"^{ENV_BUILTIN_ROWS} must be a whole number of leads .*{bad!r}"):
            builtin_rows({ENV_BUILTIN_ROWS: bad})


def test_settings_are_read_when_asked_not_frozen_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_RETRAIN_ENABLED, "no")
    assert Settings.from_environment().retrain_enabled is False
    monkeypatch.setenv(ENV_RETRAIN_ENABLED, "yes")
    monkeypatch.setenv("LEADSCORE_DATABASE_URL", "sqlite:////tmp/elsewhere.sqlite3")
    now = Settings.from_environment()
    assert now.retrain_enabled is True and now.database_url == "sqlite:////tmp/elsewhere.sqlite3"


def test_no_module_but_settings_reads_the_environment() -> None:
    reads = re.compile(r"os\.environ|getenv|from os import")
    files = [*ROOT.joinpath("leadscore").rglob("*.py"), *ROOT.joinpath("ui").rglob("*.py"),
             *ROOT.joinpath("app_pages").rglob("*.py"), ROOT / "app.py"]
    found = [f"{path.relative_to(ROOT)}:{number}" for path in files if path.name != "settings.py"
             or path.parent.name != "leadscore"
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if reads.search(line) and not re.search(r"os\.environ\[\w+\] = ", line)]
    assert found == []
