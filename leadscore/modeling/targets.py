"""What a model predicts and how it becomes a tier: the two targets, each a small class of its own.

A ``Target`` turns the booster's calibrated margins into chances, the chances
into tiers, and the exact SHAP contributions into "support": how much each
field argues for the tier the lead got. Everything else in the product
(scorer, what-if, API, pages, command line) asks the target and never which
kind of model it has.

- ``ThreeTiers`` (the built-in model): softmax over Low/Medium/High; High when
  P(High) reaches the bar, otherwise the likelier of Low and Medium; a field's
  contribution is measured against the runner-up tier, as log(P(tier) /
  P(runner-up)) (the difference of two classes' contributions, so it stays
  exact and adds up).
- ``WonLost`` (a team's history): the calibrated chance of conversion, a score
  0-100, tiers cut by the bands the manager set; contributions are to the
  log-odds of conversion.

"Support" puts both on one scale so one rule picks the reasons: positive
argues for the tier. For three tiers it is the contrast with the runner-up;
for won/lost it is the contribution for High, its opposite for Low, and its
size for Medium (a reason either way explains a middle tier).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import numpy as np

from leadscore.fields.builtin import CLASSES, LABEL_COLUMN, PROBABILITY_COLUMNS, TIER_CONVERSION_RATES
from leadscore.modeling.tiers import TIERS, Bands

HIGH = CLASSES.index("High")
_CLASS_NAMES = np.asarray(CLASSES, dtype=object)
REASON_COLUMNS: tuple[str, ...] = ("reason_1", "reason_2", "reason_3")
#: The conversion the seed expects of each built-in tier (the midpoint of its range, High 35-40% -> 37.5%),
#: in CLASSES order: a built-in lead's chance of conversion weighs its tier chances by them.
_TIER_CONVERSION = np.array([sum(TIER_CONVERSION_RATES[t]) / 2 for t in CLASSES])


def softmax(margins: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (n, k) margins."""
    shifted = margins - margins.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function, stable for large |z|."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))


def to_score(p: np.ndarray) -> np.ndarray:
    """A chance as a whole score 0-100."""
    return np.rint(np.asarray(p) * 100).astype(np.int64)


@dataclass(frozen=True)
class ScoreColumn:
    """A column a target adds to a scored table, as a file and a screen show it."""

    name: str
    #: What the column is called on screen ("Chance of High").
    title: str
    #: A chance 0-1: written with 4 decimals in a file, shown as a percent.
    chance: bool = True
    #: Shown in the dashboard's table (a file always has it).
    shown: bool = True


@dataclass(frozen=True)
class Support:
    """The contributions of a batch seen from each lead's tier.

    ``base_value + values.sum(axis=1)`` is the explained quantity exactly (log(P(tier) / P(runner-up))
    for three tiers, the log-odds of conversion for won/lost); ``support`` is ``values`` oriented so
    that positive argues for the tier; ``raises`` says a field moves the lead towards a higher tier
    (or conversion).
    """

    base_value: np.ndarray      # (n,)
    values: np.ndarray          # (n, fields)
    support: np.ndarray         # (n, fields)
    raises: np.ndarray          # (n, fields) bool
    runner_up: np.ndarray | None  # (n,) tier names, three tiers only


#: A chance between 0 and 1 in the API's JSON Schema.
_PROBABILITY: dict[str, Any] = {"type": "number", "minimum": 0, "maximum": 1}


