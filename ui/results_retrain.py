"""Retrain from results, on the Results page: the recorded leads with their outcomes train a team model with
the normal CRM trainer; it is compared with the active model on the newest outcomes; publishing goes through
the usual publish step and its password guard, and the previous version stays one click away.

On the Results page rather than the Model page: the manager decides here, beside the evidence (each tier's real
conversion and the drift) that says whether retraining is needed.
"""

from __future__ import annotations

import logging

import streamlit as st

from leadscore.modeling.tiers import DEFAULT_SHARES
from leadscore.registry import ModelFileError
from leadscore.scoring.scorer import Scorer
from leadscore.store import Store
from leadscore.store import audit as trail
from leadscore.workflows import gate, train
from ui import engine
from ui.guard import changed, current_guard, password_problem, who
from ui.publish import publish_candidate
from ui.retrain import training_lock
from ui.text import md_escape

log = logging.getLogger(__name__)
CANDIDATE = "results_candidate"
PREVIOUS = "results_previous"


def _admitted(key: str) -> bool:
    problem = password_problem(current_guard(), st.session_state.get(key, ""))
    if problem:
        st.error(problem)
    return problem is None


def panel(store: Store, active: Scorer) -> None:
    """Train, compare, publish (recommended or not), and bring back the previous version."""
    st.caption("The leads you saved, with the outcomes you imported, become a training set for a model of your own "
               "results over the same fields. " + gate.RULE)
    _bring_back()
    guard = current_guard()
    if guard.refusal:
        st.info(guard.refusal)
        return
    if not train.outcomes_to_learn_from(store):
        st.info("Nothing to learn from yet: save a scored list on the Triage page, then bring back its outcomes "
                "above.")
        return
    carried = train.carried_shares(store, active.version)
    shares = carried or DEFAULT_SHARES
    a, b = st.columns(2)
    origin = ("Carried over from the leads the active model scored." if carried else
              "The active model has scored none of the saved leads: a starting point.")
    high = a.number_input("Share of leads in High (%)", 0, 100, round(100 * shares[0]), key="results_high",
                          help=origin)
    medium = b.number_input("Share of leads in Medium (%)", 0, 100, round(100 * shares[1]), key="results_medium",
                            help=origin)
    if high == 0:
        st.caption("None of these leads is in High today: choose the share of leads the new model should put in "
                   "High, or it will have no High tier.")
    if guard.needs_password:
        st.text_input("Retrain password", type="password", key="results_password")
    if high + medium > 100:
        st.error("High and Medium together cannot hold more than 100% of the leads.")
    elif st.button("Train a model on these results") and _admitted("results_password"):
        with training_lock(), st.spinner("Training on your results…"):
            try:
                # Left as offered, the shares are the carried ones exactly, as `train --from-results` takes them
                # (the boxes show whole percents).
                offered = (round(100 * shares[0]), round(100 * shares[1]))
                chosen = None if (high, medium) == offered else (high / 100, medium / 100)
                st.session_state[CANDIDATE] = train.train_from_results(store, active, chosen)
            except train.TrainingError as error:
                st.error(f"No model was trained: {md_escape(error)}.")
    candidate = st.session_state.get(CANDIDATE)
    if candidate is None:
        return
    verdict = candidate.verdict
    (st.success if verdict.passed else st.warning)(md_escape(verdict.sentence))
    label = "Publish the new model" if verdict.passed else "Publish it anyway"
    if st.button(label, type="primary" if verdict.passed else "secondary") and _admitted("results_password"):
        st.session_state[PREVIOUS] = active.version
        publish_candidate(candidate.estimator, candidate.report, CANDIDATE,
                          "Published the model of your results as version {version}; it is now active.",
                          check_rows=candidate.check_rows)


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
        del st.session_state[PREVIOUS]
        changed(f"Version {previous} is active again.", trail.MODEL_ACTIVATED, {"version": previous})
        st.rerun()
