"""Score a lead: every field from the schema, live tier, chances, reasons, waterfall and what-if."""

import streamlit as st

from leadscore import charts
from leadscore.data.scenarios import SCENARIOS
from leadscore.fields.builtin import FEATURES, FEATURES_BY_NAME, TIERS, Feature, example_lead
from leadscore.scoring.any_scorer import is_outcome
from leadscore.scoring.scorer import LeadError, Scorer
from leadscore.scoring.whatif import step
from ui import engine, outcome_form, widgets

TYPICAL = "A typical lead"
PRESETS = {TYPICAL: example_lead(), **{s.name: s.lead for s in SCENARIOS}}
EXPECTED = {s.name: s for s in SCENARIOS}
GROUPS = (
    ("Who the lead is", lambda f: not f.actionable),
    ("What the lead has done", lambda f: f.actionable and f.kind != "flag"),
    ("Intent signals", lambda f: f.kind == "flag"),
)


def _key(feature: Feature) -> str:
    return f"lead.{feature.name}"


def _widget_value(feature: Feature, value: float) -> int | float | bool:
    if feature.kind == "flag":
        return value >= 0.5
    return int(value) if float(value).is_integer() and step(feature).is_integer() else float(value)


def _set_lead(lead: dict[str, float]) -> None:
    for feature in FEATURES:
        st.session_state[_key(feature)] = _widget_value(feature, lead[feature.name])
    widgets.sync_entry(_key(FEATURES_BY_NAME["income"]))


def _start_from_preset() -> None:
    lead = dict(PRESETS[st.session_state["preset"]])
    st.session_state["start_lead"] = lead
    _set_lead(lead)


def _field(feature: Feature) -> None:
    if feature.kind == "flag":
        st.toggle(feature.label, key=_key(feature), help=feature.help)
        return
    unit = step(feature)
    low, high = (int(feature.low), int(feature.high)) if unit.is_integer() else (feature.low, feature.high)
    if feature.name == "income":
        widgets.dollar_slider(feature.label, _key(feature), low, high, int(unit),
                              help=f"{feature.help} Range ${feature.low:,.0f}–${feature.high:,.0f}.")
        return
    st.slider(f"{feature.label}", min_value=low, max_value=high, step=int(unit) if unit.is_integer() else unit,
              key=_key(feature), format="%d",
              help=f"{feature.help} Range {feature.low:,.0f}–{feature.high:,.0f}.")


def _comparison(start: dict[str, float], start_probabilities: dict[str, float], start_tier: str,
                probabilities: dict[str, float], tier: str) -> None:
    st.markdown(f"**Compared with the starting lead:** tier {start_tier} → **{tier}**"
                + (" (unchanged)" if tier == start_tier else ""))
    for column, name in zip(st.columns(len(TIERS)), reversed(TIERS), strict=True):
        change = 100 * (probabilities[name] - start_probabilities[name])
        column.metric(f"Chance of {name}", f"{probabilities[name]:.0%}", delta=f"{change:+.0f} points",
                      delta_color="off" if abs(change) < 0.5 else "normal")


def _move_up(scorer: Scorer, lead: dict[str, float]) -> None:
    st.subheader("What would move this lead up a tier?")
    answer = engine.what_would_move_up(scorer.version, tuple(lead.items()), scorer)
    if answer.current_tier == TIERS[-1]:
        st.success("This lead is already in the top tier (High).")
        return
    if not answer.found:
        st.info("No change a salesperson can make (more engagement, or an inquiry, financing, budget or "
                "location) reaches a higher tier for this lead. Its tier is set by who the lead is: "
                "income, credit score and age.")
        return
    changes = "\n".join(f"- {change}" for change in answer.changes)
    st.markdown(f"The smallest change that reaches **{answer.new_tier}** "
                f"(chance of {answer.new_tier} {answer.probabilities[answer.new_tier]:.0%}):\n\n{changes}")
    st.caption("Searched over the fields a salesperson can influence only: engagement counts and intent "
               "signals, never age, income or credit score. Fewest fields first, then the smallest change.")
    st.button("Try these changes", on_click=_set_lead, args=({**lead, **{c.feature.name: c.new
                                                                         for c in answer.changes}},))


@st.fragment
def workbench(scorer: Scorer) -> None:
    """Inputs and results; a change to a field reruns only this part of the page."""
    inputs, results = st.columns([0.85, 1.25], gap="large")
    with inputs:
        st.selectbox("Start from", list(PRESETS), key="preset", on_change=_start_from_preset,
                     help="A typical lead or one of the original study's nine test scenarios.")
        if st.session_state["preset"] in EXPECTED:
            scenario = EXPECTED[st.session_state["preset"]]
            st.caption(f"The original study expects **{scenario.tier}** for this scenario.")
        for title, belongs in GROUPS:
            with st.container(border=True):
                st.markdown(f"**{title}**")
                for feature in filter(belongs, FEATURES):
                    _field(feature)
        st.button("Back to the starting lead", on_click=_set_lead, args=(st.session_state["start_lead"],))
    lead = {f.name: float(st.session_state[_key(f)]) for f in FEATURES}
    try:
        result = scorer.score_lead(lead)
        start = scorer.score_lead(st.session_state["start_lead"])
    except LeadError as error:
        results.error(f"This lead cannot be scored: {error.field}: {error.reason}.")
        return
    with results:
        widgets.tier_badge(result.tier, result.confidence, result.decision)
        if lead != st.session_state["start_lead"]:
            _comparison(st.session_state["start_lead"], start.probabilities, start.tier,
                        result.probabilities, result.tier)
            before = start.probabilities
        else:
            st.caption("Change any field on the left: the tier, chances and reasons update at once, "
                       "compared with this starting lead.")
            before = None
        st.plotly_chart(charts.probability_bars(result.probabilities, before), config={"displayModeBar": False})
        widgets.reasons_list(result.reasons)
        _move_up(scorer, lead)
    widgets.waterfall(result, lead)


scorer = engine.active_scorer()
if is_outcome(scorer):  # a model of the team's own history: the form comes from its schema
    outcome_form.page(scorer)
    st.stop()
st.title("Score a lead")
st.caption("Enter a lead's details (or start from an example) to see its priority tier, the chance of each "
           "tier, and why.")
if "preset" not in st.session_state:
    st.session_state["preset"] = TYPICAL
    _start_from_preset()
workbench(scorer)
