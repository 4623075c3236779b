"""Triage a lead list: upload, check, score, filter, explain one lead, download."""

import pandas as pd
import streamlit as st

from leadscore import charts
from leadscore.data import csvio, export
from leadscore.data.export import to_safe_csv
from leadscore.fields.builtin import (
    FEATURE_NAMES,
    FEATURES_BY_NAME,
    ID_COLUMN,
    PROBABILITY_COLUMNS,
    REASON_COLUMNS,
    REJECTION_COLUMNS,
    TIERS,
    ColumnMapping,
    input_renames,
    map_columns,
)
from leadscore.scoring import triage
from leadscore.scoring.any_scorer import is_outcome
from leadscore.scoring.scorer import Scorer
from ui import engine, filters, outcome_triage, rejected_rows, widgets
from ui.text import md_escape

KEEP = "(keep as an extra column)"
SAMPLE_NAME = "sample-leads.csv"


def _source() -> tuple[bytes, str] | None:
    """The file to triage: an upload, else the sample list when asked for."""
    upload = st.file_uploader("Upload a lead list (CSV)", type=["csv", "txt"], key="upload",
                              help="One row per lead. Comma, semicolon or tab separated; extra columns such as "
                                   "name, email or owner are kept.")
    if upload is not None:
        st.session_state["use_sample"] = False
        return upload.getvalue(), upload.name
    if st.session_state.get("use_sample"):
        return engine.sample_list_csv(), SAMPLE_NAME
    return None


def _column_mapper(columns: list[str], unrecognised: tuple[str, ...], missing: tuple[str, ...]) -> dict[str, str]:
    """Selectboxes that map an unrecognised column to a feature; returns header -> feature."""
    extra = {}
    for header in unrecognised:
        choice = st.selectbox(f"Column “{md_escape(header)}”", [KEEP, *FEATURE_NAMES], key=f"map.{header}",
                              format_func=lambda n: n if n == KEEP else f"{FEATURES_BY_NAME[n].label} ({n})")
        if choice != KEEP:
            extra[header] = choice
    if missing:
        st.caption("Still missing: " + ", ".join(FEATURES_BY_NAME[m].label for m in missing))
    return extra


