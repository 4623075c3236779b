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

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import xgboost as xgb

from leadscore.fields.builtin import BUILTIN_SCHEMA, CLASSES
from leadscore.model_files import BuiltinParameters, ModelFileError, checked, read_object
from leadscore.modeling.explain.stump_shap import StepFunctions
from leadscore.modeling.target import softmax
from leadscore.modeling.three_tiers.model_check import ParameterError, check_parameters
from leadscore.modeling.three_tiers.report import TiersReport
from leadscore.modeling.three_tiers.target import HIGH, ThreeTiers

BOOSTER_FILE = "model.ubj"
PARAMS_FILE = "model.json"


@dataclass
class LeadModel:
    """Booster plus the arrays around it; no pickled objects anywhere.

    On disk (``to_files``): ``model.ubj`` (XGBoost's own UBJSON) and ``model.json`` (scaler, calibration, the bar
    for High); ``from_files`` checks every value before using it, so nothing can run code on load.
    """

    #: The files a saved built-in model is made of.
    FILES: ClassVar[tuple[str, ...]] = (BOOSTER_FILE, PARAMS_FILE)
    #: The training report saved with it (read without loading the booster: the registry's list of versions).
    report_type: ClassVar[type[TiersReport]] = TiersReport

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

    def probabilities_to_decide(self, features: np.ndarray, bars: np.ndarray) -> np.ndarray:
        """P(Low), P(Medium), P(High) that decide every lead as ``predict_proba``'s would under each of ``bars``.

        A decision (High when P(High) reaches the bar, else the likelier of Low and Medium) uses two
        comparisons. A single-split booster's margins come from its step functions (a few binary searches a
        field, instead of walking every tree), within ``StepFunctions.margin_error`` of XGBoost's own; a lead
        whose comparisons that error could tip gets ``predict_proba``'s exact values, so every decision is
        the same. Others, and leads with empty fields: ``predict_proba``.
        """
        functions = self._step_functions
        if functions is None or not len(features):
            return self.predict_proba(features)
        scaled = self.scaled(features)
        margins = functions.margins(scaled) / self.temperature + self.bias
        probabilities = softmax(margins)
        # How far each calibrated margin may be off, and so each probability (softmax moves log p by at most twice).
        error = float(functions.margin_error.max()) / self.temperature + 1e-9
        p_high = probabilities[:, HIGH]
        edges = np.concatenate([[-np.inf], np.sort(np.asarray(bars, dtype=np.float64)), [np.inf]])
        above = np.searchsorted(edges, p_high)
        nearest = np.minimum(np.abs(p_high - edges[above - 1]), np.abs(p_high - edges[above]))
        doubtful = ((nearest <= 2 * p_high * np.expm1(2 * error) + 1e-9)
                    | (np.abs(margins[:, 0] - margins[:, 1]) <= 4 * error)
                    | np.isnan(scaled).any(axis=1))
        if doubtful.any():
            probabilities[doubtful] = self.predict_proba(features[doubtful])
        return probabilities

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

    # ---- files ----------------------------------------------------------------------------------
    def to_files(self) -> dict[str, bytes]:
        """The model as files: the booster in UBJSON and the numbers around it as JSON."""
        params = {"scaler_mean": self.mean.tolist(), "scaler_scale": self.scale.tolist(),
                  "temperature": self.temperature, "bias": self.bias.tolist(), "high_threshold": self.high_threshold}
        return {BOOSTER_FILE: bytes(self.booster.save_raw("ubj")),
                PARAMS_FILE: json.dumps(params, indent=2, sort_keys=True, allow_nan=False).encode("utf-8")}

    @classmethod
    def from_files(cls, files: dict[str, bytes]) -> LeadModel:
        """Load and check a saved model; ModelFileError names the file and what is wrong."""
        params = checked(BuiltinParameters, read_object(files[PARAMS_FILE], Path(PARAMS_FILE)), Path(PARAMS_FILE))
        booster = xgb.Booster()
        try:
            booster.load_model(bytearray(files[BOOSTER_FILE]))
        except xgb.core.XGBoostError as error:
            raise ModelFileError(f"{BOOSTER_FILE}: cannot be read as a booster ({error})") from error
        model = cls(booster=booster, mean=np.asarray(params.scaler_mean, dtype=np.float64),
                    scale=np.asarray(params.scaler_scale, dtype=np.float64), temperature=params.temperature,
                    bias=np.asarray(params.bias, dtype=np.float64), high_threshold=params.high_threshold)
        try:
            check_parameters(booster, model.mean, model.scale, model.bias, model.temperature, model.high_threshold,
                             len(BUILTIN_SCHEMA.fields))
        except ParameterError as error:
            raise ModelFileError(f"{BOOSTER_FILE if error.parameter == 'booster' else PARAMS_FILE}: {error}") from error
        return model

    def features(self) -> list[dict[str, Any]]:
        """The fields it reads, as its metadata lists them."""
        return [{"name": f.name, "kind": f.kind, "low": f.low, "high": f.high} for f in BUILTIN_SCHEMA.fields]
