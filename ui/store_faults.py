"""A store fault met while a page reads or records, shown as the one line it is instead of a traceback.

``StoreError`` (``leadscore/store/faults.py``) already says where, doing what and why in one line without
values: a lock held by another program, a read-only or damaged file, PostgreSQL stopped. ``app.py`` runs the
sign-in, the sidebar and the page inside ``shown_in_one_line``; a fragment reruns on its own, outside the
page's run, so the dashboard's fragments are made with ``fragment`` (``st.fragment`` with the same guard).
A database error that reached the page without being put in words (a query run on the store's engine) is
put in words the same way: the cause, never the statement or its values.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec

import streamlit as st

from leadscore.store import StoreError
from leadscore.store.faults import is_database_error
from ui.text import md_escape

log = logging.getLogger(__name__)

_P = ParamSpec("_P")


def _in_words(error: Exception) -> StoreError | None:
    """The store fault ``error`` is, in words; None: not a store fault."""
    if isinstance(error, StoreError):
        return error
    if not is_database_error(error) or isinstance(error, OSError):  # a bare OSError: a file, not the store
        return None
    from ui.store import store  # the open store names itself and its lock wait

    return store().fault(error, "read or write its records")


@contextmanager
def shown_in_one_line() -> Iterator[None]:
    """Run a page (or part of one); a store fault inside it ends it with the fault's line in an error box."""
    try:
        yield
    except Exception as error:
        fault = _in_words(error)
        if fault is None:
            raise
        log.warning("a page stopped on a store fault: %s", fault)
        text = str(fault)
        st.error(f"{md_escape(text[:1].upper() + text[1:])}.")


def fragment(function: Callable[_P, None]) -> Callable[_P, None]:
    """``st.fragment``, with its own reruns guarded by ``shown_in_one_line``."""
    @functools.wraps(function)
    def guarded(*args: _P.args, **kwargs: _P.kwargs) -> None:
        with shown_in_one_line():
            function(*args, **kwargs)

    return st.fragment(guarded)
