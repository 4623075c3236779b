"""``leadscore train --from-results`` runs what the Results page runs: trained on the older 75% of the recorded
leads with outcomes, compared with the active model on the newest 25%, published only at 95% of its ranking or
more (both figures printed); below it nothing is published and the exit code is 2, unless --force (said so)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from leadscore.cli import main
from leadscore.data import synth
from leadscore.registry import Registry
from leadscore.scoring.scorer import Scorer
from leadscore.store import Store
from leadscore.store.tables import Scoring
from leadscore.workflows import gate, train
from tests.store.test_store import builtin_batch

LEADS = 800


def run(*args: object) -> int:
    return main([str(a) for a in args])


@pytest.fixture
def recorded(tmp_path: Path, model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, pd.DataFrame]:
    """A copy of the built-in registry and 800 leads scored with --record into the store beside it (oldest first)."""
    monkeypatch.delenv("LEADSCORE_DATABASE_URL", raising=False)
    models = tmp_path / "models"
    shutil.copytree(model_dir, models, ignore=shutil.ignore_patterns(".lock"))
    leads = synth.generate(LEADS, seed=21)
    leads.to_csv(tmp_path / "leads.csv", index=False)
    assert run("score", tmp_path / "leads.csv", "-o", tmp_path / "scored.csv", "--record", "--id", "lead_id",
               "--list", "Spring", "--models-dir", models) == 0
    return models, leads


def _outcomes(models: Path, tmp_path: Path, won: np.ndarray, leads: pd.DataFrame) -> None:
    crm = pd.DataFrame({"Lead ID": leads["lead_id"], "Stage": np.where(won, "Won", "Lost")})
    crm.to_csv(tmp_path / "crm.csv", index=False)
    assert run("outcomes", tmp_path / "crm.csv", "--id", "Lead ID", "--outcome", "Stage", "--positive", "Won",
               "--negative", "Lost", "--models-dir", models) == 0


def _recorded_chances(models: Path, leads: pd.DataFrame) -> np.ndarray:
    store = Store.open(models_dir=models)
    try:
        with store.engine.connect() as connection:
            chance = dict(connection.execute(select(Scoring.lead_id, Scoring.chance)).all())
    finally:
        store.close()
    return np.array([chance[lead] for lead in leads["lead_id"]])


def _figures(out: str) -> tuple[float, float]:
    found = re.search(r"the new model ranked a converted lead above an unconverted one (\d+)% of the time; "
                      r"the active model (\d+)%", out)
    assert found, out
    return float(found[1]) / 100, float(found[2]) / 100


def test_below_the_rule_nothing_is_published_and_exit_2_unless_forced(
        recorded: tuple[Path, pd.DataFrame], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    models, leads = recorded
    # The older leads' outcomes are noise (nothing to learn); the newest follow the active model's own chances.
    chance = _recorded_chances(models, leads)
    newest = np.arange(LEADS) >= gate.split_by_time(LEADS)
    won = np.where(newest, chance >= np.quantile(chance[newest], 0.7), np.random.default_rng(3).random(LEADS) < 0.4)
    _outcomes(models, tmp_path, won, leads)
    capsys.readouterr()
    registry = Registry(models)
    before, versions = registry.active_version(), len(registry.versions())

    assert run("train", "--from-results", "--models-dir", models) == 2
    out, err = capsys.readouterr()
    candidate_auc, active_auc = _figures(out)
    assert active_auc > 0.95 and candidate_auc < gate.SHARE_OF_ACTIVE * active_auc
    assert "On the newest 200 leads with an outcome" in out and gate.RULE in out
    assert "The new model is not good enough: keep the active one" in err
    assert err.strip().endswith("nothing was published (use --force to publish anyway)") and "Traceback" not in err
    assert (registry.active_version(), len(registry.versions())) == (before, versions)

    # The Results page's panel calls this same workflow: the same candidate, the same verdict, the same figures.
    store = Store.open(models_dir=models)
    try:
        page = train.train_from_results(store, Scorer(registry.load()))
    finally:
        store.close()
    assert (round(page.verdict.candidate, 2), round(page.verdict.active, 2)) == (candidate_auc, active_auc)
    assert page.verdict.sentence in out and not page.verdict.passed

    assert run("train", "--from-results", "--force", "--models-dir", models) == 0
    out = capsys.readouterr().out
    assert "published with --force although below the rule and active" in out
    assert registry.active_version() != before and len(registry.versions()) == versions + 1


def test_at_the_rule_it_is_published_with_both_figures(recorded: tuple[Path, pd.DataFrame], tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    models, leads = recorded
    # Outcomes follow two fields together, which the new model can learn (neither alone ranks them well enough to
    # look filled in after the outcome); the active model ranks them less well.
    won = (leads["credit_score"].to_numpy() > 680) & (leads["income"].to_numpy() > leads["income"].median())
    _outcomes(models, tmp_path, won, leads)
    capsys.readouterr()
    before = Registry(models).active_version()
    assert run("train", "--from-results", "--no-activate", "--models-dir", models) == 0
    out = capsys.readouterr().out
    candidate_auc, active_auc = _figures(out)
    assert candidate_auc >= gate.SHARE_OF_ACTIVE * active_auc
    assert "Publishing is recommended." in out and re.search(r"version \S+: published$", out, re.MULTILINE)
    assert "tiers carried over from the active model" in out
    assert Registry(models).active_version() == before  # --no-activate
    # Over the active model's own fields: the file's other columns (its answer columns too) are left out, so
    # the new model scores a file without them.
    registry = Registry(models)
    new = next(v.version for v in registry.versions() if v.version != before)
    active_fields = {f.name for f in registry.load(before).schema.fields}
    assert {f.name for f in registry.load(new).schema.fields} <= active_fields
    plain = leads.drop(columns=["tier", *synth.TRUE_PROBABILITY_COLUMNS])
    plain.to_csv(tmp_path / "plain.csv", index=False)
    registry.activate(new)
    assert run("score", tmp_path / "plain.csv", "-o", tmp_path / "again.csv", "--models-dir", models) == 0


def test_nothing_to_learn_from_is_one_line(recorded: tuple[Path, pd.DataFrame],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    models, _ = recorded
    assert run("train", "--from-results", "--models-dir", models) == 2
    err = capsys.readouterr().err
    assert "only 0 recorded lead(s) have an outcome" in err and len(err.strip().splitlines()) == 1


def test_tier_shares_are_carried_over_from_the_active_models_own_leads(recorded: tuple[Path, pd.DataFrame],
                                                                       tmp_path: Path) -> None:
    models, leads = recorded
    scored = pd.read_csv(tmp_path / "scored.csv", encoding="utf-8-sig")
    shares = scored["tier"].value_counts(normalize=True)
    store = Store.open(models_dir=models)
    try:
        # Another version's leads in the same store do not change the active model's shares.
        other = builtin_batch([f"X{i}" for i in range(300)], ["High"] * 300, version="another-version")
        store.record(other)
        high, medium = train.carried_shares(store, Registry(models).active_version())
    finally:
        store.close()
    assert (high, medium) == pytest.approx((shares["High"], shares["Medium"]))
