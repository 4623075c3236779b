"""Results: the real outcomes taken back, each tier's promise against what happened, ranking, drift, retraining.

Thin: the sections live in ui/results_view.py, the outcomes upload in ui/outcomes_upload.py, retraining in
ui/results_retrain.py; the figures come from the results workflow (leadscore/workflows/results.py), one model
version at a time (the active one unless the manager picks another by name, or every version, each on its own).
"""

import streamlit as st

from leadscore.workflows import results
from ui import accounts, engine, guard, outcomes_upload, results_retrain, results_view, stakeholders
from ui.store import store as open_store
from ui.text import md_escape

scorer = engine.active_scorer()
store = open_store()
visitor = guard.visitor()
# A rep's figures are of their own leads (the store's queries filter by owner); a viewer's are the totals.
owner = guard.lead_owner() if accounts.sees_leads(visitor) else None
st.title("Results")
guard.show_change()  # a model published or brought back by the retrain section below
st.caption("Weeks after saving a scored list on the Triage page, bring back the CRM's won/lost export: see how each "
           "tier really converted against its promise, whether the incoming leads have changed, and whether a "
           "model retrained on your own results would do better.")
#: The sections this visitor has, numbered in order (importing outcomes and retraining are not everyone's).
steps = iter(range(1, 4))
if visitor.may(accounts.OUTCOMES):
    with st.expander(f"{next(steps)}. Bring back the outcomes (the CRM's won/lost export)", expanded=True):
        outcomes_upload.panel(store, scorer.schema.id_column)
elif owner is not None:
    st.caption(f"Your leads only (owner “{md_escape(owner)}”).")
st.header(f"{next(steps)}. What happened")
arguments = results_view.filters(store, owner)
report: results.Results | None
try:
    report = results.results_report(store, engine.registry(), **arguments)
except results.ResultsError as error:
    st.error(f"These results cannot be shown: {md_escape(error)}.")
    report = None
if report is not None and not any(section.leads for section in report.versions):
    st.info("No scored lead was saved for these filters yet. On the Triage page, upload a list and use "
            "“Save this list”; then come back with the outcomes.")
elif report is not None:
    rows = next((e.leads for e in store.saved_lists(owner=owner) if e.name == arguments["list_name"]), None)
    shown = sum(section.leads for section in report.versions)
    if rows is not None and rows > shown:
        st.caption(f"“{md_escape(arguments['list_name'])}” holds {rows:,} rows for {shown:,} different leads of "
                   "the model(s) shown: a lead that appears more than once (the same ID, or without an ID the same "
                   "fields) counts once, with its latest scoring.")
    titles = {f.name: f.title for f in scorer.schema.fields}
    names = results_view.version_names([section.model for section in report.versions])
    columns = results_view.columns(store, scorer, owner)
    for number, section in enumerate(report.versions):
        key = f"_{number}" if number else ""
        if len(report.versions) > 1:
            st.subheader(f"Model: {md_escape(names[section.model.version])}")
            st.caption(f"{section.leads:,} leads scored by this model in these filters; its tiers, promises and "
                       "verdicts are its own.")
        results_view.tiers(section, key)
        results_view.ranking(section, key)
        if accounts.sees_leads(visitor):  # a breakdown can show single leads
            results_view.breakdown(store, section, arguments, columns, key)
        results_view.drift(section, titles)
        results_view.analysts(report, section)
        if len(report.versions) > 1:
            st.divider()
    if accounts.sees_leads(visitor):  # one lead's history shows single leads
        results_view.lead_history(store, owner)
    if owner is None:  # the stakeholders' report tells every owner's totals: not a rep's to hand over
        stakeholders.download_button("results_stakeholders",
                                     **{k: v for k, v in arguments.items() if k != "owner"})
if visitor.may(accounts.CHANGE_MODEL):
    st.header(f"{next(steps)}. Retrain from these results")
    results_retrain.panel(store, scorer)
