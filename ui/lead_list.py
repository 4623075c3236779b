"""The Triage page's lead list: kept for the session, matched to the model's fields, filtered and sorted.

- The list (an upload or the sample list) lives in session state, not only in
  the uploader, so it survives a visit to another page; the uploader's own
  change (a new file, or the file removed) replaces or clears it.
- A field the file lacks is named as the manager knows it (its title) and can
  be taken from one of the file's unmatched columns (or scored as unknown,
  when the field may be empty); the choices are kept for the session too.
- Filters are offered on the file's own columns a manager filters by (an
  owner, a lead source): few distinct values, not numbers or dates, not IDs,
  not the model's fields.
- The order on screen is the one the download keeps: the table's own header
  sorting is off (its columns can be selected instead: a click on a header
  sorts by that column) and "Sort by" drives both.
- Filters and the order are kept for the session too (``ui/keep.py``): the
  page says the list stays while you visit the other pages, and so do they.
- Every widget has a label, a column without a header included ("(the column
  without a header)"), so Streamlit has nothing to complain about in the log.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd
import streamlit as st

from leadscore.fields.field import Schema
from ui import keep
from ui.text import md_escape

LIST_KEY = "triage.list"
UPLOADS_KEY = "triage.uploads"
MATCH_KEY = "triage.match"
NOTE_KEY = "triage.note"
UNKNOWN_COLUMN = "(not in this file: score it as unknown for every lead)"
CALL_ORDER = "(call order: High first)"
ASCENDING, DESCENDING = "A→Z, lowest first", "Z→A, highest first"
ALL = "All"
#: How a column without a header is named in a label or a choice.
NO_HEADER = "(the column without a header)"
#: A column gets a filter when it has at most this many distinct values (an owner, not an email).
MAX_FILTER_VALUES = 30
#: Filters shown at the most.
MAX_FILTERS = 3


# ---- the list, kept for the session ------------------------------------------------------------
def uploader_key() -> str:
    """The uploader's key; it changes when the list is replaced in code, which empties the uploader."""
    return f"upload.{st.session_state.get(UPLOADS_KEY, 0)}"


def _take_upload() -> None:
    upload = st.session_state.get(uploader_key())
    if upload is None:  # the manager removed the file
        st.session_state.pop(LIST_KEY, None)
    else:
        st.session_state[LIST_KEY] = (upload.getvalue(), upload.name)
    st.session_state.pop(NOTE_KEY, None)


def uploader() -> None:
    """The file uploader; a file uploaded becomes the session's list."""
    st.file_uploader("Upload a lead list (CSV or Excel .xlsx)", type=["csv", "txt", "xlsx"], key=uploader_key(),
                     on_change=_take_upload,
                     help="One row per lead, as the CRM exports it: CSV (comma, semicolon or tab separated) or "
                          "an Excel workbook (its first sheet). Extra "
                          "columns such as name, email or owner are kept as they are.")


def use_list(content: bytes, name: str, note: str = "") -> None:
    """Make ``content`` the session's list (the sample list), emptying the uploader; ``note`` says so on the page."""
    replaced = st.session_state.get(LIST_KEY)
    st.session_state[LIST_KEY] = (content, name)
    st.session_state[UPLOADS_KEY] = st.session_state.get(UPLOADS_KEY, 0) + 1
    st.session_state.pop(MATCH_KEY, None)
    if note:
        st.session_state[NOTE_KEY] = note
    elif replaced:
        st.session_state[NOTE_KEY] = f"Now showing {name} instead of {replaced[1]}."


def current_list() -> tuple[bytes, str] | None:
    """The session's list: (bytes, file name), or None."""
    return st.session_state.get(LIST_KEY)


def forget_list() -> None:
    """Clear the session's list and the uploader."""
    st.session_state.pop(LIST_KEY, None)
    st.session_state.pop(MATCH_KEY, None)
    st.session_state.pop(NOTE_KEY, None)
    st.session_state[UPLOADS_KEY] = st.session_state.get(UPLOADS_KEY, 0) + 1


def note() -> str:
    """A one-off message about the list (which list replaced which)."""
    return str(st.session_state.get(NOTE_KEY, ""))


# ---- matching the file's columns to the model's fields --------------------------------------------
def match_missing(schema: Schema, file_key: str, missing: Sequence[str], spare: Sequence[str]) -> dict[str, str]:
    """For each field the file lacks, a select box: one of the file's unmatched columns, or (when the field may
    be empty) unknown for every lead. Returns {field: chosen column or UNKNOWN_COLUMN}; kept for the session."""
    kept: dict[str, dict[str, str]] = st.session_state.setdefault(MATCH_KEY, {})
    chosen = dict(kept.get(file_key, {}))
    for name in missing:
        f = schema.field(name)
        options = [*spare, *(() if f.required else (UNKNOWN_COLUMN,))]
        key = f"match.{name}"
        if key not in st.session_state and chosen.get(name) in options:
            st.session_state[key] = chosen[name]
        choice = st.selectbox(f"“{md_escape(f.title)}” is not in the file. Take it from:", options, index=None,
                              key=key, placeholder="choose a column of the file",
                              format_func=lambda c: c if str(c).strip() else NO_HEADER,
                              help=f"The model's field “{f.title}” ({f.name}). " + (f.help or ""))
        if choice is None:
            chosen.pop(name, None)
        else:
            chosen[name] = choice
    kept[file_key] = chosen
    return chosen