def _score(scorer: Scorer, table: pd.DataFrame, file_key: str, extra: dict[str, str],
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score every row in chunks (cached), with a progress bar when there is more than one chunk."""
    return engine.score_in_chunks(scorer, table, file_key, tuple(sorted(extra.items())),
                                  map_columns(table.columns, extra))


def _rejections(problems: pd.DataFrame, table: pd.DataFrame, mapping: ColumnMapping) -> pd.DataFrame:
    """The problems with the columns named as in the file and the lead's ID and name after the row."""
    shown = export.as_in_file(problems, mapping).loc[:, list(REJECTION_COLUMNS)]
    ids = export.identity_columns(list(table.columns), mapping)
    leads = table.iloc[shown["row"].to_numpy() - 1].loc[:, ids].reset_index(drop=True)
    return pd.concat([shown[["row"]], leads, shown.drop(columns="row")], axis=1)


def _report(rows_read: int, scored: int, problems: pd.DataFrame, recognised: tuple, unrecognised: tuple) -> None:
    st.subheader("1. Checking the file")
    rejected = int(problems["row"].nunique()) if len(problems) else 0
    a, b, c = st.columns(3)
    a.metric("Rows read", f"{rows_read:,}")
    b.metric("Scored", f"{scored:,}")
    c.metric("Rejected", f"{rejected:,}")
    st.caption(f"Recognised {len(recognised)} of {len(FEATURE_NAMES)} fields. "
               + (f"Extra columns kept as they are: {', '.join(map(md_escape, unrecognised))}." if unrecognised
                  else "No extra columns."))
    rejected_rows.show_rejected_rows(problems, rejected)



@st.fragment
def results(scorer: Scorer, scored: pd.DataFrame, result_key: str, mapping: ColumnMapping) -> None:
    """Tier counts, filters, the list and one lead's explanation; filtering reruns only this part."""
    st.subheader("2. Scored leads")
    counts = {tier: int((scored["tier"] == tier).sum()) for tier in TIERS}
    low, high = triage.expected_conversions(counts)
    left, right = st.columns([1, 1.3])
    with left:
        for column, tier in zip(st.columns(len(TIERS)), reversed(TIERS), strict=True):
            column.metric(f"{tier}", f"{counts[tier]:,}", help=widgets.TIER_HELP[tier])
        st.metric("Expected conversions", f"{low:,.0f}–{high:,.0f}",
                  help="Tier counts times the original study's conversion rates: High 35–40%, Medium 15–20%, Low 2–5%.")
        st.caption("Expected conversions use the original study's conversion rate for each tier "
                   "(High 35–40%, Medium 15–20%, Low 2–5%).")
    right.plotly_chart(charts.tier_distribution(counts), config={"displayModeBar": False})

    f1, f2 = st.columns([1, 1])
    tiers = f1.multiselect("Show tiers", list(reversed(TIERS)), default=list(reversed(TIERS)), key="tiers")
    lowest, highest = f2.slider("Chance of High between (%)", 0, 100, (0, 100), key="p_high")
    ordered = triage.call_order(scored, "p_high")
    view = ordered[ordered["tier"].isin(tiers) & ordered["p_high"].between(lowest / 100, highest / 100)]
    extra_columns = tuple(c for c in mapping.unrecognised if c not in export.identity_columns([c], mapping))
    view = filters.extra_column_filters(view, extra_columns, "filter")
    st.caption(f"Showing {len(view):,} of {len(scored):,} leads, High first. Click a column header to sort; "
               "tick a row's box to see why it got its tier.")
    order = list(export.reading_order(view.iloc[:0], mapping, first=("row",)).columns)
    percent = {c: st.column_config.ProgressColumn(f"Chance of {t}", format="percent", min_value=0, max_value=1)
               for c, t in zip(PROBABILITY_COLUMNS, TIERS, strict=True)}
    event = st.dataframe(view, hide_index=True, column_order=order, on_select="rerun",
                         selection_mode="single-row", key="table", height=420,
                         column_config={"row": st.column_config.NumberColumn("Row", format="%d"),
                                        ID_COLUMN: "Lead", "tier": "Tier", "confidence": None, **percent,
                                        **{c: f"Reason {i}" for i, c in enumerate(REASON_COLUMNS, 1)}})
    d1, d2 = st.columns(2)
    d1.download_button(f"Download all {len(scored):,} scored leads (CSV)",
                       lambda: engine.safe_csv(f"{result_key}:all", export.for_download(ordered, mapping)),
                       "scored-leads.csv", "text/csv", type="primary", key="download_all")
    d2.download_button(f"Download the {len(view):,} shown (CSV)",
                       lambda: to_safe_csv(export.for_download(view, mapping)), "scored-leads-filtered.csv",
                       "text/csv", key="download_view")
    if view.empty:
        return
    chosen = event.selection.rows[0] if event.selection.rows else 0
    lead_row = view.iloc[chosen]
    name = next((str(lead_row[c]) for c in (ID_COLUMN, "name") if c in view.columns), f"row {lead_row['row']}")
    st.subheader(f"3. Why this tier: {md_escape(name)} (row {lead_row['row']})")
    if not event.selection.rows:
        st.caption("Showing the first lead in the list; tick another row's box to explain it.")
    lead = {f: float(lead_row[f]) for f in FEATURE_NAMES}
    widgets.lead_explanation(scorer.score_lead(lead), lead)


scorer = engine.active_scorer()
if is_outcome(scorer):  # a model of the team's own history: template, matching and checks from its schema
    outcome_triage.page(scorer)
    st.stop()
st.title("Triage a lead list")
st.caption("Upload this week's lead list from the CRM: every lead gets a tier, the chance of each tier and the "
           "reasons. Call the High leads first.")
t1, t2 = st.columns(2)
t1.download_button("Download the CSV template", to_safe_csv(triage.template_frame()), "lead-template.csv",
                   "text/csv", help="The columns the model needs, with one example lead. Extra columns are kept.")
if t2.button("Try the sample list (10,000 generated leads)"):
    st.session_state["use_sample"] = True
source = _source()
if source is None:
    st.info("Upload a CSV with one row per lead, or try the sample list. Needed columns: "
            + ", ".join(FEATURE_NAMES) + ". Common CRM spellings (for example “FICO” or “annual income”) "
            "are recognised.")
    st.stop()
content, name = source
file_key = engine.digest(content)
st.caption(f"File: **{md_escape(name)}**")
try:
    table = engine.read_upload(content, name)
except csvio.TableError as error:
    st.error(f"This file cannot be read: {md_escape(error)}")
    st.stop()
table = table.rename(columns=input_renames(table.columns, ("row",)))  # the page numbers rows in "row"
if table.empty:
    st.warning(f"{md_escape(name)} has a header row but no leads in it. Rows read: 0.")
    st.stop()
detected = map_columns(table.columns)
with st.expander("Columns and mapping", expanded=bool(detected.missing)):
    st.markdown("**Recognised:** " + (", ".join(detected.recognised) or "none"))
    if detected.renames:
        st.caption("Renamed: " + ", ".join(f"{md_escape(h)} → {f}" for h, f in detected.renames.items()))
    if detected.unrecognised:
        st.markdown("**Not recognised:** " + ", ".join(map(md_escape, detected.unrecognised))
                    + ". Kept as extra columns unless you map one to a field:")
    extra = _column_mapper(list(table.columns), detected.unrecognised, detected.missing)
mapping = map_columns(table.columns, extra)
if mapping.problem():
    st.error(f"This file cannot be scored yet: {md_escape(mapping.problem())}. Map the column under "
             "“Columns and mapping”, or fix the file and upload it again.")
    st.stop()
result_key = f"{file_key}:{scorer.version}:{sorted(extra.items())}"
scored, problems = _score(scorer, table, file_key, extra)
assert len(table) == len(scored) + (problems["row"].nunique() if len(problems) else 0)
_report(len(table), len(scored), _rejections(problems, table, mapping), mapping.recognised,
        mapping.unrecognised)
if scored.empty:
    st.error("No row could be scored; see the problems above.")
    st.stop()
results(scorer, scored, result_key, mapping)
