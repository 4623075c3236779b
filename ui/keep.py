"""Widget choices kept for the session, across pages.

Streamlit forgets a widget's value when a run does not draw it (a visit to another page). Each kept widget
reads its default from a copy under ``kept.<key>`` and writes its value back after every run, so Triage and
Results show the same filters and order after a visit elsewhere. The widget's own key is never written
(writing it would make Streamlit warn about a default set twice).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import streamlit as st

T = TypeVar("T")
PREFIX = "kept."


def value(key: str, fallback: T) -> T:
    """The kept value of the widget ``key`` (``fallback`` on a first visit)."""
    return st.session_state.get(PREFIX + key, fallback)


def index(key: str, options: Sequence[object], fallback: int = 0) -> int:
    """The place of the kept choice of a select box or radio among ``options`` (``fallback`` when gone)."""
    kept = st.session_state.get(PREFIX + key)
    return list(options).index(kept) if kept in options else fallback


def remember(key: str, chosen: T) -> T:
    """Keep the widget's value for the next visit; returns it."""
    st.session_state[PREFIX + key] = chosen
    return chosen
