"""Train on your own CRM history (Model page): upload an export, review its columns, train, publish.

The file is read as the CRM wrote it; the manager picks the outcome column and
the values that mean converted, reviews what each column is used for, and
trains with the same ``train_outcome`` as ``leadscore train --target``. The new
model lives in this browser session until it is published; publishing is
guarded like retraining (ui/guard.py) and gated on its held-out AUC.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from leadscore.data import csvio
from leadscore.fields.headers import consent_word, header_key
from leadscore.fields.infer import (
    ColumnReview,
    OutcomeError,
    Review,
    default_changeable,
    infer_columns,
    infer_negative,
    infer_positive,
    missing_mask,
    outcome_counts,
)
from leadscore.fields.rejections import SchemaError
from leadscore.modeling.won_lost.leakage import name_sign
from leadscore.modeling.won_lost.report import WonLostReport
from leadscore.workflows import train
from ui import engine, outcome_report, store_faults
from ui.guard import current_guard, password_problem
from ui.publish import publish_candidate
from ui.retrain import training_lock
from ui.text import md_escape

log = logging.getLogger(__name__)

CANDIDATE = "crm_candidate"
NO_ID = "(none)"
SALESPERSON = "A salesperson can change it"
#: The review's note on a field whose name says a sales team may fill it in while working a lead.
NO_ORDER = "(none: find a date or increasing ID, else split at random)"
#: Header names that usually hold a won/lost outcome.
OUTCOME_NAMES = ("converted", "won", "y", "outcome", "status", "result", "target", "label", "closed", "sale",
                 "stage")


@dataclass(frozen=True)
class Trained:
    """This session's trained, not yet published model: the ``Candidate`` and what it was trained from (the
    uploaded file and the manager's choices), to train it again with other fields kept."""

    candidate: train.Candidate
    content: bytes
    name: str
    args: dict[str, Any]

    @property
    def report(self) -> WonLostReport:
        """The candidate's training report: this panel trains a model of a team's history (``train_history``)."""
        report = self.candidate.report
        assert isinstance(report, WonLostReport), "the CRM panel trains a won/lost model"
        return report


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


def lost_values(series: pd.Series, positive: list[str]) -> tuple[list[str], bool]:
    """The values that mean lost when there is no doubt, and whether the manager must name them instead.

    The same rule as ``leadscore train``: with more than two values the others are never taken as lost
    on a guess (a stage such as "Engaging" is not a loss).
    """
    if not positive:
        return [], False
    try:
        return list(infer_negative(series, positive)), False
    except OutcomeError:
        return [], True


@st.cache_data(max_entries=8, show_spinner=False)
def _inferred(file_key: str, target: str, order_by: str | None, _frame: pd.DataFrame) -> Review:
    return infer_columns(_frame, target, order_by=order_by)


def reason_words(column: ColumnReview, used: bool, is_id: bool) -> str:
    """Why a column is or is not learned from, following the manager's choice (not only inference's)."""
    if is_id:
        return "identifies each lead: kept beside the scores, not learned from"
    if column.role == "field":
        return "used" if used else "you left it out"
    return "you chose to use it" if used else column.reason


def training_choices(review: Review, use: Mapping[str, bool], salesperson: Mapping[str, bool],
                     id_column: str | None) -> dict[str, Any]:
    """``train_outcome`` arguments from the manager's ticks in the column review."""
    roles = {c.name: c.role for c in review.columns}
    used = [name for name, ticked in use.items() if ticked and name != id_column]
    exclude = [name for name, role in roles.items()
               if role == "field" and name in use and (name == id_column or not use[name])]
    keep = [name for name in used if roles[name] != "field"]
    actionable = [name for name in used if salesperson.get(name, False)]
    return {"id_column": id_column, "exclude": exclude, "keep": keep, "actionable": actionable}


def _kind_words(column: ColumnReview) -> str:
    levels = ", ".join(column.levels[:4]) + (" …" if len(column.levels) > 4 else "")
    kind = column.kind or ""
    return f"{kind}: {levels}" if levels and kind else kind


