"""Retrain from results, on the Results page: the recorded leads with their outcomes train a team model with
the normal CRM trainer; it is compared with the active model on the newest outcomes; publishing goes through
the usual publish step and its password guard, and the previous version stays one click away.

On the Results page rather than the Model page: the manager decides here, beside the evidence (each tier's real
conversion and the drift) that says whether retraining is needed.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from leadscore.fields.infer import OutcomeError
from leadscore.fields.rejections import SchemaError
from leadscore.modeling import results_gate
from leadscore.modeling.model import model_of
from leadscore.modeling.tiers import Bands
from leadscore.modeling.won_lost.bands import with_bands
from leadscore.modeling.won_lost.train import NotEnoughDataError, train_outcome
from leadscore.registry import ModelFileError
from leadscore.scoring.scorer import Scorer
from leadscore.store import Store
from leadscore.store import audit as trail
from ui import engine
from ui.guard import audit, current_guard, password_problem, who
from ui.publish import publish_candidate
from ui.retrain import training_lock
from ui.text import md_escape

log = logging.getLogger(__name__)
TARGET = "converted"
CANDIDATE = "results_candidate"
PREVIOUS = "results_previous"


def _chances(scorer: Scorer, leads: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chance of conversion, tier and the positions (0-based) of the leads the scorer could score."""
    rows = scorer.rows(scorer.score(leads).scored)
    return rows.chance, rows.tier, rows.fields.index.to_numpy(dtype=int) - 1


def _train(store: Store, active: Scorer, high: float, medium: float) -> dict[str, Any] | str:
    """The candidate and its verdict, or why there is none (one line)."""
    try:
        frame = store.training_frame(target=TARGET)
    except ValueError as error:
        return str(error)
    if len(frame) < 2:
        return f"only {len(frame)} recorded lead(s) have an outcome: import the CRM's won/lost export first"
    cut = results_gate.split_by_time(len(frame))
    older, newest = frame.iloc[:cut].reset_index(drop=True), frame.iloc[cut:].reset_index(drop=True)
    try:
        result = train_outcome(older, TARGET, positive=["yes"], negative=["no"])
    except (SchemaError, OutcomeError, NotEnoughDataError) as error:
        return str(error)
    candidate = Scorer(model_of(result.model))
    reference, _, _ = _chances(candidate, older.drop(columns=TARGET))
    model, report = with_bands(result.model, result.report, Bands.by_share(reference, high, medium))
    model.metadata["data_source"] = f"results: {len(older):,} recorded leads with outcomes"
    leads = newest.drop(columns=TARGET)
    labels = (newest[TARGET] == "yes").to_numpy(dtype=int)
    active_p, _, active_at = _chances(active, leads)
    new_p, _, new_at = _chances(Scorer(model_of(model)), leads)
    both = np.intersect1d(active_at, new_at)
    verdict = results_gate.verdict(labels[both], active_p[np.searchsorted(active_at, both)],
                                   new_p[np.searchsorted(new_at, both)])
    return {"model": model, "report": report, "verdict": verdict, "rows": older, "trained_on": len(older)}


def _admitted(key: str) -> bool:
    problem = password_problem(current_guard(), st.session_state.get(key, ""))
    if problem:
        st.error(problem)
    return problem is None


def panel(store: Store, active: Scorer) -> None:
    """Train, compare, publish (recommended or not), and bring back the previous version."""
    st.caption("The leads you saved, with the outcomes you imported, become a training set for a model of your own "
               "results over the same fields. " + results_gate.RULE)
    _bring_back()
    guard = current_guard()
    if guard.refusal:
        st.info(guard.refusal)
        return
    tiers = store.report()["tiers"]
    if not sum(t["with_outcome"] for t in tiers.values()):
        st.info("Nothing to learn from yet: save a scored list on the Triage page, then bring back its outcomes "
                "above.")
        return
    scored = sum(t["scored"] for t in tiers.values()) or 1
    a, b = st.columns(2)
    high = a.number_input("Share of leads in High (%)", 0, 100, round(100 * tiers["High"]["scored"] / scored),
                          key="results_high", help="Carried over from the active model on these leads.")
    medium = b.number_input("Share of leads in Medium (%)", 0, 100, round(100 * tiers["Medium"]["scored"] / scored),
                            key="results_medium", help="Carried over from the active model on these leads.")
    if high == 0:
        st.caption("None of these leads is in High today: choose the share of leads the new model should put in "
                   "High, or it will have no High tier.")
    if guard.needs_password:
        st.text_input("Retrain password", type="password", key="results_password")
    if high + medium > 100:
        st.error("High and Medium together cannot hold more than 100% of the leads.")
    elif st.button("Train a model on these results") and _admitted("results_password"):
        with training_lock(), st.spinner("Training on your results…"):
            outcome = _train(store, active, high / 100, medium / 100)
        if isinstance(outcome, str):
            st.error(f"No model was trained: {md_escape(outcome)}.")
        else:
            st.session_state[CANDIDATE] = outcome
    candidate = st.session_state.get(CANDIDATE)
    if candidate is None:
        return
    verdict: results_gate.Verdict = candidate["verdict"]
    (st.success if verdict.recommended else st.warning)(md_escape(verdict.sentence()))
    label = "Publish the new model" if verdict.recommended else "Publish it anyway"
    if st.button(label, type="primary" if verdict.recommended else "secondary") and _admitted("results_password"):
        st.session_state[PREVIOUS] = active.version
        publish_candidate(candidate["model"], candidate["report"], CANDIDATE,
                          "Published the model of your results as version {version}; it is now active.",
                          check_rows=candidate["rows"])


def _bring_back() -> None:
    previous = st.session_state.get(PREVIOUS)
    if previous is None:
        return
    if st.button(f"Bring back the previous version ({previous})") and _admitted("results_password"):
        try:
            engine.registry().activate(previous, source=who())
        except ModelFileError as error:
            st.error(f"Version {md_escape(previous)} cannot be made active: {md_escape(error)}")
            return
        audit(trail.MODEL_ACTIVATED, {"version": previous})
        del st.session_state[PREVIOUS]
        st.session_state["flash"] = f"Version {previous} is active again."
        st.rerun()
