"""The engine modules the dashboard added: safe CSV export, the what-if search, comparison, charts."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from leadscore import charts
from leadscore.data import synth
from leadscore.data.export import neutralise_formulas, to_safe_csv
from leadscore.fields.builtin import BUILTIN_SCHEMA
from leadscore.fields.scenarios import SCENARIOS
from leadscore.modeling.three_tiers import compare
from leadscore.modeling.three_tiers.target import ThreeTiers
from leadscore.modeling.tiers import TIERS, Bands
from leadscore.modeling.won_lost.target import WonLost
from leadscore.scoring import triage
from leadscore.scoring.whatif import move_up


def test_formula_cells_are_neutralised_and_numbers_stay_numbers() -> None:
    frame = pd.DataFrame({"name": ["=HYPERLINK(\"x\")", "+1 555", "-lead", "@SUM(A1)", "\tx", "\rx", "Ann"],
                          "score": [-5, 1, 2, 3, 4, 5, 6], "p": [-0.5, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]})
    safe = neutralise_formulas(frame)
    assert safe["name"].tolist() == ["'=HYPERLINK(\"x\")", "'+1 555", "'-lead", "'@SUM(A1)", "'\tx", "'\rx", "Ann"]
    back = pd.read_csv(io.BytesIO(to_safe_csv(frame)), encoding="utf-8-sig")
    assert back["score"].tolist() == frame["score"].tolist()
    assert back["p"].tolist() == frame["p"].tolist()
    assert not back["name"].str.match(r"^[=+\-@]").any()


def test_move_up_changes_only_actionable_fields_and_reaches_a_higher_tier(scorer) -> None:
    leads = synth.generate(50, seed=8)  # ~40 of them have an answer, from Low and from Medium
    found = set()
    for row in leads.itertuples():
        lead = {f.name: str(getattr(row, f.name)) for f in BUILTIN_SCHEMA.fields}
        answer = move_up(scorer, lead)
        if not answer.found:
            continue
        found.add(answer.current_tier)
        current = TIERS.index(answer.current_tier)
        assert TIERS.index(answer.new_tier) < current  # TIERS run High -> Low
        for change in answer.changes:
            assert change.field.actionable
            lead[change.field.name] = change.new_value
        assert TIERS.index(scorer.score_lead(lead).tier) < current
    assert found == {"Low", "Medium"}


def test_move_up_has_no_answer_for_high_or_hopeless_leads(scorer) -> None:
    assert not move_up(scorer, SCENARIOS[0].lead).found  # already High
    hopeless = {f.name: (f.high if f.actionable else f.low) for f in BUILTIN_SCHEMA.fields}
    hopeless["credit_score"] = 300
    answer = move_up(scorer, hopeless)
    if answer.current_tier == "Low":
        assert not answer.found


def test_tier_change_matrix_of_a_model_with_itself_is_diagonal(scorer) -> None:
    moves = compare.tier_changes(scorer, scorer, compare.reference_leads().features[:300])
    assert moves.sum() == 300 and np.trace(moves) == 300


def test_both_models_are_measured_on_the_same_labeled_reference_leads(scorer) -> None:
    leads = compare.reference_leads()
    assert leads.features.shape == (compare.REFERENCE_ROWS, len(BUILTIN_SCHEMA.fields))
    report = compare.reference_report(scorer, leads)
    assert report.rows_evaluated == compare.REFERENCE_ROWS
    assert report.bayes_accuracy - 0.02 <= report.accuracy <= report.bayes_accuracy + 0.02
    assert report.headline_metrics() == compare.reference_report(scorer, leads).headline_metrics()


def test_a_tiers_promise_is_the_mean_chance_of_its_leads_and_the_expected_conversions_their_sum() -> None:
    target = ThreeTiers(0.38)
    # A built-in lead's chance of conversion: its tier chances weighed by the conversion the seed expects of each
    # tier (the midpoints of 2-5%, 15-20%, 35-40%).
    chances = target.conversion(np.array([[0.1, 0.2, 0.7], [0.6, 0.3, 0.1], [0.2, 0.5, 0.3]]))
    assert chances == pytest.approx([0.0035 + 0.035 + 0.2625, 0.021 + 0.0525 + 0.0375, 0.007 + 0.0875 + 0.1125])
    promises = target.promises(chances, np.array(["High", "Low", "Medium"]))
    assert promises == pytest.approx({"High": chances[0], "Low": chances[1], "Medium": chances[2]})
    assert target.promises(chances[:1], np.array(["High"]))["Low"] is None  # no leads, no promise
    assert triage.expected_conversions(chances) == pytest.approx(chances.sum())


def test_waterfall_adds_up_to_the_lead_score(scorer) -> None:
    result = scorer.score_lead(SCENARIOS[2].lead)
    figure = charts.odds_waterfall(result.base_value, result.contributions, result.tier, result.runner_up, tiny=0.1)
    values = list(figure.data[0].x)
    assert values[-1] == pytest.approx(sum(values[:-1]))


def test_call_order_is_tier_then_chance_for_both_kinds_of_model() -> None:
    scored = pd.DataFrame({"tier": ["Low", "High", "Medium", "High", "Low"],
                           "p_convert": [0.02, 0.30, 0.10, 0.55, 0.04]}, index=pd.Index([1, 2, 3, 4, 5], name="row"))
    target = WonLost(column="y", positive=("yes",), negative=("no",), bands=Bands("probability", 0.5, 0.1),
                     test_rates={})
    ordered = triage.call_order(scored, target)
    assert ordered["row"].tolist() == [4, 2, 3, 5, 1]
