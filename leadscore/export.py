"""Scored lists as CSV that is safe to open in a spreadsheet.

A spreadsheet runs a text cell that starts with ``=``, ``+``, ``-`` or ``@``
as a formula, and some also treat a leading tab or carriage return that way
(CSV injection, OWASP). A lead list carries text typed by strangers (names,
notes, emails), so every such text cell gets a leading apostrophe, which
spreadsheets show as plain text. Numeric columns are left alone: ``-5`` in a
number column stays the number -5.
"""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


def neutralise_cell(value: object) -> object:
    """The cell with a leading apostrophe when it is text that a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return ESCAPE + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot run as spreadsheet formulas."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        out[column] = series.map(neutralise_cell, na_action="ignore")
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def to_safe_csv(frame: pd.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV bytes with formulas neutralised (a BOM so Excel reads UTF-8).

    Lines end in CRLF (RFC 4180), which also makes the writer quote a cell
    holding a bare carriage return instead of letting it split the row.
    """
    return neutralise_formulas(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
