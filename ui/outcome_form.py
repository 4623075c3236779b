"""The "Score a lead" page for an outcome model: a form made from the model's schema, the result, what-if.

Every widget comes from a field of the schema: a number box for a number
(empty = unknown; the range seen in training in its help), a select box with
the kept levels, "other" and "unknown" for a category, yes / no / unknown for
a flag. Values go to the scorer as a CRM file would hold them (text), so the
form, a file and the API read a lead the same way. What-if and "what would
move this lead up a tier" change only the fields the manager marked as a
salesperson's to change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import streamlit as st

from leadscore.fields.field import FLAG_FALSE, FLAG_TRUE, OTHER, Field, OutcomeSchema, format_number
from leadscore.scoring.outcome_scorer import OutcomeLead, OutcomeScorer
from leadscore.scoring.outcome_template import typical_lead
from leadscore.scoring.outcome_whatif import move_up
from ui import outcome_widgets
from ui.text import md_escape

UNKNOWN = "unknown"
FLAG_ANSWERS = ("yes", "no", UNKNOWN)
NO_ACTIONABLE = ("No field is marked as one a salesperson can change; mark them when training on the Model "
                 "page.")


def form_key(scorer: OutcomeScorer, f: Field) -> str:
    """The session-state key of a field's form widget (per model version: levels differ between models)."""
    return f"outcome.{scorer.version}.{f.name}"


def _whatif_key(lead_id: str, f: Field) -> str:
    return f"whatif.{lead_id}.{f.name}"


def _options(f: Field) -> list[str]:
    return [*f.categories, UNKNOWN]


def _level_words(level: str) -> str:
    return "other (any value not listed)" if level == OTHER else level


def _help(f: Field) -> str:
    parts = [f.help] if f.help else []
    if f.kind in ("number", "integer") and f.low is not None and f.high is not None:
        parts.append(f"Seen in your history: {format_number(f.low)} to {format_number(f.high)}.")
    if f.kind == "category":
        parts.append("A value not in the list counts as “other”.")
    parts.append(f"Filled in for {f.fill_rate:.0%} of past leads; leave it "
                 + ("empty" if f.kind in ("number", "integer") else "“unknown”") + " when you do not know it.")
    return " ".join(parts)


def widget_value(schema: OutcomeSchema, f: Field, text: str) -> object:
    """A file value (text) as the field's widget holds it; empty cells and placeholders are unknown."""
    if schema.is_missing(text):
        return None if f.kind in ("number", "integer") else UNKNOWN
    if f.kind in ("number", "integer"):
        number = float(text)
        return int(number) if f.kind == "integer" else number
    if f.kind == "flag":
        lowered = text.strip().lower()
        return "yes" if lowered in FLAG_TRUE else "no" if lowered in FLAG_FALSE else UNKNOWN
    return next((c for c in f.categories if c.lower() == text.strip().lower()), OTHER)


def file_value(f: Field, value: object) -> str:
    """A widget's value as a file would hold it ("" for unknown)."""
    if value is None or value == UNKNOWN:
        return ""
    if f.kind == "integer":
        return str(int(value))  # type: ignore[call-overload]
    return str(value)


def field_widget(f: Field, key: str, label: str | None = None) -> None:
    """The input of one field, its value in ``st.session_state[key]`` (set it before the first call)."""
    label = label or f.title
    if f.kind in ("number", "integer"):
        whole = f.kind == "integer"
        st.number_input(label, value=None, step=1 if whole else None, format="%d" if whole else None, key=key,
                        placeholder="unknown", help=_help(f))
    elif f.kind == "flag":
        st.selectbox(label, FLAG_ANSWERS, key=key, help=_help(f))
    else:
        st.selectbox(label, _options(f), key=key, format_func=_level_words, help=_help(f))


def set_lead(scorer: OutcomeScorer, lead: Mapping[str, str]) -> None:
    """Put a lead (file values) into the form."""
    for f in scorer.model.schema.fields:
        st.session_state[form_key(scorer, f)] = widget_value(scorer.model.schema, f, lead.get(f.name, ""))


def _form(scorer: OutcomeScorer) -> dict[str, str]:
    """The form; returns the lead it holds, as file values."""
    fields = scorer.model.schema.fields
    groups = (("About the lead", [f for f in fields if not f.actionable]),
              ("What your team can change", [f for f in fields if f.actionable]))
    with st.form("outcome_lead", border=False):
        for title, members in groups:
            if not members:
                continue
            with st.container(border=True):
                st.markdown(f"**{title}**")
                columns = st.columns(2)
                for i, f in enumerate(members):
                    with columns[i % 2]:
                        field_widget(f, form_key(scorer, f))
        st.form_submit_button("Score this lead", type="primary")
    st.button("Start again from a typical lead", on_click=set_lead, args=(scorer, typical_lead(scorer.model.schema)))
    return {f.name: file_value(f, st.session_state[form_key(scorer, f)]) for f in fields}


