"""The Results page's sections: filters, each tier's promise against what happened, ranking, a breakdown,
drift, one lead's history, and the analysts' details; one model version per section, never blended (the figures:
``leadscore.workflows.results``). Written once for both kinds of model: a tier's promise is the mean chance the
model gave its leads with an outcome, the same leads its real rate stands on.
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
from leadscore.workflows import results
from leadscore.workflows.results import ModelVersion, VersionResults
from ui import engine, keep
from ui.text import md_escape
from ui.widgets import NO_BAR

ALL = "All"
#: The model choice that shows every version with saved leads, each on its own.
EVERY_VERSION = "Every version, each on its own"
#: The count columns of the Results tables, with thousands separators ("2,506", as the page's sentences).
COUNTS = {column: st.column_config.NumberColumn(column, format="localized")
          for column in ("Leads scored", "With an outcome", "Converted", "Leads")}
#: A header that names an ID ("Prospect ID", "customer_id", "LeadId").
_ID_HEADER = re.compile(r"(?:^|[\s_.\-])id$|[a-z]Id$", re.IGNORECASE)


def version_names(versions: list[ModelVersion]) -> dict[str, str]:
    """Each version's name as the page offers it: its name (the id when it has none), "(active)" after the
    active one, and the id beside a name that several versions share."""
    names = [v.name or v.version for v in versions]
    return {v.version: (name if names.count(name) == 1 else f"{name} ({v.version})")
            + (" (active)" if v.active else "") for v, name in zip(versions, names, strict=True)}


def filters(store: Store, owner: str | None = None) -> dict[str, Any]:
    """Period, model version (by name; the active one at first) and saved list; ``results_report``'s keywords
    (with ``owner``, a rep's: their lists and their leads only)."""
    a, b, c = st.columns(3)
    today = datetime.now(timezone.utc).date()
    # Each choice is kept for the session (ui/keep.py): a visit to another page does not reset it.
    period = keep.remember("results_period", a.date_input(
        "Scored between", value=keep.value("results_period", []), max_value=today, key="results_period",
        help="Leave empty for every lead ever scored."))
    versions = results.known_versions(store, engine.registry())
    names = version_names(versions)
    active = next((v.version for v in versions if v.active), None)
    options = [*names, EVERY_VERSION]
    first = options.index(active) if active in names else len(options) - 1
    model = keep.remember("results_model", b.selectbox(
        "Model", options, index=keep.index("results_model", options, first), format_func=lambda v: names.get(v, v),
        key="results_model", help="The results of one model at a time: each model's tiers make their own promises. "
                                  "The active model is chosen at first."))
    lists = [ALL, *(entry.name for entry in store.saved_lists(owner=owner))]
    chosen = keep.remember("results_list", c.selectbox("Saved list", lists, key="results_list",
                                                       index=keep.index("results_list", lists)))
    since = until = None
    if isinstance(period, tuple | list) and period:
        since = datetime.combine(period[0], time(), timezone.utc)
        last: date = period[-1]
        until = datetime.combine(last + timedelta(days=1), time(), timezone.utc)
    return {"since": since, "until": until, "model": results.ALL if model == EVERY_VERSION else model,
            "list_name": None if chosen == ALL else chosen, "owner": owner}


def tiers(section: VersionResults, key: str = "") -> None:
    """Each tier's real conversion beside its promise: chart, sentences, table."""
    st.subheader("Did each tier keep its promise?")
    rows = section.tiers
    if not section.with_outcome:
        st.info(f"{section.leads:,} leads scored, but no outcome is known for them yet: import the CRM's "
                "won/lost export above.")
        st.dataframe(tier_table(rows), hide_index=True, column_config=COUNTS)
        return
    left, right = st.columns([1.2, 1])
    left.plotly_chart(charts.promise_vs_real(rows), config=NO_BAR, key=f"promise_chart{key}")
    with right:
        for tier, row in rows.items():
            st.markdown(md_escape(tier_verdict(tier, row)))
    st.dataframe(tier_table(rows), hide_index=True, column_config=COUNTS)
    st.caption("The bar is how many of the tier's leads with an outcome converted; the black line on it, where "
               "the true rate very likely lies (it narrows as outcomes come in); the diamond, what the tier "
               "promised.")


def ranking(section: VersionResults, key: str = "") -> None:
    """The gain chart from real outcomes and how well the model ranked those leads."""
    st.subheader("Did calling the best first pay?")
    st.markdown(md_escape(ranking_sentence(section.ranking)))
    if section.gain and section.ranking.converted:
        points = [{"share_called": p.leads_share, "share_caught": p.converted_share} for p in section.gain]
        st.plotly_chart(charts.gain(points), config=NO_BAR, key=f"results_gain{key}")


def breakdown(store: Store, section: VersionResults, arguments: dict[str, Any], columns: list[str],
              key: str = "") -> None:
    """The same results broken down by a column the manager picks (owner, lead source)."""
    st.subheader("By owner, source or any column")
    options = ["(choose a column)", *columns]
    by = keep.remember(f"results_by{key}", st.selectbox("Break the results down by", options, key=f"results_by{key}",
                                                        index=keep.index(f"results_by{key}", options)))
    if by == "(choose a column)":
        return
    found = results.version_results(store, section.model, arguments["since"], arguments["until"],
                                    arguments["list_name"], by=by, owner=arguments.get("owner")).by
    assert found is not None  # asked for with ``by``
    rows = []
    for value, tiers in found.values:
        scored = sum(t.scored for t in tiers.values())
        known = sum(t.with_outcome for t in tiers.values())
        converted = sum(t.converted for t in tiers.values())
        high = tiers["High"]
        rows.append({by: value, "Leads scored": scored, "With an outcome": known, "Converted": converted,
                     "Real conversion": percent(converted / known) if known else "",
                     "High leads converted": (f"{high.converted:,} of {high.with_outcome:,}"
                                              if high.with_outcome else "")})
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config=COUNTS)
    if found.values_total > len(rows):
        st.caption(f"The {len(rows)} values with the most leads of {found.values_total:,}.")


