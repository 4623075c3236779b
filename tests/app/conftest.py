"""A small trained registry for the dashboard tests, never the repository's models/ folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from leadscore.registry import Registry
from leadscore.settings import ENV_MODELS_DIR


@pytest.fixture
def models_dir(model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the session's registry (the built-in model) for one test, set as $LEADSCORE_MODELS_DIR."""
    root = tmp_path / "models"
    shutil.copytree(model_dir, root, ignore=shutil.ignore_patterns(".lock"))
    monkeypatch.setenv(ENV_MODELS_DIR, str(root))
    for name in ("LEADSCORE_RETRAIN_ENABLED", "LEADSCORE_RETRAIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return root


#: The two kinds of model every Score and Triage test runs against: the built-in three tiers, and a team's
#: won/lost model (the bank-marketing sample).
KINDS = ("built-in", "crm")


@pytest.fixture(params=KINDS)
def active_models(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Registry:
    """A registry of its own as the dashboard's, with the built-in model or the bank-marketing model active
    (``request.param`` says which)."""
    root = tmp_path / "models"
    source = request.getfixturevalue("model_dir" if request.param == "built-in" else "_crm_registry")
    shutil.copytree(source, root, ignore=shutil.ignore_patterns(".lock"))
    monkeypatch.setenv(ENV_MODELS_DIR, str(root))
    for name in ("LEADSCORE_RETRAIN_ENABLED", "LEADSCORE_RETRAIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return Registry(root)
