"""Score a lead, against both kinds of model: the form comes from the schema, results follow every edit,
the badge, chart and reasons agree, and the move-up steps are written into the same form."""

from __future__ import annotations

import json
import math

import pytest
from streamlit.testing.v1 import AppTest

from leadscore import plain_words
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
        assert f"The model is {plain_words.chance(result.chance)} sure this lead is {result.tier}" in badge
        assert f"Leads in this tier usually convert {promise[0]:.0%}–{promise[1]:.0%}." in badge
    else:
        assert f"Chance this lead converts: {plain_words.chance(result.chance)}" in badge
        assert f"Leads in this tier usually convert {plain_words.percent(promise[0])}." in badge


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
    assert not [t for t in titles if "as likely to be Medium as High" in t]
    assert all(r.endswith("(raises)") for r in expected.reasons[:2])


def test_a_lead_left_empty_is_not_scored_and_the_page_says_why(active_models: Registry) -> None:
    scorer = _scorer(active_models)
    app = open_page()
    _set(app, scorer, {f.name: "" for f in scorer.schema.fields if not (f.required and f.kind == "flag")})
    assert not [h for h in app.get("html") if "tier-badge" in h.proto.body]
    required = [f for f in scorer.schema.fields if f.required]
    if required:  # the built-in model: an empty cell of a required field is named, by its title
        assert "This lead cannot be scored, so no tier is shown until it is fixed" in texts(app)
        assert f"{required[0].title} is empty: this model needs it for every lead." in texts(app)
    else:  # a team's model: empty cells are information, but a lead with none filled in is nothing to score
        assert "Fill in at least one field" in texts(app)


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
        "Landing page id: 0000ef7e (raises): leads with the same Landing page id did better than most before",
        "Job: retired (raises)"]


# ---- what the page says and shows when a value is wrong, and how it counts changes (issue 19) -----------
def test_the_words_on_empty_fields_are_true_for_the_model_in_use(active_models: Registry) -> None:
    scorer = _scorer(active_models)
    page = texts(open_page())
    if all(f.required for f in scorer.schema.fields):  # the built-in model refuses an empty field
        assert "This model needs every field" in page
        assert "Leave a field empty" not in page
    else:
        assert "Leave a field empty or “unknown” when you do not know it." in page
        assert "This model needs every field" not in page


def test_an_out_of_range_value_clears_the_result_and_says_why(models_dir) -> None:
    """A credit score of 900 is not kept behind a small red icon while the result still describes 690: the
    number box takes it, the tier goes, and the page names the field, the value and the range."""
    scorer = Scorer(Registry(models_dir).load())
    app = open_page()
    _widget(app, scorer.version, "credit_score").set_value(900).run()
    assert _widget(app, scorer.version, "credit_score").value == 900
    assert not [h for h in app.get("html") if "tier-badge" in h.proto.body]
    assert not app.get("plotly_chart")
    error = " ".join(e.value for e in app.error)
    assert "This lead cannot be scored, so no tier is shown until it is fixed" in error
    assert "Credit score: 900 is not accepted (above the model's range 300–850)." in error.replace("\\", "")
    _widget(app, scorer.version, "credit_score").set_value(700).run()
    assert shown_tier(app) == scorer.score_lead({**starting_leads(scorer.schema)["A typical lead"],
                                                 "credit_score": "700"}).tier


def test_a_fraction_of_a_count_is_refused_never_rounded(models_dir) -> None:
    """2.5 website visits stays 2.5 in the box and is refused by name; it never silently becomes 2."""
    scorer = Scorer(Registry(models_dir).load())
    app = open_page()
    _widget(app, scorer.version, "website_visits").set_value(2.5).run()
    assert _widget(app, scorer.version, "website_visits").value == 2.5
    assert not [h for h in app.get("html") if "tier-badge" in h.proto.body]
    error = " ".join(e.value for e in app.error).replace("\\", "")
    assert "Website visits: 2.5 is not accepted (must be a whole number)." in error


def test_changes_in_points_are_the_difference_of_the_figures_shown(active_models: Registry) -> None:
    """85% → 98% reads +13 points (the figures shown), never +14 from the unrounded chances."""
    scorer = _scorer(active_models)
    app = open_page()
    edits = ({"income": "400000", "credit_score": "820", "inquiry_submitted": "yes"}
             if scorer.schema == BUILTIN_SCHEMA else {"month": "oct", "poutcome": "success"})
    _set(app, scorer, edits)
    start = scorer.score_lead(next(iter(starting_leads(scorer.schema).values()))).bars
    now = scorer.score_lead({**next(iter(starting_leads(scorer.schema).values())), **edits}).bars
    shown = [m for m in app.metric if m.label in now]
    assert len(shown) == len(now)
    for metric in shown:
        before, after = plain_words.chance(start[metric.label]), metric.value
        assert after == plain_words.chance(now[metric.label])
        assert metric.delta == plain_words.points_change(start[metric.label], now[metric.label])
        if metric.delta != "no change" and not any(w in before + after for w in ("under", "over")):
            assert metric.delta.startswith(f"{int(after[:-1]) - int(before[:-1]):+d} point")


def test_points_change_counts_from_the_shown_figures() -> None:
    assert plain_words.points_change(0.846, 0.984) == "+13 points"
    assert plain_words.points_change(0.5, 0.49) == "-1 point"
    assert plain_words.points_change(0.85, 0.9951) == "+14 points or more"
    assert plain_words.points_change(0.5, 0.5004) == "no change"
    assert plain_words.chance(0.998) == "over 99%" and plain_words.chance(0.003) == "under 1%"


def test_a_lead_no_round_of_work_moves_up_gets_the_steps_that_bring_it_closest(models_dir) -> None:
    scorer = Scorer(Registry(models_dir).load())
    lead = starting_leads(scorer.schema)["A typical lead"]
    answer = move_up(scorer, lead)
    assert not answer.found and answer.closest
    app = open_page()
    page = texts(app)
    assert "What brings it closest to a higher tier (its chance of High goes from" in page
    for change in answer.closest:
        assert str(change) in page
    next(b for b in app.button if b.label == "Try these steps").click().run()
    assert not app.exception
    for change in answer.closest:
        widget = _widget(app, scorer.version, change.field.name)
        assert lead_form.file_value(change.field, widget.value) == change.new_value
