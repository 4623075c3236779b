"""Score and explain leads: the one object the dashboard, the command line and the API call.

    scorer = leadscore.load()                 # the active model
    batch = scorer.score(frame, explain=True)
    batch.scored     # the input rows that were valid, plus tier, p_*, confidence, reason_1..3
    batch.problems   # one line per bad cell: row, column, value, reason

Each tier is explained against its runner-up, the likeliest other tier: a
field's contribution is its exact SHAP contribution to
``log(P(tier) / P(runner-up))``, the difference of the two classes'
contributions, so the contributions still add up exactly (base value plus
contributions equals that log-ratio). A class's own softmax margin means
nothing alone and is never ranked or charted.

Reasons answer "why this tier": the strongest reasons for it (positive
contributions) first, by size; the last reason may be one against it when that
outweighs the next reason for it. The word is a direction on the tier scale:
"raises" is towards a higher tier, "lowers" towards a lower one. So for a
Medium lead whose runner-up is Low, what makes Medium likelier "raises"; for a
Medium lead whose runner-up is High it "lowers".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from leadscore.fields.builtin import (
    FEATURE_NAMES,
    FEATURES,
    OUTPUT_COLUMNS,
    PROBABILITY_COLUMNS,
    REASON_COLUMNS,
    TIERS,
    ColumnMapping,
    CountsRejections,
    Validated,
    apply_mapping,
    check_value,
    input_renames,
    map_columns,
    validate,
)
from leadscore.modeling.lead_model import HIGH, LeadModel, softmax
from leadscore.scoring.model_info import ModelInfo

_TIER_NAMES = np.asarray(TIERS, dtype=object)


@dataclass(frozen=True)
class Explanation:
    """Each lead's tier against its runner-up, as exact SHAP contributions (module docstring).

    ``base_value + contributions.sum(axis=1)`` is ``log(P(tier) / P(runner_up))``, exactly.
    """

    tier_index: np.ndarray      # (n,) decided tiers as indices into TIERS
    tier: np.ndarray            # (n,) tier names
    runner_up: np.ndarray       # (n,) the likeliest other tier's names
    probabilities: np.ndarray   # (n, 3) the softmax of the summed contributions
    base_value: np.ndarray      # (n,) the average lead's log(P(tier) / P(runner_up))
    contributions: np.ndarray   # (n, 12) contributions to the log-ratio, columns in FEATURE_NAMES order
    raises: np.ndarray          # (n, 12) bool: the feature moves the lead towards a higher tier
    reasons: list[list[str]]    # n lists of reason_1..3 in plain words

    def contributions_frame(self) -> pd.DataFrame:
        """The contributions with feature names as columns."""
        return pd.DataFrame(self.contributions, columns=list(FEATURE_NAMES))


@dataclass(frozen=True)
class ScoredBatch(CountsRejections):
    """The outcome of scoring a batch: rows in = len(scored) + rejected_rows."""

    scored: pd.DataFrame
    problems: pd.DataFrame
    rows_read: int
    mapping: ColumnMapping


def reason_order(contrast: np.ndarray, top: int = len(REASON_COLUMNS)) -> np.ndarray:
    """(n, top) feature indices: the strongest reasons for the tier, then perhaps one against it.

    The first ``top - 1`` are the largest positive contributions (fewer when
    there are fewer); the last is the largest remaining by absolute size, so a
    strong reason against the tier is shown rather than a negligible one for it.
    """
    size = np.abs(contrast)
    ranked = np.lexsort((-size, contrast <= 0))  # for the tier first, each part by size
    if top == 1:
        return ranked[:, :1]
    rest = ranked[:, top - 1:]
    last = rest[np.arange(len(rest)), np.take_along_axis(size, rest, axis=1).argmax(axis=1)]
    return np.column_stack([ranked[:, :top - 1], last])


def reasons_in_words(values: np.ndarray, contrast: np.ndarray, raises: np.ndarray,
                     top: int = len(REASON_COLUMNS)) -> list[list[str]]:
    """For each lead, ``top`` phrases like "Credit score 790 (raises)" in ``reason_order``.

    Each distinct value of a field is put in words once: wording every
    phrase one by one was 85% of explaining a list.
    """
    order = reason_order(contrast, top)
    rows = np.arange(len(order))[:, None]
    chosen = values[rows, order]
    phrases = np.where(raises[rows, order], " (raises)", " (lowers)").astype(object)
    for j, feature in enumerate(FEATURES):
        here = order == j
        if here.any():
            distinct, where = np.unique(chosen[here], return_inverse=True)
            phrases[here] = np.array([feature.describe(v) for v in distinct], dtype=object)[where] + phrases[here]
    return phrases.tolist()


def runner_up(probabilities: np.ndarray, tier_index: np.ndarray) -> np.ndarray:
    """(n,) index of the likeliest tier other than the decided one."""
    others = probabilities.copy()
    others[np.arange(len(tier_index)), tier_index] = -np.inf
    return others.argmax(axis=1)


def moves_up(contrast: np.ndarray, tier_index: np.ndarray, runner_up_index: np.ndarray) -> np.ndarray:
    """(n, 12) bool: which features push each lead towards a higher tier (module docstring)."""
    above_runner_up = tier_index > runner_up_index  # TIERS run Low < Medium < High
    return (contrast > 0) == above_runner_up[:, None]


def decision_in_words(tier: str, probabilities: Mapping[str, float], high_threshold: float) -> str:
    """Why the decision rule chose ``tier`` when another tier is likelier; "" when it is the likeliest.

    The rule (model.py) calls a lead High once P(High) reaches the bar, even
    when Medium is likelier, and never below the bar: a manager must see both facts.
    """
    likeliest = max(probabilities, key=probabilities.__getitem__)
    if likeliest == tier:
        return ""
    high = probabilities[TIERS[HIGH]]
    # Enough digits that the chance and the bar differ: never "a 38% chance is above the 38% bar".
    digits = next((d for d in range(3) if f"{high:.{d}%}" != f"{high_threshold:.{d}%}"), 3)
    chance, bar = f"{high:.{digits}%}", f"{high_threshold:.{digits}%}"
    if tier == TIERS[HIGH]:
        return (f"{tier}: a {chance} chance of {tier} is above the {bar} bar for a priority call; "
                f"{likeliest} is likelier at {probabilities[likeliest]:.0%}")
    return (f"{tier}: {likeliest} is the likeliest tier at {chance}, but below the {bar} bar for a "
            f"priority call; {tier} is the likelier of the rest at {probabilities[tier]:.0%}")


class Scorer(ModelInfo):
    """A loaded model plus everything needed to score and explain leads with it."""

    def __init__(self, model: LeadModel) -> None:
        self.model = model

    def probabilities(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated probabilities (n, 3) and decided tier indices (n,) for a validated matrix."""
        probabilities = self.model.predict_proba(features)
        return probabilities, self.model.decide(probabilities)

    def explain_matrix(self, features: np.ndarray) -> Explanation:
        """Probabilities, tiers, contributions against the runner-up and reasons for validated features.

        The probabilities are the softmax of the summed contributions, so the
        reasons, the waterfall and the chances shown are the same numbers to
        the last digit; they differ from ``probabilities`` (XGBoost's own
        float32 sum of the trees) by about 1e-6.
        """
        contributions = self.model.contributions(features)
        probabilities = softmax(contributions.sum(axis=2))
        tier_index = self.model.decide(probabilities)
        rows = np.arange(len(features))
        second = runner_up(probabilities, tier_index)
        contrast = contributions[rows, tier_index, :] - contributions[rows, second, :]
        raises = moves_up(contrast[:, :-1], tier_index, second)
        # Plain arrays, not DataFrames: building frames was half of a single lead's scoring time.
        return Explanation(
            tier_index=tier_index,
            tier=_TIER_NAMES[tier_index],
            runner_up=_TIER_NAMES[second],
            probabilities=probabilities,
            base_value=contrast[:, -1],
            contributions=contrast[:, :-1],
            raises=raises,
            reasons=reasons_in_words(features, contrast[:, :-1], raises),
        )

    def score_validated(self, checked: Validated, explain: bool = False) -> pd.DataFrame:
        """The valid rows of a validated batch with the output columns added."""
        features = checked.features()
        explanation = self.explain_matrix(features) if explain else None
        if explanation is None:
            probabilities, tier_index = self.probabilities(features)
        else:
            probabilities, tier_index = explanation.probabilities, explanation.tier_index
        out = checked.valid.rename(columns=input_renames(checked.valid.columns, OUTPUT_COLUMNS))
        out["tier"] = _TIER_NAMES[tier_index]
        for k, column in enumerate(PROBABILITY_COLUMNS):
            out[column] = probabilities[:, k]
        out["confidence"] = probabilities[np.arange(len(features)), tier_index]
        if explanation is not None:
            for k, column in enumerate(REASON_COLUMNS):
                out[column] = [row[k] for row in explanation.reasons]
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
        return self.explain_matrix(checked.features())

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
        explanation = self.explain_matrix(features)
        tier = str(explanation.tier[0])
        by_tier = dict(zip(TIERS, explanation.probabilities[0].tolist(), strict=True))
        return LeadResult(
            tier=tier,
            runner_up=str(explanation.runner_up[0]),
            probabilities=by_tier,
            confidence=by_tier[tier],
            reasons=explanation.reasons[0],
            base_value=float(explanation.base_value[0]),
            contributions=dict(zip(FEATURE_NAMES, explanation.contributions[0].tolist(), strict=True)),
            model_version=self.version,
            decision=decision_in_words(tier, by_tier, self.model.high_threshold),
        )


@dataclass(frozen=True)
class LeadResult:
    """One lead's score: tier, probabilities, confidence, reasons and the SHAP waterfall.

    ``base_value`` and ``contributions`` explain ``log(P(tier) / P(runner_up))``.
    """

    tier: str
    runner_up: str
    probabilities: dict[str, float]
    confidence: float
    reasons: list[str]
    base_value: float
    contributions: dict[str, float]
    model_version: str
    #: Why the rule chose a tier that is not the likeliest (decision_in_words); "" otherwise.
    decision: str = ""


class LeadError(ValueError):
    """One field of a single lead is invalid."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
