"""The form of one lead, made from the model's schema, whatever its target.

Every widget comes from a field: a number box for a number (empty = unknown
when it may be empty), a select box
with the kept levels, "other" and "unknown" for a category (a text box for a
field of hundreds of ID-like levels: nobody picks a landing-page ID from a
list of hashes), yes / no (/ unknown when the field may be empty) for a flag.
Values go to the scorer as a CRM file would hold them (text), so the form, a
file and the API read a lead the same way.

Each field is edited in one place: the what-if is this form (the page compares
it with the lead it started from), and "Try these changes" writes into it.

A number box holds what was typed, as typed: it sets no limits of its own and
never rounds (a box with limits keeps its last good value behind a small red
icon, and a whole-number box turns 2.5 into 2, so the result would describe
another lead). The scorer judges the value like a file's cell, and the page
shows why it refuses one instead of a result.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import streamlit as st

from leadscore.fields.field import FLAG_FALSE, FLAG_TRUE, OTHER, Field, Schema, format_number
from leadscore.scoring.template import starting_leads

UNKNOWN = "unknown"
#: A category with more kept levels than this is typed, not chosen from a list.
MAX_CHOICES = 60
#: A level that reads like a machine's ID: a long run of hex digits or a UUID (``b76ef374``, ``3f2a-...``).
_ID_LIKE = re.compile(r"[0-9a-f]{6,}|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}", re.IGNORECASE)
GROUPS: tuple[tuple[str, bool], ...] = (("Who the lead is", False), ("What a salesperson can change", True))


def is_id_like(f: Field) -> bool:
    """Whether a category's levels are too many, or too machine-like, to offer as a list."""
    if f.kind != "category":
        return False
    levels = [level for level in f.levels if level != OTHER]
    return len(levels) > MAX_CHOICES or (len(levels) >= 10 and sum(map(bool, map(_ID_LIKE.fullmatch, levels)))
                                         > len(levels) / 2)


def form_key(version: str, f: Field) -> str:
    """The session-state key of a field's widget (per model version: two models' fields differ)."""
    return f"lead.{version}.{f.name}"


def _flag_answers(f: Field) -> list[str]:
    return ["yes", "no"] if f.required else ["yes", "no", UNKNOWN]


def _level_words(level: str) -> str:
    return "other (any value not listed)" if level == OTHER else level


def _help(f: Field) -> str:
    parts = [f.help] if f.help else []
    if f.kind in ("number", "integer") and f.low is not None and f.high is not None:
        if f.strict_range:
            parts.append(f"From {f.value_words(f.low)} to {f.value_words(f.high)}.")
        else:
            parts.append(f"Seen in your history: {format_number(f.low)} to {format_number(f.high)}.")
    if f.kind == "category":
        parts.append("A value not in the list counts as “other”." if not is_id_like(f) else
                     f"Type it as the CRM shows it ({len(f.levels):,} values were common enough to learn from); "
                     "any other value counts as “other”.")
    if not f.required:
        parts.append(f"Filled in for {f.fill_rate:.0%} of past leads; leave it "
                     + ("empty" if f.kind in ("number", "integer") or is_id_like(f) else "“unknown”")
                     + " when you do not know it.")
    return " ".join(parts)


def _label(f: Field) -> str:
    return f"{f.title} ({f.prefix.strip()})" if f.prefix.strip() and f.prefix.strip() not in f.title else f.title


def widget_value(schema: Schema, f: Field, text: str) -> object:
    """A file value (text) as the field's widget holds it; empty cells and placeholders are unknown."""
    if schema.is_missing(text):
        return None if f.kind in ("number", "integer") or is_id_like(f) else UNKNOWN
    if f.kind in ("number", "integer"):
        return float(text)
    if f.kind == "flag":
        lowered = text.strip().lower()
        return "yes" if lowered in FLAG_TRUE else "no" if lowered in FLAG_FALSE else UNKNOWN
    if is_id_like(f):
        return text.strip()
    return next((c for c in f.categories if c.lower() == text.strip().lower()), OTHER)