class Target(Protocol):
    """What every target supplies (module docstring)."""

    #: What the target is called where a program reads it (the API's ``/v1/model``).
    kind: str
    #: What is predicted: the label column of the training data.
    column: str
    #: The columns the scorer adds besides the tier and the reasons, in the order a file shows them.
    chance_columns: tuple[str, ...]
    #: What the chart of one lead explains, in words ("odds of High over Medium", "chance of conversion").
    explains: str
    #: The target's columns in the order a scored file shows them, after the tier.
    file_columns: tuple[ScoreColumn, ...]
    #: The chance column that orders leads within a tier (call order) and filters a list: P(High) or p_convert.
    headline_column: str

    def probabilities(self, margins: np.ndarray) -> np.ndarray:
        """(n, k) chances from (n, k) calibrated margins."""

    def decide(self, probabilities: np.ndarray) -> np.ndarray:
        """(n,) tier names."""

    def columns(self, probabilities: np.ndarray, tiers: np.ndarray) -> dict[str, np.ndarray]:
        """The chance columns of a scored table."""

    def probabilities_of(self, columns: Mapping[str, np.ndarray]) -> np.ndarray:
        """(n, k) chances read back from the chance columns of a scored table (``columns``' inverse)."""

    def conversion(self, probabilities: np.ndarray) -> np.ndarray:
        """(n,) each lead's calibrated chance of conversion: the one the store records and results judge."""

    def chances(self, probabilities: np.ndarray, tier: str) -> dict[str, Any]:
        """One lead's chance fields as the API answers them (numbers rounded to 4 decimals)."""

    def chance_schema(self) -> dict[str, dict[str, Any]]:
        """The JSON Schema of each field of ``chances``, for the API's generated document."""

    def chance(self, probabilities: np.ndarray, tier: str) -> float:
        """The one chance shown beside a lead's tier: P(tier), or the chance of conversion."""

    def bars(self, probabilities: np.ndarray) -> dict[str, float]:
        """One lead's chances by label ("Chance of High"), for charts."""

    def support(self, contributions: np.ndarray, probabilities: np.ndarray, tiers: np.ndarray) -> Support:
        """Each lead's contributions seen from its tier; ``contributions`` is (n, k, fields + 1)."""

    def decision_words(self, probabilities: np.ndarray, tier: str) -> str:
        """Why the rule chose ``tier`` when another tier is likelier; "" otherwise."""

    def promise(self, tier: str) -> tuple[float, float] | None:
        """The conversion rate a tier promises (a range; a point is (r, r)), None when unknown."""

    def cleared_bar(self, probabilities: np.ndarray, tier: str) -> tuple[float, str] | None:
        """When the rule chose a tier that is not the likeliest: where its bar lies on the explained quantity's
        scale for this lead, and the bar in words; None otherwise (the chart then needs no bar)."""


@dataclass(frozen=True)
class ThreeTiers:
    """The built-in model's target: three tiers and the bar for High (module docstring)."""

    high_threshold: float
    chance_columns: tuple[str, ...] = (*reversed(PROBABILITY_COLUMNS), "confidence")
    explains: str = "odds"
    file_columns: tuple[ScoreColumn, ...] = (
        ScoreColumn("confidence", "Sure of its tier", shown=False),
        *(ScoreColumn(f"p_{t.lower()}", f"Chance of {t}") for t in reversed(CLASSES)))
    headline_column: str = "p_high"
    kind: ClassVar[str] = "three_tiers"
    column: ClassVar[str] = LABEL_COLUMN

    def probabilities(self, margins: np.ndarray) -> np.ndarray:
        return softmax(margins)

    def decide_index(self, probabilities: np.ndarray) -> np.ndarray:
        """Class index per lead: High at the bar, else the likelier of Low and Medium."""
        low_or_medium = probabilities[:, :HIGH].argmax(axis=1)
        return np.where(probabilities[:, HIGH] >= self.high_threshold, HIGH, low_or_medium)

    def decide(self, probabilities: np.ndarray) -> np.ndarray:
        return _CLASS_NAMES[self.decide_index(probabilities)]

    def columns(self, probabilities: np.ndarray, tiers: np.ndarray) -> dict[str, np.ndarray]:
        index = np.array([CLASSES.index(t) for t in tiers], dtype=np.int64)
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
                                  "properties": {t: _PROBABILITY for t in TIERS}, "required": list(TIERS),
                                  "additionalProperties": False},
                "confidence": {**_PROBABILITY, "description": "The probability of the decided tier."}}

    def chance(self, probabilities: np.ndarray, tier: str) -> float:
        return float(probabilities[CLASSES.index(tier)])

    def bars(self, probabilities: np.ndarray) -> dict[str, float]:
        return {f"Chance of {t}": float(probabilities[CLASSES.index(t)]) for t in TIERS}

    def support(self, contributions: np.ndarray, probabilities: np.ndarray, tiers: np.ndarray) -> Support:
        rows = np.arange(len(tiers))
        index = np.array([CLASSES.index(t) for t in tiers], dtype=np.int64)
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

    def promise(self, tier: str) -> tuple[float, float] | None:
        return TIER_CONVERSION_RATES[tier]

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


