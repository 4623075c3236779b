"""The leakage screen flags fields that give the outcome away, and leaves honest strong fields alone."""

from __future__ import annotations

import numpy as np
import pandas as pd

from leadscore.data import synth
from leadscore.modeling.leakage import LEAK_AUC, field_power, screen
from leadscore.modeling.outcome import train_outcome
from tests.crm.conftest import FAST, crm_frame


def _synthetic_won_lost(n: int = 3000) -> tuple[pd.DataFrame, np.ndarray]:
    leads = synth.generate(n, seed=3)
    won = (leads["tier"] != "Low").to_numpy(dtype=np.int64)  # a won/lost outcome derived from the tier
    return leads.loc[:, list(synth.FEATURE_NAMES)].astype(np.float64), won


def test_credit_score_known_before_the_outcome_is_not_flagged():
    features, won = _synthetic_won_lost()
    power = field_power(features["credit_score"], won)
    assert 0.7 < power.auc < LEAK_AUC  # strong, yet not flagged
    assert not power.flagged
    assert not any(p.flagged for p in screen(features, won))


def test_a_planted_leaked_field_is_flagged():
    features, won = _synthetic_won_lost()
    rng = np.random.default_rng(0)
    noisy_copy = np.where(rng.random(len(won)) < 0.05, 1 - won, won)  # a rating filled in after the deal
    features["deal_rating"] = pd.Categorical(np.where(noisy_copy == 1, "hot", "cold"))
    power = field_power(features["deal_rating"], won)
    assert power.flagged and power.auc >= 0.94
    assert power.reason == ("probably filled in after the outcome: alone it ranks leads right "
                            f"{power.auc:.0%} of the time")


def test_a_field_filled_in_only_after_winning_is_flagged_by_its_emptiness():
    features, won = _synthetic_won_lost()
    rng = np.random.default_rng(1)
    contract = np.where((won == 1) & (rng.random(len(won)) < 0.95), rng.normal(100, 30, len(won)), np.nan)
    power = field_power(pd.Series(contract, name="contract_value"), won)
    assert power.flagged and power.filled_auc is not None and power.filled_auc >= 0.9
    assert "whether it is filled in alone" in power.reason


def test_training_leaves_flagged_fields_out_unless_kept():
    frame = crm_frame(n=800, seed=4)
    frame["Tags"] = np.where(frame["Converted"] == "1", "Closed by Horizzon", "Ringing")
    trained = train_outcome(frame, "Converted", candidates=FAST)
    assert "Tags" not in trained.model.schema.names
    assert trained.review.column("Tags").reason.startswith("probably filled in after the outcome")
    flagged = next(p for p in trained.report["leakage"]["fields"] if p["name"] == "Tags")
    assert flagged["flagged"] and flagged["auc"] == 1.0
    kept = train_outcome(frame, "Converted", keep=["tags"], candidates=FAST)
    assert "Tags" in kept.model.schema.names
    assert kept.report["leakage"]["kept_on_purpose"] == ["Tags"]
