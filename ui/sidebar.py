"""The sidebar every page shares: which model is scoring right now."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from leadscore.modeling.evaluate import measured_on
from leadscore.modeling.targets import WonLost
from leadscore.scoring.scorer import Scorer
from ui.text import data_source, md_escape


def trained_when(created_at: str) -> str:
    """An ISO time as "23 Nov 2025, 14:05 UTC" (the text as given when it is not ISO)."""
    try:
        moment = dt.datetime.fromisoformat(created_at)
    except ValueError:
        return created_at or "unknown"
    return f"{moment:%d %b %Y, %H:%M} UTC"


def _show_outcome_quality(report: dict) -> None:
    test = report.get("test", {})
    auc = test.get("roc_auc")
    st.metric("Ranking quality (ROC AUC)", f"{auc:.2f}" if auc is not None else "n/a",
              help="The chance that a lead who converted is ranked above one who did not: 0.5 is a coin "
                   "toss, 1.0 is perfect. Measured on the test part of the training file, which the model "
                   "never saw.")
    if auc is not None:
        st.caption(f"On {report.get('test_rows', 0):,} test leads of the training file; "
                   f"{test.get('base_rate', 0):.1%} of them converted.")


def show_active_model(scorer: Scorer) -> None:
    """Version, preset, training time, accuracy (or AUC) and data of the active model."""
    meta = scorer.metadata
    report = meta.get("report", {})
    accuracy = report.get("accuracy")
    with st.sidebar:
        st.subheader("Active model")
        if isinstance(scorer.model.target, WonLost):
            _show_outcome_quality(report)
            kind = (f"**Predicts** {md_escape(str(report.get('target', '')))} = "
                    f"{md_escape(', '.join(report.get('positive', [])))}  \n")
        else:
            st.metric("Accuracy", f"{accuracy:.1%}" if accuracy is not None else "n/a",
                      help=f"Measured on {measured_on(report)}.")
            if accuracy is not None:
                st.caption(f"On {measured_on(report)}.")
            kind = "**Kind** built-in (synthetic real estate leads)  \n"
        st.markdown(
            kind +
            f"**Version** `{scorer.version}`  \n"
            f"**Preset** {md_escape(str(meta.get('preset', 'unknown')))}  \n"
            f"**Trained** {trained_when(str(meta.get('created_at', '')))}  \n"
            f"**Data** {data_source(meta.get('data_source', 'unknown'))}"
        )
        st.caption("Change it on the Model page (retrain or make an earlier version active).")
