"""The models folder is defined once (``leadscore.settings``): the command line, the API's settings, the
registry and the store's default SQLite file all find the same folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadscore.registry import Registry
from leadscore.settings import DEFAULT_MODELS_DIR, ENV_MODELS_DIR, Settings
from leadscore.store import Store


def test_without_the_variable_every_part_uses_the_projects_models_folder_whatever_the_working_folder(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(ENV_MODELS_DIR)
    monkeypatch.chdir(tmp_path)  # the default does not follow the working folder
    assert DEFAULT_MODELS_DIR.is_absolute() and DEFAULT_MODELS_DIR.name == "models"
    assert Registry().root == Settings.from_environment().models_dir == DEFAULT_MODELS_DIR


def test_the_variable_moves_the_registry_and_the_store_together(monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path) -> None:
    folder = tmp_path / "team-models"
    monkeypatch.setenv(ENV_MODELS_DIR, str(folder))
    monkeypatch.delenv("LEADSCORE_DATABASE_URL", raising=False)
    assert Registry().root == Settings.from_environment().models_dir == folder
    assert Settings.from_environment(models_dir=tmp_path / "given").models_dir == tmp_path / "given"
    store = Store.open()
    try:
        assert Path(store.engine.url.database or "") == folder / "store.sqlite3"
    finally:
        store.close()
    assert (folder / "store.sqlite3").is_file()