def prepared(table: pd.DataFrame, chosen: Mapping[str, str]) -> tuple[pd.DataFrame, dict[str, str]]:
    """The table with an empty column for each field scored as unknown, and {header: field} for the columns chosen
    (``Schema.map_columns``' ``extra``)."""
    out = table
    extra = {}
    for name, column in chosen.items():
        if column == UNKNOWN_COLUMN:
            out = out.assign(**{name: ""})
        else:
            extra[column] = name
    return out, extra


# ---- filters ------------------------------------------------------------------------------------
def _mostly(values: pd.Series, parse: Callable[[pd.Series], pd.Series]) -> bool:
    filled = values[values.astype("string").str.strip().fillna("") != ""]
    return bool(len(filled)) and bool(parse(filled).notna().mean() > 0.8)


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce", format="mixed")


def filter_columns(table: pd.DataFrame, skip: Sequence[str]) -> list[str]:
    """The columns worth a filter: few distinct values (2 to ``MAX_FILTER_VALUES``), text that is neither
    numbers nor dates, not in ``skip`` (the model's fields, IDs and names, the columns scoring adds)."""
    out = []
    for column in table.columns:
        if column in skip:
            continue
        distinct = pd.Series(table[column].dropna().unique())
        if not 1 < len(distinct) <= MAX_FILTER_VALUES:
            continue
        if _mostly(distinct, lambda s: pd.to_numeric(s, errors="coerce")) or _mostly(distinct, _dates):
            continue
        out.append(column)
    return out[:MAX_FILTERS]


def column_words(column: str) -> str:
    """A column's header as a label: the header itself, or "(the column without a header)"."""
    return md_escape(column) if str(column).strip() else NO_HEADER


def filters(view: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """A select box per column (kept for the session); the rows chosen."""
    for column, place in zip(columns, st.columns(max(1, len(columns))), strict=False):
        values = sorted(view[column].dropna().astype(str).unique())
        options = [ALL, *values]
        key = f"filter.{column}"
        choice = keep.remember(key, place.selectbox(column_words(column), options, key=key,
                                                    index=keep.index(key, options)))
        if choice != ALL:
            view = view[view[column].astype(str) == choice]
    return view


# ---- sorting --------------------------------------------------------------------------------------
def natural_key(values: pd.Series) -> pd.Series:
    """How a person orders a column: numbers by value (a file's cells are text: "10" after "9"), text ignoring
    case with the numbers inside it by value ("Client 2" before "Client 10")."""
    if pd.api.types.is_numeric_dtype(values):
        return values
    numbers = pd.to_numeric(values, errors="coerce")
    filled = values.astype("string").str.strip().fillna("") != ""
    if filled.any() and numbers[filled].notna().all():
        return numbers
    return values.astype("string").str.lower().str.replace(r"\d+", lambda m: m.group().zfill(20), regex=True)


def sorted_view(view: pd.DataFrame, column: str, descending: bool) -> pd.DataFrame:
    """``view`` sorted by ``column`` (stable; empty cells last); CALL_ORDER keeps the call order."""
    if column == CALL_ORDER or column not in view.columns:
        return view
    return view.sort_values(column, key=natural_key, ascending=not descending, kind="stable", na_position="last")


def sort_controls(columns: Sequence[str], titles: Mapping[str, str], table_key: str) -> tuple[str, bool]:
    """"Sort by" and its direction; a column selected in the table (a click on its header) becomes the sort."""
    selected = list(st.session_state.get(table_key, {}).get("selection", {}).get("columns", []))
    last = st.session_state.get("sort.clicked")
    if selected and selected[0] != last and selected[0] in columns:
        st.session_state["sort.by"] = selected[0]
    st.session_state["sort.clicked"] = selected[0] if selected else None
    options = [CALL_ORDER, *columns]
    if st.session_state.get("sort.by") not in options:  # a first visit, or back from another page
        kept = keep.value("sort.by", CALL_ORDER)
        st.session_state["sort.by"] = kept if kept in options else CALL_ORDER
    left, right = st.columns([2, 1])
    by = keep.remember("sort.by", left.selectbox(
        "Sort by", options, key="sort.by", format_func=lambda c: titles.get(c, c) if str(c).strip() else NO_HEADER,
        help="Or click a column's header in the table. The download keeps this order."))
    orders = [ASCENDING, DESCENDING]
    descending = keep.remember("sort.order", right.radio("Order", orders, key="sort.order", horizontal=True,
                                                         index=keep.index("sort.order", orders),
                                                         disabled=by == CALL_ORDER)) == DESCENDING
    return by, descending
