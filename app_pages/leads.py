"""My leads (a rep) or Leads (a manager): every recorded lead at its latest score, in call order.

A rep's list is filtered by their owner value in the store's query; a manager sees everyone's with a breakdown per
owner. Filters, sort and columns are kept per person in the store and come back on the next visit.
"""

import pandas as pd
import streamlit as st

from leadscore.data.export import to_safe_csv
from leadscore.modeling.tiers import TIERS
from leadscore.store import leads as recorded
from ui import accounts, guard, views
from ui.store import store
from ui.text import md_escape

PAGE = "leads"
ALL = "All"
CALL_ORDER = "(call order: High first)"
ASCENDING, DESCENDING = "A→Z, lowest first", "Z→A, highest first"
TITLES = {"lead_id": "Lead", "owner": "Owner", "tier": "Tier", "chance": "Chance of conversion", "score": "Score",
          "outcome": "Outcome", "list": "Saved list", "scored_at": "Scored", "model_version": "Model version",
          "reason_1": "Reason 1", "reason_2": "Reason 2", "reason_3": "Reason 3"}
DEFAULT_COLUMNS = ["lead_id", "owner", "tier", "chance", "outcome", "list", "scored_at", "reason_1", "reason_2"]


def _breakdown(table: pd.DataFrame) -> None:
    """Each owner's leads per tier and their known outcomes (a manager's view of the team)."""
    rows = []
    for owner, leads in table.groupby(table["owner"].replace("", "(no owner)"), sort=False):
        rows.append({"Owner": owner, "Leads": len(leads),
                     **{tier: int((leads["tier"] == tier).sum()) for tier in TIERS},
                     "With an outcome": int((leads["outcome"] != "").sum()),
                     "Converted": int((leads["outcome"] == recorded.OUTCOME_WORDS[1]).sum())})
    st.subheader("By owner")
    st.dataframe(pd.DataFrame(rows).sort_values(["Leads", "Owner"], ascending=[False, True]), hide_index=True)


def page() -> None:
    """The whole page."""
    visitor = guard.visitor()
    mine = visitor.role == accounts.REP
    st.title("My leads" if mine else "Leads")
    if not accounts.sees_leads(visitor):
        st.info("Your account has no owner value yet, so no lead is yours: ask an administrator to set the name "
                "your leads carry in the CRM's owner column (leadscore users add EMAIL --role rep --owner NAME).")
        return
    scope = guard.lead_owner()
    lists = [entry.name for entry in store().saved_lists(owner=scope)]
    owners = [] if mine else [entry.owner for entry in recorded.owners(store()) if entry.owner]
    views.restore(PAGE, {"tiers": ("leads_tiers", list(TIERS)), "owner": ("leads_owner", ALL),
                         "list": ("leads_list", ALL), "sort": ("leads_sort", CALL_ORDER),
                         "order": ("leads_order", ASCENDING), "columns": ("leads_columns", DEFAULT_COLUMNS)},
                  {"tiers": TIERS, "owner": [ALL, *owners], "list": [ALL, *lists], "sort": [CALL_ORDER, *TITLES],
                   "order": [ASCENDING, DESCENDING], "columns": list(TITLES)})
    st.caption((f"Your leads (owner “{md_escape(scope)}”)" if mine else "Every recorded lead")
               + " at its latest score: saved on the Triage page, or recorded by the command line or the API. "
                 "Call the High leads first. Your filters, sort and columns are kept for your next visit.")
    a, b, c = st.columns(3)
    tiers = a.multiselect("Show tiers", list(TIERS), key="leads_tiers")
    owner = ALL if mine else b.selectbox("Owner", [ALL, *owners], key="leads_owner")
    chosen_list = c.selectbox("Saved list", [ALL, *lists], key="leads_list")
    table = recorded.latest_leads(store(), owner=scope if mine else (None if owner == ALL else owner),
                                  list_name=None if chosen_list == ALL else chosen_list)
    if table.empty:
        st.info("No lead is recorded here yet." if not mine else
                "No lead with your name in its owner column is recorded yet.")
        return
    if not mine and owner == ALL:
        _breakdown(table)
    view = table[table["tier"].isin(tiers)]
    d, e = st.columns(2)
    by = d.selectbox("Sort by", [CALL_ORDER, *TITLES], key="leads_sort", format_func=lambda c: TITLES.get(c, c))
    descending = e.radio("Order", [ASCENDING, DESCENDING], key="leads_order", horizontal=True,
                         disabled=by == CALL_ORDER) == DESCENDING
    columns = st.multiselect("Columns", list(TITLES), key="leads_columns", format_func=TITLES.__getitem__)
    if by == CALL_ORDER:
        rank = {tier: k for k, tier in enumerate(TIERS)}
        view = view.assign(_rank=view["tier"].map(rank)).sort_values(["_rank", "chance"], ascending=[True, False],
                                                                     kind="stable").drop(columns="_rank")
    else:
        view = view.sort_values(by, ascending=not descending, kind="stable", na_position="last")
    views.keep(PAGE, {"tiers": tiers, "owner": owner, "list": chosen_list, "sort": by,
                      "order": DESCENDING if descending else ASCENDING, "columns": columns})
    shown = view.loc[:, columns or DEFAULT_COLUMNS].reset_index(drop=True)
    st.caption(f"Showing {len(shown):,} of {len(table):,} leads.")
    st.dataframe(shown, hide_index=True, height=min(420, 35 * (len(shown) + 1) + 3),
                 column_config={**{k: v for k, v in TITLES.items() if k in shown.columns},
                                "chance": st.column_config.ProgressColumn(TITLES["chance"], format="percent",
                                                                          min_value=0, max_value=1),
                                "scored_at": st.column_config.DatetimeColumn(TITLES["scored_at"],
                                                                             format="D MMM YYYY, HH:mm")})
    if visitor.may(accounts.EXPORTS):
        st.download_button(f"Download the {len(shown):,} shown (CSV)", to_safe_csv(shown.rename(columns=TITLES)),
                           "my-leads.csv" if mine else "leads.csv", "text/csv", key="leads_download")


page()
