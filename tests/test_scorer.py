"""Scoring and explaining: output contract, exact SHAP, reasons in words, single leads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leadscore.model import softmax
from leadscore.scenarios import SCENARIOS
from leadscore.schema import FEATURE_NAMES, OUTPUT_COLUMNS, TIERS, SchemaError, example_lead
from leadscore.scorer import LeadError, Scorer


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


def test_shap_waterfall_adds_up_to_the_predicted_tier_exactly(scorer: Scorer, leads: pd.DataFrame) -> None:
    explanation = scorer.explain(leads)
    features = leads[list(FEATURE_NAMES)].to_numpy(float)
    margins = scorer.model.margins(features)
    tier_index = np.array([TIERS.index(t) for t in explanation.tier])
    totals = explanation.base_value + explanation.contributions_frame().sum(axis=1).to_numpy()
    np.testing.assert_allclose(totals, margins[np.arange(len(leads)), tier_index], atol=1e-4)
    np.testing.assert_allclose(softmax(margins), scorer.model.predict_proba(features))


def test_reasons_are_the_largest_contributions_in_plain_words(scorer: Scorer) -> None:
    lead = SCENARIOS[0].lead  # ultra high-value
    result = scorer.score_lead(lead)
    assert result.reasons[0] in {"Income $350,000 (raises)", "Credit score 810 (raises)"}
    ranked = sorted(result.contributions, key=lambda f: -abs(result.contributions[f]))[:3]
    assert [r.split(" (")[0] for r in result.reasons] == [
        _phrase(name, lead[name]) for name in ranked]
    low = scorer.score_lead(SCENARIOS[4].lead)  # young, inactive: every reason lowers priority
    assert low.tier == "Low"
    assert all(r.endswith("(lowers)") for r in low.reasons)


def test_reason_direction_agrees_with_the_waterfall_against_the_runner_up(scorer: Scorer) -> None:
    """A Medium lead that could be Low: what makes Medium likelier (a green bar) raises it."""
    borderline = next(s for s in SCENARIOS if s.name == "Borderline everything")
    result = scorer.score_lead(borderline.lead)
    assert result.tier == "Medium"
    assert result.probabilities["Low"] > result.probabilities["High"]
    top = sorted(result.contributions, key=lambda f: -abs(result.contributions[f]))[:3]
    words = ["raises" if result.contributions[f] > 0 else "lowers" for f in top]
    assert [r.rsplit("(", 1)[1].rstrip(")") for r in result.reasons] == words


def _phrase(name: str, value: float) -> str:
    from leadscore.schema import FEATURES_BY_NAME

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
