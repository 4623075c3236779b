"""The environment is read in one place, ``leadscore.settings``, when it is needed (a variable changed after
import is seen), and nowhere else in the product's code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from leadscore.settings import ENV_RETRAIN_ENABLED, ENV_RETRAIN_PASSWORD, Settings

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
