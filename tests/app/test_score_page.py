"""Score a lead: the form scores, presets give the seed's tiers, what-if moves and compares."""

from __future__ import annotations

import pytest

from leadscore.data import synth
from leadscore.data.scenarios import SCENARIOS
from leadscore.fields.builtin import FEATURES, TIERS
from tests.app.helpers import open_page, shown_tier, texts

pytestmark = pytest.mark.usefixtures("models_dir")


def test_form_has_every_feature_and_shows_a_tier() -> None:
    app = open_page()
    keys = {w.key for w in (*app.slider, *app.toggle)}
    assert keys == {f"lead.{f.name}" for f in FEATURES}
    for feature in FEATURES:
        if feature.kind != "flag":
            slider = app.slider(key=f"lead.{feature.name}")
            assert (slider.min, slider.max) == (feature.low, feature.high)
            assert feature.help in slider.help
    assert shown_tier(app) in TIERS
    page = texts(app)
    assert "Top reasons" in page and "What would move this lead up a tier?" in page


def test_scenario_presets_give_the_seeds_tier() -> None:
    app = open_page()
    wrong = []
    for scenario in SCENARIOS:
        app.selectbox(key="preset").select(scenario.name).run()
        assert not app.exception
        if shown_tier(app) != scenario.tier:
            wrong.append((scenario.name, shown_tier(app), scenario.tier))
    assert not wrong


def test_changing_a_field_moves_the_tier_and_shows_the_comparison() -> None:
    app = open_page()
    app.selectbox(key="preset").select("Young low-value ($42K, inactive)").run()
    assert shown_tier(app) == "Low"
    app.slider(key="lead.income").set_value(400_000).run()
    app.slider(key="lead.credit_score").set_value(820).run()
    for flag in ("inquiry_submitted", "financing_pre_approved", "budget_disclosed"):
        app.toggle(key=f"lead.{flag}").set_value(True).run()
    assert shown_tier(app) != "Low"
    page = texts(app)
    assert "Compared with the starting lead:** tier Low →" in page
    assert any(m.label == "Chance of Low" and m.delta.startswith("-") for m in app.metric)
    back = [b for b in app.button if b.label == "Back to the starting lead"][0]
    back.click().run()
    assert shown_tier(app) == "Low"


def test_move_up_suggestion_reaches_the_next_tier_when_applied() -> None:
    app = open_page()
    app.selectbox(key="preset").select("Borderline everything").run()
    assert shown_tier(app) == "Medium"
    assert "The smallest change that reaches **High**" in texts(app)
    [b for b in app.button if b.label == "Try these changes"][0].click().run()
    assert shown_tier(app) == "High"
    assert app.slider(key="lead.income").value == 85_000  # never touched by the search


def test_badge_says_when_the_decision_rule_picks_high_below_an_even_chance(scorer) -> None:
    scored = scorer.score(synth.generate(3000, seed=5)).scored
    close = scored[(scored["tier"] == "High") & (scored["p_medium"] > scored["p_high"])].iloc[0]
    lead = {f.name: close[f.name] for f in FEATURES}
    expected = scorer.score_lead(lead).decision
    app = open_page()
    for feature in FEATURES:
        value = lead[feature.name]
        widget = app.toggle(key=f"lead.{feature.name}") if feature.kind == "flag" else app.slider(
            key=f"lead.{feature.name}")
        widget.set_value(bool(value) if feature.kind == "flag" else type(widget.value)(value))
    app.run()
    assert shown_tier(app) == "High"
    badge = next(h.proto.body for h in app.get("html") if "tier-badge" in h.proto.body)
    assert expected.startswith("High: a ") and "Medium is likelier at" in expected
    assert expected in badge