@dataclass
class WonLost:
    """A team's model: the calibrated chance of conversion, cut into tiers by ``bands`` (module docstring).

    ``column`` and ``positive`` say what converted means in the team's file; ``rates`` are each tier's
    measured conversion on the test part of that file (the training report).
    """

    column: str
    positive: tuple[str, ...]
    negative: tuple[str, ...]
    bands: Bands
    rates: Mapping[str, float]
    chance_columns: tuple[str, ...] = ("p_convert", "score")
    explains: str = "chance"
    file_columns: tuple[ScoreColumn, ...] = (ScoreColumn("score", "Score", chance=False),
                                             ScoreColumn("p_convert", "Chance of conversion"))
    headline_column: str = "p_convert"
    kind: ClassVar[str] = "won_lost"

    def probabilities(self, margins: np.ndarray) -> np.ndarray:
        return sigmoid(margins)

    def decide(self, probabilities: np.ndarray) -> np.ndarray:
        return self.bands.tiers(probabilities[:, 0])

    def columns(self, probabilities: np.ndarray, tiers: np.ndarray) -> dict[str, np.ndarray]:
        return {"p_convert": probabilities[:, 0], "score": to_score(probabilities[:, 0])}

    def probabilities_of(self, columns: Mapping[str, np.ndarray]) -> np.ndarray:
        return np.asarray(columns["p_convert"], dtype=np.float64).reshape(-1, 1)

    def conversion(self, probabilities: np.ndarray) -> np.ndarray:
        return np.asarray(probabilities, dtype=np.float64)[:, 0]

    def chances(self, probabilities: np.ndarray, tier: str) -> dict[str, Any]:
        return {"p_convert": round(float(probabilities[0]), 4), "score": int(to_score(probabilities[:1])[0])}

    def chance_schema(self) -> dict[str, dict[str, Any]]:
        return {"p_convert": {**_PROBABILITY, "description": "The calibrated chance that the lead converts."},
                "score": {"type": "integer", "minimum": 0, "maximum": 100,
                          "description": "p_convert as a whole score 0-100."}}

    def chance(self, probabilities: np.ndarray, tier: str) -> float:
        return float(probabilities[0])

    def bars(self, probabilities: np.ndarray) -> dict[str, float]:
        return {"Chance of conversion": float(probabilities[0])}

    def support(self, contributions: np.ndarray, probabilities: np.ndarray, tiers: np.ndarray) -> Support:
        values = contributions[:, 0, :-1]
        sign = np.where(tiers == "High", 1.0, np.where(tiers == "Low", -1.0, 0.0))[:, None]
        support = np.where(sign == 0, np.abs(values), sign * values)
        return Support(base_value=contributions[:, 0, -1], values=values, support=support, raises=values > 0,
                       runner_up=None)

    def decision_words(self, probabilities: np.ndarray, tier: str) -> str:
        return ""

    def promise(self, tier: str) -> tuple[float, float] | None:
        rate = self.rates.get(tier)
        return None if rate is None else (rate, rate)

    def cleared_bar(self, probabilities: np.ndarray, tier: str) -> tuple[float, str] | None:
        return None


def measured_rates(report: Mapping[str, Any]) -> dict[str, float]:
    """Each tier's measured conversion on the test part of a training report (tiers with leads only)."""
    test = report.get("test", {}) if isinstance(report, Mapping) else {}
    rows = test.get("tiers", []) if isinstance(test, Mapping) else []
    return {row["tier"]: float(row["conversion_rate"]) for row in rows
            if isinstance(row, Mapping) and row.get("conversion_rate") is not None}
