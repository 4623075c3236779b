"""The Results page's upload of the CRM's won/lost export: the same import as ``leadscore outcomes``
(``leadscore.workflows.outcomes``), so the same rules and messages.

The file is read as text; the manager picks the ID column, the outcome column, which values mean won and which
lost (other values are open leads, as in training), and optionally the column saying when the outcome was known.
What was imported is shown as counts: new, already known, changed (the latest wins), IDs never scored.
"""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from leadscore.data import csvio
from leadscore.fields.infer import OutcomeError, infer_positive
from leadscore.store import ImportReport, Store
from leadscore.workflows import outcomes
from ui import engine
from ui.crm_training import likely_outcome, lost_values, outcome_values
from ui.text import md_escape

log = logging.getLogger(__name__)
NO_DATE = "(none: today)"
REPORT_KEY = "outcomes_report"


def _default_won(values: pd.Series) -> list[str]:
    try:
        return list(infer_positive(values, None))
    except OutcomeError:
        return []


def _show(report: ImportReport) -> None:
    a, b, c, d = st.columns(4)
    a.metric("Rows read", f"{report.read:,}")
    b.metric("New outcomes", f"{report.new:,}")
    c.metric("Changed", f"{report.changed:,}",
             help="A lead whose outcome differs from the one stored: the latest wins.")
    d.metric("Never scored", f"{report.unknown:,}",
             help="IDs in the file that no saved or recorded list has: they were not stored.")
    st.success(md_escape(report.sentence()))


def panel(store: Store, id_hint: str | None) -> None:
    """Upload, choose the columns and values, import; the import's counts stay shown until the next one."""
    upload = st.file_uploader("The CRM's won/lost export (CSV or Excel .xlsx)", type=["csv", "txt", "xlsx"],
                              key="outcomes_file")
    if upload is None:
        st.caption("Export the leads you scored, with their lead ID and their won/lost stage, from the CRM.")
    else:
        _form(store, upload.getvalue(), upload.name, id_hint)
    if REPORT_KEY in st.session_state:
        _show(st.session_state[REPORT_KEY])


def _form(store: Store, content: bytes, name: str, id_hint: str | None) -> None:
    try:
        frame, _ragged = engine.read_upload(content, name)
    except csvio.TableError as error:
        st.error(f"This file cannot be read: {md_escape(error)}")
        return
    columns = [str(c) for c in frame.columns]
    if not columns or frame.empty:
        st.warning(f"{md_escape(name)} has no rows.")
        return
    keys = [c.strip().lower() for c in columns]
    hint = (id_hint or "").strip().lower()
    id_at = keys.index(hint) if hint in keys else next((i for i, k in enumerate(keys) if "id" in k.split()), 0)
    a, b = st.columns(2)
    id_column = a.selectbox("Lead ID column", columns, index=id_at, key="outcomes_id",
                            help="The same ID the list was saved with.")
    outcome = b.selectbox("Outcome column (won/lost)", columns, index=likely_outcome(frame), key="outcomes_column")
    values = outcome_values(frame[outcome])
    won = a.multiselect("Values that mean won", values, default=[v for v in _default_won(frame[outcome])
                                                                  if v in values], key="outcomes_won")
    lost_guess, must_name = lost_values(frame[outcome], won)
    lost = b.multiselect("Values that mean lost", [v for v in values if v not in won],
                         default=[v for v in lost_guess if v in values and v not in won], key="outcomes_lost",
                         help="Other values (a stage such as “Engaging”) are open leads: not outcomes yet.")
    if must_name and not lost:
        st.info("This column has more than two values: name the ones that mean lost (the others stay open).")
    at = a.selectbox("When the outcome was known (optional)", [NO_DATE, *columns], key="outcomes_at")
    if not st.button("Import outcomes", type="primary", disabled=not won):
        return
    try:
        imported = outcomes.import_outcomes(frame, id_column, outcome, name, store, positive=won, negative=lost,
                                            at_column=None if at == NO_DATE else at)
        st.session_state[REPORT_KEY] = imported.report
    except OutcomeError as error:
        st.error(f"Nothing was imported: {md_escape(error)}")
