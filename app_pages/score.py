"""Score a lead: a form from the model's schema; tier, chances, reasons and waterfall follow every edit.

The form is the what-if: each field is edited in one place, the result is
compared with the lead the form started from, and "What would move this lead
up a tier" writes its steps into the same form.
"""

import streamlit as st

from leadscore import plain_words
from leadscore.fields.field import MISSING_REASON, Schema
from leadscore.fields.scenarios import SCENARIOS
from leadscore.modeling.tiers import TIERS
from leadscore.scoring.scorer import LeadError, LeadScore, Scorer
from leadscore.scoring.whatif import MoveUp
from ui import engine, lead_form, store_faults, widgets
from ui.text import md_escape

#: What the original study expects of its scenarios, shown when the form starts from one.
EXPECTED = {s.name: s.tier for s in SCENARIOS}


def _comparison(scorer: Scorer, start: LeadScore, result: LeadScore) -> None:
    st.markdown(f"**Compared with the starting lead:** tier {start.tier} → **{result.tier}**"
                + (" (unchanged)" if result.tier == start.tier else ""))
    for column, (label, value) in zip(st.columns(len(result.bars)), result.bars.items(), strict=True):
        change = plain_words.points_change(start.bars[label], value)  # from the figures as shown: 85% → 98% is +13
        column.metric(label, plain_words.chance(value), delta=change,
                      delta_color="off" if change == "no change" else "normal")


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
        _closest(scorer, answer, names)
        return
    target = scorer.model.target
    steps = "\n".join(f"- {md_escape(str(change))}" for change in answer.changes)
    st.markdown(f"Steps a salesperson could take that reach **{answer.new_tier}** "
                f"({md_escape(widgets.chance_words(target, answer.new_tier or '', answer.new_chance or 0.0))}):"
                f"\n\n{steps}")
    st.caption(f"Only what a salesperson can bring about in one round of work ({names}): a few more contacts or "
               "visits, an answer obtained, never who the lead is. Fewest fields first, then the smallest step.")
    st.button("Try these changes", on_click=lead_form.apply_changes,
              args=(scorer.version, scorer.schema, {c.field.name: c.new_value for c in answer.changes}))


def _closest(scorer: Scorer, answer: MoveUp, names: str) -> None:
    """No round of work reaches a higher tier: say so, and show the steps that bring the lead closest."""
    st.info(f"No step a salesperson can take in one round of work ({names}) reaches a higher tier for this "
            "lead: its tier comes mostly from who the lead is.")
    if not answer.closest or answer.progress is None:
        return
    before, after = answer.progress
    steps = "\n".join(f"- {md_escape(str(change))}" for change in answer.closest)
    st.markdown(f"What brings it closest to a higher tier (its chance of {md_escape(answer.towards)} goes from "
                f"{plain_words.chance(before)} to {plain_words.chance(after)}):\n\n{steps}")
    st.caption("Together these steps are still not enough for a higher tier; the chance shows how near they bring "
               "the lead.")
    st.button("Try these steps", on_click=lead_form.apply_changes,
              args=(scorer.version, scorer.schema, {c.field.name: c.new_value for c in answer.closest}))


def _problem_words(schema: Schema, problems: list[tuple[str, str, str]]) -> str:
    """Why the lead cannot be scored, one line per field, each named by its label."""
    lines = []
    for field, value, reason in problems:
        title = schema.field(field).title if field in schema.names else field
        if reason == MISSING_REASON:
            lines.append(f"- {md_escape(title)} is empty: this model needs it for every lead.")
        else:
            lines.append(f"- {md_escape(title)}: {md_escape(value)} is not accepted ({md_escape(reason)}).")
    return "\n".join(lines)


@store_faults.fragment
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
            # no result is shown: an earlier one would describe another lead
            st.error("This lead cannot be scored, so no tier is shown until it is fixed:\n\n"
                     + _problem_words(schema, error.problems))
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


def empty_words(schema: Schema) -> str:
    """What to do with a field one does not know, true for the model in use."""
    needed = [f.title for f in schema.fields if f.required]
    if len(needed) == len(schema.fields):
        return ("This model needs every field: it learned from leads with all of them filled in, so a lead with "
                "an empty field cannot be scored.")
    if needed:
        return (f"Leave a field empty or “unknown” when you do not know it, except {', '.join(needed)}: this "
                "model needs those for every lead.")
    return "Leave a field empty or “unknown” when you do not know it."


scorer = engine.active_scorer()
st.title("Score a lead")
st.caption("Enter a lead's details (or start from an example) to see its priority tier and why. Every change "
           f"updates the result at once. {md_escape(empty_words(scorer.schema))}")
workbench(scorer)
