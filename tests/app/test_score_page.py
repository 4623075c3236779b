"""Score a lead, against both kinds of model: the form comes from the schema, results follow every edit,
the badge, chart and reasons agree, and the move-up steps are written into the same form."""

from __future__ import annotations

import json
import math

import pytest
from streamlit.testing.v1 import AppTest

from leadscore.data import synth
from leadscore.data.scenarios import SCENARIOS
from leadscore.fields.builtin import BUILTIN_SCHEMA
from leadscore.fields.field import DEFAULT_PLACEHOLDERS, Field, Schema
from leadscore.registry import Registry
from leadscore.scoring.scorer import LeadScore, Scorer
from leadscore.scoring.template import starting_leads
from leadscore.scoring.whatif import move_up
from tests.app.helpers import open_page, shown_tier, texts
from ui import lead_form, widgets


def _scorer(models: Registry) -> Scorer:
    return Scorer(models.load())


def _widget(app: AppTest, version: str, name: str):
    key = f"lead.{version}.{name}"
    for widget in (*app.number_input, *app.selectbox, *app.radio, *app.text_input):
        if widget.key == key:
            return widget
    raise AssertionError(f"no widget for {name}")


def _set(app: AppTest, scorer: Scorer, values: dict[str, str]) -> None:
    """Type a lead's values (as a file holds them) into the form, as a user would, one rerun each."""
    for name, text in values.items():
        f = scorer.schema.field(name)
        _widget(app, scorer.version, name).set_value(lead_form.widget_value(scorer.schema, f, text)).run()
        assert not app.exception, [e.value for e in app.exception]


def _badge(app: AppTest) -> str:
    return next(h.proto.body for h in app.get("html") if "tier-badge" in h.proto.body)


def test_the_form_comes_from_the_schema(active_models: Registry) -> None:
    scorer = _scorer(active_models)
    app = open_page()
    for f in scorer.schema.fields:
        widget = _widget(app, scorer.version, f.name)
        assert widget.label.startswith(f.title)
        if f.kind in ("number", "integer"):
            assert widget in app.number_input
        elif f.kind == "flag":
            assert list(widget.options) == (["yes", "no"] if f.required else ["yes", "no", "unknown"])
        else:
            assert list(widget.options) == [*("other (any value not listed)" if c == "other" else c
                                              for c in f.categories), "unknown"]
    assert shown_tier(app) in ("High", "Medium", "Low")
    page = texts(app)
    assert "Top reasons" in page and "What would move this lead up a tier" in page
    assert "Score this lead" not in [b.label for b in app.button]  # no form to submit: results follow edits


def test_results_follow_every_edit(active_models: Registry) -> None:
    scorer = _scorer(active_models)
    app = open_page()
    start = dict(next(iter(starting_leads(scorer.schema).values())))
    edits = ({"income": "400000", "credit_score": "820", "inquiry_submitted": "yes"}
             if scorer.schema == BUILTIN_SCHEMA else {"month": "oct", "poutcome": "success", "contact": ""})
    _set(app, scorer, edits)
    expected = scorer.score_lead({**start, **edits})
    assert shown_tier(app) == expected.tier
    assert widgets.chance_words(scorer.model.target, expected.tier, expected.chance) in _badge(app)
    page = texts(app)
    for i, reason in enumerate(expected.reasons, 1):
        assert f"{i}. {reason}" in page
    assert "Compared with the starting lead" in page
    next(b for b in app.button if b.label == "Back to the starting lead").click().run()
    assert shown_tier(app) == scorer.score_lead(start).tier


def test_the_badge_tells_the_models_certainty_from_a_conversion_rate(active_models: Registry) -> None:
    scorer = _scorer(active_models)
    app = open_page()
    result = scorer.score_lead(next(iter(starting_leads(scorer.schema).values())))
    badge = _badge(app)
    assert "Chance of this tier" not in badge
    promise = scorer.model.target.promise(result.tier)
    if scorer.schema == BUILTIN_SCHEMA:
        assert f"The model is {widgets.percent(result.chance)} sure this lead is {result.tier}" in badge
        assert f"Leads in this tier usually convert {promise[0]:.0%}–{promise[1]:.0%}." in badge
    else:
        assert f"Chance this lead converts: {widgets.percent(result.chance)}" in badge
        assert f"Leads in this tier usually convert {widgets.percent(promise[0])}." in badge


def _a_lead_that_can_move_up(scorer: Scorer) -> tuple[str | None, dict[str, str]]:
    """A starting lead that a salesperson's steps move up a tier (its name), else a generated one (no name)."""
    for name, lead in starting_leads(scorer.schema).items():
        if move_up(scorer, lead).found:
            return name, lead
    if scorer.schema == BUILTIN_SCHEMA:
        for row in synth.generate(300, seed=8).itertuples():
            lead = {f.name: str(getattr(row, f.name)) for f in scorer.schema.fields}
            if move_up(scorer, lead).found:
                return None, lead
    pytest.fail("no lead can move up a tier")


def test_move_up_steps_are_written_into_the_same_form(active_models: Registry) -> None:
    scorer = _scorer(active_models)
    name, lead = _a_lead_that_can_move_up(scorer)
    answer = move_up(scorer, lead)
    app = open_page()
    if name is None:
        _set(app, scorer, lead)
    elif len(starting_leads(scorer.schema)) > 1:
        app.selectbox(key=lead_form.start_key(scorer.version)).select(name).run()
    assert "Steps a salesperson could take that reach" in texts(app)
    next(b for b in app.button if b.label == "Try these changes").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert shown_tier(app) == answer.new_tier
    changed = {c.field.name for c in answer.changes}
    assert changed <= {f.name for f in scorer.schema.actionable}
    for f in scorer.schema.fields:
        value = lead_form.file_value(f, _widget(app, scorer.version, f.name).value)
        want = next((c.new_value for c in answer.changes if c.field.name == f.name), lead[f.name])
        assert lead_form.widget_value(scorer.schema, f, value) == lead_form.widget_value(scorer.schema, f, want)