def _review(review: Review, prefix: str) -> dict[str, Any]:
    """One row per column, one click per decision: tick to use it, tick if a salesperson can change it.

    Every row is shown (no scrolling grid), and each row's reason follows its tick.
    """
    reviewed = [c for c in review.columns if c.role not in ("outcome", "order")]
    names = [c.name for c in reviewed]
    inferred_id = review.id_column if review.id_column in names else None
    picked = st.selectbox("Which column identifies each lead? (optional)", [NO_ID, *names],
                          index=names.index(inferred_id) + 1 if inferred_id else 0, key=f"{prefix}_id",
                          help="Kept beside the scores so each row can be found in the CRM; never learned from.")
    id_column = None if picked == NO_ID else picked
    widths = [3, 2.2, 3, 4, 1]
    header = st.columns(widths)
    for place, title in zip(header, ("**Use it**", f"**{SALESPERSON}**", "**Kind**", "**Why**", "**Filled in**"),
                            strict=True):
        place.markdown(title)
    use: dict[str, bool] = {}
    salesperson: dict[str, bool] = {}
    changeable = default_changeable(review)  # the command line's default too: none until the manager ticks one
    for column in reviewed:
        is_id = column.name == id_column
        row = st.columns(widths, vertical_alignment="center")
        use[column.name] = row[0].checkbox(md_escape(column.name), value=column.role == "field",
                                           key=f"{prefix}_use_{column.name}", disabled=is_id) and not is_id
        consent = consent_word(column.name)
        salesperson[column.name] = row[1].checkbox(
            f"A salesperson can change {md_escape(column.name)}", value=column.name in changeable,
            label_visibility="collapsed", key=f"{prefix}_sales_{column.name}",
            disabled=not use[column.name] or consent is not None,
            help="A consent or opt-out: what the lead agreed to is never changed to win it." if consent else None
        ) and consent is None
        row[2].caption(md_escape(_kind_words(column)))
        word = name_sign(column.name) if use[column.name] else None
        row[3].caption(md_escape(reason_words(column, use[column.name], is_id))
                       + (f"; its name has '{md_escape(word)}': if it also sways the model, training leaves it "
                          "out (you can keep it then)" if word else ""))
        row[4].caption(f"{column.fill_rate:.0%}")
    return training_choices(review, use, salesperson, id_column)


def _train(content: bytes, name: str, args: dict[str, Any]) -> bool:
    """Train and keep the result as this session's candidate; False (and the reason shown) when it failed."""
    lock = training_lock()
    if not lock.acquire(blocking=False):
        st.warning("Another training is running on this server. Try again when it has finished.")
        return False
    bar = st.progress(0.0, text="Reading the file…")
    try:
        frame, rejected = engine.read_upload(content, name)
        options = {key: value for key, value in args.items() if key != "target"}
        candidate = train.train_history(
            frame, args["target"], f"file: {name}", **options, rejected_rows=rejected,
            progress=lambda message, fraction: bar.progress(min(1.0, max(0.0, fraction)), text=message))
    except (train.TrainingError, csvio.TableError, ValueError) as error:
        st.error(f"Training failed: {md_escape(error)}. The active model is unchanged.")
        return False
    except Exception:
        log.exception("training on a CRM export failed")
        st.error("Training failed unexpectedly (the details are in the server log). The active model is unchanged.")
        return False
    finally:
        bar.empty()
        lock.release()
    st.session_state[CANDIDATE] = Trained(candidate, content, name, args)
    return True


def _admitted(password_key: str) -> bool:
    problem = password_problem(current_guard(), st.session_state.get(password_key, ""))
    if problem is not None:
        st.error(f"{problem} Nothing was changed.")
    return problem is None



def _candidate(trained: Trained) -> None:
    report = trained.report
    st.divider()
    st.header("New model, not yet published")
    st.caption(f"Trained on {md_escape(trained.name)}. Nothing changes until you publish it.")
    kept = outcome_report.show(report, choose_kept=True, key="candidate")
    changed = sorted(kept) != sorted(report.leakage.kept_on_purpose)
    if changed and st.button("Train again with the ticked fields kept", key="crm_retrain_kept") and _admitted(
            "crm_password"):
        flagged = {f.name for f in report.leakage.flagged}
        args = dict(trained.args)
        args["keep"] = [k for k in args["keep"] if k not in flagged] + kept
        if _train(trained.content, trained.name, args):
            st.rerun()
    st.subheader("Publish")
    verdict = trained.candidate.verdict
    if verdict.passed:
        st.success(f"{verdict.sentence}.")
    else:
        st.error(f"{verdict.sentence}. More history, or other fields, may help.")
    publish, discard = st.columns(2)
    anyway = not verdict.passed and publish.checkbox("Publish it anyway, although it is not ready",
                                                     key="crm_publish_anyway")
    if publish.button("Publish and make active", type="primary", key="crm_publish",
                      disabled=not (verdict.passed or anyway)) and _admitted("crm_password"):
        publish_candidate(trained.candidate, CANDIDATE,
                          f"Published version {{version}}, trained on {trained.name}; it is now the active "
                          "model. Scoring, triage and the API now use its fields.", anyway=anyway)
    discard.button("Discard the new model", key="crm_discard", on_click=st.session_state.pop, args=(CANDIDATE,))


