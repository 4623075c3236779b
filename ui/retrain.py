"""The retrain panel of the Model page: train a candidate, compare it with the active model, publish or discard.

Training and the publish gate are the same as ``leadscore train`` (``leadscore.workflows.train``). The
candidate lives only in this browser session until it is published; the
registry's atomic, file-locked publish keeps two retrains at once from
corrupting it, and a per-process lock keeps two trainings from sharing the
server's two cores at the same time.
"""

from __future__ import annotations

import io
import logging
import threading

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from leadscore import charts
from leadscore.data import csvio, synth
from leadscore.fields.builtin import CLASSES
from leadscore.fields.rejections import SchemaError
from leadscore.modeling.three_tiers import compare, train
from leadscore.modeling.three_tiers.report import TiersReport
from leadscore.plain_words import ANALYST_TERMS, data_words
from leadscore.scoring.scorer import Scorer
from leadscore.workflows import train as training
from ui import engine, store_faults
from ui.guard import current_guard, password_problem
from ui.publish import publish_candidate
from ui.text import md_escape

log = logging.getLogger(__name__)

GENERATED, UPLOADED = "Generated leads", "My labeled CSV"
#: Where this session keeps the trained, not yet published ``Candidate``.
CANDIDATE = "candidate"
PRESET_WORDS = {
    "default": "default: tuned on held-out data (recommended)",
    "seed": "seed: the original study's XGBoost settings (depth 6, 300 trees)",
}


@st.cache_resource
def training_lock() -> threading.Lock:
    """One training at a time per server process (the CRM training shares it)."""
    return threading.Lock()


@st.cache_resource(show_spinner=False)
def _reference() -> compare.ReferenceLeads:
    return compare.reference_leads()


def _data(source: str, rows: int, seed: int, upload: UploadedFile | None) -> tuple[pd.DataFrame, str]:
    if source == GENERATED:
        return synth.generate(rows, seed=seed), f"synthetic: {rows} leads, data variant {seed}"
    if upload is None:
        raise SchemaError("choose a labeled CSV file to upload first")
    stream = io.BytesIO(upload.getvalue())
    stream.name = upload.name
    return csvio.read_table(stream), f"file: {upload.name}"


def _train(scorer: Scorer, source: str, rows: int, seed: int, upload: UploadedFile | None, preset: str) -> None:
    lock = training_lock()
    if not lock.acquire(blocking=False):
        st.warning("Another retrain is running on this server. Try again when it has finished.")
        return
    bar = st.progress(0.0, text="Reading the training data…")
    try:
        frame, description = _data(source, rows, seed, upload)
        candidate = training.train_builtin(
            frame, description, engine.registry(), preset=preset, with_baselines=True,
            progress=lambda message, fraction: bar.progress(min(1.0, fraction), text=message))
    except (SchemaError, csvio.TableError, ValueError) as error:
        st.error(f"Retraining failed: {md_escape(error)}. The active model ({scorer.version}) is still in use.")
        return
    except Exception:
        log.exception("retraining failed")
        st.error(f"Retraining failed unexpectedly (the details are in the server log). "
                 f"The active model ({scorer.version}) is still in use.")
        return
    finally:
        bar.empty()
        lock.release()
    st.session_state[CANDIDATE] = candidate


def _metrics_table(current: TiersReport, candidate: TiersReport) -> pd.DataFrame:
    ours, theirs = current.headline_metrics().to_dict(), candidate.headline_metrics().to_dict()
    rows = []
    for key, (label, _, higher_is_better) in compare.HEADLINES.items():
        change = theirs[key] - ours[key]
        better = change > 0 if higher_is_better else change < 0
        fmt = "{:.3f}" if key == "log_loss" else "{:.1%}"
        rows.append({"Metric": label, "Active model": fmt.format(ours[key]), "New model": fmt.format(theirs[key]),
                     "Change": ("{:+.3f}" if key == "log_loss" else "{:+.1%}").format(change)
                     + ("" if abs(change) < 1e-9 else (" better" if better else " worse"))})
    return pd.DataFrame(rows)



def _trained(candidate: training.Candidate) -> TiersReport:
    """The candidate's training report: this panel trains the built-in kind of model (``train_builtin``)."""
    report = candidate.report
    assert isinstance(report, TiersReport), "the retrain panel trains the built-in model"
    return report


