"""The Results page's sections: filters, each tier's promise against what happened, ranking, a breakdown,
drift, one lead's history, and the analysts' details. Written once for both kinds of model: the report's
``expected`` is the promise whatever the target (a team's model: the mean calibrated chance of the tier's
leads; the built-in model: the tier's expected conversion).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import pandas as pd
import streamlit as st

from leadscore import charts
from leadscore.data.export import identity_columns
from leadscore.monitoring.drift import MIN_LEADS, MODERATE_TO, STABLE_BELOW
from leadscore.plain_words import chance, percent
from leadscore.results_words import (
    drift_sentence,
    drift_table,
    history_table,
    ranking_sentence,
    tier_table,
    tier_verdict,
)
from leadscore.scoring.scorer import Scorer
from leadscore.store import Store
from leadscore.store.report import BY_OWNER
from ui import engine, keep
from ui.text import md_escape
from ui.widgets import NO_BAR

ALL = "All"
#: The count columns of the Results tables, with thousands separators ("2,506", as the page's sentences).
COUNTS = {column: st.column_config.NumberColumn(column, format="localized")
          for column in ("Leads scored", "With an outcome", "Converted", "Leads")}
#: A header that names an ID ("Prospect ID", "customer_id", "LeadId").
_ID_HEADER = re.compile(r"(?:^|[\s_.\-])id$|[a-z]Id$", re.IGNORECASE)


def filters(store: Store, owner: str | None = None) -> dict[str, Any]:
    """Period, model version and saved list; the keyword arguments of ``Store.report`` (with ``owner``, a rep's:
    their lists and their leads only)."""
    a, b, c = st.columns(3)
    today = datetime.now(timezone.utc).date()
    # Each choice is kept for the session (ui/keep.py): a visit to another page does not reset it.
    period = keep.remember("results_period", a.date_input(
        "Scored between", value=keep.value("results_period", ()), max_value=today, key="results_period",
        help="Leave empty for every lead ever scored."))
    versions = [v.version for v in engine.registry().versions()]
    options = [ALL, *versions]
    model = keep.remember("results_model", b.selectbox("Model version", options, key="results_model",
                                                       index=keep.index("results_model", options)))
    lists = [ALL, *(entry["name"] for entry in store.saved_lists(owner=owner))]
    chosen = keep.remember("results_list", c.selectbox("Saved list", lists, key="results_list",
                                                       index=keep.index("results_list", lists)))
    since = until = None
    if isinstance(period, tuple | list) and period:
        since = datetime.combine(period[0], time(), timezone.utc)
        last: date = period[-1]
        until = datetime.combine(last + timedelta(days=1), time(), timezone.utc)
    return {"since": since, "until": until, "model": None if model == ALL else model,
            "list_name": None if chosen == ALL else chosen, "owner": owner}


def tiers(report: dict[str, Any]) -> None:
    """Each tier's real conversion beside its promise: chart, sentences, table."""
    st.subheader("Did each tier keep its promise?")
    if not any(row["with_outcome"] for row in report["tiers"].values()):
        st.info(f"{report['leads']:,} leads scored, but no outcome is known for them yet: import the CRM's "
                "won/lost export above.")
        st.dataframe(tier_table(report["tiers"]), hide_index=True, column_config=COUNTS)
        return
    left, right = st.columns([1.2, 1])
    left.plotly_chart(charts.promise_vs_real(report["tiers"]), config=NO_BAR, key="promise_chart")
    with right:
        for tier, row in report["tiers"].items():
            st.markdown(md_escape(tier_verdict(tier, row)))
    st.dataframe(tier_table(report["tiers"]), hide_index=True, column_config=COUNTS)
    st.caption("The bar is how many of the tier's leads with an outcome converted; the black line on it, where "
               "the true rate very likely lies (it narrows as outcomes come in); the diamond, what the tier "
               "promised.")


def ranking(report: dict[str, Any]) -> None:
    """The gain chart from real outcomes and how well the model ranked those leads."""
    st.subheader("Did calling the best first pay?")
    st.markdown(md_escape(ranking_sentence(report["ranking"])))
    if report["gain"] and report["ranking"]["converted"]:
        points = [{"share_called": p["leads_share"], "share_caught": p["converted_share"]} for p in report["gain"]]
        st.plotly_chart(charts.gain(points), config=NO_BAR, key="results_gain")


