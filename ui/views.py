"""A person's view of a page (filters, sort, columns) kept in the store and restored on their next visit.

Each run, a widget the session has no value for (a new visit, or a return from another page, which forgets the
page's widgets) starts from the person's view: the one kept in this session, else the one in the store, else the
page's default. Each change is written back (one small row per person and page).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

from ui import accounts, guard

log = logging.getLogger(__name__)
SINGLE_USER = "(single user)"


def _person() -> str:
    return guard.visitor().email or SINGLE_USER


def _kept(page: str) -> dict[str, Any]:
    key = f"views.{page}.kept"
    if key not in st.session_state:
        st.session_state[key] = accounts.load_view(_person(), page) or {}
    return dict(st.session_state[key])


def restore(page: str, widgets: Mapping[str, tuple[str, Any]], offered: Mapping[str, Sequence[Any]]) -> None:
    """Give each widget (``widgets``: view entry -> (widget key, default)) the person's view of ``page`` unless the
    session already has its value. A saved value no longer offered (``offered``: entry -> values) is left out."""
    saved = _kept(page)
    for entry, (key, default) in widgets.items():
        if key in st.session_state:
            continue
        value = saved.get(entry, default)
        choices = offered.get(entry)
        if choices is not None:
            if isinstance(value, list):
                value = [v for v in value if v in choices]
            elif value not in choices:
                value = default
        st.session_state[key] = value


def keep(page: str, view: dict[str, Any]) -> None:
    """Write the view back when it differs from the one kept."""
    if _kept(page) == view:
        return
    accounts.save_view(_person(), page, view)
    st.session_state[f"views.{page}.kept"] = view
