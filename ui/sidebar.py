"""The sidebar every page shares: which model is scoring right now."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from leadscore.plain_words import data_words
from leadscore.scoring.scorer import Scorer
from ui import engine
from ui.sections import markdown
from ui.text import md_escape


def trained_when(created_at: str) -> str:
    """An ISO time as "23 Nov 2025, 14:05 UTC" (the text as given when it is not ISO)."""
    try:
        moment = dt.datetime.fromisoformat(created_at)
    except ValueError:
        return created_at or "unknown"
    return f"{moment:%d %b %Y, %H:%M} UTC"


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
    quality = scorer.report.quality()  # how good it is, as its report says it: one figure, what it is
    with st.sidebar:
        st.subheader("Active model")
        name = engine.registry().name(scorer.version, meta)
        st.markdown(f"**{md_escape(name)}**" + (f"  \n{md_escape(meta['change'])}" if meta.get("change") else ""))
        st.metric(quality.metric.label, quality.metric.value, help=quality.metric.help or None)
        if quality.metric.note:
            st.caption(markdown(quality.metric.note))
        label, words = quality.about
        st.markdown(
            f"**{md_escape(label)}** {md_escape(words)}  \n" +
            f"**Version** `{scorer.version}`  \n"
            f"**Trained** {trained_when(str(meta.get('created_at', '')))}  \n"
            f"**Data** {md_escape(data_words(meta.get('data_source', 'unknown')))}"
        )
        signature = engine.registry().signature(scorer.version)
        if signature != "signed":
            st.warning(f"**{(signature or 'signature unknown').capitalize()}**: "
                       + SIGNATURE_WORDS.get(signature, "see the Model page's version list."))
        st.caption("Change it on the Model page (retrain, or make an earlier version active).")
