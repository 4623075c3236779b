"""Checks on a loaded model's parameters: shapes, finite values, ranges, the booster's size.

A model whose files pass their checksums can still hold numbers that cannot
score a lead correctly (a threshold of 0 makes every lead High, a NaN
temperature every lead Low with empty probabilities). ``LeadModel.from_files``
runs ``check_parameters`` on every load and refuses such a model, naming the parameter.
"""

from __future__ import annotations

import json

import numpy as np
import xgboost as xgb

from leadscore.fields.builtin import CLASSES


class ParameterError(ValueError):
    """A loaded model parameter has the wrong shape or an impossible value."""

    def __init__(self, parameter: str, problem: str) -> None:
        super().__init__(f"{parameter}: {problem}")
        self.parameter = parameter


def _booster_shape(booster: xgb.Booster) -> tuple[int, int]:
    """The booster's number of input features and of classes."""
    config = json.loads(booster.save_config())
    return booster.num_features(), int(config["learner"]["learner_model_param"]["num_class"])


def check_parameters(booster: xgb.Booster, mean: np.ndarray, scale: np.ndarray, bias: np.ndarray,
                     temperature: float, high_threshold: float, n_features: int) -> None:
    """Refuse parameters (a ``LeadModel``'s) that cannot score leads correctly; names the parameter.

    Booster problems name ``booster``; the rest name their key in model.json.
    """
    features, classes = _booster_shape(booster)
    if features != n_features:
        raise ParameterError("booster", f"expects {features} features, the schema has {n_features}")
    if classes != len(CLASSES):
        raise ParameterError("booster", f"predicts {classes} classes, expected {len(CLASSES)} tiers")
    for name, values, length in (("scaler_mean", mean, n_features), ("scaler_scale", scale, n_features),
                                 ("bias", bias, len(CLASSES))):
        if values.shape != (length,):
            raise ParameterError(name, f"has shape {list(values.shape)}, expected [{length}]")
        if not np.isfinite(values).all():
            raise ParameterError(name, "holds a value that is not a finite number")
    if not (scale > 0).all():
        raise ParameterError("scaler_scale", "holds a value that is not above 0")
    if not (np.isfinite(temperature) and temperature > 0):
        raise ParameterError("temperature", f"is {temperature}; it must be a finite number above 0")
    if not 0 < high_threshold < 1:
        raise ParameterError("high_threshold", f"is {high_threshold}; it must be strictly between 0 and 1")