def _lead_id(lead: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(dict(lead), sort_keys=True).encode()).hexdigest()[:12]


def _what_if(scorer: OutcomeScorer, lead: dict[str, str], result: OutcomeLead) -> None:
    """The actionable fields, live: change one and see the chance and tier move."""
    st.subheader("What if your team changes something?")
    actionable = [f for f in scorer.model.schema.fields if f.actionable]
    if not actionable:
        st.info(NO_ACTIONABLE)
        return
    lead_id = _lead_id(lead)
    for f in actionable:
        key = _whatif_key(lead_id, f)
        if key not in st.session_state:
            st.session_state[key] = widget_value(scorer.model.schema, f, lead[f.name])
    columns = st.columns(min(3, len(actionable)))
    for i, f in enumerate(actionable):
        with columns[i % len(columns)]:
            field_widget(f, _whatif_key(lead_id, f))
    changed = {**lead, **{f.name: file_value(f, st.session_state[_whatif_key(lead_id, f)]) for f in actionable}}
    if changed == lead:
        st.caption("Change a field above to see how this lead's chance would move. Only fields marked as a "
                   "salesperson's to change are offered.")
        return
    after = scorer.score_lead(changed)
    change = 100 * (after.p_convert - result.p_convert)
    a, b = st.columns(2)
    a.metric("Chance of conversion after the change", f"{after.p_convert:.0%}", delta=f"{change:+.1f} points",
             delta_color="off" if abs(change) < 0.05 else "normal")
    b.metric("Tier after the change", after.tier,
             delta="unchanged" if after.tier == result.tier else f"from {result.tier}", delta_color="off")


def _move_up(scorer: OutcomeScorer, lead: dict[str, str]) -> None:
    st.subheader("What would move this lead up a tier?")
    answer = move_up(scorer, lead)
    if answer.current_tier == "High":
        st.success("This lead is already in the top tier (High).")
        return
    if not answer.searched:
        st.info(NO_ACTIONABLE)
        return
    names = ", ".join(scorer.model.schema.field(n).title for n in answer.searched)
    if not answer.found:
        st.info(f"No change of the fields a salesperson can change ({md_escape(names)}) reaches a higher tier "
                "for this lead: its tier comes from who the lead is.")
        return
    changes = "\n".join(f"- {md_escape(str(c))}" for c in answer.changes)
    st.markdown(f"The smallest change that reaches **{answer.new_tier}** (chance of conversion "
                f"{answer.p_convert:.0%} → **{answer.new_p_convert:.0%}**):\n\n{changes}")
    st.caption(f"Searched over the fields marked as a salesperson's to change only ({md_escape(names)}). "
               "Fewest fields first, then the smallest change.")
    lead_id = _lead_id(lead)
    new_values = {c.field.name: c.new_value for c in answer.changes}
    st.button("Try this in the what-if above", on_click=_apply_whatif,
              args=(scorer, lead_id, new_values))


def _apply_whatif(scorer: OutcomeScorer, lead_id: str, values: Mapping[str, str]) -> None:
    for name, value in values.items():
        f = scorer.model.schema.field(name)
        st.session_state[_whatif_key(lead_id, f)] = widget_value(scorer.model.schema, f, value)


def page(scorer: OutcomeScorer) -> None:
    """The whole page for an outcome model."""
    schema = scorer.model.schema
    st.title("Score a lead")
    st.caption("Enter a lead's details and press “Score this lead” to see its priority tier, its chance of "
               f"conversion (learned from your own history, where converted means "
               f"{outcome_widgets.predicts(scorer)}) and why. Leave a field empty or “unknown” when you do not "
               "know it: the lead is still scored.")
    if not any(form_key(scorer, f) in st.session_state for f in schema.fields):
        set_lead(scorer, typical_lead(schema))
    inputs, results = st.columns([1, 1.15], gap="large")
    with inputs:
        lead = _form(scorer)
    result = scorer.score_lead(lead)
    if result.problems:  # every field left unknown: nothing to score the lead on
        with results:
            st.info("Fill in at least one field: with every field unknown there is nothing to score this lead "
                    "on.")
        return
    with results:
        outcome_widgets.badge(scorer, result)
        outcome_widgets.reasons(result)
        _what_if(scorer, lead, result)
        _move_up(scorer, lead)
    outcome_widgets.waterfall(scorer, result, lead)