def _comparison(scorer: Scorer, candidate: training.Candidate) -> None:
    st.subheader("New model, not yet published")
    reference = _reference()
    new = Scorer(candidate.model)
    verdict, comparison, trained = candidate.verdict, candidate.comparison, _trained(candidate)
    st.caption(f"Trained on {md_escape(data_words(candidate.source))}. "
               f"Both models are measured on the same {len(reference.labels):,} generated reference leads, "
               "which neither was trained on, so a difference is the models' and not the test sets'.")
    if verdict.passed:
        st.success(verdict.sentence + ".")
    else:
        st.error(verdict.sentence + ". Publishing it would make scoring worse.")
    if comparison is not None and comparison.active_report is not None:
        current_report, new_report = comparison.active_report, comparison.candidate_report
        left, right = st.columns([1, 1])
        ours, theirs = current_report.headline_metrics(), new_report.headline_metrics()
        left.markdown(f"The active model puts **{ours.accuracy:.0%}** of these leads in their true tier; the new "
                      f"one **{theirs.accuracy:.0%}**. Of the truly High leads, the active model finds "
                      f"**{ours.high_recall:.0%}** and the new one **{theirs.high_recall:.0%}**. (The "
                      "sidebar's figure is measured on the active model's own test leads, so it can differ a "
                      "little: same model, different leads.)")
        with left.expander("Details for analysts", expanded=False):
            st.caption("**recall**: of the leads truly in a tier, the share the model put there. **precision**: of "
                       "the leads put in a tier, the share right. **F1**: the two in one number. **log loss**: how "
                       "far the chances are from what happened (lower is better). Preset: "
                       f"{md_escape(candidate.estimator.metadata.get('preset', 'unknown'))}.")
            st.dataframe(_metrics_table(current_report, new_report), hide_index=True)
            st.caption(f"Both columns: the same {len(reference.labels):,} reference leads. On "
                       f"{trained.measured_on} the new model's accuracy is {trained.accuracy or 0:.1%}.")
        moves = compare.tier_changes(scorer, new, reference.features)
        changed = int(moves.sum() - np.trace(moves))
        up, down = int(np.triu(moves, 1).sum()), int(np.tril(moves, -1).sum())
        with right:
            st.plotly_chart(charts.matrix_heatmap(moves.tolist(), "Tier now", "Tier with the new model",
                                                  title="Tier changes on reference leads"),
                            config={"displayModeBar": False})
            st.caption(f"Of {moves.sum():,} fixed reference leads, {changed:,} ({changed / moves.sum():.0%}) would "
                       f"change tier: {up:,} up, {down:,} down. Tiers in the order {', '.join(CLASSES)}.")
    publish, discard = st.columns(2)
    anyway = not verdict.passed and publish.checkbox("Publish it anyway, although it is worse", key="publish_anyway")
    if publish.button("Publish and make active", type="primary", key="publish",
                      disabled=not (verdict.passed or anyway)):
        publish_candidate(candidate, CANDIDATE, "Published version {version}; it is now the active model.",
                          anyway=anyway)
    discard.button("Discard the new model", key="discard", on_click=st.session_state.pop, args=(CANDIDATE,))


@store_faults.fragment
def panel(scorer: Scorer) -> None:
    """Retrain, guarded; changing a field here reruns only this panel."""
    guard = current_guard()
    if guard.refusal:
        st.info(guard.refusal)
        return
    st.markdown("Train a new model with the same pipeline as the `leadscore train` command. It is checked "
                "against the active model first, and only used after you publish it.")
    source = st.radio("Training data", [GENERATED, UPLOADED], horizontal=True, key="rt_source")
    rows, seed, upload = train.DEFAULT_ROWS, train.DEFAULT_SEED, None
    if source == GENERATED:
        rows = int(st.number_input("How many leads", 1_000, 100_000, train.DEFAULT_ROWS, step=1_000, key="rt_rows"))
    else:
        upload = st.file_uploader("Labeled CSV: the 12 fields plus a 'tier' column (Low, Medium or High)",
                                  type=["csv", "txt", "xlsx"], key="rt_upload")
    presets = [train.DEFAULT_PRESET, *(p for p in train.PRESETS if p != train.DEFAULT_PRESET)]
    with st.expander("Details for analysts", expanded=False):
        st.caption(f"**Preset**: {ANALYST_TERMS['preset']}. **Data variant**: {ANALYST_TERMS['data variant']}.")
        preset = st.selectbox("Preset", presets, index=0, format_func=lambda p: PRESET_WORDS.get(p, p),
                              key="rt_preset")
        if source == GENERATED:
            seed = int(st.number_input("Data variant", 0, 1_000_000, train.DEFAULT_SEED, key="rt_seed",
                                       help="Which set of generated leads: each number gives a different set, "
                                            "and the same number always the same leads."))
    password = st.text_input("Retrain password", type="password", key="rt_password") if guard.needs_password else ""
    if st.button("Train a new model", type="primary", key="rt_train"):
        problem = password_problem(guard, password)
        if problem is None:
            _train(scorer, source, rows, seed, upload, preset)
        else:
            st.error(f"{problem} Nothing was trained; the active model is unchanged.")
    if CANDIDATE in st.session_state:
        _comparison(scorer, st.session_state[CANDIDATE])
