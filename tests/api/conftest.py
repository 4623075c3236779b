"""Fixtures for the API tests: one small model trained per session, a fresh tmp registry per test.

Nothing here touches the repository's models/ folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_helpers import POLL_SECONDS, make_client
from fastapi import FastAPI
from fastapi.testclient import TestClient

from leadscore.api.app import ENV_API_KEY, create_app
from leadscore.fields.builtin import example_lead
from leadscore.modeling import train
from leadscore.registry import ENV_MODELS_DIR, Registry


@pytest.fixture(scope="session")
def trained(default_training: train.TrainingResult) -> train.TrainingResult:
    """The session's built-in model (trained once, in tests/conftest.py)."""
    return default_training


@pytest.fixture(autouse=True)
def _no_outside_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests decide the API key and registry themselves, whatever the shell exports."""
    monkeypatch.delenv(ENV_API_KEY, raising=False)
    monkeypatch.delenv(ENV_MODELS_DIR, raising=False)


@pytest.fixture
def registry(tmp_path: Path, trained: train.TrainingResult) -> Registry:
    """A tmp registry holding one active version of the session's model."""
    registry = Registry(tmp_path / "models")
    registry.publish(trained.model, trained.report)
    return registry


@pytest.fixture
def app(registry: Registry) -> FastAPI:
    return create_app(registry.root, poll_seconds=POLL_SECONDS)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    yield from make_client(app)


@pytest.fixture
def lead() -> dict:
    """A valid lead, as a CRM would send it."""
    return {"lead_id": "crm-1", **example_lead()}
