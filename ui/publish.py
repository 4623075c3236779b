"""Publishing a trained candidate from the Model page (built-in retrain or CRM training), one way."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
import streamlit as st

from leadscore.modeling.report import TrainingReport
from leadscore.store import audit as trail
from ui import engine, guard
from ui.guard import current_guard
from ui.text import md_escape

log = logging.getLogger(__name__)


def publish_candidate(model: Any, report: TrainingReport, session_key: str | None, done: str,
                      check_rows: pd.DataFrame | None = None) -> None:
    """Publish and activate ``model``, forget the candidate kept under ``session_key`` (if any), show ``done``.

    ``done`` may hold ``{version}`` (replaced as text, so a file name with braces is safe).
    Refused (nothing changes) when retraining was switched off since the training was admitted;
    a failed publish leaves the active model as it was (the registry's publish is atomic).
    ``check_rows``: training rows the published version must score as ``model`` does (Registry.publish).
    """
    refusal = current_guard().refusal  # the setting may have changed since the training was admitted
    if refusal:
        st.error(f"{refusal} Nothing was published.")
        return
    try:
        version = engine.registry().publish(model, report, source=guard.who(), check_rows=check_rows)
    except Exception as error:  # the registry's publish is atomic: nothing changed
        log.exception("publishing failed")
        st.error(f"Publishing failed ({md_escape(error)}); the active model is unchanged.")
        return
    if session_key is not None:  # published: never offered again, whatever the audit trail says
        del st.session_state[session_key]
    guard.changed(done.replace("{version}", version), trail.MODEL_PUBLISHED, {"version": version, "activated": True})
    st.rerun()
