"""The "Triage a lead list" page for an outcome model: template, matching and checks from the model's schema.

The file is read as text, as the CRM wrote it; each field is found among its
headers (ignoring case, spaces, dashes and underscores) and a field the file
lacks can be mapped to another column or, on purpose, scored as unknown.
Empty cells are scored (unknown is information), a category level never seen
in training is scored as "other", and only a value that cannot be what its
field is (text in a number field) rejects its row: rows in = rows scored +
rows rejected, shown on the page. Every column of the file is kept.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from leadscore import charts
from leadscore.data import csvio, export
from leadscore.data.export import to_safe_csv
from leadscore.fields.builtin import REJECTION_COLUMNS, input_renames
from leadscore.fields.field import ColumnMatch, OutcomeSchema
from leadscore.modeling.tiers import OUTCOME_TIERS
from leadscore.scoring import triage
from leadscore.scoring.outcome_scorer import OUTPUT_COLUMNS, REASON_COLUMNS, OutcomeScorer
from leadscore.scoring.outcome_template import template_frame
from ui import engine, filters, outcome_widgets, rejected_rows
from ui.text import md_escape

UNKNOWN_COLUMN = "(not in this file: score it as unknown for every lead)"


def _header(scorer: OutcomeScorer) -> tuple[bytes, str] | None:
    """Title, template download and the uploader; the uploaded file, or None."""
    schema = scorer.model.schema
    st.title("Triage a lead list")
    st.caption("Upload this week's lead list from the CRM: every lead gets a tier, its chance of conversion "
               f"(learned from your own history, where converted means {outcome_widgets.predicts(scorer)}) and "
               "the reasons. Call the High leads first.")
    st.download_button("Download the CSV template", to_safe_csv(template_frame(schema)), "lead-template.csv",
                       "text/csv", help="The columns the model reads, with one typical lead. Extra columns are kept.")
    upload = st.file_uploader("Upload a lead list (CSV)", type=["csv", "txt"], key="upload",
                              help="One row per lead, as the CRM exports it. Empty cells are fine; extra columns "
                                   "such as name, email or owner are kept.")
    if upload is None:
        st.info("Upload a CSV with one row per lead. The model reads these columns: "
                + ", ".join(md_escape(f.name) for f in schema.fields)
                + ". Empty cells are scored as unknown.")
        return None
    return upload.getvalue(), upload.name


def _match(schema: OutcomeSchema, table: pd.DataFrame) -> tuple[dict[str, str], ColumnMatch]:
    """Columns found, and for each field the file lacks, a select box: another column or unknown.

    Returns {file column: field name} for the columns chosen, and the matching before the choices.
    """
    found = schema.map_columns(table.columns)
    spare = [c for c in table.columns if c not in found.headers.values()]
    chosen: dict[str, str] = {}
    with st.expander("Columns and matching", expanded=bool(found.missing or found.conflicts)):
        st.markdown("**Found:** " + (", ".join(
            md_escape(h) + ("" if h == n else f" → {md_escape(n)}") for n, h in found.headers.items()) or "none"))
        others = [c for c in spare if not any(c in group for group in found.conflicts.values())]
        if others:
            st.markdown("**Kept as extra columns:** " + ", ".join(map(md_escape, others)))
        for name in found.missing:
            choice = st.selectbox(f"Field “{md_escape(schema.field(name).title)}” ({md_escape(name)}) is not in "
                                  "the file. Take it from:", [*spare, UNKNOWN_COLUMN], index=None, key=f"match.{name}",
                                  placeholder="choose a column of the file")
            if choice is not None:
                chosen[name] = choice
    return chosen, found


def _prepared(table: pd.DataFrame, chosen: dict[str, str]) -> tuple[pd.DataFrame, dict[str, str]]:
    """The table with chosen columns under the field's name (and empty ones for unknown); the renames back."""
    out = table.copy()
    back = {}
    for name, column in chosen.items():
        if column == UNKNOWN_COLUMN:
            out[name] = ""
        else:
            out = out.rename(columns={column: name})
            back[name] = column
    return out, back


