"""Score and explain leads: the one object the dashboard, the command line and the API call.

    scorer = leadscore.load()                 # the active model
    batch = scorer.score(frame, explain=True)
    batch.scored     # the input rows that were valid, plus tier, p_*, confidence, reason_1..3
    batch.problems   # one line per bad cell: row, column, value, reason

Reasons come from exact SHAP contributions (XGBoost's ``pred_contribs``) for
the predicted tier, ranked by size: the same numbers, in the same order, as
the waterfall. Their direction word says which way the feature moves the lead
against its runner-up tier (the next likeliest): a Medium lead whose
runner-up is Low is held up by what makes Medium likelier, so that "raises";
a Medium lead whose runner-up is High is held down by it, so that "lowers".
For High leads "raises" is what makes High likelier, for Low leads "lowers"
is what makes Low likelier.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from leadscore.model import LeadModel
from leadscore.schema import (
    FEATURE_NAMES,
    FEATURES,
    OUTPUT_COLUMNS,
    PROBABILITY_COLUMNS,
    REASON_COLUMNS,
    TIERS,
    ColumnMapping,
    Validated,
    apply_mapping,
    check_value,
    input_renames,
    map_columns,
    validate,
)

_TIER_NAMES = np.asarray(TIERS, dtype=object)


@dataclass(frozen=True)
class Explanation:
    """SHAP contributions toward each lead's predicted tier, in calibrated log-odds.

    ``base_value + contributions.sum(axis=1)`` is the predicted tier's margin
    (its log-odds before softmax), exactly.
    """

    tier: np.ndarray            # (n,) tier names
    base_value: np.ndarray      # (n,)
    contributions: np.ndarray   # (n, 12), columns in FEATURE_NAMES order
    raises: np.ndarray          # (n, 12) bool: the feature moves the lead up against its runner-up tier
    reasons: list[list[str]]    # n lists of reason_1..3 in plain words

    def contributions_frame(self) -> pd.DataFrame:
        """The contributions with feature names as columns."""
        return pd.DataFrame(self.contributions, columns=list(FEATURE_NAMES))


@dataclass(frozen=True)
class ScoredBatch:
    """The outcome of scoring a batch: rows in = len(scored) + rejected_rows."""

    scored: pd.DataFrame
    problems: pd.DataFrame
    rows_read: int
    mapping: ColumnMapping

    @property
    def rejected_rows(self) -> int:
        """How many input rows were not scored."""
        return int(self.problems["row"].nunique()) if len(self.problems) else 0


def reasons_in_words(values: np.ndarray, tier_contributions: np.ndarray,
                     raises: np.ndarray, top: int = len(REASON_COLUMNS)) -> list[list[str]]:
    """For each lead, its ``top`` largest contributions as phrases like "Credit score 790 (raises)"."""
    order = np.argsort(-np.abs(tier_contributions), axis=1, kind="stable")[:, :top]
    phrases = []
    for row, columns in enumerate(order):
        phrases.append([
            f"{FEATURES[c].describe(values[row, c])} ({'raises' if raises[row, c] else 'lowers'})"
            for c in columns
        ])
    return phrases


def moves_up(contributions: np.ndarray, tier_index: np.ndarray) -> np.ndarray:
    """(n, 12) bool: which features push each lead up against its runner-up tier (module docstring)."""
    rows = np.arange(len(tier_index))
    margins = contributions.sum(axis=2)
    margins[rows, tier_index] = -np.inf
    above_runner_up = tier_index > margins.argmax(axis=1)  # TIERS run Low < Medium < High
    towards_tier = contributions[rows, tier_index, :-1] > 0
    return towards_tier == above_runner_up[:, None]


class Scorer:
    """A loaded model plus everything needed to score and explain leads with it."""

    def __init__(self, model: LeadModel) -> None:
        self.model = model

    @property
    def version(self) -> str:
        """The model version id (from the registry), or "unsaved"."""
        return str(self.model.metadata.get("version", "unsaved"))

    @property
    def metadata(self) -> dict[str, Any]:
        """The model's metadata, including its evaluation report."""
        return self.model.metadata

    def probabilities(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated probabilities (n, 3) and decided tier indices (n,) for a validated matrix."""
        probabilities = self.model.predict_proba(features)
        return probabilities, self.model.decide(probabilities)

    def explain_matrix(self, features: np.ndarray, tier_index: np.ndarray) -> Explanation:
        """SHAP contributions and reasons for validated features and their decided tiers."""
        contributions = self.model.contributions(features)
        rows = np.arange(len(features))
        chosen = contributions[rows, tier_index, :]
        raises = moves_up(contributions, tier_index)
        # Plain arrays, not DataFrames: building frames was half of a single lead's scoring time.
        return Explanation(
            tier=_TIER_NAMES[tier_index],
            base_value=chosen[:, -1],
            contributions=chosen[:, :-1],
            raises=raises,
            reasons=reasons_in_words(features, chosen[:, :-1], raises),
        )

    def score_validated(self, checked: Validated, explain: bool = False) -> pd.DataFrame:
        """The valid rows of a validated batch with the output columns added."""
        features = checked.features()
        probabilities, tier_index = self.probabilities(features)
        out = checked.valid.rename(columns=input_renames(checked.valid.columns, OUTPUT_COLUMNS))
        out["tier"] = _TIER_NAMES[tier_index]
        for k, column in enumerate(PROBABILITY_COLUMNS):
            out[column] = probabilities[:, k]
        out["confidence"] = probabilities[np.arange(len(features)), tier_index]
        if explain:
            reasons = self.explain_matrix(features, tier_index).reasons
            for k, column in enumerate(REASON_COLUMNS):
                out[column] = [row[k] for row in reasons]
        return out

    def score(self, frame: pd.DataFrame, explain: bool = False, first_row: int = 1,
              mapping: ColumnMapping | None = None) -> ScoredBatch:
        """Validate and score a batch whose headers may be CRM spellings.

        Raises SchemaError when the batch cannot be scored at all (a required
        column is missing or two columns mean the same feature).
        """
        mapping = mapping or map_columns(frame.columns)
        checked = validate(apply_mapping(frame, mapping), first_row=first_row)
        return ScoredBatch(scored=self.score_validated(checked, explain), problems=checked.problems,
                           rows_read=checked.rows_read, mapping=mapping)

    def explain(self, frame: pd.DataFrame) -> Explanation:
        """Explanations for the valid rows of a batch (raises SchemaError like ``score``)."""
        checked = validate(apply_mapping(frame, map_columns(frame.columns)))
        features = checked.features()
        _, tier_index = self.probabilities(features)
        return self.explain_matrix(features, tier_index)

    def score_lead(self, lead: Mapping[str, Any]) -> LeadResult:
        """Score and explain one lead given as a mapping of feature name to value.

        Raises LeadError naming the first invalid field. Skips pandas: this is
        the path of the form and the real-time API (benchmarks/bench_engine.py).
        """
        features = np.empty((1, len(FEATURES)))
        for j, feature in enumerate(FEATURES):
            if feature.name not in lead:
                raise LeadError(feature.name, "missing value")
            features[0, j], reason = check_value(feature, lead[feature.name])
            if reason:
                raise LeadError(feature.name, reason)
        probabilities, tier_index = self.probabilities(features)
        explanation = self.explain_matrix(features, tier_index)
        return LeadResult(
            tier=str(explanation.tier[0]),
            probabilities=dict(zip(TIERS, probabilities[0].tolist(), strict=False)),
            confidence=float(probabilities[0, tier_index[0]]),
            reasons=explanation.reasons[0],
            base_value=float(explanation.base_value[0]),
            contributions=dict(zip(FEATURE_NAMES, explanation.contributions[0].tolist(), strict=True)),
            model_version=self.version,
        )


@dataclass(frozen=True)
class LeadResult:
    """One lead's score: tier, probabilities, confidence, reasons and the SHAP waterfall."""

    tier: str
    probabilities: dict[str, float]
    confidence: float
    reasons: list[str]
    base_value: float
    contributions: dict[str, float]
    model_version: str


class LeadError(ValueError):
    """One field of a single lead is invalid."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
