"""Train on your own CRM history (Model page): upload an export, review its columns, train, publish.

The file is read as the CRM wrote it; the manager picks the outcome column and
the values that mean converted, reviews what each column is used for, and
trains with the same ``train_outcome`` as ``leadscore train --target``. The new
model lives in this browser session until it is published; publishing is
guarded like retraining (ui/guard.py) and gated on its held-out AUC.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
import streamlit as st

from leadscore.data import csvio
from leadscore.fields.builtin import SchemaError, header_key
from leadscore.fields.infer import OutcomeError, Review, infer_columns, infer_positive, missing_mask
from leadscore.modeling import outcome
from leadscore.modeling.leakage import name_sign
from leadscore.modeling.outcome_summary import READY_AUC, is_ready
from ui import engine, outcome_report
from ui.guard import current_guard, password_problem
from ui.publish import publish_candidate
from ui.retrain import training_lock
from ui.text import md_escape

log = logging.getLogger(__name__)

CANDIDATE = "crm_candidate"
USE, IGNORE, ID = "use it", "ignore it", "ID"
SALESPERSON = "A salesperson can change it"
#: The review's note on a field whose name says a sales team may fill it in while working a lead.
CHECKED = "Filled in while a lead is worked?"
NO_ORDER = "(none: find a date or increasing ID, else split at random)"
#: Header names that usually hold a won/lost outcome.
OUTCOME_NAMES = ("converted", "won", "y", "outcome", "status", "result", "target", "label", "closed", "sale")
#: Header words that suggest a salesperson's own work (contacts, calls): ticked by default in the review.
ACTIONABLE_HINTS = ("contact", "campaign", "call", "email", "followup", "attempt", "touch")


def likely_outcome(frame: pd.DataFrame) -> int:
    """The position of the column most likely to be the outcome: a typical name, else the last 2-valued one."""
    keys = [header_key(c) for c in frame.columns]
    for name in OUTCOME_NAMES:
        if name in keys:
            return keys.index(name)
    two_valued = [i for i, c in enumerate(frame.columns)
                  if frame[c][~missing_mask(frame[c])].str.strip().str.lower().nunique() == 2]
    return two_valued[-1] if two_valued else len(frame.columns) - 1


def outcome_values(series: pd.Series) -> list[str]:
    """The column's filled values as spelled most often in the file, most frequent first (at most 50)."""
    filled = series[~missing_mask(series)].astype("string").str.strip()
    lowered = filled.str.lower()
    spelled = filled.groupby(lowered.to_numpy()).agg(lambda s: s.value_counts().index[0])
    return [str(spelled[v]) for v in lowered.value_counts().index[:50]]


@st.cache_data(max_entries=8, show_spinner=False)
def _review(file_key: str, target: str, order_by: str | None, _frame: pd.DataFrame) -> Review:
    return infer_columns(_frame, target, order_by=order_by)


def _review_table(review: Review) -> pd.DataFrame:
    rows = []
    for column in review.columns:
        if column.role in ("outcome", "order"):
            continue
        use = {"field": USE, "id": ID}.get(column.role, IGNORE)
        levels = ", ".join(column.levels[:6]) + (" …" if len(column.levels) > 6 else "")
        word = name_sign(column.name) if column.role == "field" else None
        rows.append({"Column": column.name, "Use": use,
                     SALESPERSON: column.role == "field" and any(h in header_key(column.name)
                                                                 for h in ACTIONABLE_HINTS),
                     "Kind": column.kind or "", "Why not used": column.reason, "Filled in": column.fill_rate,
                     "Levels": levels,
                     CHECKED: f"its name has '{word}': if it also sways the model, training leaves it out "
                              "(you can keep it then)" if word else ""})
    return pd.DataFrame(rows)


def training_choices(review: Review, edited: pd.DataFrame) -> dict[str, Any]:
    """``train_outcome`` arguments from the manager's edits of the review table."""
    roles = {c.name: c.role for c in review.columns}
    chosen_ids = [row["Column"] for _, row in edited.iterrows() if row["Use"] == ID]
    id_column = chosen_ids[0] if chosen_ids else None
    exclude = [row["Column"] for _, row in edited.iterrows()
               if roles[row["Column"]] == "field" and (row["Use"] == IGNORE or row["Column"] in chosen_ids[1:])]
    keep = [row["Column"] for _, row in edited.iterrows() if row["Use"] == USE and roles[row["Column"]] != "field"]
    actionable = [row["Column"] for _, row in edited.iterrows() if row["Use"] == USE and bool(row[SALESPERSON])]
    return {"id_column": id_column, "exclude": exclude, "keep": keep, "actionable": actionable}


