"""The outcome model's waterfall: fields by name and value, bars that add up to the lead's log-odds."""

from __future__ import annotations

import math

import pytest

from leadscore import charts
from leadscore.scoring.scorer import Scorer
from leadscore.scoring.template import typical_lead


def test_bars_add_up_to_the_leads_chance() -> None:
    contributions = {"Age 67": 1.1, "Job: retired": 0.5, "Contact: unknown": -0.36, "Month: may": -0.3,
                     "Day 16": 0.01, "Loan: no": -0.005}
    figure = charts.conversion_waterfall(-2.06, contributions, "High")
    bars = figure.data[0]
    assert list(bars.y) == ["Age 67", "Job: retired", "Contact: unknown", "Month: may",
                            "2 other fields (each moving the odds under 2%)", "This lead (High)"]
    assert bars.base == -2.06 and list(bars.measure) == ["relative"] * 5 + ["total"]
    assert sum(bars.x[:-1]) == pytest.approx(sum(contributions.values()))
    total = -2.06 + sum(contributions.values())
    assert list(bars.text) == ["×3.0", "×1.6", "÷1.4", "÷1.3", "×1.0", f"{1 / (1 + math.exp(-total)):.0%} chance"]
    # a chance in whole percentages, as the table and the badge write it (24.7% -> 25%, 11.3% -> 11%)
    assert figure.layout.title.text == "Why a 25% chance of conversion (the average lead: 11%)"


def test_a_scored_lead_explains_itself_exactly(crm_scorer: Scorer) -> None:
    lead = {**typical_lead(crm_scorer.schema), "job": "retired"}
    result = crm_scorer.score_lead(lead)
    assert result.base_value + sum(result.contributions.values()) == pytest.approx(
        math.log(result.chance / (1 - result.chance)), abs=1e-6)
    assert (result.labels["job"], result.labels["age"]) == ("Job: retired", "Age 39")
    labels = {"Job: retired": result.contributions["job"], "Age 39": result.contributions["age"]}
    figure = charts.conversion_waterfall(result.base_value, labels, result.tier, tiny=0.0)
    assert list(figure.data[0].y)[:2] == sorted(labels, key=lambda k: -abs(labels[k]))
