"""The built-in target (three tiers): reasons against the runner-up tier, the bar for High, the seed's scenarios.

What both kinds of model share (the output contract, rejected rows, single leads) is in test_scoring.py;
this file holds what only the three-tier target does, on the default model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leadscore import charts
from leadscore.data import synth
from leadscore.data.scenarios import SCENARIOS
from leadscore.fields.builtin import BUILTIN_SCHEMA, CLASSES, FEATURE_NAMES, example_lead
from leadscore.modeling.target import REASON_COLUMNS
from leadscore.modeling.three_tiers.target import ThreeTiers
from leadscore.scoring.scorer import LeadError, Scorer, reason_order


def _explain(scorer: Scorer, leads: pd.DataFrame):  # noqa: ANN202
    """Chances, tiers, contributions seen from each tier and reasons, for a batch of leads."""
    codes = BUILTIN_SCHEMA.codes(BUILTIN_SCHEMA.parse(leads).matrix, fill_in=False)
    probabilities, tiers, support = scorer.explain_codes(codes)
    reasons = scorer.score(leads, explain=True).scored[list(REASON_COLUMNS)].to_numpy()
    return probabilities, tiers, support, reasons


def test_explanation_adds_up_to_the_log_odds_of_the_tier_over_its_runner_up(scorer: Scorer,
                                                                          leads: pd.DataFrame) -> None:
    probabilities, tiers, support, _ = _explain(scorer, leads)
    scored = scorer.score(leads, explain=True).scored
    assert (scored["tier"] == tiers).all()
    np.testing.assert_allclose(scored[["p_low", "p_medium", "p_high"]].to_numpy(), probabilities, atol=1e-12)
    rows = np.arange(len(leads))
    tier_index = np.array([CLASSES.index(t) for t in tiers])
    second = np.array([CLASSES.index(t) for t in support.runner_up])
    others = probabilities.copy()
    others[rows, tier_index] = -1
    assert (second == others.argmax(axis=1)).all()
    totals = support.base_value + support.values.sum(axis=1)
    np.testing.assert_allclose(totals, np.log(probabilities[rows, tier_index] / probabilities[rows, second]),
                               rtol=0, atol=1e-9)
    # ... and XGBoost's own (float32) prediction agrees to its precision.
    features = leads[list(FEATURE_NAMES)].to_numpy(float)
    np.testing.assert_allclose(probabilities, scorer.model.estimator.predict_proba(features), rtol=0, atol=1e-5)


def test_crm_spellings_of_the_builtin_fields_are_scored(scorer: Scorer, leads: pd.DataFrame) -> None:
    crm = leads.rename(columns={"income": "Annual Income", "credit_score": "FICO"})
    batch = scorer.score(crm)
    assert len(batch.scored) == 50
    assert {k: v for k, v in batch.match.headers.items() if k != v} == {"income": "Annual Income",
                                                                      "credit_score": "FICO"}
    assert list(batch.scored.columns[:len(crm.columns)]) == list(crm.columns)  # the file's own headers


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
    contributions = np.zeros((2, 3, 3))
    contributions[:, CLASSES.index("Medium"), :2] = [1.0, -1.0]  # two fields, then the base value
    probabilities = np.array([[0.3, 0.6, 0.1], [0.1, 0.6, 0.3]])  # Medium over Low; Medium over High
    target = ThreeTiers(high_threshold=0.9)
    tiers = target.decide(probabilities)
    support = target.support(contributions, probabilities, tiers)
    assert tiers.tolist() == ["Medium", "Medium"] and support.runner_up.tolist() == ["Low", "High"]
    assert support.raises.tolist() == [[True, False], [False, True]]


def test_first_reason_supports_the_tier_against_its_runner_up_on_generated_leads(scorer: Scorer) -> None:
    leads = synth.generate(20_000, seed=31)
    _, tiers, support, reasons = _explain(scorer, leads)
    first = reason_order(support.support)[:, 0]
    supports = support.support[np.arange(len(leads)), first] > 0
    assert supports.mean() >= 0.999
    tier_index = np.array([CLASSES.index(t) for t in tiers])
    up = tier_index > np.array([CLASSES.index(t) for t in support.runner_up])
    words = np.array([r.endswith("(raises)") for r in reasons[:, 0]])
    assert (words == up)[supports].all()


def test_counts_of_one_read_in_the_singular(scorer: Scorer) -> None:
    young = scorer.score_lead(SCENARIOS[4].lead)  # 1 website visit
    assert "1 website visit (lowers)" in young.reasons
    assert BUILTIN_SCHEMA.field("time_on_site_minutes").describe(1) == "1 minute on site"
    assert BUILTIN_SCHEMA.field("email_opens").describe(2) == "2 email opens"
    reasons = scorer.score(synth.generate(20_000, seed=31), explain=True).scored[list(REASON_COLUMNS)]
    assert not reasons.stack().str.contains(r"^1 .*\b(?:visits|opens|views|attempts|minutes)\b").any()


def _decision(tier: str, low: float, medium: float, high: float, bar: float) -> str:
    return ThreeTiers(bar).decision_words(np.array([low, medium, high]), tier)


def test_decision_rule_says_when_the_tier_is_not_the_likeliest() -> None:
    sentence = _decision("High", 0.0, 0.61, 0.39, 0.38)
    assert sentence == ("High: a 39% chance of High is above the 38% bar for a priority call; "
                        "Medium is likelier at 61%")
    assert _decision("Medium", 0.2, 0.7, 0.1, 0.38) == ""
    assert _decision("High", 0.0, 0.6156, 0.3844, 0.3838).startswith(
        "High: a 38.44% chance of High is above the 38.38% bar")
    assert _decision("Medium", 0.3, 0.33, 0.37, 0.38).startswith(
        "Medium: High is the likeliest tier at 37%, but below the 38% bar")


def test_single_lead_carries_the_decision_sentence(scorer: Scorer) -> None:
    scored = scorer.score(synth.generate(3000, seed=5)).scored
    close = scored[(scored["tier"] == "High") & (scored["p_medium"] > scored["p_high"])].iloc[0]
    result = scorer.score_lead({name: close[name] for name in FEATURE_NAMES})
    assert result.tier == "High" and result.runner_up == "Medium"
    chances = [result.bars[f"Chance of {t}"] for t in CLASSES]
    assert result.decision == _decision("High", *chances, scorer.model.target.high_threshold)
    assert "Medium is likelier at" in result.decision
    assert scorer.score_lead(SCENARIOS[0].lead).decision == ""


def _phrase(name: str, value: float) -> str:
    return BUILTIN_SCHEMA.field(name).describe(value)


def test_single_lead_path_agrees_with_the_batch_path(scorer: Scorer) -> None:
    for scenario in SCENARIOS:
        single = scorer.score_lead(scenario.lead)
        row = scorer.score(pd.DataFrame([scenario.lead]), explain=True).scored.iloc[0]
        assert single.tier == row["tier"]
        assert single.bars["Chance of High"] == pytest.approx(row["p_high"])
        assert single.chance == pytest.approx(row["confidence"])
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
    threshold = scorer.model.target.high_threshold
    assert 0.2 < threshold < 0.5
    probabilities = np.array([[0.1, 0.9 - threshold, threshold], [0.2, 0.45, threshold - 0.01]])
    assert scorer.model.target.decide(probabilities).tolist() == ["High", "Medium"]


def test_waterfall_shows_the_same_numbers_as_the_reasons_and_the_probabilities(scorer: Scorer) -> None:
    lead = next(s for s in SCENARIOS if s.name == "Borderline everything").lead
    result = scorer.score_lead(lead)
    labels = {BUILTIN_SCHEMA.field(name).describe(lead[name]): value for name, value in result.contributions.items()}
    assert labels == {result.labels[name]: value for name, value in result.contributions.items()}
    figure = charts.odds_waterfall(result.base_value, labels, result.tier, result.runner_up)
    bars = dict(zip(figure.data[0].y, figure.data[0].x, strict=True))
    log_ratio = np.log(result.bars[f"Chance of {result.tier}"] / result.bars[f"Chance of {result.runner_up}"])
    assert bars["This lead (Medium)"] == pytest.approx(log_ratio, abs=1e-9)
    assert sum(list(figure.data[0].x)[:-1]) == pytest.approx(log_ratio, abs=1e-9)
    assert bars["Budget disclosed"] == result.contributions["budget_disclosed"]  # its own bar, not lumped
    assert all(abs(labels[label]) < charts.TINY for label in labels if label not in bars)
    for reason in result.reasons:
        label, word = reason[:-1].rsplit(" (", 1)
        assert bars[label] == labels[label]
        assert word == ("raises" if bars[label] > 0 else "lowers")  # Medium over Low: for Medium raises
    ratio = result.bars["Chance of Medium"] / result.bars["Chance of Low"]
    assert f"this lead is {ratio:.1f} times as likely to be Medium as Low" in figure.layout.title.text


def test_odds_in_words() -> None:
    assert charts.odds_in_words("High", "Medium", np.log(2.1)) == "2.1 times as likely to be High as Medium"
    assert charts.odds_in_words("High", "Medium", np.log(0.39 / 0.61)) == "1.6 times as likely to be Medium as High"
    assert charts.odds_in_words("High", "Medium", np.log(1.01)) == "about as likely to be High as Medium"
    assert charts.times(np.log(250_000)) == "×250,000"
