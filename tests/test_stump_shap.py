"""Step-function SHAP for single-split models gives XGBoost's own pred_contribs values."""

from __future__ import annotations

import numpy as np
import pytest
import xgboost as xgb

from leadscore.data import synth
from leadscore.fields.builtin import CLASSES, FEATURE_NAMES
from leadscore.modeling.explain.stump_shap import StepFunctions
from leadscore.modeling.three_tiers import train
from leadscore.scoring.scorer import Scorer


def _pred_contribs(booster: xgb.Booster, scaled: np.ndarray) -> np.ndarray:
    raw = booster.predict(xgb.DMatrix(scaled), pred_contribs=True, strict_shape=True)
    return np.reshape(raw, (len(scaled), len(CLASSES), -1))


def test_default_model_matches_pred_contribs_on_fresh_leads(scorer: Scorer) -> None:
    model = scorer.model.estimator
    features = synth.generate(5000, seed=77)[list(FEATURE_NAMES)].to_numpy(float)
    scaled = model.scaled(features)
    steps = StepFunctions.from_booster(model.booster, len(CLASSES), len(FEATURE_NAMES))
    assert steps is not None
    np.testing.assert_allclose(steps.contributions(scaled), _pred_contribs(model.booster, scaled), atol=1e-5)


def test_values_exactly_on_a_threshold_go_the_way_xgboost_sends_them(scorer: Scorer) -> None:
    """x < threshold goes left: a lead sitting on a split point must get the right side's value."""
    steps = StepFunctions.from_booster(scorer.model.estimator.booster, len(CLASSES), len(FEATURE_NAMES))
    on_split = np.zeros((len(FEATURE_NAMES), len(FEATURE_NAMES)), dtype=np.float32)
    for j in range(len(FEATURE_NAMES)):
        if len(steps.thresholds[0][j]):
            on_split[j, j] = steps.thresholds[0][j][len(steps.thresholds[0][j]) // 2]
    np.testing.assert_allclose(steps.contributions(on_split), _pred_contribs(scorer.model.estimator.booster, on_split),
                               atol=1e-5)


def test_deeper_trees_fall_back_to_pred_contribs() -> None:
    result = train.train(synth.generate(600, seed=5), preset="seed", with_baselines=False)
    assert StepFunctions.from_booster(result.model.booster, len(CLASSES), len(FEATURE_NAMES)) is None
    features = synth.generate(50, seed=6)[list(FEATURE_NAMES)].to_numpy(float)
    contributions = result.model.contributions(features)
    np.testing.assert_allclose(contributions.sum(axis=2), result.model.margins(features), atol=1e-4)


@pytest.mark.parametrize("n", [1, 7])
def test_contributions_sum_to_the_calibrated_margins(scorer: Scorer, n: int) -> None:
    features = synth.generate(n, seed=n)[list(FEATURE_NAMES)].to_numpy(float)
    model = scorer.model.estimator
    np.testing.assert_allclose(model.contributions(features).sum(axis=2), model.margins(features), atol=1e-4)