def _score(scorer: OutcomeScorer, table: pd.DataFrame, file_key: str, choice: tuple[tuple[str, str], ...]
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score every row in chunks (cached), with a progress bar when there is more than one chunk."""
    return engine.score_in_chunks(scorer, table, file_key, choice, None)


def _empty_cells(schema: OutcomeSchema, cells: pd.DataFrame) -> int:
    """How many cells are empty or a placeholder ("Select", "N/A"…): scored as unknown."""
    placeholders = [p.strip().lower() for p in schema.placeholders]
    text = cells.apply(lambda column: column.astype("string").str.strip().str.lower())
    return int((text.isna() | text.isin(placeholders)).to_numpy().sum())


def _rejections(problems: pd.DataFrame, table: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """The problems with the lead's ID and name after the row number."""
    shown = problems.loc[:, list(REJECTION_COLUMNS)].reset_index(drop=True)
    leads = table.iloc[shown["row"].to_numpy() - 1].loc[:, ids].reset_index(drop=True)
    return pd.concat([shown[["row"]], leads, shown.drop(columns="row")], axis=1)


def _report(rows_read: int, scored: int, problems: pd.DataFrame, empty_cells: int) -> None:
    st.subheader("1. Checking the file")
    rejected = int(problems["row"].nunique()) if len(problems) else 0
    a, b, c = st.columns(3)
    a.metric("Rows read", f"{rows_read:,}")
    b.metric("Scored", f"{scored:,}")
    c.metric("Rejected", f"{rejected:,}")
    st.caption(f"Rows read {rows_read:,} = scored {scored:,} + rejected {rejected:,}. "
               f"{empty_cells:,} empty cell(s) were scored: as unknown, or as the usual value in a field that was "
               "never empty in your history; a value never seen in your history is scored as “other”.")
    rejected_rows.show_rejected_rows(problems, rejected)



@st.fragment
def _results(scorer: OutcomeScorer, scored: pd.DataFrame, result_key: str, extra: list[str],
             headers: dict[str, str]) -> None:
    """Tier counts, filters, the list and one lead's explanation; filtering reruns only this part.

    ``scored`` has the file's own headers; ``headers`` maps each field to its header.
    """
    schema = scorer.model.schema
    st.subheader("2. Scored leads")
    counts = {tier: int((scored["tier"] == tier).sum()) for tier in OUTCOME_TIERS}
    helps = outcome_widgets.tier_help(scorer)
    left, right = st.columns([1, 1.3])
    with left:
        for column, tier in zip(st.columns(len(OUTCOME_TIERS)), OUTCOME_TIERS, strict=True):
            column.metric(tier, f"{counts[tier]:,}", help=helps[tier])
        st.metric("Expected conversions", f"{scored['p_convert'].sum():,.0f}",
                  help="The sum of every lead's chance of conversion, learned from your own history.")
        st.caption("Expected conversions add up each lead's chance of conversion. " + " ".join(
            f"{tier}: {helps[tier]}." for tier in OUTCOME_TIERS))
    right.plotly_chart(charts.tier_distribution(counts), config={"displayModeBar": False})

    f1, f2 = st.columns([1, 1])
    tiers = f1.multiselect("Show tiers", list(OUTCOME_TIERS), default=list(OUTCOME_TIERS), key="otiers")
    lowest, highest = f2.slider("Chance of conversion between (%)", 0, 100, (0, 100), key="op_convert")
    ordered = triage.call_order(scored, "p_convert")
    view = ordered[ordered["tier"].isin(tiers) & ordered["p_convert"].between(lowest / 100, highest / 100)]
    view = filters.extra_column_filters(view, extra, "ofilter")
    st.caption(f"Showing {len(view):,} of {len(scored):,} leads, High first. Click a column header to sort; "
               "tick a row's box to see why it got its tier.")
    first = ("row", *([schema.id_column] if schema.id_column else []))
    order = list(export.reading_order(view.iloc[:0], first=first).columns)
    event = st.dataframe(
        view, hide_index=True, column_order=order, on_select="rerun", selection_mode="single-row", key="otable",
        height=420, column_config={
            "row": st.column_config.NumberColumn("Row", format="%d"), "tier": "Tier",
            "score": st.column_config.NumberColumn("Score", format="%d"),
            "p_convert": st.column_config.ProgressColumn("Chance of conversion", format="percent", min_value=0,
                                                         max_value=1),
            **{c: f"Reason {i}" for i, c in enumerate(REASON_COLUMNS, 1)}})
    d1, d2 = st.columns(2)
    d1.download_button(f"Download all {len(scored):,} scored leads (CSV)",
                       lambda: engine.safe_csv(f"{result_key}:all", export.reading_order(ordered, first=first)),
                       "scored-leads.csv", "text/csv", type="primary", key="odownload_all")
    d2.download_button(f"Download the {len(view):,} shown (CSV)",
                       lambda: to_safe_csv(export.reading_order(view, first=first)), "scored-leads-filtered.csv",
                       "text/csv", key="odownload_view")
    if view.empty:
        return
    chosen = event.selection.rows[0] if event.selection.rows else 0
    row = view.iloc[chosen]
    ids = export.identity_columns([c for c in view.columns if c not in OUTPUT_COLUMNS])
    name = next((str(row[c]) for c in (*first[1:], *ids) if c in view.columns), f"row {row['row']}")
    st.subheader(f"3. Why this tier: {md_escape(name)} (row {row['row']})")
    if not event.selection.rows:
        st.caption("Showing the first lead in the list; tick another row's box to explain it.")
    lead = {f.name: row[headers[f.name]] for f in schema.fields}
    outcome_widgets.explanation(scorer, scorer.score_lead(lead), lead)


def page(scorer: OutcomeScorer) -> None:
    """The whole page for an outcome model."""
    schema = scorer.model.schema
    source = _header(scorer)
    if source is None:
        return
    content, name = source
    file_key = engine.digest(content)
    st.caption(f"File: **{md_escape(name)}**")
    try:
        table = engine.read_upload(content, name, as_text=True)
    except csvio.TableError as error:
        st.error(f"This file cannot be read: {md_escape(error)}")
        return
    table = table.rename(columns=input_renames(table.columns, ("row", *OUTPUT_COLUMNS)))
    if table.empty:
        st.warning(f"{md_escape(name)} has a header row but no leads in it. Rows read: 0.")
        return
    chosen, found = _match(schema, table)
    prepared, back = _prepared(table, chosen)
    match = schema.map_columns(prepared.columns)
    if match.problem():
        st.error(f"This file cannot be scored yet: {md_escape(match.problem())}. Choose where each field comes "
                 "from under “Columns and matching”, or fix the file and upload it again.")
        return
    choice = tuple(sorted(chosen.items()))
    scored, problems = _score(scorer, prepared, file_key, choice)
    rejected = problems["row"].nunique() if len(problems) else 0
    assert len(table) == len(scored) + rejected
    fields = [match.headers[f.name] for f in schema.fields]
    empty = _empty_cells(schema, prepared.loc[:, fields])
    ids = [c for c in (schema.id_column,) if c in table.columns] or export.identity_columns(list(table.columns))
    shown = _rejections(problems, table, ids).replace({"column": back})
    _report(len(table), len(scored), shown, empty)
    if scored.empty:
        st.error("No row could be scored; see the problems above.")
        return
    extra = [c for c in table.columns if c not in found.headers.values() and c not in ids and c not in back.values()]
    headers = {name: back.get(name, header) for name, header in match.headers.items()}
    _results(scorer, scored.rename(columns=back), f"{file_key}:{scorer.version}:{choice}", extra, headers)
