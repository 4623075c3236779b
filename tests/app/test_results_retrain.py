"""Retrain from results on the Results page, for both kinds of model: the recorded leads with their outcomes train
a team model, the verdict states the rule and both models' figures, publishing makes it active, and the previous
version comes back in one click."""

from __future__ import annotations

import numpy as np
import pandas as pd

from leadscore.fields.builtin import BUILTIN_SCHEMA
from leadscore.registry import Registry
from leadscore.scoring import triage
from leadscore.scoring.scorer import Scorer
from leadscore.store import Store, read_outcomes
from leadscore.workflows import gate, train
from tests.app.helpers import open_page, texts
from tests.app.test_wording import _jargon
from tests.conftest import BANK_SAMPLE
from ui.results_retrain import CANDIDATE

LEADS = 400


def _recorded_with_outcomes(models: Registry) -> None:
    """400 leads scored and recorded by the active model; each converted with the model's own chance (seeded)."""
    scorer = Scorer(models.load())
    if scorer.schema == BUILTIN_SCHEMA:
        leads = triage.sample_list(LEADS, seed=5).astype(str)
    else:
        leads = pd.read_csv(BANK_SAMPLE, dtype=str, keep_default_na=False).head(LEADS).drop(columns=["y"])
        leads.insert(0, "lead_id", [f"B-{i}" for i in range(LEADS)])
    batch = scorer.score(leads)
    store = Store.open(models_dir=models.root)
    rows = scorer.rows(batch.scored, id_column="lead_id")
    store.record(rows, list_name="Spring")
    chance = rows.chance
    won = np.random.default_rng(7).random(len(chance)) < np.clip(chance * 3, 0.2, 0.9)
    export = pd.DataFrame({"lead_id": batch.scored["lead_id"], "Stage": np.where(won, "Won", "Lost")})
    store.import_outcomes(read_outcomes(export, "lead_id", "Stage", positive=["Won"], negative=["Lost"]), "crm.csv")
    store.close()


def test_retrain_from_results_then_bring_back_the_previous_version(active_models: Registry) -> None:
    _recorded_with_outcomes(active_models)
    before = active_models.active_version()
    app = open_page("results")
    assert gate.RULE in texts(app)
    assert _jargon(app) == []  # plain words outside "Details for analysts"
    next(b for b in app.button if b.label == "Train a model on these results").click().run()
    assert not app.exception, [e.value for e in app.exception]
    said = texts(app)
    assert "On the newest 100 leads with an outcome, the new model ranked" in said, said[-2000:]
    assert _jargon(app) == []
    # The boxes show the carried shares in whole percents; left as offered, the page trains exactly what
    # `train --from-results` trains (the same bands, the same verdict).
    store = Store.open(models_dir=active_models.root)
    try:
        command_line = train.train_from_results(store, Scorer(active_models.load()))
    finally:
        store.close()
    page = app.session_state[CANDIDATE]
    assert page.verdict.sentence == command_line.verdict.sentence
    assert page.model.estimator.bands == command_line.model.estimator.bands
    publish = next(b for b in app.button if b.label.startswith("Publish"))
    publish.click().run()
    assert not app.exception, [e.value for e in app.exception]
    published = active_models.active_version()
    assert published != before
    assert "p_convert" in Scorer(active_models.load()).model.target.chance_columns  # a model of the results
    back = next(b for b in app.button if b.label == f"Bring back the previous version ({before})")
    back.click().run()
    assert active_models.active_version() == before
