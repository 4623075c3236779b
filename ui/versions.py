"""The Model page's version list: every version and its state, and making a good one active.

It also stands in for the whole Model page when the active model cannot be loaded,
so the way back (activating a good version) is never behind the error it repairs.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from leadscore.registry import ModelFileError, VersionInfo
from leadscore.scoring.scorer import Scorer
from leadscore.store import audit as trail
from leadscore.version_names import MAX_NAME, VersionNameError
from ui import engine, sidebar
from ui.guard import changed, current_guard, password_problem, who
from ui.text import md_escape


def _label(version: VersionInfo) -> str:
    return f"{version.name} ({version.version})"


def panel() -> None:
    """The version history with each version's state, and a form to make a good version active."""
    registry = engine.registry()
    history = registry.versions()
    table = pd.DataFrame([{"Name": v.name, "What changed": v.change, "Trained": sidebar.trained_when(v.created_at),
                           "Kind": v.quality.kind, "How good": v.quality.line,
                           "Active": "✓ active" if v.active else "", "Signed": v.signature, "State": v.state,
                           "Version id": v.version}
                          for v in history])
    wide = st.column_config.TextColumn(width="medium")
    st.dataframe(table, hide_index=True, column_config={"Name": wide, "What changed": wide, "Version id": wide})
    st.caption("Built-in versions: how often they put a test lead in its true tier. CRM versions: how often they "
               "rank a lead that converted above one that did not, on the test part of their own file.")
    _rename(history)
    if any(v.active and not v.builtin for v in history):
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
        kinds = {v.version: v.quality.kind for v in history}
        labels = {v.version: _label(v) for v in history}
        chosen = st.selectbox("Make another version active", candidates,
                              format_func=lambda version: f"{labels[version]}, {kinds[version]}")
        password = st.text_input("Retrain password", type="password") if guard.needs_password else ""
        if st.form_submit_button("Make this version active"):
            _activate(chosen, password)


def _rename(history: list[VersionInfo]) -> None:
    """Give a version a name the team recognises; its model files are not touched."""
    guard = current_guard()
    if guard.refusal or not history:
        return
    with st.form("rename"):
        labels = {v.version: _label(v) for v in history}
        left, right = st.columns(2)
        active = next((i for i, v in enumerate(history) if v.active), 0)
        # No key: a new list of versions (one just published) is a new widget, starting on the active version.
        chosen = left.selectbox("Rename a version", list(labels), index=active, format_func=labels.__getitem__)
        name = right.text_input("New name", max_chars=MAX_NAME, key="rename_name",
                                placeholder="e.g. Bank calls, top 20% High")
        password = (st.text_input("Retrain password", type="password", key="rename_password")
                    if guard.needs_password else "")
        if st.form_submit_button("Save the name"):
            problem = password_problem(current_guard(), password)
            if problem is not None:
                st.error(f"{problem} The name is unchanged.")
                return
            try:
                stored = engine.registry().rename(chosen, name)
            except (VersionNameError, ModelFileError) as error:
                st.error(f"The name is unchanged: {md_escape(error)}.")
                return
            changed(f"Version {chosen} is now called “{md_escape(stored)}”.", trail.MODEL_RENAMED,
                    {"version": chosen, "name": stored})
            st.rerun()


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
                version = engine.registry().activate_builtin(source=who())
            except ModelFileError as error:
                st.error(f"The built-in model cannot be brought back: {error}")
                return
            changed(f"The built-in model (version {version}) is active again.", trail.MODEL_ACTIVATED,
                    {"version": version, "built-in": True})
            st.rerun()


def _activate(version: str, password: str) -> None:
    problem = password_problem(current_guard(), password)
    if problem is not None:
        st.error(f"{problem} The active model is unchanged.")
        return
    try:
        engine.registry().activate(version, source=who())
    except ModelFileError as error:
        st.error(f"Version {version} cannot be made active: {error}")
        return
    changed(f"Version {version} is now active.", trail.MODEL_ACTIVATED, {"version": version})
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
