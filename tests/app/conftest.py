"""A small trained registry for the dashboard tests, never the repository's models/ folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from leadscore.registry import ENV_MODELS_DIR
from tests.app.helpers import template_registry_in


@pytest.fixture(scope="session")
def template_registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry with one model trained like the built-in one, with baselines (once per session)."""
    return template_registry_in(tmp_path_factory.getbasetemp())


@pytest.fixture
def models_dir(template_registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the template registry for one test, set as $LEADSCORE_MODELS_DIR."""
    root = tmp_path / "models"
    shutil.copytree(template_registry, root, ignore=shutil.ignore_patterns(".lock"))
    monkeypatch.setenv(ENV_MODELS_DIR, str(root))
    for name in ("LEADSCORE_RETRAIN_ENABLED", "LEADSCORE_RETRAIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return root
