"""Triage a lead list: upload, check, score, filter, sort, explain one lead, download what is shown.

Whatever the model, the file is read as text, as the CRM wrote it; each field
is found among its headers and every column of the file is kept as written
(a flag written ``Yes`` comes back ``Yes``, under the file's own header).
Rows in = rows scored + rows rejected, shown on the page.
"""

import pandas as pd
import streamlit as st

from leadscore import charts, plain_words
from leadscore.data import csvio, export
from leadscore.data.export import to_safe_csv
from leadscore.fields.headers import input_renames
from leadscore.fields.rejections import REJECTION_COLUMNS
from leadscore.modeling.model import CHANCE_COLUMNS
from leadscore.modeling.target import REASON_COLUMNS
from leadscore.modeling.tiers import TIERS
from leadscore.scoring import triage
from leadscore.scoring.scorer import Scorer
from leadscore.scoring.template import template_frame
from ui import engine, guard, keep, lead_list, rejected_rows, saved_lists, store_faults, widgets
from ui.text import md_escape

SAMPLE_NAME = "sample-leads.csv"
TABLE_KEY = "table"
#: How the columns scoring adds are titled on screen, besides the target's own (``Target.file_columns``).
COLUMN_TITLES = {"row": "Row", "tier": "Tier", **{c: f"Reason {i}" for i, c in enumerate(REASON_COLUMNS, 1)}}


def _header(scorer: Scorer) -> None:
    """Title, template, the sample list (when the model's leads can be generated) and the uploader."""
    schema = scorer.schema
    st.title("Triage a lead list")
    st.caption("Upload this week's lead list from the CRM: every lead gets a priority tier and the reasons. Call "
               "the High leads first. The list stays here while you visit the other pages.")
    t1, t2 = st.columns(2)
    t1.download_button("Download the CSV template", to_safe_csv(template_frame(schema)), "lead-template.csv",
                       "text/csv", help="The columns the model reads, with one typical lead. Extra columns are kept.")
    if scorer.model.target.sample_list:  # generated leads of the model's own fields
        if t2.button("Try the sample list (10,000 generated leads)"):
            lead_list.use_list(engine.sample_list_csv(), SAMPLE_NAME)
    else:
        t2.caption("No sample list for this model: it reads your own CRM's columns. Upload a list of your leads.")
    lead_list.uploader()


