"""The sidebar every page shares: which model is scoring right now."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from leadscore.modeling.evaluate import measured_on
from leadscore.scoring.scorer import Scorer
from ui.text import data_source


def trained_when(created_at: str) -> str:
    """An ISO time as "23 Nov 2025, 14:05 UTC" (the text as given when it is not ISO)."""
    try:
        moment = dt.datetime.fromisoformat(created_at)
    except ValueError:
        return created_at or "unknown"
    return f"{moment:%d %b %Y, %H:%M} UTC"


def show_active_model(scorer: Scorer) -> None:
    """Version, preset, training time, accuracy and data of the active model."""
    meta = scorer.metadata
    report = meta.get("report", {})
    accuracy = report.get("accuracy")
    with st.sidebar:
        st.subheader("Active model")
        st.metric("Accuracy", f"{accuracy:.1%}" if accuracy is not None else "n/a",
                  help=f"Measured on {measured_on(report)}.")
        if accuracy is not None:
            st.caption(f"On {measured_on(report)}.")
        st.markdown(
            f"**Version** `{scorer.version}`  \n"
            f"**Preset** {meta.get('preset', 'unknown')}  \n"
            f"**Trained** {trained_when(str(meta.get('created_at', '')))}  \n"
            f"**Data** {data_source(meta.get('data_source', 'unknown'))}"
        )
        st.caption("Change it on the Model page (retrain or make an earlier version active).")
