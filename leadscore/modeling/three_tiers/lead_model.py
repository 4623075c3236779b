"""A trained lead model reduced to plain arrays: what the registry saves and the scorer runs.

The training pipeline (StandardScaler -> SMOTE -> XGBoost) is only needed while
fitting. At scoring time it is three steps, each a few numpy operations:

1. scale the features with the scaler's mean and scale;
2. the booster's per-class margins (log-odds);
3. calibration: ``margin / temperature + bias``, then softmax.

Step 3 is linear in the margins, so exact SHAP contributions survive it: each
contribution is divided by the temperature and the bias joins the base value.
The waterfall from base value to prediction therefore adds up exactly to the
probabilities the user sees.

The tier decision is a separate, documented rule: High when ``p_high`` reaches
``high_threshold`` (below one half, so that more of the rare, valuable High
leads are caught), otherwise the likelier of Low and Medium.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import xgboost as xgb

from leadscore.fields.builtin import CLASSES
from leadscore.modeling.explain.stump_shap import StepFunctions
from leadscore.modeling.target import softmax
from leadscore.modeling.three_tiers.target import ThreeTiers


@dataclass
class LeadModel:
    """Booster plus the arrays around it; no pickled objects anywhere."""

    booster: xgb.Booster
    mean: np.ndarray
    scale: np.ndarray
    temperature: float = 1.0
    bias: np.ndarray = field(default_factory=lambda: np.zeros(len(CLASSES)))
    high_threshold: float = 0.5
    metadata: dict[str, Any] = field(default_factory=dict)

    def scaled(self, features: np.ndarray) -> np.ndarray:
        """Features in the booster's input space (float32, C order)."""
        return np.ascontiguousarray((features - self.mean) / self.scale, dtype=np.float32)

    def margins(self, features: np.ndarray) -> np.ndarray:
        """Calibrated per-class margins, shape (n, 3)."""
        raw = self.booster.inplace_predict(self.scaled(features), predict_type="margin")
        return np.asarray(raw, dtype=np.float64).reshape(len(features), len(CLASSES)) / self.temperature + self.bias

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Calibrated P(Low), P(Medium), P(High), shape (n, 3)."""
        return softmax(self.margins(features))

    def decide(self, probabilities: np.ndarray) -> np.ndarray:
        """Tier index per lead under the decision rule (see module docstring)."""
        return ThreeTiers(self.high_threshold).decide_index(probabilities)

    @cached_property
    def _step_functions(self) -> StepFunctions | None:
        return StepFunctions.from_booster(self.booster, len(CLASSES), len(self.mean))

    def contributions(self, features: np.ndarray) -> np.ndarray:
        """Exact SHAP contributions in calibrated margin space, shape (n, 3, n_features + 1).

        The last entry of each row is the base value; a row sums to ``margins``.
        Single-split models use step functions (stump_shap.py), others XGBoost's pred_contribs.
        """
        if len(features) == 0:  # an all-invalid batch: nothing to explain (and nothing to reshape)
            return np.zeros((0, len(CLASSES), len(self.mean) + 1))
        scaled = self.scaled(features)
        if self._step_functions is not None:
            raw = self._step_functions.contributions(scaled)
        else:
            raw = self.booster.predict(xgb.DMatrix(scaled), pred_contribs=True, strict_shape=True)
        shape = (len(features), len(CLASSES), len(self.mean) + 1)  # explicit: no -1, so 0 leads work too
        raw = np.asarray(raw, dtype=np.float64).reshape(shape) / self.temperature
        raw[:, :, -1] += self.bias
        return raw
