"""Fixtures for the API tests: every test runs against both kinds of model through one parametrised fixture.

``kind`` is the active model's target: ``three_tiers`` (the built-in model, the
session's default training) or ``won_lost`` (a small model of the committed
bank-marketing sample: every third row, one candidate of 30 shallow trees).
Each test gets a fresh tmp registry holding both models, the ``kind`` one
active and the other one there to switch to. Nothing here touches the
repository's models/ folder.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from api_helpers import POLL_SECONDS, Server, make_client
from fastapi import FastAPI
from fastapi.testclient import TestClient

from leadscore.api.app import create_app
from leadscore.data.csvio import read_table
from leadscore.fields.builtin import example_lead
from leadscore.modeling.three_tiers import train
from leadscore.modeling.won_lost.train import Candidate, OutcomeTraining, train_outcome
from leadscore.registry import Registry
from leadscore.settings import ENV_API_KEY, ENV_MODELS_DIR
from tests.conftest import BANK_SAMPLE

KINDS = ("three_tiers", "won_lost")
#: One small candidate: the won/lost model trains in a second or two.
SMALL = (Candidate("small-native", "native", {
    "objective": "binary:logistic", "eval_metric": "logloss", "tree_method": "hist", "max_cat_to_onehot": 4,
    "min_child_weight": 3, "max_depth": 2, "eta": 0.3}, 30),)


@pytest.fixture(scope="session")
def trained(default_training: train.TrainingResult) -> train.TrainingResult:
    """The session's built-in model (trained once, in tests/conftest.py)."""
    return default_training


@pytest.fixture(scope="session")
def bank_rows() -> pd.DataFrame:
    """Every third row of the bank-marketing sample, as the product reads files (every value text)."""
    return read_table(BANK_SAMPLE).iloc[::3].reset_index(drop=True)


@pytest.fixture(scope="session")
def won_lost_training(bank_rows: pd.DataFrame) -> OutcomeTraining:
    """A small won/lost model of the sample, without the post-call ``duration``."""
    result = train_outcome(bank_rows, "y", exclude=["duration"], actionable=["campaign", "contact"],
                           candidates=SMALL)
    result.model.metadata["data_source"] = f"file: {BANK_SAMPLE.name}, every third row"
    return result


@pytest.fixture(scope="session")
def _registries(tmp_path_factory: pytest.TempPathFactory, trained: train.TrainingResult,
                won_lost_training: OutcomeTraining) -> dict[str, Path]:
    """Per kind, a registry holding both models, that kind's published last (so active)."""
    models = {"three_tiers": (trained.model, trained.report),
              "won_lost": (won_lost_training.model, won_lost_training.report)}
    roots = {}
    for kind in KINDS:
        roots[kind] = tmp_path_factory.mktemp(f"api-{kind}")
        registry = Registry(roots[kind])
        for other in (k for k in KINDS if k != kind):
            registry.publish(*models[other])
        registry.publish(*models[kind])
    return roots


@pytest.fixture(autouse=True)
def _no_outside_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests decide the API key and registry themselves, whatever the shell exports."""
    monkeypatch.delenv(ENV_API_KEY, raising=False)
    monkeypatch.delenv(ENV_MODELS_DIR, raising=False)


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    """The active model's target."""
    return str(request.param)


@pytest.fixture
def registry(tmp_path: Path, kind: str, _registries: dict[str, Path]) -> Registry:
    """A registry of this test's own (safe to publish to): both models, the ``kind`` one active."""
    root = tmp_path / "models"
    shutil.copytree(_registries[kind], root)
    return Registry(root)


@pytest.fixture
def other_version(registry: Registry) -> str:
    """The version of the other kind of model in ``registry`` (to switch to)."""
    active = registry.active_version()
    return next(v.version for v in registry.versions() if v.version != active)


@pytest.fixture
def app(registry: Registry) -> FastAPI:
    return create_app(registry.root, poll_seconds=POLL_SECONDS)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    yield from make_client(app)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Starts a running API server (`leadscore serve` in a process of its own) and returns it once ready:
    ``serve(registry, env={...}, unset=[...])``; every server started is stopped when the test ends."""
    started: list[Server] = []

    def start(registry: Registry, env: dict[str, str] | None = None, unset: Iterable[str] = ()) -> Server:
        server = Server(registry.root, tmp_path / f"serve-{len(started)}.log", env, unset)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def lead_of(kind: str, bank_rows: pd.DataFrame) -> dict:
    """A valid lead of a kind of model, as its file has it, with an id."""
    if kind == "three_tiers":
        return {"lead_id": "crm-1", **example_lead()}
    # Row 7 as the file has it: every value text, ``y`` and ``duration`` kept as extra keys.
    return {"lead_id": "crm-1", **bank_rows.iloc[7].to_dict()}


@pytest.fixture
def lead(kind: str, bank_rows: pd.DataFrame) -> dict:
    """A valid lead of the active model."""
    return lead_of(kind, bank_rows)


@pytest.fixture
def other_lead(kind: str, bank_rows: pd.DataFrame) -> dict:
    """A valid lead of the other kind of model (the payload a client shaped for the previous model)."""
    return lead_of(next(k for k in KINDS if k != kind), bank_rows)
