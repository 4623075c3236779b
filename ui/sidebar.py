"""The sidebar every page shares: which model is scoring right now."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from leadscore.modeling.three_tiers.evaluate import measured_on
from leadscore.modeling.three_tiers.target import ThreeTiers
from leadscore.modeling.won_lost.target import WonLost
from leadscore.plain_words import data_words, test_part_words
from leadscore.scoring.scorer import Scorer
from ui import engine
from ui.text import md_escape


def trained_when(created_at: str) -> str:
    """An ISO time as "23 Nov 2025, 14:05 UTC" (the text as given when it is not ISO)."""
    try:
        moment = dt.datetime.fromisoformat(created_at)
    except ValueError:
        return created_at or "unknown"
    return f"{moment:%d %b %Y, %H:%M} UTC"


def _show_outcome_quality(report: dict) -> str:
    """How well a team's model ranks leads; returns the line saying what it predicts."""
    test = report.get("test", {})
    auc = test.get("roc_auc")
    st.metric("Ranks a converting lead higher", f"{auc:.0%} of the time" if auc is not None else "not measured",
              help="Of a lead that converted and one that did not, how often it scores the converted one higher: "
                   "50% is a coin toss, 100% perfect (analysts call this the ROC AUC"
                   + (f", here {auc:.2f}" if auc is not None else "") + "). Measured on "
                   f"{test_part_words(str(report.get('split', '')))}, which it never learned from.")
    if auc is not None:
        st.caption(f"On {report.get('test_rows', 0):,} test leads, {test_part_words(str(report.get('split', '')))}.")
    return (f"**Predicts** {md_escape(str(report.get('target', '')))} = "
            f"{md_escape(', '.join(report.get('positive', [])))}  \n")


def _show_tier_quality(report: dict) -> str:
    """How often the built-in model puts a lead in its true tier; returns the line saying what it is."""
    accuracy = report.get("accuracy")
    st.metric("Right tier", f"{accuracy:.0%} of leads" if accuracy is not None else "not measured",
              help="The share of test leads it put in their true tier (analysts call this accuracy"
                   + (f", here {accuracy:.1%}" if accuracy is not None else "")
                   + f"). Measured on {measured_on(report)}.")
    return "**Kind** built-in (generated real estate leads)  \n"


#: How each target's quality is said: the two trainers' reports measure different things.
QUALITY = {ThreeTiers: _show_tier_quality, WonLost: _show_outcome_quality}


#: What a signature state other than "signed" means, for a manager (leadscore/signing.py).
SIGNATURE_WORDS = {
    "unsigned": "this version carries no signature, so a change to its files by someone who can write the models "
                "folder would not be noticed. Versions published before signing existed are unsigned; otherwise "
                "it is worth a look.",
    "signed, not checked": "the signing key is not available here, so its signature was not checked.",
}


def show_active_model(scorer: Scorer) -> None:
    """The active model's name, how good it is in plain words, version, training time and data."""
    meta = scorer.metadata
    report = meta.get("report", {})
    with st.sidebar:
        st.subheader("Active model")
        name = engine.registry().name(scorer.version, meta)
        st.markdown(f"**{md_escape(name)}**" + (f"  \n{md_escape(meta['change'])}" if meta.get("change") else ""))
        kind = QUALITY[type(scorer.model.target)](report)
        st.markdown(
            kind +
            f"**Version** `{scorer.version}`  \n"
            f"**Trained** {trained_when(str(meta.get('created_at', '')))}  \n"
            f"**Data** {md_escape(data_words(meta.get('data_source', 'unknown')))}"
        )
        signature = engine.registry().signature(scorer.version)
        if signature != "signed":
            st.warning(f"**{(signature or 'signature unknown').capitalize()}**: "
                       + SIGNATURE_WORDS.get(signature, "see the Model page's version list."))
        st.caption("Change it on the Model page (retrain, or make an earlier version active).")
