"""One ``Model``: a schema, a target, the fitted estimator (booster, calibration, encoding) and its explainer.

The built-in three-tier model and a team's won/lost model are two instances
of this class; every face of the product takes a ``Model`` and asks its
schema and its target, never its kind. The estimators and their files differ
by target (a softmax booster over scaled fields in ``lead_model.py``; a
binary booster over encoded fields with Platt calibration in
``outcome_model.py``), so ``model_of`` is the one place that knows which
estimator goes with which target, as one dispatch table (as skops registers
per-type behaviour).

Both estimators answer in the same shapes: ``margins(codes)`` (n, k) and
``contributions(codes)`` (n, k, fields + 1), k = 3 classes or 1, calibrated,
the last entry the base value, each row adding up to its margins exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from leadscore.fields.builtin import BUILTIN_SCHEMA
from leadscore.fields.field import Schema
from leadscore.modeling.report import TrainingReport
from leadscore.modeling.target import Target
from leadscore.modeling.three_tiers.lead_model import LeadModel
from leadscore.modeling.three_tiers.target import ThreeTiers
from leadscore.modeling.won_lost.bands import TierBands
from leadscore.modeling.won_lost.outcome_model import OutcomeModel
from leadscore.modeling.won_lost.target import WonLost

Estimator = LeadModel | OutcomeModel
#: Every column holding a chance 0-1 that a target adds to a scored table (``ScoreColumn.chance``): a saved list
#: reopens as the version that scored it wrote it, whichever target that version has.
CHANCE_COLUMNS: tuple[str, ...] = tuple(dict.fromkeys(
    c.name for target in (ThreeTiers, WonLost) for c in target.file_columns if c.chance))


@dataclass
class Model:
    """Everything needed to score and explain leads of one schema (module docstring)."""

    schema: Schema
    target: Target
    estimator: Estimator
    #: The tier bands a manager can move (a won/lost model's, ``won_lost/bands.py``), as loaded; None when the
    #: target's tiers are fixed (the built-in model's bar for High).
    tier_bands: TierBands | None = None

    @property
    def metadata(self) -> dict[str, Any]:
        """Version, training data, evaluation report (once published), library versions."""
        return self.estimator.metadata

    @property
    def version(self) -> str:
        """The version id given by the registry, or "unsaved"."""
        return str(self.metadata.get("version", "unsaved"))

    #: The saved report last read and its reading (a report keeps every test lead's chance: read it once).
    _read: tuple[object, TrainingReport] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def report(self) -> TrainingReport:
        """The training report saved with the model, typed by its target (empty before it is published)."""
        document = self.metadata.get("report")
        if self._read is None or self._read[0] is not document:
            self._read = (document, self.target.read_report(document))
        return self._read[1]

    def predict_with_threads(self, threads: int) -> None:
        """How many threads a prediction uses (0: every core, XGBoost's default for a loaded booster)."""
        self.estimator.booster.set_param({"nthread": threads})

    def margins(self, codes: np.ndarray) -> np.ndarray:
        """(n, k) calibrated margins of leads given as codes (``Schema.codes``, filled in)."""
        margins = np.asarray(self.estimator.margins(codes), dtype=np.float64)
        return margins if margins.ndim == 2 else margins.reshape(len(codes), 1)  # explicit: 0 leads work too

    def probabilities(self, codes: np.ndarray) -> np.ndarray:
        """(n, k) chances (the target's link on the margins)."""
        return self.target.probabilities(self.margins(codes))

    def contributions(self, codes: np.ndarray) -> np.ndarray:
        """(n, k, fields + 1) exact SHAP contributions to the calibrated margins; last = base value."""
        raw = np.asarray(self.estimator.contributions(codes), dtype=np.float64)
        return raw if raw.ndim == 3 else raw.reshape(len(codes), 1, len(self.schema.fields) + 1)


def _three_tiers(estimator: LeadModel) -> Model:
    return Model(BUILTIN_SCHEMA, ThreeTiers(estimator.high_threshold), estimator)


def _won_lost(estimator: OutcomeModel) -> Model:
    document = estimator.metadata.get("report")
    report = WonLost.report_type.read(document)
    outcome = estimator.outcome
    target = WonLost(outcome.column, outcome.positive, outcome.negative, estimator.bands, report.test_rates,
                     report.test_part)
    model = Model(estimator.schema, target, estimator, TierBands(estimator, report))
    model._read = (document, report)  # read once: its test leads' chances can be many
    return model


#: The one dispatch from a fitted estimator to its model (module docstring).
_MODELS: dict[type, Callable[[Any], Model]] = {LeadModel: _three_tiers, OutcomeModel: _won_lost}


def model_of(estimator: Estimator) -> Model:
    """The ``Model`` of a fitted estimator (a trained or loaded booster with its parameters)."""
    return _MODELS[type(estimator)](estimator)