def test_scenario_examples_give_the_original_studys_tier(models_dir) -> None:
    app = open_page()
    version = Registry(models_dir).active_version()
    wrong = []
    for scenario in SCENARIOS:
        app.selectbox(key=lead_form.start_key(version)).select(scenario.name).run()
        assert not app.exception
        assert f"The original study expects **{scenario.tier}** for this example." in texts(app)
        if shown_tier(app) != scenario.tier:
            wrong.append((scenario.name, shown_tier(app), scenario.tier))
    assert not wrong


def test_badge_chart_and_reasons_argue_for_high_when_the_rule_picks_it_below_the_likeliest(
        models_dir, scorer: Scorer) -> None:
    scored = scorer.score(synth.generate(3000, seed=5)).scored
    close = scored[(scored["tier"] == "High") & (scored["p_medium"] > scored["p_high"])].iloc[0]
    lead = {f.name: str(close[f.name]) for f in scorer.schema.fields}
    expected = scorer.score_lead(lead)
    assert expected.cleared is not None
    app = open_page()
    _set(app, scorer, lead)
    assert shown_tier(app) == "High"
    assert expected.decision in _badge(app)
    charts = [json.loads(c.proto.spec) for c in app.get("plotly_chart")]
    titles = [c["layout"].get("title", {}).get("text", "") for c in charts]
    assert "Why High: this lead ends above the " in " ".join(titles), titles
    assert not [t for t in titles if "odds of High over Medium ÷" in t]
    assert all(r.endswith("(raises)") for r in expected.reasons[:2])


def test_a_lead_left_empty_follows_the_models_rule(active_models: Registry) -> None:
    scorer = _scorer(active_models)
    app = open_page()
    _set(app, scorer, {f.name: "" for f in scorer.schema.fields if not (f.required and f.kind == "flag")})
    required = [f for f in scorer.schema.fields if f.required]
    if required:  # the built-in model: an empty cell of a required field is named, by its title
        assert not [h for h in app.get("html") if "tier-badge" in h.proto.body]
        assert f"This lead cannot be scored: {required[0].title}: missing value." in texts(app)
    else:  # a team's model: a lead with nothing known is a lead, scored as the model learned such leads
        expected = scorer.score_lead({})
        assert shown_tier(app) == expected.tier and "cannot be scored" not in texts(app)


# ---- the form's values, without a page -------------------------------------------------------------
AGE = Field("age", "integer", low=18, high=90)
BALANCE = Field("balance", "number", low=-100.0, high=5000.0)
LOAN = Field("loan", "flag", low=0, high=1)
JOB = Field("job", "category", levels=("admin.", "retired"))
PAGE = Field("landing_page_id", "category", levels=tuple(f"{i * 7919:08x}" for i in range(1, 300)))
SCHEMA = Schema(fields=(AGE, BALANCE, LOAN, JOB, PAGE))


@pytest.mark.parametrize(("field", "text", "shown", "written"), [
    (AGE, "41", 41, "41"),
    (AGE, "", None, ""),
    (BALANCE, "12.5", 12.5, "12.5"),
    (BALANCE, "N/A", None, ""),
    (LOAN, "1", "yes", "yes"),
    (LOAN, "False", "no", "no"),
    (LOAN, "Select", "unknown", ""),
    (JOB, "Retired", "retired", "retired"),
    (JOB, "astronaut", "other", "other"),
    (JOB, "unknown", "unknown", ""),
    (PAGE, "0000ef7e", "0000ef7e", "0000ef7e"),
    (PAGE, "", None, ""),
])
def test_file_values_round_trip_through_the_widgets(field: Field, text: str, shown: object, written: str) -> None:
    assert lead_form.widget_value(SCHEMA, field, text) == shown
    assert lead_form.file_value(field, shown) == written


def test_what_the_form_writes_is_what_a_file_would_score() -> None:
    for field, shown in ((AGE, 41), (BALANCE, 12.5), (LOAN, "yes"), (JOB, "retired"), (PAGE, "0000ef7e")):
        value, problem = field.parse_cell(lead_form.file_value(field, shown), frozenset(DEFAULT_PLACEHOLDERS))
        assert problem is None and not math.isnan(value)


def test_a_field_of_hundreds_of_hash_like_levels_is_typed_not_chosen() -> None:
    assert lead_form.is_id_like(PAGE)
    assert not lead_form.is_id_like(JOB)
    assert not any(lead_form.is_id_like(f) for f in BUILTIN_SCHEMA.fields)


def test_the_reason_of_an_id_like_field_says_what_its_value_meant() -> None:
    result = LeadScore(tier="High", chance=0.4, chances={}, bars={}, base_value=0.0, contributions={},
                       reasons=["Landing page id: 0000ef7e (raises)", "Job: retired (raises)"], model_version="x",
                       labels={"landing_page_id": "Landing page id: 0000ef7e", "job": "Job: retired"})
    assert widgets.readable_reasons(SCHEMA, result) == [
        "Landing page id: 0000ef7e (raises): leads with this landing page id did better than most before",
        "Job: retired (raises)"]
