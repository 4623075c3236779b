"""A team's model's target: the calibrated chance of conversion, cut into tiers by bands (``modeling/target.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from leadscore.modeling.report import Evaluation, Scores
from leadscore.modeling.target import PROBABILITY, Framing, ScoreColumn, Support, Target, sigmoid
from leadscore.modeling.tiers import Bands
from leadscore.modeling.won_lost.report import WonLostReport
from leadscore.plain_words import percent


@dataclass
class WonLost(Target):
    """A team's model: the calibrated chance of conversion, cut into tiers by ``bands`` (module docstring).

    ``column`` and ``positive`` say what converted means in the team's file; ``test_rates`` are each tier's
    conversion measured on the test part of that file when it was trained (``test_part`` says which leads), a
    figure of the past named as such, never the promise.
    """

    column: str
    positive: tuple[str, ...]
    negative: tuple[str, ...]
    bands: Bands
    test_rates: Mapping[str, float]
    test_part: str = "the test part of its history"
    chance_columns: tuple[str, ...] = ("p_convert", "score")
    explains: str = "chance"
    file_columns: tuple[ScoreColumn, ...] = (ScoreColumn("score", "Score", chance=False),
                                             ScoreColumn("p_convert", "Chance of conversion"))
    headline_column: str = "p_convert"
    framing: Framing = Framing(
        chance_words="Chance this lead converts: {chance}", conversion_words="",
        chances_title="Chance this lead converts",
        chart_note=("How to read this: the chart starts from the chance of conversion of the average lead in your "
                    "history; each bar is one field of this lead multiplying the odds of converting (×2 doubles "
                    "them, ÷2 halves them): green bars make conversion more likely, red bars less. Together they "
                    "give exactly this lead's chance. Fields that barely matter for this lead are grouped in one "
                    "bar."))
    kind: ClassVar[str] = "won_lost"
    report_type: ClassVar[type[WonLostReport]] = WonLostReport

    def evaluate(self, scorer: Scores, data: pd.DataFrame | None, source: str, rows: int, seed: int) -> Evaluation:
        """On a file of closed leads with the outcome column (``evaluate.evaluate_closed_leads``); needs data."""
        # Imported here: evaluating loads the trainer (and imbalanced-learn), which scoring never needs.
        from leadscore.modeling.won_lost.evaluate import evaluate_closed_leads

        return evaluate_closed_leads(scorer, data, source, self.column, self.positive, self.negative, self.bands)

    def probabilities(self, margins: np.ndarray) -> np.ndarray:
        return sigmoid(margins)

    def decide(self, probabilities: np.ndarray) -> np.ndarray:
        return self.bands.tiers(probabilities[:, 0])

    def columns(self, probabilities: np.ndarray, tiers: np.ndarray) -> dict[str, np.ndarray]:
        return {"p_convert": probabilities[:, 0], "score": self.score(probabilities)}

    def probabilities_of(self, columns: Mapping[str, np.ndarray]) -> np.ndarray:
        return np.asarray(columns["p_convert"], dtype=np.float64).reshape(-1, 1)

    def conversion(self, probabilities: np.ndarray) -> np.ndarray:
        return np.asarray(probabilities, dtype=np.float64)[:, 0]

    def chances(self, probabilities: np.ndarray, tier: str) -> dict[str, Any]:
        return {"p_convert": round(float(probabilities[0]), 4), "score": int(self.score(probabilities[None, :1])[0])}

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

    def history(self, tier: str) -> str:
        rate = self.test_rates.get(tier)
        if rate is None:
            return ""
        return f"When it was trained, {percent(rate)} of its test leads in this tier converted ({self.test_part})."

    def cleared_bar(self, probabilities: np.ndarray, tier: str) -> tuple[float, str] | None:
        return None

