"""A team's model's target: the calibrated chance of conversion, cut into tiers by bands (``modeling/target.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from leadscore.modeling.target import PROBABILITY, ScoreColumn, Support, Target, sigmoid, to_score
from leadscore.modeling.tiers import Bands


@dataclass
class WonLost(Target):
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
        return {"p_convert": {**PROBABILITY, "description": "The calibrated chance that the lead converts."},
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
