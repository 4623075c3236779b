"""Score a lead: a form from the model's schema; tier, chances, reasons and waterfall follow every edit.

The form is the what-if: each field is edited in one place, the result is
compared with the lead the form started from, and "What would move this lead
up a tier" writes its steps into the same form.
"""

import streamlit as st

from leadscore.data.scenarios import SCENARIOS
from leadscore.modeling.tiers import TIERS
from leadscore.scoring.scorer import LeadError, LeadScore, Scorer
from leadscore.scoring.whatif import MoveUp
from ui import engine, lead_form, widgets
from ui.text import md_escape

#: What the original study expects of its scenarios, shown when the form starts from one.
EXPECTED = {s.name: s.tier for s in SCENARIOS}


def _comparison(scorer: Scorer, start: LeadScore, result: LeadScore) -> None:
    st.markdown(f"**Compared with the starting lead:** tier {start.tier} → **{result.tier}**"
                + (" (unchanged)" if result.tier == start.tier else ""))
    for column, (label, value) in zip(st.columns(len(result.bars)), result.bars.items(), strict=True):
        change = 100 * (value - start.bars[label])
        column.metric(label, widgets.percent(value),
                      delta="no change" if abs(change) < 0.5 else f"{change:+.0f} points",
                      delta_color="off" if abs(change) < 0.5 else "normal")


def _searched_words(scorer: Scorer, answer: MoveUp) -> str:
    return ", ".join(scorer.schema.field(name).title for name in answer.searched)


def _move_up(scorer: Scorer, lead: dict[str, str]) -> None:
    st.subheader("What would move this lead up a tier")
    answer = engine.what_would_move_up(scorer.version, tuple(lead.items()), scorer)
    if answer.current_tier == TIERS[0]:
        st.success(f"This lead is already in the top tier ({TIERS[0]}).")
        return
    if not answer.searched:
        st.info("No field is marked as one a salesperson can change; mark them when training on the Model page.")
        return
    names = md_escape(_searched_words(scorer, answer))
    if not answer.found:
        st.info(f"No step a salesperson can take in one round of work ({names}) reaches a higher tier for this "
                "lead: its tier comes from who the lead is.")
        return
    target = scorer.model.target
    steps = "\n".join(f"- {md_escape(str(change))}" for change in answer.changes)
    st.markdown(f"Steps a salesperson could take that reach **{answer.new_tier}** "
                f"({md_escape(widgets.chance_words(target, answer.new_tier, answer.new_chance or 0.0))}):"
                f"\n\n{steps}")
    st.caption(f"Only what a salesperson can bring about in one round of work ({names}): a few more contacts or "
               "visits, an answer obtained, never who the lead is. Fewest fields first, then the smallest step.")
    st.button("Try these changes", on_click=lead_form.apply_changes,
              args=(scorer.version, scorer.schema, {c.field.name: c.new_value for c in answer.changes}))


@st.fragment
def workbench(scorer: Scorer) -> None:
    """Inputs and results; a change to a field reruns only this part of the page."""
    version, schema, target = scorer.version, scorer.schema, scorer.model.target
    inputs, results = st.columns([0.95, 1.15], gap="large")
    with inputs:
        lead_form.start_selector(version, schema)
        chosen = st.session_state[lead_form.start_key(version)]
        if chosen in EXPECTED:
            st.caption(f"The original study expects **{EXPECTED[chosen]}** for this example.")
        lead = lead_form.form(version, schema)
        lead_form.back_to_start(version, schema)
    start_lead = lead_form.starting_lead(version, schema)
    try:
        result = scorer.score_lead(lead)
    except LeadError as error:
        with results:
            title = schema.field(error.field).title if error.field in schema.names else error.field
            st.error(f"This lead cannot be scored: {md_escape(title)}: {md_escape(error.reason)}.")
        return
    with results:
        widgets.tier_badge(target, result)
        start = None
        if lead != start_lead:
            try:
                start = scorer.score_lead(start_lead)
            except LeadError:
                start = None
        if start is not None:
            _comparison(scorer, start, result)
        else:
            st.caption("Change any field on the left: the tier, chances and reasons follow at once, compared "
                       "with the lead you started from.")
        widgets.chances_chart(target, result, start)
        widgets.reasons_list(schema, result)
        _move_up(scorer, lead)
    widgets.waterfall(target, result)


scorer = engine.active_scorer()
st.title("Score a lead")
st.caption("Enter a lead's details (or start from an example) to see its priority tier and why. Every change "
           "updates the result at once. Leave a field empty or “unknown” when you do not know it.")
workbench(scorer)