def _form(guard_needs_password: bool) -> None:
    upload = st.file_uploader("CRM export of past leads (CSV or Excel .xlsx), with a column saying whether each "
                              "was won or lost",
                              type=["csv", "txt", "xlsx"], key="crm_upload")
    if upload is None:
        return
    content = upload.getvalue()
    try:
        frame, rejected = engine.read_upload(content, upload.name)
    except csvio.TableError as error:
        st.error(f"The file cannot be read: {md_escape(error)}.")
        return
    file_key = engine.digest(content)[:12]
    st.caption(f"{len(frame):,} leads and {len(frame.columns)} columns read from {md_escape(upload.name)}.")
    if rejected:
        st.warning(f"{len(rejected):,} row{'s' if len(rejected) > 1 else ''} rejected, not trained on: "
                   + md_escape("; ".join(f"row {r[0]}: {r[3]}" for r in rejected[:3]))
                   + (" …" if len(rejected) > 3 else ""))
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
    negative, needs_lost = lost_values(frame[target], positive)
    open_values: list[str] = []
    if needs_lost:
        counts = outcome_counts(frame[target])
        negative = right.multiselect(
            "Which values mean lost?", [v for v in values if v not in positive],
            key=f"crm_negative_{file_key}_{columns.index(target)}",
            format_func=lambda v: f"{v} ({counts.get(v, 0):,} leads)",
            help="The outcome has more than two values, so the others are not taken as lost on a guess. Leads "
                 "with a value you name neither converted nor lost are open leads: not trained on, counted.")
        right.caption("Values: " + md_escape(", ".join(f"{v} {n:,}" for v, n in counts.items()))
                      + ". Any value left unnamed is an open lead.")
    elif positive:
        open_values = right.multiselect(
            "Which values mean not decided yet? (optional)", [v for v in values if v not in positive],
            key=f"crm_open_{file_key}_{columns.index(target)}",
            help="An open stage such as 'Open' or 'In progress': those leads are not trained on (like an empty "
                 "cell) instead of counting as lost.")
    others = [c for c in columns if c != target]
    order = st.selectbox("3. Which column orders the leads in time? (optional)", [NO_ORDER, *others],
                         key=f"crm_order_{file_key}",
                         help="The most recent 20% of leads are kept aside to test the model, as it will be used: on "
                              "leads newer than those it learned from.")
    order_by = None if order == NO_ORDER else order
    try:
        review = _inferred(file_key, target, order_by, frame)
    except (SchemaError, OutcomeError) as error:
        st.error(f"{md_escape(error)[:1].upper()}{md_escape(error)[1:]}.")
        return
    if order_by is None and review.order_column is not None:
        st.caption(f"Found '{md_escape(review.order_column)}' ({md_escape(review.order_source)}) to order the leads "
                   "in time: the newest 20% by it will test the model.")
    elif order_by is None:
        st.caption("No date or increasing ID found: a random 20% of the leads will test the model.")
    st.markdown("**4. Check what each column is used for.** Untick a column to leave it out, tick one that was "
                "left out to use it, and tick the fields a salesperson can change (suggestions use only those).")
    # A new outcome or order column (a different list of rows) starts a fresh review.
    prefix = f"crm_review_{file_key}_{columns.index(target)}_{columns.index(order_by) if order_by else -1}"
    choices = _review(review, prefix)
    if guard_needs_password:
        st.text_input("Retrain password", type="password", key="crm_password")
    ready = bool(positive) and (bool(negative) or not needs_lost)
    if st.button("Train on this file", type="primary", key="crm_train", disabled=not ready) and _admitted(
            "crm_password"):
        _train(content, upload.name, {"target": target, "positive": positive, "open_values": open_values,
                                      "negative": negative or None, "order_by": order_by, **choices})
    st.caption("Training compares a few models and tests the best one: seconds for a few thousand leads, longer "
               "for tens of thousands. Nothing changes until you publish the result.")


@store_faults.fragment
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