def breakdown(store: Store, scorer: Scorer, arguments: dict[str, Any], columns: list[str]) -> None:
    """The same results broken down by a column the manager picks (owner, lead source)."""
    st.subheader("By owner, source or any column")
    options = ["(choose a column)", *columns]
    by = keep.remember("results_by", st.selectbox("Break the results down by", options, key="results_by",
                                                  index=keep.index("results_by", options)))
    if by == "(choose a column)":
        return
    report = store.report(**arguments, by=by)
    rows = []
    for value in report["by"]["values"]:
        scored = sum(t["scored"] for t in value["tiers"].values())
        known = sum(t["with_outcome"] for t in value["tiers"].values())
        converted = sum(t["converted"] for t in value["tiers"].values())
        high = value["tiers"].get("High", {})
        rows.append({by: value["value"], "Leads scored": scored, "With an outcome": known, "Converted": converted,
                     "Real conversion": percent(converted / known) if known else "",
                     "High leads converted": (f"{high['converted']:,} of {high['with_outcome']:,}"
                                              if high.get("with_outcome") else "")})
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config=COUNTS)
    if report["by"]["values_total"] > len(rows):
        st.caption(f"The {len(rows)} values with the most leads of {report['by']['values_total']:,}.")


def drift(report: dict[str, Any], titles: dict[str, str]) -> None:
    """Which fields of the leads scored in the period moved away from the leads the model learned from."""
    st.subheader("Have the incoming leads changed?")
    st.markdown(md_escape(drift_sentence(report["drift"], report["drift_about"], titles)))
    if report["drift"] and report["drift"][0]["psi"] is not None:
        st.dataframe(drift_table(report["drift"], titles), hide_index=True, column_config=COUNTS)


def lead_history(store: Store, owner: str | None = None) -> None:
    """For one lead, how its score changed between scorings."""
    st.subheader("One lead over time")
    lead = keep.remember("results_lead", st.text_input("Lead ID", value=keep.value("results_lead", ""),
                                                        key="results_lead",
                                                        placeholder="the ID the list was saved with"))
    if not lead.strip():
        return
    history = store.history(lead.strip(), owner=owner)
    if not history:
        st.info(f"Lead {md_escape(lead.strip())} was never recorded.")
        return
    table = history_table(history)
    st.dataframe(table, hide_index=True)
    first, last = history[0], history[-1]
    st.markdown(md_escape(f"Scored {len(history)} time(s): from {first['tier']} "
                          f"({chance(first['chance'])}) to {last['tier']} ({chance(last['chance'])})."))


def analysts(report: dict[str, Any]) -> None:
    """The technical names and figures, collapsed."""
    with st.expander("Details for analysts"):
        ranking = report["ranking"]
        auc = "n/a" if ranking["auc"] is None else f"{ranking['auc']:.3f}"
        st.markdown(f"- ROC AUC on the leads with a known outcome: {auc} ({ranking['leads']:,} leads)\n"
                    "- Ranges: 95% Wilson score interval of each tier's rate\n"
                    f"- Drift: population stability index (PSI) per field against the model version's training "
                    f"leads (ten quantile bins per number, level shares per category); stable below "
                    f"{STABLE_BELOW}, moderate to {MODERATE_TO}, significant above; not judged under "
                    f"{MIN_LEADS} leads")
        if report["drift"] and report["drift"][0]["psi"] is not None:
            st.dataframe(pd.DataFrame([{"Field": e["field"], "PSI": e["psi"], "Status": e["status"]}
                                       for e in report["drift"]]), hide_index=True)
        for note in report["notes"]:
            st.caption(md_escape(note))


def columns(store: Store, scorer: Scorer, owner: str | None = None) -> list[str]:
    """Columns to break the results down by: each lead's recorded owner first (everyone's results: a manager's
    per-owner breakdown), then the newest saved list's columns as read, else the model's fields."""
    lists = store.saved_lists(owner=owner)
    found = ([f.name for f in scorer.schema.fields] if not lists else
             _list_columns(lists[0]["name"], lists[0]["created_at"], lists[0]["leads"], store))
    if owner is not None or any(c.strip().lower() == BY_OWNER for c in found):  # "Owner" is the owner too
        return found
    return [BY_OWNER, *found]


@st.cache_data(max_entries=8, show_spinner=False)
def _list_columns(name: str, created_at: str, leads: int, _store: Store) -> list[str]:
    """A saved list's columns as read, cached on the list (reading a list parses every lead's fields)."""
    return [str(c) for c in _store.list_fields(name) if c != "lead_id" and not id_like(str(c))]


def id_like(column: str) -> bool:
    """A column that names leads rather than groups them (an ID, a name, an email): no breakdown by it."""
    return bool(identity_columns([column]) or _ID_HEADER.search(column.strip()))
