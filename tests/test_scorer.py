"""Scoring and explaining: output contract, exact SHAP, reasons in words, single leads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leadscore import charts
from leadscore.data import synth
from leadscore.data.scenarios import SCENARIOS
from leadscore.fields.builtin import (
    FEATURE_NAMES,
    FEATURES_BY_NAME,
    OUTPUT_COLUMNS,
    REASON_COLUMNS,
    TIERS,
    SchemaError,
    example_lead,
)
from leadscore.scoring.scorer import LeadError, Scorer, decision_in_words, moves_up, reason_order


def test_scored_batch_keeps_input_and_adds_the_contract_columns(scorer: Scorer, leads: pd.DataFrame) -> None:
    batch = scorer.score(leads, explain=True)
    scored = batch.scored
    assert list(scored.columns) == [*leads.columns, *OUTPUT_COLUMNS]
    assert scored["lead_id"].tolist() == leads["lead_id"].tolist()
    assert (scored["owner"] == "Dana").all()
    probabilities = scored[["p_low", "p_medium", "p_high"]].to_numpy()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-9)
    chosen = scored[["p_low", "p_medium", "p_high"]].to_numpy()[
        np.arange(len(scored)), scored["tier"].map(TIERS.index).to_numpy()]
    np.testing.assert_allclose(scored["confidence"], chosen)
    assert scored["tier"].isin(TIERS).all()


def test_colliding_input_column_is_kept_with_input_suffix(scorer: Scorer, leads: pd.DataFrame) -> None:
    labeled = leads.assign(tier="High", confidence="gut feeling")
    scored = scorer.score(labeled).scored
    assert (scored["tier_input"] == "High").all()
    assert (scored["confidence_input"] == "gut feeling").all()
    assert scored["confidence"].dtype == float


def test_bad_rows_are_counted_not_dropped(scorer: Scorer, leads: pd.DataFrame) -> None:
    broken = leads.astype({"credit_score": object, "age": object})
    broken.loc[[3, 9], "credit_score"] = "unknown"
    broken.loc[9, "age"] = 200
    batch = scorer.score(broken)
    assert batch.rows_read == 50
    assert len(batch.scored) + batch.rejected_rows == 50
    assert batch.rejected_rows == 2
    assert batch.problems[["row", "column"]].values.tolist() == [[4, "credit_score"], [10, "age"],
                                                                   [10, "credit_score"]]
    assert not batch.scored["lead_id"].isin(leads.loc[[3, 9], "lead_id"]).any()


def test_crm_headers_are_mapped(scorer: Scorer, leads: pd.DataFrame) -> None:
    crm = leads.rename(columns={"income": "Annual Income", "credit_score": "Credit Score"})
    batch = scorer.score(crm)
    assert len(batch.scored) == 50
    assert batch.mapping.renames == {"Annual Income": "income", "Credit Score": "credit_score"}


def test_missing_column_stops_the_batch_with_its_name(scorer: Scorer, leads: pd.DataFrame) -> None:
    with pytest.raises(SchemaError, match="'property_views'"):
        scorer.score(leads.drop(columns=["property_views"]))


def test_explanation_adds_up_to_the_log_odds_of_the_tier_over_its_runner_up(scorer: Scorer,
                                                                          leads: pd.DataFrame) -> None:
    explanation = scorer.explain(leads)
    scored = scorer.score(leads, explain=True).scored
    probabilities = scored[["p_low", "p_medium", "p_high"]].to_numpy()  # what the user sees
    rows = np.arange(len(leads))
    tier_index = np.array([TIERS.index(t) for t in explanation.tier])
    assert (scored["tier"] == explanation.tier).all()
    second = np.array([TIERS.index(t) for t in explanation.runner_up])
    others = probabilities.copy()
    others[rows, tier_index] = -1
    assert (second == others.argmax(axis=1)).all()
    totals = explanation.base_value + explanation.contributions.sum(axis=1)
    np.testing.assert_allclose(totals, np.log(probabilities[rows, tier_index] / probabilities[rows, second]),
                               rtol=0, atol=1e-9)
    # ... and XGBoost's own (float32) prediction agrees to its precision.
    features = leads[list(FEATURE_NAMES)].to_numpy(float)
    np.testing.assert_allclose(probabilities, scorer.model.predict_proba(features), rtol=0, atol=1e-5)


def test_rich_but_inactive_reads_income_as_what_keeps_it_out_of_low(scorer: Scorer) -> None:
    rich = next(s for s in SCENARIOS if s.name.startswith("Rich but inactive"))
    result = scorer.score_lead(rich.lead)
    assert (result.tier, result.runner_up) == ("Medium", "Low")
    assert "Income $300,000 (lowers)" not in result.reasons
    assert result.reasons[0] == "Income $300,000 (raises)"
    assert result.contributions["income"] == max(result.contributions.values())


def test_reasons_for_the_tier_come_first_then_perhaps_one_against(scorer: Scorer) -> None:
    lead = SCENARIOS[0].lead  # ultra high-value
    result = scorer.score_lead(lead)
    ranked = sorted(result.contributions, key=lambda f: -result.contributions[f])[:3]
    assert [r.split(" (")[0] for r in result.reasons] == [_phrase(name, lead[name]) for name in ranked]
    assert all(r.endswith("(raises)") for r in result.reasons)
    borderline_lead = next(s for s in SCENARIOS if s.name == "Borderline everything").lead
    borderline = scorer.score_lead(borderline_lead)
    assert (borderline.tier, borderline.runner_up) == ("Medium", "Low")
    assert borderline.reasons[:2] == ["Inquiry submitted (raises)", "Budget disclosed (raises)"]
    against = min(borderline.contributions, key=borderline.contributions.__getitem__)
    assert borderline.reasons[2] == f"{_phrase(against, borderline_lead[against])} (lowers)"
    low = scorer.score_lead(SCENARIOS[4].lead)  # young, inactive: every reason keeps it Low
    assert (low.tier, low.runner_up) == ("Low", "Medium")
    assert all(r.endswith("(lowers)") for r in low.reasons)


def test_reason_order_shows_a_strong_reason_against_rather_than_a_negligible_one_for() -> None:
    contrast = np.array([[0.9, 0.5, 0.01, -0.7, 0, 0, 0, 0, 0, 0, 0, 0],
                         [0.9, 0.5, 0.40, -0.3, 0, 0, 0, 0, 0, 0, 0, 0],
                         [-0.9, 0.2, -0.1, 0, 0, 0, 0, 0, 0, 0, 0, 0]])
    assert reason_order(contrast).tolist() == [[0, 1, 3], [0, 1, 2], [1, 0, 2]]


def test_words_say_towards_a_higher_or_a_lower_tier() -> None:
    contrast = np.array([[1.0, -1.0], [1.0, -1.0]])
    medium_over_low = moves_up(contrast, np.array([1]), np.array([0]))
    medium_over_high = moves_up(contrast, np.array([1]), np.array([2]))
    assert medium_over_low[0].tolist() == [True, False]
    assert medium_over_high[0].tolist() == [False, True]


def test_first_reason_supports_the_tier_against_its_runner_up_on_generated_leads(scorer: Scorer) -> None:
    leads = synth.generate(20_000, seed=31)
    explanation = scorer.explain(leads)
    first = reason_order(explanation.contributions)[:, 0]
    supports = explanation.contributions[np.arange(len(leads)), first] > 0
    assert supports.mean() >= 0.999
    tier_index = np.array([TIERS.index(t) for t in explanation.tier])
    up = tier_index > np.array([TIERS.index(t) for t in explanation.runner_up])
    words = np.array([r[0].endswith("(raises)") for r in explanation.reasons])
    assert (words == up)[supports].all()


def test_counts_of_one_read_in_the_singular(scorer: Scorer) -> None:
    young = scorer.score_lead(SCENARIOS[4].lead)  # 1 website visit
    assert "1 website visit (lowers)" in young.reasons
    assert FEATURES_BY_NAME["time_on_site_minutes"].describe(1) == "1 minute on site"
    assert FEATURES_BY_NAME["email_opens"].describe(2) == "2 email opens"
    reasons = scorer.score(synth.generate(20_000, seed=31), explain=True).scored[list(REASON_COLUMNS)]
    assert not reasons.stack().str.contains(r"^1 .*\b(?:visits|opens|views|attempts|minutes)\b").any()


def test_decision_rule_says_when_the_tier_is_not_the_likeliest() -> None:
    sentence = decision_in_words("High", {"Low": 0.0, "Medium": 0.61, "High": 0.39}, 0.38)
    assert sentence == ("High: a 39% chance of High is above the 38% bar for a priority call; "
                        "Medium is likelier at 61%")
    assert decision_in_words("Medium", {"Low": 0.2, "Medium": 0.7, "High": 0.1}, 0.38) == ""
    assert decision_in_words("High", {"Low": 0.0, "Medium": 0.6156, "High": 0.3844}, 0.3838).startswith(
        "High: a 38.44% chance of High is above the 38.38% bar")
    assert decision_in_words("Medium", {"Low": 0.3, "Medium": 0.33, "High": 0.37}, 0.38).startswith(
        "Medium: High is the likeliest tier at 37%, but below the 38% bar")


def test_single_lead_carries_the_decision_sentence(scorer: Scorer) -> None:
    scored = scorer.score(synth.generate(3000, seed=5)).scored
    close = scored[(scored["tier"] == "High") & (scored["p_medium"] > scored["p_high"])].iloc[0]
    result = scorer.score_lead({name: close[name] for name in FEATURE_NAMES})
    assert result.tier == "High" and result.runner_up == "Medium"
    assert result.decision == decision_in_words("High", result.probabilities, scorer.model.high_threshold)
    assert "Medium is likelier at" in result.decision
    assert scorer.score_lead(SCENARIOS[0].lead).decision == ""


def _phrase(name: str, value: float) -> str:
    return FEATURES_BY_NAME[name].describe(value)


def test_single_lead_path_agrees_with_the_batch_path(scorer: Scorer) -> None:
    for scenario in SCENARIOS:
        single = scorer.score_lead(scenario.lead)
        row = scorer.score(pd.DataFrame([scenario.lead]), explain=True).scored.iloc[0]
        assert single.tier == row["tier"]
        assert single.probabilities["High"] == pytest.approx(row["p_high"])
        assert single.reasons == [row["reason_1"], row["reason_2"], row["reason_3"]]
        assert single.model_version == scorer.version


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("credit_score", 950, "above the model's range 300–850"),
    ("inquiry_submitted", "perhaps", "must be 0 or 1 (or yes/no, true/false)"),
    ("age", None, "missing value"),
])
def test_single_lead_error_names_the_field(scorer: Scorer, field: str, value: object, reason: str) -> None:
    with pytest.raises(LeadError) as caught:
        scorer.score_lead({**example_lead(), field: value})
    assert (caught.value.field, caught.value.reason) == (field, reason)


def test_single_lead_without_a_field_is_refused(scorer: Scorer) -> None:
    lead = example_lead()
    del lead["income"]
    with pytest.raises(LeadError, match="income: missing value"):
        scorer.score_lead(lead)


def test_high_threshold_catches_borderline_high_leads(scorer: Scorer) -> None:
    """The decision rule: High once p_high reaches the threshold, even when Medium is likelier."""
    threshold = scorer.model.high_threshold
    assert 0.2 < threshold < 0.5
    probabilities = np.array([[0.1, 0.9 - threshold, threshold], [0.2, 0.45, threshold - 0.01]])
    assert scorer.model.decide(probabilities).tolist() == [TIERS.index("High"), TIERS.index("Medium")]


def test_waterfall_shows_the_same_numbers_as_the_reasons_and_the_probabilities(scorer: Scorer) -> None:
    lead = next(s for s in SCENARIOS if s.name == "Borderline everything").lead
    result = scorer.score_lead(lead)
    labels = {FEATURES_BY_NAME[name].describe(lead[name]): value for name, value in result.contributions.items()}
    figure = charts.odds_waterfall(result.base_value, labels, result.tier, result.runner_up)
    bars = dict(zip(figure.data[0].y, figure.data[0].x, strict=True))
    log_ratio = np.log(result.probabilities[result.tier] / result.probabilities[result.runner_up])
    assert bars["This lead (Medium)"] == pytest.approx(log_ratio, abs=1e-9)
    assert sum(list(figure.data[0].x)[:-1]) == pytest.approx(log_ratio, abs=1e-9)
    assert bars["Budget disclosed"] == result.contributions["budget_disclosed"]  # its own bar, not lumped
    assert all(abs(labels[label]) < charts.TINY for label in labels if label not in bars)
    for reason in result.reasons:
        label, word = reason[:-1].rsplit(" (", 1)
        assert bars[label] == labels[label]
        assert word == ("raises" if bars[label] > 0 else "lowers")  # Medium over Low: for Medium raises
    ratio = result.probabilities["Medium"] / result.probabilities["Low"]
    assert f"odds of Medium over Low ×{ratio:.1f}" in figure.layout.title.text


def test_odds_in_words() -> None:
    assert charts.odds_in_words("High", "Medium", np.log(2.1)) == "odds of High over Medium ×2.1"
    assert charts.odds_in_words("High", "Medium", np.log(0.39 / 0.61)) == "odds of High over Medium ÷1.6"
    assert charts.times(np.log(250_000)) == "×250,000"