def file_value(f: Field, value: object) -> str:
    """A widget's value as a file would hold it ("" for unknown)."""
    if value is None or value == UNKNOWN or (isinstance(value, str) and not value.strip()):
        return ""
    if f.kind in ("number", "integer"):
        number = float(value)  # type: ignore[arg-type]
        return str(int(number)) if number.is_integer() else f"{number:g}"
    return str(value).strip()


def field_widget(f: Field, key: str) -> None:
    """The input of one field, its value in ``st.session_state[key]`` (set it before the first call)."""
    label, help_text = _label(f), _help(f)
    empty = UNKNOWN if not f.required else "needed"
    if f.kind in ("number", "integer"):
        # "%g": 12, 2.5 and 95000 shown as typed (no "12.00", no rounding).
        st.number_input(label, value=None, step=f.step, format="%g", key=key, placeholder=empty, help=help_text)
    elif f.kind == "flag":
        st.radio(label, _flag_answers(f), key=key, help=help_text, horizontal=True)
    elif is_id_like(f):
        st.text_input(label, key=key, placeholder=empty, help=help_text)
    else:
        options = [*f.categories, *(() if f.required else (UNKNOWN,))]
        st.selectbox(label, options, key=key, format_func=_level_words, help=help_text)


def set_lead(version: str, schema: Schema, lead: Mapping[str, str]) -> None:
    """Put a lead (file values) into the form."""
    for f in schema.fields:
        st.session_state[form_key(version, f)] = widget_value(schema, f, lead.get(f.name, ""))


def form_lead(version: str, schema: Schema) -> dict[str, str]:
    """The lead the form holds, as file values."""
    return {f.name: file_value(f, st.session_state.get(form_key(version, f))) for f in schema.fields}


def start_key(version: str) -> str:
    """The session-state key of the start-from choice."""
    return f"start.{version}"


def starting_lead(version: str, schema: Schema) -> dict[str, str]:
    """The lead the form started from (the one chosen under "Start from")."""
    leads = starting_leads(schema)
    return leads.get(st.session_state.get(start_key(version), ""), next(iter(leads.values())))


def _start_from(version: str, schema: Schema) -> None:
    set_lead(version, schema, starting_lead(version, schema))


def start_selector(version: str, schema: Schema) -> None:
    """"Start from": the schema's example leads (a typical lead, the original study's scenarios), or its typical
    lead; choosing one fills the form. Fills the form on a first visit."""
    leads = starting_leads(schema)
    key = start_key(version)
    if key not in st.session_state or st.session_state[key] not in leads:
        st.session_state[key] = next(iter(leads))
        _start_from(version, schema)
    if len(leads) > 1:
        st.selectbox("Start from", list(leads), key=key, on_change=_start_from, args=(version, schema),
                     help="A typical lead, or one of the example leads the model ships with.")


def back_to_start(version: str, schema: Schema) -> None:
    """A button that puts the starting lead back into the form."""
    st.button("Back to the starting lead", on_click=_start_from, args=(version, schema))


def form(version: str, schema: Schema) -> dict[str, str]:
    """Every field of the schema, grouped (who the lead is; what a salesperson can change); returns the lead."""
    for title, actionable in GROUPS:
        members = [f for f in schema.fields if f.actionable == actionable]
        if not members:
            continue
        with st.container(border=True):
            st.markdown(f"**{title}**")
            columns = st.columns(2)
            for i, f in enumerate(members):
                with columns[i % 2]:
                    field_widget(f, form_key(version, f))
    return form_lead(version, schema)


def apply_changes(version: str, schema: Schema, values: Mapping[str, str]) -> None:
    """Write new values (file values) into the form's fields (the "Try these changes" button)."""
    for name, value in values.items():
        f = schema.field(name)
        st.session_state[form_key(version, f)] = widget_value(schema, f, value)