def _train(content: bytes, name: str, args: dict[str, Any]) -> bool:
    """Train and keep the result as this session's candidate; False (and the reason shown) when it failed."""
    lock = training_lock()
    if not lock.acquire(blocking=False):
        st.warning("Another training is running on this server. Try again when it has finished.")
        return False
    bar = st.progress(0.0, text="Reading the file…")
    try:
        frame = engine.read_upload(content, name, as_text=True)
        result = outcome.train_outcome(
            frame, **args, candidates=outcome.CANDIDATES,
            progress=lambda message, fraction: bar.progress(min(1.0, max(0.0, fraction)), text=message))
    except (OutcomeError, outcome.NotEnoughDataError, SchemaError, csvio.TableError, ValueError) as error:
        st.error(f"Training failed: {md_escape(error)}. The active model is unchanged.")
        return False
    except Exception:
        log.exception("training on a CRM export failed")
        st.error("Training failed unexpectedly (the details are in the server log). The active model is unchanged.")
        return False
    finally:
        bar.empty()
        lock.release()
    result.model.metadata["data_source"] = f"file: {name}"
    st.session_state[CANDIDATE] = {"model": result.model, "report": result.report, "content": content,
                                   "name": name, "args": args}
    return True


def _admitted(password_key: str) -> bool:
    problem = password_problem(current_guard(), st.session_state.get(password_key, ""))
    if problem is not None:
        st.error(f"{problem} Nothing was changed.")
    return problem is None



def _candidate(candidate: dict[str, Any]) -> None:
    report = candidate["report"]
    st.divider()
    st.header("New model, not yet published")
    st.caption(f"Trained on {md_escape(candidate['name'])}. Nothing changes until you publish it.")
    kept = outcome_report.show(report, choose_kept=True, key="candidate")
    changed = sorted(kept) != sorted(report.get("leakage", {}).get("kept_on_purpose", []))
    if changed and st.button("Train again with the ticked fields kept", key="crm_retrain_kept") and _admitted(
            "crm_password"):
        flagged = {f["name"] for f in report["leakage"]["fields"] if f.get("flagged")}
        args = dict(candidate["args"])
        args["keep"] = [k for k in args["keep"] if k not in flagged] + kept
        if _train(candidate["content"], candidate["name"], args):
            st.rerun()
    st.subheader("Publish")
    auc = report["test"]["roc_auc"]
    ready = is_ready(report)
    if ready:
        st.success(f"Ready: it ranks a converting lead above a lost one {auc:.0%} of the time (ROC AUC {auc:.2f}, "
                   f"at least {READY_AUC} is needed).")
    else:
        st.error(f"Not ready: ROC AUC {auc:.2f} is below {READY_AUC}, so it ranks leads little better than a coin "
                 "toss. More history, or other fields, may help.")
    publish, discard = st.columns(2)
    anyway = ready or publish.checkbox("Publish it anyway, although it is not ready", key="crm_publish_anyway")
    if publish.button("Publish and make active", type="primary", key="crm_publish",
                      disabled=not anyway) and _admitted("crm_password"):
        publish_candidate(candidate["model"], candidate["report"], CANDIDATE,
                          f"Published version {{version}}, trained on {candidate['name']}; it is now the active "
                          "model. Scoring, triage and the API now use its fields.")
    discard.button("Discard the new model", key="crm_discard", on_click=st.session_state.pop, args=(CANDIDATE,))


