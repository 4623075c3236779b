"""The Model page's version list: every version and its state, and making a good one active.

It also stands in for the whole Model page when the active model cannot be loaded,
so the way back (activating a good version) is never behind the error it repairs.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from leadscore.registry import OUTCOME, ModelFileError, VersionInfo
from leadscore.scoring.scorer import Scorer
from ui import engine, sidebar
from ui.guard import client_address, current_guard, password_problem


def kind_words(version: VersionInfo) -> str:
    """What a version predicts, in words: "built-in" or "CRM: <outcome column>"."""
    return f"CRM: {version.target}" if version.kind == OUTCOME else "built-in"


def quality_words(version: VersionInfo) -> str:
    """How good a version is, in the measure that fits its kind: "ROC AUC 0.78" or "accuracy 86.7%"."""
    if version.kind == OUTCOME:
        return f"ROC AUC {version.auc:.2f}" if version.auc is not None else ""
    return f"accuracy {version.accuracy:.1%}" if version.accuracy is not None else ""


def panel() -> None:
    """The version history with each version's state, and a form to make a good version active."""
    registry = engine.registry()
    history = registry.versions()
    table = pd.DataFrame([{"Version": v.version, "Trained": sidebar.trained_when(v.created_at),
                           "Kind": kind_words(v), "Preset": v.preset, "Quality": quality_words(v),
                           "Active": "✓ active" if v.active else "", "Signed": v.signature,
                           "State": v.state} for v in history])
    st.dataframe(table, hide_index=True)
    st.caption("Built-in versions are measured by accuracy on generated leads; CRM versions by ROC AUC on the "
               "test part of their own file.")
    if any(v.active and v.kind == OUTCOME for v in history):
        _bring_back_builtin()
    candidates = [v.version for v in history if not v.active and v.problem is None]
    if not candidates:
        st.caption("No other version can be made active: retrain to add one."
                   if len(history) <= 1 else "No other version loads; see its state above.")
        return
    guard = current_guard()
    if guard.refusal:
        st.caption(guard.refusal)
        return
    with st.form("activate"):
        kinds = {v.version: kind_words(v) for v in history}
        chosen = st.selectbox("Make another version active", candidates,
                              format_func=lambda version: f"{version} ({kinds[version]})")
        password = st.text_input("Retrain password", type="password") if guard.needs_password else ""
        if st.form_submit_button("Make this version active"):
            _activate(chosen, password)


def _bring_back_builtin() -> None:
    """One action back to the built-in model (the newest good built-in version, else a fresh one)."""
    guard = current_guard()
    if guard.refusal:
        st.caption(guard.refusal)
        return
    with st.form("builtin"):
        st.markdown("**Bring back the built-in model**: score with the 12 built-in fields again. The CRM model "
                    "stays in the list and can be made active again.")
        password = st.text_input("Retrain password", type="password") if guard.needs_password else ""
        if st.form_submit_button("Bring back the built-in model"):
            problem = password_problem(current_guard(), password)
            if problem is not None:
                st.error(f"{problem} The active model is unchanged.")
                return
            try:
                version = engine.registry().activate_builtin(source=client_address())
            except ModelFileError as error:
                st.error(f"The built-in model cannot be brought back: {error}")
                return
            st.session_state["flash"] = f"The built-in model (version {version}) is active again."
            st.rerun()


def _activate(version: str, password: str) -> None:
    problem = password_problem(current_guard(), password)
    if problem is not None:
        st.error(f"{problem} The active model is unchanged.")
        return
    try:
        engine.registry().activate(version, source=client_address())
    except ModelFileError as error:
        st.error(f"Version {version} cannot be made active: {error}")
        return
    st.session_state["flash"] = f"Version {version} is now active."
    st.rerun()


def active_scorer_or_recovery() -> Scorer:
    """The active model's scorer; when it cannot be loaded, the reason and the version list, then stop."""
    try:
        return engine.load_active_scorer()
    except ModelFileError as error:
        st.title("Model")
        st.error(f"The active model cannot be loaded: {error}. Make a version whose state is ok active below.")
        panel()
        st.stop()
        raise  # st.stop() does not return; this line keeps type checkers honest
