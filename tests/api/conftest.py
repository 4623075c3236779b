"""Fixtures for the API tests: one small model trained per session, a fresh tmp registry per test.

Nothing here touches the repository's models/ folder.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from leadscore import synth, train
from leadscore.api import ENV_API_KEY, create_app
from leadscore.registry import ENV_MODELS_DIR, Registry
from leadscore.schema import example_lead

#: Seconds between the test apps' looks at the registry pointer (the server uses 1 s).
POLL_SECONDS = 0.05


@pytest.fixture(scope="session")
def trained() -> train.TrainingResult:
    """A small model, trained once for the whole session (a few seconds)."""
    return train.train(synth.generate(3000, seed=1), with_baselines=False)


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


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll ``condition`` until it is true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(0.02)


def make_client(app: FastAPI) -> Iterator[TestClient]:
    """A client whose app has started (lifespan) and loaded its model."""
    with TestClient(app) as client:
        wait_until(lambda: client.get("/readyz").status_code == 200)
        yield client


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
