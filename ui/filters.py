"""Filters on a scored lead list's extra columns (an owner, a region), shared by both kinds of model."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from ui.text import md_escape

ALL = "All"
#: A column gets a filter when it has at most this many distinct values (an owner, not an email).
MAX_FILTER_VALUES = 30
#: Filters shown at the most.
MAX_FILTERS = 3


def extra_column_filters(view: pd.DataFrame, columns: Sequence[str], key_prefix: str) -> pd.DataFrame:
    """A select box for each extra column with few distinct values; the rows chosen."""
    few = [c for c in columns if c in view.columns and 1 < view[c].nunique() <= MAX_FILTER_VALUES][:MAX_FILTERS]
    for column, place in zip(few, st.columns(max(1, len(few))), strict=False):
        values = sorted(view[column].dropna().astype(str).unique())
        choice = place.selectbox(md_escape(column), [ALL, *values], key=f"{key_prefix}.{column}")
        if choice != ALL:
            view = view[view[column].astype(str) == choice]
    return view
