"""Drift: a planted shift is found, stable data is not, small samples are not judged, references from training."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from leadscore.modeling.drift_reference import drift_reference
from leadscore.monitoring.drift import MIN_LEADS, compare, psi, status
from leadscore.store import Store
from leadscore.workflows.results import version_results
from tests.store.test_store import rows

KINDS = {"income": "number", "visits": "integer", "source": "category", "pre_approved": "flag"}


def leads(n: int, seed: int, income_shift: float = 0.0, web_share: float = 0.5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "income": rng.normal(100_000 + income_shift, 20_000, n).round(),
        "visits": rng.poisson(8, n),
        "source": rng.choice(["web", "referral", "event", "rare"], n,
                             p=[web_share, 0.9 - web_share, 0.095, 0.005]),
        "pre_approved": rng.choice(["yes", "no", ""], n, p=[0.3, 0.6, 0.1]),
    })


def test_planted_shift_is_significant_and_the_rest_stable() -> None:
    training = leads(5000, seed=1)
    reference = drift_reference(training, KINDS, np.random.default_rng(1).beta(2, 5, 5000))
    json.dumps(reference)  # stored as JSON
    assert len(reference["fields"]["income"]["edges"]) == 9  # ten quantile bins
    assert reference["fields"]["source"]["levels"] == ["web", "referral", "event"]  # "rare" pooled as other
    recent = leads(2000, seed=2, income_shift=25_000, web_share=0.2)
    result = {row.field: row for row in compare(reference, recent, np.random.default_rng(2).beta(2, 5, 2000))}
    assert result["income"].status == "significant"
    assert result["source"].status == "significant"
    assert result["visits"].status == "stable" and result["pre_approved"].status == "stable"
    assert result["score"].status == "stable"
    rows = compare(reference, recent, np.zeros(2000))
    assert [r.psi for r in rows] == sorted((r.psi or 0.0 for r in rows), reverse=True)  # largest first
    assert rows[0].leads == 2000 and rows[0].reference_leads == 5000


def test_too_few_leads_are_not_judged() -> None:
    reference = drift_reference(leads(1000, seed=1), KINDS, np.linspace(0, 1, 1000))
    rows = compare(reference, leads(MIN_LEADS - 1, seed=2, income_shift=50_000), np.zeros(MIN_LEADS - 1))
    assert {r.status for r in rows} == {"not judged"} and {r.psi for r in rows} == {None}


def test_psi_thresholds() -> None:
    assert psi(np.array([0.5, 0.5]), np.array([0.5, 0.5])) == 0.0
    assert (status(0.05), status(0.1), status(0.25), status(0.26)) == ("stable", "moderate", "moderate",
                                                                       "significant")


def test_report_uses_the_stored_reference_and_says_when_there_is_none(store: Store) -> None:
    training = leads(3000, seed=1)
    store.save_drift_reference("v1", drift_reference(training, KINDS, np.full(3000, 0.2)))
    recent = leads(600, seed=3, income_shift=30_000)
    ids = [f"L{i}" for i in range(600)]
    store.record(rows("v1", ids, ["Low"] * 600, np.full(600, 0.2), recent.to_dict(orient="list")))
    report = version_results(store, "v1")
    assert report.drift[0].field == "income" and report.drift[0].status == "significant"
    assert (report.drift_about.available, report.drift_about.leads, report.drift_about.min_leads) == (True, 600,
                                                                                                      MIN_LEADS)
    store.record(rows("v0-before-references", ["M" + i for i in ids], ["Low"] * 600, np.full(600, 0.2),
                      recent.to_dict(orient="list")))
    old = version_results(store, "v0-before-references")
    assert old.drift == [] and old.drift_about.available is False


def test_trainers_put_a_reference_in_the_metadata(default_training: object, crm_training: object) -> None:
    builtin = default_training.model.metadata["drift_reference"]
    assert len(builtin["fields"]) == 12 and builtin["leads"] > 1000
    assert len(builtin["score"]["shares"]) == len(builtin["score"]["edges"]) + 2
    team = crm_training.model.metadata["drift_reference"]
    assert set(team["fields"]) == set(crm_training.model.schema.names)
    json.dumps(team)
