"""The built-in model's target: three tiers, Low, Medium and High, and the bar for High (``modeling/target.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from leadscore.fields.builtin import CLASSES, LABEL_COLUMN, PROBABILITY_COLUMNS, TIER_CONVERSION_RATES
from leadscore.modeling.report import Evaluation, Scores
from leadscore.modeling.target import PROBABILITY, Framing, ScoreColumn, Support, Target, softmax
from leadscore.modeling.three_tiers.report import TiersReport
from leadscore.modeling.tiers import TIERS

HIGH = CLASSES.index("High")
_CLASS_NAMES = np.asarray(CLASSES, dtype=object)
#: The conversion the seed expects of each built-in tier (the midpoint of its range, High 35-40% -> 37.5%),
#: in CLASSES order: a built-in lead's chance of conversion weighs its tier chances by them.
_TIER_CONVERSION = np.array([sum(TIER_CONVERSION_RATES[t]) / 2 for t in CLASSES])


def class_index(tiers: np.ndarray) -> np.ndarray:
    """Each tier's place in CLASSES, element-wise (a list's ``index`` per lead was a tenth of scoring a file)."""
    tiers = np.asarray(tiers, dtype=object)
    index = np.full(len(tiers), -1, dtype=np.int64)
    for k, name in enumerate(CLASSES):
        index[tiers == name] = k
    if (index < 0).any():
        raise ValueError(f"{tiers[index < 0][0]!r} is not a tier")
    return index


@dataclass(frozen=True)
class ThreeTiers(Target):
    """The built-in model's target: three tiers and the bar for High (module docstring)."""

    high_threshold: float
    chance_columns: tuple[str, ...] = (*reversed(PROBABILITY_COLUMNS), "confidence")
    explains: str = "odds"
    file_columns: tuple[ScoreColumn, ...] = (
        ScoreColumn("confidence", "Sure of its tier", shown=False),
        *(ScoreColumn(f"p_{t.lower()}", f"Chance of {t}") for t in reversed(CLASSES)))
    headline_column: str = "p_high"
    framing: Framing = Framing(
        chance_words="The model is {chance} sure this lead is {tier}",
        conversion_words="Chance this lead converts: {chance}",
        chances_title="How sure the model is of each tier (not a chance of converting)",
        chart_note=("How to read this: the chart compares this lead's tier with the tier it nearly got. It starts "
                    "from the odds of the average lead and each bar is one field multiplying them (×2 doubles the "
                    "odds of this tier over the other, ÷2 halves them): green bars towards this tier, red bars away "
                    "from it. Together they give exactly this lead's odds. The top reasons are the longest green "
                    "bars, and perhaps a red one."))
    kind: ClassVar[str] = "three_tiers"
    model_words: ClassVar[str] = "the built-in model"
    sample_list: ClassVar[bool] = True
    what_it_does: ClassVar[str] = (
        "It sorts each new lead into **High**, **Medium** or **Low** priority from {fields} facts the CRM already "
        "holds ({shown}), and gives the reasons for each lead in plain words, so the team calls the most promising "
        "leads first.")
    report_type: ClassVar[type[TiersReport]] = TiersReport
    column: str = LABEL_COLUMN

    def evaluate(self, scorer: Scores, data: pd.DataFrame | None, source: str, rows: int, seed: int) -> Evaluation:
        """On leads with a 'tier' column (``evaluate.evaluate_leads``); without data, fresh generated leads."""
        # Imported here: evaluating loads scikit-learn's metrics and the generator, which scoring never needs.
        from leadscore.modeling.three_tiers.evaluate import evaluate_leads

        return evaluate_leads(scorer, data, source, rows, seed)

    def probabilities(self, margins: np.ndarray) -> np.ndarray:
        return softmax(margins)

    def decide_index(self, probabilities: np.ndarray) -> np.ndarray:
        """Class index per lead: High at the bar, else the likelier of Low and Medium."""
        low_or_medium = probabilities[:, :HIGH].argmax(axis=1)
        return np.where(probabilities[:, HIGH] >= self.high_threshold, HIGH, low_or_medium)

    def decide(self, probabilities: np.ndarray) -> np.ndarray:
        return _CLASS_NAMES[self.decide_index(probabilities)]

    def columns(self, probabilities: np.ndarray, tiers: np.ndarray) -> dict[str, np.ndarray]:
        index = class_index(tiers)
        out = {column: probabilities[:, k] for k, column in enumerate(PROBABILITY_COLUMNS)}
        out["confidence"] = probabilities[np.arange(len(index)), index]
        return {c: out[c] for c in self.chance_columns}

    def probabilities_of(self, columns: Mapping[str, np.ndarray]) -> np.ndarray:
        return np.column_stack([np.asarray(columns[c], dtype=np.float64) for c in PROBABILITY_COLUMNS])

    def conversion(self, probabilities: np.ndarray) -> np.ndarray:
        """Each tier's chance weighted by the conversion the seed expects of it (the midpoint of its range)."""
        return np.asarray(probabilities, dtype=np.float64) @ _TIER_CONVERSION

    def chances(self, probabilities: np.ndarray, tier: str) -> dict[str, Any]:
        by_tier = {t: round(float(probabilities[CLASSES.index(t)]), 4) for t in TIERS}
        return {"probabilities": by_tier, "confidence": by_tier[tier]}

    def chance_schema(self) -> dict[str, dict[str, Any]]:
        return {"probabilities": {"type": "object", "title": "Tier probabilities",
                                  "description": "The calibrated probability of each tier; they add up to 1.",
                                  "properties": {t: PROBABILITY for t in TIERS}, "required": list(TIERS),
                                  "additionalProperties": False},
                "confidence": {**PROBABILITY, "description": "The probability of the decided tier."}}

    def chance(self, probabilities: np.ndarray, tier: str) -> float:
        return float(probabilities[CLASSES.index(tier)])

    def bars(self, probabilities: np.ndarray) -> dict[str, float]:
        return {f"Chance of {t}": float(probabilities[CLASSES.index(t)]) for t in TIERS}

    def support(self, contributions: np.ndarray, probabilities: np.ndarray, tiers: np.ndarray) -> Support:
        rows = np.arange(len(tiers))
        index = class_index(tiers)
        others = probabilities.copy()
        others[rows, index] = -np.inf
        second = others.argmax(axis=1)
        contrast = contributions[rows, index, :] - contributions[rows, second, :]
        values = contrast[:, :-1]
        raises = (values > 0) == (index > second)[:, None]  # CLASSES run Low < Medium < High
        return Support(base_value=contrast[:, -1], values=values, support=values, raises=raises,
                       runner_up=_CLASS_NAMES[second])

    def decision_words(self, probabilities: np.ndarray, tier: str) -> str:
        by_tier = dict(zip(CLASSES, probabilities.tolist(), strict=True))
        likeliest = max(by_tier, key=by_tier.__getitem__)
        if likeliest == tier:
            return ""
        high = by_tier["High"]
        # Enough digits that the chance and the bar differ: never "a 38% chance is above the 38% bar".
        digits = next((d for d in range(3) if f"{high:.{d}%}" != f"{self.high_threshold:.{d}%}"), 3)
        chance, bar = f"{high:.{digits}%}", f"{self.high_threshold:.{digits}%}"
        if tier == "High":
            return (f"{tier}: a {chance} chance of {tier} is above the {bar} bar for a priority call; "
                    f"{likeliest} is likelier at {by_tier[likeliest]:.0%}")
        return (f"{tier}: {likeliest} is the likeliest tier at {chance}, but below the {bar} bar for a "
                f"priority call; {tier} is the likelier of the rest at {by_tier[tier]:.0%}")

    def history(self, tier: str) -> str:
        low, high = TIER_CONVERSION_RATES[tier]
        return f"The original study expected {low:.0%}–{high:.0%} of {tier} leads to convert."

    def cleared_bar(self, probabilities: np.ndarray, tier: str) -> tuple[float, str] | None:
        """The log(P(tier) / P(runner-up)) at which P(High) would sit exactly on the bar, the lead's other two
        chances keeping their ratio: the lead is on its tier's side of it, though the runner-up is likelier."""
        if not self.decision_words(probabilities, tier):
            return None
        p = dict(zip(CLASSES, probabilities.tolist(), strict=True))
        runner_up = max((t for t in CLASSES if t != tier), key=p.__getitem__)
        bar = self.high_threshold
        words = f"the {bar:.0%} bar for High"
        if tier == "High":  # P(High) = x / (x + 1 + r), x = P(High) / P(runner-up), r = P(third) / P(runner-up)
            third = next(t for t in CLASSES if t not in (tier, runner_up))
            r = p[third] / p[runner_up]
            return float(np.log(bar * (1 + r) / (1 - bar))), words
        # runner-up is High: P(High) = 1 / (1 + x (1 + r)), x = P(tier) / P(High), r = P(third) / P(tier)
        third = next(t for t in CLASSES if t not in (tier, runner_up))
        r = p[third] / p[tier]
        return float(np.log((1 - bar) / (bar * (1 + r)))), words
