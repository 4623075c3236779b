"""Exact SHAP for boosters made of single-split trees, as step functions instead of TreeSHAP.

A tree with one split on feature j at threshold t (left leaf ``a`` when
``x_j < t``, right leaf ``b``, covers ``ca`` and ``cb``) gives, under
TreeSHAP, feature j the contribution ``leaf(x) - (ca*a + cb*b) / (ca + cb)``
and the rest to the base value. Summed over one class's trees, feature j's
contribution is therefore a step function of ``x_j`` alone: its sorted
thresholds and cumulative sums, evaluated with ``np.searchsorted``.

Written here rather than taken from a library because it is measurably
better where it applies: XGBoost's ``pred_contribs`` (which shap's
TreeExplainer calls for an XGBoost booster) walks every tree for every lead,
1,800 trees for the default model, while this does 36 binary searches per
lead (benchmarks/bench_engine.py, benchmarks/bench_explain.py). It gives the
same values as pred_contribs (tests/test_stump_shap.py) and as shap's own
float64 TreeSHAP, to 1e-6 (tests/test_shap_reference.py). Models with deeper
trees (the seed preset) use ``pred_contribs``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import numpy as np
import xgboost as xgb

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StepFunctions:
    """Per class and feature: sorted thresholds and the contribution on each side of them."""

    #: [class][feature]: sorted float32 thresholds of the splits on that feature.
    thresholds: list[list[np.ndarray]]
    #: [class][feature]: suffix sums of (left - right) leaf deltas, one longer than ``thresholds``.
    suffix: list[list[np.ndarray]]
    #: (classes, features): the contribution of a value at or above every threshold.
    right_total: np.ndarray
    #: (classes,): the base value (expected margin) of each class.
    bias: np.ndarray
    #: (classes,): the most XGBoost's own margin (float32 sums of the leaves) can differ from ``margins``.
    margin_error: np.ndarray

    @classmethod
    def from_booster(cls, booster: xgb.Booster, n_classes: int, n_features: int) -> StepFunctions | None:
        """The step functions of a booster, or None when any tree has more than one split."""
        model = json.loads(booster.save_raw("json"))["learner"]
        forest = model["gradient_booster"]["model"]
        parts: dict[tuple[int, int], list[tuple[float, float, float]]] = {}
        expected = np.zeros(n_classes)
        # Per class: trees, and the largest a sum of their leaves can be (the float32 error's scale).
        trees, mass = np.zeros(n_classes), np.zeros(n_classes)
        for tree, group in zip(forest["trees"], forest["tree_info"], strict=True):
            left, right = tree["left_children"], tree["right_children"]
            values, covers = tree["split_conditions"], tree["sum_hessian"]
            trees[group] += 1
            if len(left) == 1:  # a lone leaf: a constant
                expected[group] += values[0]
                mass[group] += abs(values[0])
                continue
            if len(left) != 3 or left[1] != -1 or right[1] != -1 or left[2] != -1 or right[2] != -1:
                return None
            a, b = values[left[0]], values[right[0]]
            mass[group] += max(abs(a), abs(b))
            ca, cb = covers[left[0]], covers[right[0]]
            mean = (ca * a + cb * b) / (ca + cb)
            expected[group] += mean
            parts.setdefault((group, tree["split_indices"][0]), []).append((values[0], a - mean, b - mean))
        thresholds = [[np.empty(0, np.float32) for _ in range(n_features)] for _ in range(n_classes)]
        suffix = [[np.zeros(1) for _ in range(n_features)] for _ in range(n_classes)]
        right_total = np.zeros((n_classes, n_features))
        for (group, feature), splits in parts.items():
            ordered = sorted(splits)
            thresholds[group][feature] = np.array([s[0] for s in ordered], dtype=np.float32)
            steps = np.array([s[1] - s[2] for s in ordered])
            suffix[group][feature] = np.append(np.cumsum(steps[::-1])[::-1], 0.0)
            right_total[group, feature] = sum(s[2] for s in ordered)
        base_score = np.asarray(json.loads(model["learner_model_param"]["base_score"]), dtype=np.float64)
        # Any order of float32 sums of m terms is within (m - 1) * 2^-24 * sum |term| of the exact sum; the
        # result's own rounding and the float64 arithmetic here are inside the doubled bound.
        error = 2 * (trees + 2) * 2.0**-24 * (mass + np.abs(base_score))
        functions = cls(thresholds, suffix, right_total, expected + base_score, error)
        return functions if functions._agrees_with(booster) else None

    def _agrees_with(self, booster: xgb.Booster) -> bool:
        """Whether XGBoost's own pred_contribs gives the same values on a few probe leads."""
        n_classes, n_features = self.right_total.shape
        probe = np.random.default_rng(0).normal(size=(16, n_features)).astype(np.float32)
        reference = booster.predict(xgb.DMatrix(probe), pred_contribs=True, strict_shape=True)
        agrees = np.allclose(self.contributions(probe), np.reshape(reference, (16, n_classes, -1)), atol=1e-4)
        if not agrees:
            log.warning("step-function SHAP disagrees with pred_contribs; using pred_contribs")
        return bool(agrees)

    def margins(self, scaled: np.ndarray) -> np.ndarray:
        """The booster's margins (n, classes) of float32 inputs, as exact sums of the leaves (XGBoost's own are
        float32 sums, within ``margin_error``): the contributions summed, without keeping them."""
        n_classes, n_features = self.right_total.shape
        out = np.empty((len(scaled), n_classes))
        out[:] = self.bias + self.right_total.sum(axis=1)
        for k in range(n_classes):
            for j in range(n_features):
                out[:, k] += self.suffix[k][j][np.searchsorted(self.thresholds[k][j], scaled[:, j], side="right")]
        return out

    def contributions(self, scaled: np.ndarray) -> np.ndarray:
        """SHAP contributions (n, classes, features + 1) of float32 inputs; the last entry is the base value."""
        n_classes, n_features = self.right_total.shape
        out = np.empty((len(scaled), n_classes, n_features + 1))
        out[:, :, -1] = self.bias
        for k in range(n_classes):
            for j in range(n_features):
                # XGBoost sends x left when x < threshold, in float32: the thresholds above x are
                # those after searchsorted(..., side="right").
                above = self.thresholds[k][j].searchsorted(scaled[:, j], side="right")  # the method: no dispatch
                out[:, k, j] = self.right_total[k, j] + self.suffix[k][j][above]
        return out