def _form(guard_needs_password: bool) -> None:
    upload = st.file_uploader("CRM export of past leads (CSV), with a column saying whether each was won or lost",
                              type=["csv", "txt"], key="crm_upload")
    if upload is None:
        return
    content = upload.getvalue()
    try:
        frame = engine.read_upload(content, upload.name, as_text=True)
    except csvio.TableError as error:
        st.error(f"The file cannot be read: {md_escape(error)}.")
        return
    file_key = engine.digest(content)[:12]
    st.caption(f"{len(frame):,} leads and {len(frame.columns)} columns read from {md_escape(upload.name)}.")
    columns = [str(c) for c in frame.columns]
    left, right = st.columns(2)
    target = left.selectbox("1. Which column says whether the lead converted?", columns,
                            index=likely_outcome(frame), key=f"crm_target_{file_key}")
    values = outcome_values(frame[target])
    try:
        inferred = [v for v in infer_positive(frame[target]) if v in values]
    except OutcomeError:
        inferred = []
    positive = right.multiselect("2. Which of its values mean converted (won)?", values, default=inferred,
                                 key=f"crm_positive_{file_key}_{columns.index(target)}",
                                 help="Leads with any other value count as not converted, except the open ones "
                                      "below; an empty cell is an open lead, not trained on.")
    if not inferred:
        right.caption("Could not tell which values mean converted: pick them above.")
    open_values = right.multiselect(
        "Which values mean not decided yet? (optional)", [v for v in values if v not in positive],
        key=f"crm_open_{file_key}_{columns.index(target)}",
        help="An open stage such as 'Open' or 'In progress': those leads are not trained on (like an empty cell) "
             "instead of counting as lost.")
    others = [c for c in columns if c != target]
    order = st.selectbox("3. Which column orders the leads in time? (optional)", [NO_ORDER, *others],
                         key=f"crm_order_{file_key}",
                         help="The most recent 20% of leads are kept aside to test the model, as it will be used: on "
                              "leads newer than those it learned from.")
    order_by = None if order == NO_ORDER else order
    try:
        review = _review(file_key, target, order_by, frame)
    except (SchemaError, OutcomeError) as error:
        st.error(f"{md_escape(error)[:1].upper()}{md_escape(error)[1:]}.")
        return
    if order_by is None and review.order_column is not None:
        st.caption(f"Found '{md_escape(review.order_column)}' ({md_escape(review.order_source)}) to order the leads "
                   "in time: the newest 20% by it will test the model.")
    elif order_by is None:
        st.caption("No date or increasing ID found: a random 20% of the leads will test the model.")
    st.markdown("**4. Check what each column is used for.** Change *Use* to leave a field out or to use a "
                "column that was ignored, and tick the fields a salesperson can change (what-if uses only those).")
    table = _review_table(review)
    # Edits are kept by row number: a new outcome or order column (a different row list) starts a fresh table.
    editor_key = f"crm_review_{file_key}_{columns.index(target)}_{columns.index(order_by) if order_by else -1}"
    edited = st.data_editor(
        table, hide_index=True, height=36 * (len(table) + 1) + 3, key=editor_key,
        disabled=["Column", "Kind", "Why not used", "Filled in", "Levels", CHECKED],
        column_config={"Use": st.column_config.SelectboxColumn(options=[USE, IGNORE, ID], required=True),
                       SALESPERSON: st.column_config.CheckboxColumn(),
                       "Filled in": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)})
    choices = training_choices(review, edited)
    if guard_needs_password:
        st.text_input("Retrain password", type="password", key="crm_password")
    if st.button("Train on this file", type="primary", key="crm_train", disabled=not positive) and _admitted(
            "crm_password"):
        _train(content, upload.name, {"target": target, "positive": positive, "open_values": open_values,
                                      "order_by": order_by, **choices})
    st.caption("Training compares a few models and tests the best one: seconds for a few thousand leads, longer "
               "for tens of thousands. Nothing changes until you publish the result.")


@st.fragment
def panel() -> None:
    """The whole flow, guarded like retraining; changing a field here reruns only this panel."""
    guard = current_guard()
    if guard.refusal:
        st.info(guard.refusal)
        return
    st.markdown("Teach the model your own team's history: upload a CRM export of past leads, with a column that "
                "says whether each lead was won or lost, exactly as your CRM wrote it. Empty cells, yes/no columns "
                "and categories are fine. Fields that give the outcome away (filled in after the sale) are found "
                "and left out, and the model is tested on leads it never saw before you decide to use it.")
    _form(guard.needs_password)
    if CANDIDATE in st.session_state:
        _candidate(st.session_state[CANDIDATE])
