"""Results: the real outcomes taken back, each tier's promise against what happened, ranking, drift, retraining.

Thin: the sections live in ui/results_view.py, the outcomes upload in ui/outcomes_upload.py, retraining in
ui/results_retrain.py; the figures come from the store's report (leadscore/store/report.py).
"""

import streamlit as st

from ui import engine, outcomes_upload, results_retrain, results_view, stakeholders
from ui.store import store as open_store
from ui.text import md_escape

scorer = engine.active_scorer()
store = open_store()
st.title("Results")
st.caption("Weeks after saving a scored list on the Triage page, bring back the CRM's won/lost export: see how each "
           "tier really converted against its promise, whether the incoming leads have changed, and whether a "
           "model retrained on your own results would do better.")
with st.expander("1. Bring back the outcomes (the CRM's won/lost export)", expanded=True):
    outcomes_upload.panel(store, scorer.schema.id_column)
st.header("2. What happened")
arguments = results_view.filters(store)
report = store.report(**arguments)
if report["leads"] == 0:
    st.info("No scored lead was saved for these filters yet. On the Triage page, upload a list and use "
            "“Save this list”; then come back with the outcomes.")
else:
    rows = next((e["leads"] for e in store.saved_lists() if e["name"] == arguments["list_name"]), None)
    if rows is not None and rows > report["leads"]:
        st.caption(f"“{md_escape(arguments['list_name'])}” holds {rows:,} rows for {report['leads']:,} different "
                   "leads: a lead that appears more than once (the same ID, or without an ID the same fields) "
                   "counts once, with its latest scoring.")
    titles = {f.name: f.title for f in scorer.schema.fields}
    results_view.tiers(report)
    results_view.ranking(report)
    results_view.breakdown(store, scorer, arguments, results_view.columns(store, scorer))
    results_view.drift(report, titles)
    results_view.lead_history(store)
    results_view.analysts(report)
    stakeholders.download_button("results_stakeholders", **arguments)
st.header("3. Retrain from these results")
results_retrain.panel(store, scorer)