def _rejections(problems: pd.DataFrame, table: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """The problems (columns named as in the file) with the lead's ID and name after the row number."""
    shown = problems.loc[:, list(REJECTION_COLUMNS)].reset_index(drop=True)
    # The table's index is each row's place in the file (0-based); a row set aside while reading has no cells.
    leads = table.reindex(shown["row"].to_numpy() - 1).loc[:, ids].fillna("").reset_index(drop=True)
    return pd.concat([shown[["row"]], leads, shown.drop(columns="row")], axis=1)


def _empty_cells(scorer: Scorer, cells: pd.DataFrame) -> int:
    """How many of the fields' cells are empty or a placeholder ("Select", "N/A"…)."""
    placeholders = [p.strip().lower() for p in scorer.schema.placeholders]
    text = cells.apply(lambda column: column.astype("string").str.strip().str.lower())
    return int((text.isna() | text.isin(placeholders)).to_numpy().sum())


def _report(rows_read: int, scored: int, problems: pd.DataFrame, empty_cells: int) -> None:
    st.subheader("1. Checking the file")
    rejected = int(problems["row"].nunique()) if len(problems) else 0
    a, b, c = st.columns(3)
    a.metric("Rows read", f"{rows_read:,}")
    b.metric("Scored", f"{scored:,}")
    c.metric("Rejected", f"{rejected:,}")
    st.caption(f"Rows read {rows_read:,} = scored {scored:,} + rejected {rejected:,}."
               + (f" {empty_cells:,} empty cell(s) were scored as unknown (or as the usual value of a field that "
                  "was never empty in the training data); a value never seen in training counts as “other”."
                  if empty_cells else ""))
    rejected_rows.show_rejected_rows(problems, rejected)


def fits(found_fields: int, fields: int) -> bool:
    """Whether a file looks like a list for the model: at least half of its fields found among the headers."""
    return 2 * found_fields >= fields


def _does_not_fit(scorer: Scorer, headers: dict[str, str], columns: int) -> None:
    """One message instead of a prompt per missing field: this file is not a list for this model."""
    schema = scorer.schema
    found = ", ".join(md_escape(schema.field(n).title) for n in headers) or "none"
    st.warning(f"This file does not fit {scorer.model.target.model_words}: it reads "
               f"{len(schema.fields)} fields ({', '.join(md_escape(f.title) for f in schema.fields)}), and only "
               f"{len(headers)} of them ({found}) {'is' if len(headers) == 1 else 'are'} among the file's "
               f"{columns:,} columns.\n\n"
               "If this is your CRM's export, with a won/lost column: train a model on it first, and score "
               "your leads with their own columns.")
    st.page_link("app_pages/model.py", label="Train on your CRM history (Model page)", icon=":material/school:")


def _columns(scorer: Scorer, table: pd.DataFrame, file_key: str) -> tuple[pd.DataFrame, dict[str, str]] | None:
    """The columns found, and a choice for each field the file lacks; the table and the matching to score with.

    A file that holds fewer than half of the model's fields (a CRM export while the built-in model is active)
    gets one message pointing to training a model on it, the matching folded away below it."""
    schema = scorer.schema
    found = schema.map_columns(table.columns)
    spare = list(found.unrecognised)
    fitting = fits(len(found.headers), len(schema.fields))
    if not fitting:
        _does_not_fit(scorer, found.headers, len(table.columns))
    title = "Columns and matching" if fitting else "Match the columns by hand anyway"
    with st.expander(title, expanded=fitting and bool(found.missing or found.conflicts)):
        st.markdown("**Found:** " + (", ".join(
            md_escape(h) + ("" if h == n else f" → {md_escape(schema.field(n).title)}")
            for n, h in found.headers.items()) or "none"))
        if spare:
            st.markdown("**Kept as extra columns:** " + ", ".join(
                lead_list.column_words(c) for c in spare))
        chosen = lead_list.match_missing(schema, file_key, found.missing, spare)
    table, extra = lead_list.prepared(table, chosen)
    problem = schema.map_columns(table.columns, extra).problem()
    if problem:
        if fitting:
            st.error(f"This file cannot be scored yet: {md_escape(problem)}. Choose the column it is in under "
                     "“Columns and matching”, or fix the file and upload it again.")
        return None
    return table, extra


def shown_chances(table: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The table with its chances as every page writes them ("85%", "over 99%"): the table and a lead's
    explanation never disagree (100% beside "over 99%")."""
    chances = [c for c in columns if c in table.columns and c != "score"]
    return table.assign(**{c: table[c].map(plain_words.chance) for c in chances})


@store_faults.fragment
def results(scorer: Scorer, scored: pd.DataFrame, result_key: str, headers: dict[str, str], ids: list[str]) -> None:
    """Tier counts, filters, sorting, the list and one lead's explanation; these rerun only this part.

    ``scored`` has the file's own headers; ``headers`` maps each field to its header; ``ids`` are the columns
    that say who a lead is.
    """
    target = scorer.model.target
    st.subheader("2. Scored leads")
    counts = {tier: int((scored["tier"] == tier).sum()) for tier in TIERS}
    rows = scorer.rows(scored)  # each lead's chance of conversion, as the store records it
    helps = widgets.tier_help(target, target.promises(rows.chance, rows.tier), counts)
    left, right = st.columns([1, 1.3])
    with left:
        for column, tier in zip(st.columns(len(TIERS)), TIERS, strict=True):
            column.metric(tier, f"{counts[tier]:,}", help=helps[tier])
        expected = triage.expected_conversions(rows.chance)
        st.metric("Expected conversions", f"{expected:,.0f}",
                  help="The leads' chances of conversion added up: each tier's count times what it promises for "
                       "its leads here.")
        st.caption(" ".join(f"{tier}: {helps[tier]}" for tier in TIERS))
    right.plotly_chart(charts.tier_distribution(counts), config=widgets.NO_BAR)

    titles = {**COLUMN_TITLES, **{c.name: c.title for c in target.file_columns}}
    chance = target.headline_column
    f1, f2 = st.columns([1, 1])
    tiers = keep.remember("tiers", f1.multiselect("Show tiers", list(TIERS), default=keep.value("tiers", list(TIERS)),
                                                  key="tiers"))
    lowest, highest = keep.remember("chance", f2.slider(f"{titles[chance]} between (%)", 0, 100,
                                                        keep.value("chance", (0, 100)), key="chance"))
    ordered = triage.call_order(scored, target)
    view = ordered[ordered["tier"].isin(tiers) & ordered[chance].between(lowest / 100, highest / 100)]
    skip = {*headers.values(), *ids, *scorer.output_columns, "row"}
    view = lead_list.filters(view, lead_list.filter_columns(scored, sorted(skip)))
    order = list(export.for_download(view.iloc[:0], scorer.file_columns, scorer.schema.id_column).columns)
    order = [c for c in order if c not in {c.name for c in target.file_columns if not c.shown}]
    by, descending = lead_list.sort_controls(order, titles, TABLE_KEY)
    view = lead_list.sorted_view(view, by, descending).reset_index(drop=True)
    st.caption(f"Showing {len(view):,} of {len(scored):,} leads"
               + (", High first" if by == lead_list.CALL_ORDER else f", by {titles.get(by, by)}")
               + ". Tick a row's box to see why it got its tier.")
    chances = tuple(c.name for c in target.file_columns if c.chance)
    event = st.dataframe(shown_chances(view, chances), hide_index=True, column_order=order, on_select="rerun",
                         selection_mode=["single-row", "single-column"], key=TABLE_KEY, height=420,
                         column_config={**{c: t for c, t in titles.items() if c in view.columns},
                                        "row": st.column_config.NumberColumn("Row", format="%d")})
    shown = export.for_download(view, scorer.file_columns, scorer.schema.id_column)
    d1, d2 = st.columns(2)
    everything = export.for_download(ordered, scorer.file_columns, scorer.schema.id_column)
    d1.download_button(f"Download all {len(scored):,} scored leads (CSV)",
                       lambda: engine.safe_csv(f"{result_key}:all", everything, scorer.chance_columns),
                       "scored-leads.csv", "text/csv", type="primary", key="download_all")
    d2.download_button(f"Download the {len(view):,} shown (CSV)",
                       lambda: to_safe_csv(shown, rounded=scorer.chance_columns),
                       "scored-leads-shown.csv", "text/csv", key="download_view",
                       help="The leads shown, in the order shown, with the file's own columns as written.")
    if view.empty:
        return
    chosen = event.selection.rows[0] if event.selection.rows else 0
    row = view.iloc[chosen]
    st.subheader(f"3. Why this tier: {md_escape(widgets.lead_heading(row, ids, int(row['row'])))}")
    if not event.selection.rows:
        st.caption("Showing the first lead in the list; tick another row's box to explain it.")
    lead = {f.name: row[headers[f.name]] for f in scorer.schema.fields}
    widgets.lead_explanation(scorer.schema, target, scorer.score_lead(lead))


def page(scorer: Scorer) -> None:
    """The whole page."""
    _header(scorer)
    reopened = saved_lists.reopen()
    if reopened is not None:  # scored by any version: its target's chance columns, as every page writes a chance
        st.dataframe(shown_chances(reopened, CHANCE_COLUMNS), hide_index=True, height=420,
                     column_config={c: t for c, t in COLUMN_TITLES.items() if c in reopened.columns})
    source = lead_list.current_list()
    if source is None:
        st.info("Upload a CSV with one row per lead. The model reads these columns: "
                + ", ".join(md_escape(f.title) for f in scorer.schema.fields)
                + ". Common CRM spellings of a header are recognised; extra columns are kept.")
        return
    content, name = source
    file_key = engine.digest(content)
    if lead_list.note():
        st.info(md_escape(lead_list.note()))
    a, b = st.columns([4, 1], vertical_alignment="center")
    a.caption(f"List: **{md_escape(name)}** (kept while you visit the other pages)")
    b.button("Clear the list", on_click=lead_list.forget_list)
    try:
        table, ragged = engine.read_upload(content, name)
    except csvio.TableError as error:
        st.error(f"This file cannot be read: {md_escape(error)}")
        return
    table = table.rename(columns=input_renames(table.columns, ("row",)))  # the page numbers rows in "row"
    if table.empty and not ragged:
        st.warning(f"{md_escape(name)} has a header row but no leads in it. Rows read: 0.")
        return
    own = guard.own_rows(table, ragged)  # a rep: their own rows only
    if own is None:
        return
    table, ragged = own
    file_key = guard.scoped_key(file_key)  # a rep's rows are cached apart from the whole file's
    matched = _columns(scorer, table, file_key)
    if matched is None:
        return
    table, extra = matched
    choice = tuple(sorted(extra.items()))
    scored, problems = engine.score_in_chunks(scorer, table, file_key, choice)
    if ragged:  # rows with more or fewer cells than the header: rejected, with their cells
        problems = pd.concat([pd.DataFrame(ragged, columns=list(REJECTION_COLUMNS)), problems], ignore_index=True)
        problems = problems.sort_values("row", kind="stable", ignore_index=True)
    match = scorer.schema.map_columns(table.columns, extra)
    renames = input_renames(table.columns, scorer.output_columns)
    headers = {n: renames.get(h, h) for n, h in match.headers.items()}
    ids = export.identity_columns([renames.get(c, c) for c in table.columns], scorer.schema.id_column)
    _report(len(table) + len(ragged), len(scored), _rejections(problems, table.rename(columns=renames), ids),
            _empty_cells(scorer, table.loc[:, list(match.headers.values())]))
    if scored.empty:
        st.error("No row could be scored; see the problems above.")
        return
    saved_lists.drift_note(scorer, scored, headers)
    result_key = f"{file_key}:{scorer.version}:{choice}"
    results(scorer, scored, result_key, headers, ids)
    st.subheader("4. Save this list")
    saved_lists.save_form(scorer, scored, headers, [renames.get(c, c) for c in table.columns], result_key)


page(engine.active_scorer())
