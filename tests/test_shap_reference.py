"""Our fast explanations equal shap's TreeExplainer on the same booster, to 1e-6.

shap 0.51 explains an XGBoost booster by calling XGBoost's own
``pred_contribs`` (float32). To hold our values to an independent
implementation as well, ``_shaps_own_treeshap`` hands shap the trees it parsed
from the booster as a model of its own ("internal"), so that shap runs its own
TreeSHAP in float64.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import shap
import xgboost as xgb

from leadscore.data import synth
from leadscore.fields.builtin import CLASSES, FEATURE_NAMES
from leadscore.modeling.three_tiers import train
from leadscore.modeling.three_tiers.lead_model import LeadModel
from leadscore.scoring.scorer import Scorer


def _shaps_own_treeshap(booster: xgb.Booster) -> shap.TreeExplainer:
    """shap's own float64 TreeSHAP on the booster's trees (not XGBoost's pred_contribs)."""
    parsed = shap.TreeExplainer(booster).model
    forest = json.loads(booster.save_raw("json"))["learner"]["gradient_booster"]["model"]
    trees = []
    for tree, group in zip(parsed.trees, forest["tree_info"], strict=True):
        values = np.zeros((len(tree.values), len(CLASSES)))
        values[:, group] = tree.values[:, 0]  # shap stores one class per tree; internal models want all
        trees.append({"children_left": tree.children_left, "children_right": tree.children_right,
                      "children_default": tree.children_default, "features": tree.features,
                      "thresholds": tree.thresholds, "values": values,
                      "node_sample_weight": tree.node_sample_weight})
    base_score = np.asarray(json.loads(json.loads(booster.save_config())["learner"]["learner_model_param"]
                                       ["base_score"]), dtype=np.float64)
    explainer = shap.TreeExplainer({"trees": trees, "base_offset": np.broadcast_to(base_score, len(CLASSES))})
    assert explainer.model.model_type == "internal"
    return explainer


def _as_ours(explainer: shap.TreeExplainer, scaled: np.ndarray) -> np.ndarray:
    """shap's values in our layout (n, classes, features + 1), base value last."""
    values = np.transpose(np.asarray(explainer.shap_values(scaled), dtype=np.float64), (0, 2, 1))
    base = np.broadcast_to(np.asarray(explainer.expected_value, dtype=np.float64), values.shape[:2])
    return np.concatenate([values, base[:, :, None]], axis=2)


def _uncalibrated(model: LeadModel, features: np.ndarray) -> np.ndarray:
    """Our contributions in the booster's own margin space (before temperature and bias)."""
    contributions = model.contributions(features)
    contributions[:, :, -1] -= model.bias
    return contributions * model.temperature


def test_step_functions_equal_shaps_own_treeshap(scorer: Scorer) -> None:
    model = scorer.model.estimator
    assert model._step_functions is not None  # the default model takes the fast path
    features = synth.generate(500, seed=41)[list(FEATURE_NAMES)].to_numpy(float)
    scaled = model.scaled(features)
    ours = _uncalibrated(model, features)
    np.testing.assert_allclose(ours, _as_ours(_shaps_own_treeshap(model.booster), scaled.astype(np.float64)),
                               rtol=0, atol=1e-6)
    # shap's default path on the booster (XGBoost's float32 pred_contribs): equal to float32 precision.
    direct = shap.TreeExplainer(model.booster)
    np.testing.assert_allclose(ours, _as_ours(direct, scaled), rtol=1e-6, atol=1e-6)


def test_deeper_preset_equals_shap_treeexplainer() -> None:
    model = train.train(synth.generate(600, seed=5), preset="seed", with_baselines=False).model
    assert model._step_functions is None  # deeper trees: XGBoost's pred_contribs
    features = synth.generate(200, seed=42)[list(FEATURE_NAMES)].to_numpy(float)
    scaled = model.scaled(features)
    ours = _uncalibrated(model, features)
    np.testing.assert_allclose(ours, _as_ours(shap.TreeExplainer(model.booster), scaled), rtol=0, atol=1e-6)
    # pred_contribs is float32: against shap's float64 TreeSHAP it holds to float32 precision.
    np.testing.assert_allclose(ours, _as_ours(_shaps_own_treeshap(model.booster), scaled.astype(np.float64)),
                               rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("row", [0, 3])
def test_calibration_only_rescales_shaps_values(scorer: Scorer, row: int) -> None:
    """Calibrated contributions are shap's divided by the temperature, with the bias in the base value."""
    model = scorer.model.estimator
    features = synth.generate(4, seed=43)[list(FEATURE_NAMES)].to_numpy(float)[row:row + 1]
    reference = _as_ours(_shaps_own_treeshap(model.booster), model.scaled(features).astype(np.float64))
    expected = reference / model.temperature
    expected[:, :, -1] += model.bias
    np.testing.assert_allclose(model.contributions(features), expected, rtol=0, atol=1e-6)
