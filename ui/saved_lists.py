"""Triage's "Save this list" (recorded in the store, like ``leadscore score --record --list NAME``), the saved
lists to reopen and download again, and whether an uploaded list drifts from the model's training leads.
"""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from leadscore.data.export import to_safe_csv
from leadscore.fields.headers import lead_id_column, owner_column
from leadscore.monitoring import drift
from leadscore.results_words import drift_sentence, drift_table
from leadscore.scoring.scorer import Scorer
from leadscore.store import RecordError
from leadscore.store import audit as trail
from leadscore.store.record import encode
from leadscore.workflows import export
from ui import engine
from ui.guard import audit_after, lead_owner
from ui.lead_list import NO_HEADER
from ui.store import record_list, store
from ui.text import md_escape

log = logging.getLogger(__name__)
HASH = "(none: a fingerprint of the row)"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Session state: {scored list's key: what was said when it was saved}.
SAVED = "saved_lists.saved"


def distinct_leads(scorer: Scorer, scored: pd.DataFrame, headers: dict[str, str], id_column: str | None) -> int:
    """How many different leads the store holds for these rows, by the store's own rule: one per lead ID, or,
    without an ID column, one per set of fields as read (identical rows are one lead)."""
    as_fields = {header: field for field, header in headers.items() if header != field}
    frame = scored.reset_index(drop=True).rename(columns=as_fields)
    rows = scorer.rows(frame, as_fields.get(id_column, id_column) if id_column else None)
    return len(set(encode(rows).lead_id))


def saved_words(name: str, rows: int, leads: int, id_column: str | None) -> str:
    """What was saved, rows and leads, and why they differ when they do, in plain words."""
    if leads == rows:
        return f"Saved {leads:,} leads as “{md_escape(name)}”."
    text = f"Saved {rows:,} rows as “{md_escape(name)}”"
    repeats = rows - leads
    if id_column is not None:
        why = (f"{repeats:,} row{'s' if repeats != 1 else ''} repeat a lead ID already in the list, and a lead "
               "counts once (its last row)")
    else:
        why = (f"the list has no lead ID column, so a lead is known by its fields: {repeats:,} "
               f"row{'s' if repeats != 1 else ''} have exactly the same fields as another row and count as that "
               "lead. Choose the ID column to keep them apart")
    return text + f", {leads:,} different leads: {why}. The Results page counts {leads:,} leads."


def save_form(scorer: Scorer, scored: pd.DataFrame, headers: dict[str, str], columns: list[str],
              list_key: str) -> None:
    """A name, the ID column (the schema's when the file has it), and Save; ``list_key`` names the scored list
    (file, model version, matching), so that one list is saved once under one name however often Save (or
    Enter in the name box) is pressed."""
    done: dict[str, str] = st.session_state.setdefault(SAVED, {})
    with st.form("save_list"):
        st.markdown("**Save this list** so that you can check later how its leads really converted "
                    "(on the Results page, with the CRM's won/lost export).")
        a, b = st.columns(2)
        name = a.text_input("List name", placeholder="e.g. May leads", key="save_list_name")
        model_id = lead_id_column(columns, scorer.schema.id_column)
        id_at = columns.index(model_id) + 1 if model_id is not None else 0
        id_column = b.selectbox("Lead ID column", [HASH, *columns], index=id_at, key="save_list_id",
                                format_func=lambda c: c if str(c).strip() else NO_HEADER,
                                help="The ID your CRM's won/lost export will carry. Without one, a lead is "
                                     "known by its fields: it is counted, but no won/lost export can be matched "
                                     "to it later.")
        submitted = st.form_submit_button("Save this list")
    if not submitted:
        if list_key in done:
            st.success(done[list_key])
        return
    name = name.strip()
    if not name:
        st.error("Give the list a name first.")
        return
    if list_key in done:
        st.info(f"{done[list_key]} It is saved once: saving it again would count its leads twice.")
        return
    existing = {entry.name: entry for entry in store().saved_lists()}
    if name in existing:
        st.error(f"A list named “{md_escape(name)}” is already saved ({existing[name].leads:,} rows, "
                 f"{existing[name].created_at:%Y-%m-%d}). Choose another name.")
        return
    chosen_id = None if id_column == HASH else id_column
    try:
        saved = record_list(scorer, scored, headers, name, chosen_id, owner_column(columns))
    except RecordError as error:
        st.error(f"The list was not saved: {md_escape(error)}")
        return
    missing = audit_after(trail.LIST_SAVED, {"list": name, "leads": saved.leads})
    leads = distinct_leads(scorer, scored, headers, chosen_id)
    done[list_key] = saved_words(name, saved.leads, leads, chosen_id) + (
        " Bring back their outcomes on the Results page when they are known." if chosen_id else
        " Without a lead ID, the CRM's won/lost export cannot be matched to these leads later.")
    st.success(done[list_key])
    if missing is not None:
        st.warning(md_escape(missing))


def reopen() -> pd.DataFrame | None:
    """The saved lists: choose one to show it again and download it; the chosen list's rows, or None."""
    owner = lead_owner()
    lists = store().saved_lists(owner=owner)
    if not lists:
        return None
    with st.expander(f"Saved lists ({len(lists)})"):
        labels = {f"{e.name} — {e.leads:,} leads, saved {e.created_at:%Y-%m-%d}": e.name for e in lists}
        chosen = st.selectbox("Saved list", ["(choose a list)", *labels], key="saved_list_choice")
        if chosen == "(choose a list)":
            return None
        rows = store().list_rows(labels[chosen], owner=owner)
        a, b, c = st.columns(3)
        a.download_button(f"Download “{labels[chosen]}” again (CSV)", to_safe_csv(rows),
                          f"{labels[chosen]}.csv", "text/csv", key="saved_list_download")
        crm_download(labels[chosen], b, c, owner=owner)
        return rows


def crm_download(name: str, *places: DeltaGenerator, owner: str | None = None) -> None:
    """"Download for the CRM": the list's latest scores, one row per lead, as .xlsx and as CSV
    (``leadscore export``); ``owner`` keeps one owner's leads (a rep's)."""
    result = export.export_list(store(), name, {v.version: v.name for v in engine.registry().versions()},
                                owner=owner)
    help_text = (f"{result.leads:,} leads, one row each: the ID (column “{result.id_column}”), tier, score, "
                 "three reasons, the model's name and when it was scored (UTC), ready for the CRM's import.")
    formats: tuple[export.Format, ...] = ("xlsx", "csv")
    for place, fmt, mime in zip(places, formats, (XLSX_MIME, "text/csv"), strict=False):
        place.download_button(f"Download for the CRM ({'Excel' if fmt == 'xlsx' else 'CSV'})",
                              export.to_bytes(result, fmt), f"{name} for the CRM.{fmt}", mime,
                              key=f"saved_list_crm_{fmt}", help=help_text)


def drift_note(scorer: Scorer, scored: pd.DataFrame, headers: dict[str, str]) -> None:
    """Whether the uploaded leads differ from the leads the model learned from (the report's PSI and rules)."""
    reference = scorer.drift_reference
    if not reference:
        st.caption("This model version keeps no picture of its training leads, so drift cannot be measured.")
        return
    fields = pd.DataFrame({name: scored[header] for name, header in headers.items() if header in scored.columns})
    entries = drift.compare(reference, fields, scorer.rows(scored).chance)
    titles = {f.name: f.title for f in scorer.schema.fields}
    sentence = drift_sentence(entries, None, titles)
    moved = any(e.status == "significant" for e in entries)
    with st.expander("Do these leads look like the ones the model learned from?", expanded=moved):
        (st.warning if moved else st.markdown)(md_escape(sentence))
        st.dataframe(drift_table(entries, titles), hide_index=True,
                     column_config={"Leads": st.column_config.NumberColumn("Leads", format="localized")})
