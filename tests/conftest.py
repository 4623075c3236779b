"""Shared fixtures: models are trained once per session into temporary registries.

The longest trainings are done once for the whole run, however many pytest-xdist processes it has: the first
process to need one trains it and publishes it to a registry in the run's shared temporary folder (under a file
lock), and every process loads it from there, as every face of the product loads a model.
No test writes to the repository's models/ folder.
"""

# ruff: noqa: E402 (the thread limit below is set before anything loads XGBoost's OpenMP)
from __future__ import annotations

import os

# One OpenMP thread per process: the run has two pytest processes and the servers and browsers they start on a
# 2-core machine, and a model loaded from its files predicts with every core (nthread 0), so threads fought
# each other (a what-if search took 9 s instead of 1). The API does the same (api/current_model.py).
os.environ.setdefault("OMP_NUM_THREADS", "1")

import json
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from filelock import FileLock

from leadscore.data import synth
from leadscore.data.csvio import read_table
from leadscore.modeling.model import model_of
from leadscore.modeling.three_tiers import train
from leadscore.modeling.three_tiers.lead_model import LeadModel
from leadscore.modeling.three_tiers.report import TiersReport
from leadscore.modeling.won_lost.train import Candidate, OutcomeTraining, train_outcome
from leadscore.registry import Registry
from leadscore.scoring.scorer import Scorer
from leadscore.settings import ENV_CONFIG_HOME, ENV_SIGNING_KEY


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules in the order two processes should take them (scripts/test.sh: ``--dist loadscope
    --no-loadscope-reorder``, each module whole in one process, handed out in this order): the browser's first (a
    few long tests each, behind a dashboard server), then the others with the most tests first. The run then
    ends on small quick modules instead of one process running a minute-long browser test while the other
    waits. A module's own tests keep their order."""
    tests: dict[str, int] = {}
    browser: set[str] = set()
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        tests[module] = tests.get(module, 0) + 1
        if item.get_closest_marker("browser"):
            browser.add(module)
    place = {module: (module not in browser, -count) for module, count in tests.items()}
    items.sort(key=lambda item: place[item.nodeid.split("::", 1)[0]])


@pytest.fixture(scope="session", autouse=True)
def _signing_key_outside_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Publishing creates a signing key in $XDG_CONFIG_HOME/leadscore: a throwaway one, never the user's.

    Session-scoped (and so set before the session's models are published); servers the tests start inherit it.
    """
    previous = os.environ.get("XDG_CONFIG_HOME")
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("config"))
    yield
    if previous is None:
        del os.environ["XDG_CONFIG_HOME"]
    else:
        os.environ["XDG_CONFIG_HOME"] = previous


@pytest.fixture(autouse=True)
def _registry_outside_repo(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Any code that falls back to the default registry gets a throwaway one."""
    monkeypatch.setenv("LEADSCORE_MODELS_DIR", str(tmp_path_factory.mktemp("default-registry")))


def _trained_once(tmp_path_factory: pytest.TempPathFactory, name: str,
                  trained: Callable[[], train.TrainingResult]) -> train.TrainingResult:
    """``trained()`` done once for the whole run: published to the registry ``name`` in the folder every xdist
    process shares (the first one trains under a file lock), then loaded back from its files by each process.

    The model comes back with the metadata it was trained with (the registry's own entries, such as its
    version, taken off), so it can be published again anywhere like a freshly trained one.
    """
    # Under xdist each process's temporary folder (popen-gw0, ...) sits in the run's own folder; alone, the
    # process's folder is the run's (its parent is shared by every run: never there).
    run_folder = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run_folder = run_folder.parent
    shared = run_folder / "trained-once"
    shared.mkdir(exist_ok=True)
    root, trained_keys = shared / name, shared / f"{name}.keys.json"
    with pytest.MonkeyPatch.context() as environment:
        # Signed with a key of the run's own (each process has its own throwaway one), loaded back with it.
        environment.setenv(ENV_CONFIG_HOME, str(shared / "config"))
        environment.delenv(ENV_SIGNING_KEY, raising=False)
        with FileLock(str(shared / f"{name}.lock")):
            if not trained_keys.exists():
                result = trained()
                Registry(root).publish(result.model, result.report)
                trained_keys.write_text(json.dumps(sorted(result.model.metadata)))
        loaded = Registry(root).load()
    model, report = loaded.estimator, loaded.report
    assert isinstance(model, LeadModel) and isinstance(report, TiersReport)
    keys = set(json.loads(trained_keys.read_text()))
    model.metadata = {key: value for key, value in model.metadata.items() if key in keys}
    return train.TrainingResult(model, report)


def _default_training() -> train.TrainingResult:
    result = train.train(synth.generate(train.DEFAULT_ROWS, seed=train.DEFAULT_SEED))
    result.model.metadata["data_source"] = f"synthetic: {train.DEFAULT_ROWS} leads, seed {train.DEFAULT_SEED}"
    return result


@pytest.fixture(scope="session")
def default_training(tmp_path_factory: pytest.TempPathFactory) -> train.TrainingResult:
    """The default preset trained on the seed's 10,000 synthetic leads, as shipped (trained once per run)."""
    return _trained_once(tmp_path_factory, "default", _default_training)


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory, default_training: train.TrainingResult) -> Path:
    """A registry holding the default model as its active version (copy it before publishing to it)."""
    root = tmp_path_factory.mktemp("registry")
    Registry(root).publish(default_training.model, default_training.report)
    return root


