"""The Results page never blends models: a built-in list and a team model's list in one store; the page opens on
the active model's leads only, picks another version by its name, and shows every version each on its own."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from leadscore.registry import Registry
from leadscore.scoring import triage
from leadscore.scoring.scorer import Scorer
from leadscore.settings import ENV_MODELS_DIR
from leadscore.store import Store, read_outcomes
from tests.app.helpers import open_page, texts
from tests.conftest import BANK_SAMPLE


@pytest.fixture
def two_lists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _crm_registry: Path) -> tuple[Registry, str, str]:
    """The dashboard's registry (the built-in model and, active, the bank model, both named), with a list saved by
    each; every bank lead converted, every built-in lead lost."""
    root = tmp_path / "models"
    shutil.copytree(_crm_registry, root, ignore=shutil.ignore_patterns(".lock"))
    monkeypatch.setenv(ENV_MODELS_DIR, str(root))
    for name in ("LEADSCORE_RETRAIN_ENABLED", "LEADSCORE_RETRAIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    registry = Registry(root)
    team = str(registry.active_version())
    builtin = next(v.version for v in registry.versions() if v.version != team)
    registry.rename(builtin, "Seed model")
    registry.rename(team, "Bank calls")
    store = Store.open(models_dir=root)
    try:
        seed = triage.sample_list(30, seed=5).astype(str)
        scorer = Scorer(registry.load(builtin))
        store.record(scorer.rows(scorer.score(seed).scored, "lead_id"), list_name="Seed list")
        bank = pd.read_csv(BANK_SAMPLE, dtype=str, keep_default_na=False).head(20).drop(columns=["y"])
        bank.insert(0, "lead_id", [f"B-{i}" for i in range(20)])
        scorer = Scorer(registry.load(team))
        store.record(scorer.rows(scorer.score(bank).scored, "lead_id"), list_name="Bank list")
        ids = [*seed["lead_id"], *bank["lead_id"]]
        stage = ["Lost"] * 30 + ["Won"] * 20
        store.import_outcomes(read_outcomes(pd.DataFrame({"id": ids, "stage": stage}), "id", "stage"), "crm.csv")
    finally:
        store.close()
    return registry, builtin, team


def _scored(app) -> int:  # noqa: ANN001 (an AppTest)
    tables = [d.value for d in app.dataframe if "Real conversion" in d.value.columns]
    return sum(int(table["Leads scored"].sum()) for table in tables)


def test_the_page_shows_one_model_at_a_time_picked_by_name(two_lists: tuple[Registry, str, str]) -> None:
    registry, builtin, team = two_lists
    app = open_page("results")
    model = app.selectbox(key="results_model")
    # Newest first: both versions may be published within one second (then their order is the registry's).
    shown = [model.format_func(o) for o in model.options]
    assert sorted(shown[:2]) == ["Bank calls (active)", "Seed model"]
    assert shown[2:] == ["Every version, each on its own"]
    assert model.value == team and _scored(app) == 20  # the active model's leads only
    table = next(d.value for d in app.dataframe if "Real conversion" in d.value.columns)
    assert set(table["Real conversion"]) <= {"100%", "–"}  # nothing of the built-in list's lost leads
    assert "Seed model" not in texts(app)

    model.set_value(builtin).run()
    assert not app.exception, [e.value for e in app.exception]
    assert _scored(app) == 30
    table = next(d.value for d in app.dataframe if "Real conversion" in d.value.columns)
    assert set(table["Real conversion"]) <= {"0%", "–"}

    app.selectbox(key="results_model").set_value("Every version, each on its own").run()
    assert not app.exception, [e.value for e in app.exception]
    said = texts(app)
    assert "Model: Bank calls (active)" in said and "Model: Seed model" in said
    assert _scored(app) == 50 and len([d for d in app.dataframe if "Real conversion" in d.value.columns]) == 2