def drift(section: VersionResults, titles: dict[str, str]) -> None:
    """Which fields of the leads scored in the period moved away from the leads the model learned from."""
    st.subheader("Have the incoming leads changed?")
    st.markdown(md_escape(drift_sentence(section.drift, section.drift_about, titles)))
    if section.drift and section.drift[0].psi is not None:
        st.dataframe(drift_table(section.drift, titles), hide_index=True, column_config=COUNTS)


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
    st.markdown(md_escape(f"Scored {len(history)} time(s): from {first.tier} "
                          f"({chance(first.chance)}) to {last.tier} ({chance(last.chance)})."))


def analysts(report: results.Results, section: VersionResults) -> None:
    """The technical names and figures, collapsed."""
    with st.expander("Details for analysts"):
        ranking = section.ranking
        auc = "n/a" if ranking.auc is None else f"{ranking.auc:.3f}"
        st.markdown(f"- ROC AUC on the leads with a known outcome: {auc} ({ranking.leads:,} leads)\n"
                    "- Ranges: 95% Wilson score interval of each tier's rate\n"
                    f"- Drift: population stability index (PSI) per field against the model version's training "
                    f"leads (ten quantile bins per number, level shares per category); stable below "
                    f"{STABLE_BELOW}, moderate to {MODERATE_TO}, significant above; not judged under "
                    f"{MIN_LEADS} leads")
        if section.drift and section.drift[0].psi is not None:
            st.dataframe(pd.DataFrame([{"Field": e.field, "PSI": e.psi, "Status": e.status}
                                       for e in section.drift]), hide_index=True)
        st.caption(md_escape(f"Model version {section.model.version}."))
        for note in report.notes:
            st.caption(md_escape(note))


def columns(store: Store, scorer: Scorer, owner: str | None = None) -> list[str]:
    """Columns to break the results down by: each lead's recorded owner first (everyone's results: a manager's
    per-owner breakdown), then the newest saved list's columns as read, else the model's fields."""
    lists = store.saved_lists(owner=owner)
    found = ([f.name for f in scorer.schema.fields] if not lists else
             _list_columns(lists[0].name, lists[0].created_at.isoformat(), lists[0].leads, store))
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