@pytest.fixture(scope="session")
def scorer(model_dir: Path) -> Scorer:
    """A scorer of the default built-in model loaded from disk, as every face of the product gets it."""
    return Scorer(Registry(model_dir).load())


@pytest.fixture(scope="session")
def crm_scorer(crm_training: OutcomeTraining) -> Scorer:
    """A scorer of the bank-marketing outcome model, as trained."""
    return Scorer(model_of(crm_training.model))


#: The committed 3,000-row sample of bank-marketing (tests/data/README.md): a real CRM-like export.
BANK_SAMPLE = Path(__file__).resolve().parent / "data" / "bank-marketing-sample.csv"
#: One small candidate, so an outcome model trains in a second or two.
SMALL_CANDIDATES = (Candidate("small-native", "native", {
    "objective": "binary:logistic", "eval_metric": "logloss", "tree_method": "hist", "max_cat_to_onehot": 4,
    "min_child_weight": 3, "max_depth": 3, "eta": 0.2}, 80),)


@pytest.fixture(scope="session")
def crm_training() -> OutcomeTraining:
    """An outcome model of the bank-marketing sample, without the post-call ``duration``; ``campaign`` marked
    as a salesperson's to change."""
    result = train_outcome(read_table(BANK_SAMPLE), "y", exclude=["duration"],
                           actionable=["campaign", "contact"], candidates=SMALL_CANDIDATES)
    result.model.metadata["data_source"] = f"file: {BANK_SAMPLE.name}"
    return result


def _small_training() -> train.TrainingResult:
    result = train.train(synth.generate(2000, seed=train.DEFAULT_SEED), with_baselines=False)
    result.model.metadata["data_source"] = f"synthetic: 2000 leads, seed {train.DEFAULT_SEED}"
    return result


@pytest.fixture(scope="session")
def small_training(tmp_path_factory: pytest.TempPathFactory) -> train.TrainingResult:
    """The built-in model trained small (2,000 synthetic leads, no baselines): enough for the faces' tests
    (trained once per run)."""
    return _trained_once(tmp_path_factory, "small", _small_training)


@dataclass(frozen=True)
class Kind:
    """One kind of model as every face gets it, with leads it can score.

    ``leads`` are 40 valid leads as a CRM file holds them (every cell text, an ID column and an
    extra ``owner`` column); ``number`` is one of the model's number fields.
    """

    name: str
    scorer: Scorer
    leads: pd.DataFrame
    number: str


@pytest.fixture(scope="session")
def _kinds_registry(tmp_path_factory: pytest.TempPathFactory, small_training: train.TrainingResult,
                    crm_training: OutcomeTraining) -> tuple[Path, str, str]:
    root = tmp_path_factory.mktemp("kinds-registry")
    registry = Registry(root)
    builtin = registry.publish(small_training.model, small_training.report)
    won_lost = registry.publish(crm_training.model, crm_training.report)
    return root, builtin, won_lost


@pytest.fixture(scope="session", params=["three-tiers", "won-lost"])
def kind(request: pytest.FixtureRequest, _kinds_registry: tuple[Path, str, str]) -> Kind:
    """Each kind of model in turn, loaded from disk: the built-in three tiers and a team's won/lost model."""
    root, builtin, won_lost = _kinds_registry
    if request.param == "three-tiers":
        frame = synth.generate(40, seed=3).drop(columns=["tier", *synth.TRUE_PROBABILITY_COLUMNS])
        leads = frame.astype(str).assign(owner="Dana")
        return Kind(request.param, Scorer(Registry(root).load(builtin)), leads, "credit_score")
    bank = read_table(BANK_SAMPLE).tail(40).drop(columns=["y"]).reset_index(drop=True)
    leads = bank.assign(lead_id=[f"B-{i}" for i in range(len(bank))], owner="Dana")
    return Kind(request.param, Scorer(Registry(root).load(won_lost)), leads, "age")


@pytest.fixture(scope="session")
def _crm_registry(tmp_path_factory: pytest.TempPathFactory, default_training: train.TrainingResult,
                  crm_training: OutcomeTraining) -> Path:
    root = tmp_path_factory.mktemp("crm-registry")
    registry = Registry(root)
    registry.publish(default_training.model, default_training.report)
    registry.publish(crm_training.model, crm_training.report)
    return root


@pytest.fixture
def outcome_registry(tmp_path: Path, _crm_registry: Path) -> Registry:
    """A registry of its own (safe to publish to) holding the built-in model and, active, the bank-marketing
    outcome model."""
    root = tmp_path / "models"
    shutil.copytree(_crm_registry, root)
    return Registry(root)


@pytest.fixture(scope="session")
def holdout() -> pd.DataFrame:
    """20,000 fresh synthetic leads the model never saw (and nothing was tuned on)."""
    return synth.generate(20_000, seed=2024)


@pytest.fixture
def leads() -> Iterator[pd.DataFrame]:
    """A small batch of valid leads with an id and an extra column."""
    frame = synth.generate(50, seed=3).drop(columns=["tier", *synth.TRUE_PROBABILITY_COLUMNS])
    yield frame.assign(owner="Dana")


@pytest.fixture(autouse=True)
def _main_module_kept() -> Iterator[None]:
    """Streamlit's script runner (AppTest) makes app.py the ``__main__`` module and leaves it there; a process
    started with ``spawn`` afterwards would run the dashboard's script as its main module and die. Put the real
    ``__main__`` back after every test."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main
