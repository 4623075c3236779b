"""Reading numbers as CRMs and spreadsheets write them: ``1,291``, ``1.291,50``, ``3,5``, ``1 291``.

pandas reads ``1,291`` as text, so one export with a thousands separator
turned a number field into a category with "too many levels"; one ``inf`` or
``1e309`` cell did the same. Here a cell is a number when it is one under the
column's decimal mark, thousands separators (comma, dot, space, apostrophe)
are dropped where they group digits by three, and a cell that is not a finite
number is reported (never a number field turned into text).

The decimal mark belongs to a column, not a cell: ``1,291`` is 1291 in an
export with decimal dots and 1.291 in one with decimal commas. ``decimal_mark``
tells it from the cells that leave no doubt (``3,5`` or ``1.291,50`` against
``1.5`` or ``1,291.50``); a trained field keeps it (``Field.decimal``), so a file
scored later reads ``1,291`` as the training file did. Used by column
inference (``infer.py``) and by the outcome schema's parsers (``field.py``).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from leadscore.fields.fast_numbers import to_numbers

DECIMAL_MARKS: tuple[str, ...] = (".", ",")

_SPACES = "[ '\u00a0\u202f]"
#: Cells whose decimal mark is certainly a comma: ``3,5``, ``-0,25``, ``1.291,50``, ``1 291,5``.
_COMMA_DECIMAL = re.compile(rf"^[+-]?(\d*,\d{{1,2}}|\d*,\d{{4,}}|\d{{1,3}}((\.|{_SPACES})\d{{3}})+,\d+)$")
#: Cells whose decimal mark is certainly a dot: ``1.5``, ``0.25``, ``1,291.50``.
_DOT_DECIMAL = re.compile(r"^[+-]?(\d*\.\d{1,2}|\d*\.\d{4,}|\d{1,3}(,\d{3})+\.\d+)$")
#: Digits grouped by three with a separator, and an optional decimal part: the separator is to be dropped.
_GROUPED = {".": re.compile(rf"^[+-]?\d{{1,3}}((,|{_SPACES})\d{{3}})+(\.\d+)?$"),
            ",": re.compile(rf"^[+-]?\d{{1,3}}((\.|{_SPACES})\d{{3}})+(,\d+)?$")}
#: The separators ``_GROUPED`` cells drop, by decimal mark.
_SEPARATORS = {".": re.compile("[,' \u00a0\u202f]"), ",": re.compile("[.' \u00a0\u202f]")}
#: One cell whose comma is a decimal mark although the column's mark is a dot: ``3,5``, ``0,25``, ``1,2345``.
_COMMA_CELL = re.compile(r"[+-]?\d*,(\d{1,2}|\d{4,})")
#: Looks like a number that is not finite or too large for any field: ``inf``, ``-Infinity``, ``1e309``.
_NOT_FINITE_WORDS = frozenset({"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan"})

NOT_A_NUMBER = "not a number"
#: A number written as text, once separators are dropped: a plain ASCII decimal, as a spreadsheet writes
#: it ("720", "-1", "0.5", "1e3"). Python's float() alone would also take "4_5", fullwidth "４５" and
#: Arabic-Indic "٤٥", which pandas' reader (used for whole columns) refuses.
NUMBER_PATTERN = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_PLAIN = re.compile(NUMBER_PATTERN)
NOT_FINITE = "not a finite number (infinite, or too large)"


def decimal_mark(text: pd.Series) -> str:
    """The column's decimal mark: ``,`` when more cells certainly use a comma than a dot, else ``.``."""
    cells = text.dropna().astype("string").str.strip()
    commas = int(cells.str.fullmatch(_COMMA_DECIMAL).sum())
    dots = int(cells.str.fullmatch(_DOT_DECIMAL).sum())
    return "," if commas > dots else "."


def _normalised(text: pd.Series, decimal: str) -> pd.Series:
    """The cells with grouping separators dropped and the decimal mark made a dot."""
    cells = text.astype("string").str.strip()
    grouped = cells.str.fullmatch(_GROUPED[decimal]).fillna(False).to_numpy(dtype=bool)
    out = cells.copy()
    if grouped.any():
        group_chars = r"[,' \u00a0\u202f]" if decimal == "." else r"[.' \u00a0\u202f]"
        out[grouped] = cells[grouped].str.replace(group_chars, "", regex=True)
    if decimal == ",":
        out = out.str.replace(",", ".", regex=False)
    else:
        # A comma that cannot be a thousands separator (``3,5``) is a decimal comma even in a dot column.
        certain = cells.str.fullmatch(r"[+-]?\d*,(\d{1,2}|\d{4,})").fillna(False).to_numpy(dtype=bool)
        if certain.any():
            out[certain] = cells[certain].str.replace(",", ".", regex=False)
    return out


def _plain_numbers(text: pd.Series) -> np.ndarray | None:
    """The cells as float64 when every filled cell is a plain ASCII number (``NUMBER_PATTERN``) and finite, empty
    cells NaN; else None (the general path decides). One regex and one cast over the column, through pyarrow."""
    if not (pd.api.types.is_string_dtype(text.dtype) or text.dtype == object):
        return None
    try:
        cells = pc.utf8_trim_whitespace(pa.array(text.array, type=pa.large_string(), from_pandas=True))
        filled = pc.if_else(pc.equal(cells, ""), pa.scalar(None, pa.large_string()), cells)
        if pc.all(pc.match_substring_regex(filled, f"^{NUMBER_PATTERN}$"), skip_nulls=True).as_py() is False:
            return None
        values = np.array(pc.cast(filled, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, TypeError, ValueError):
        return None
    return values if np.isfinite(values[~np.isnan(values)]).all() else None


def read_numbers(text: pd.Series, decimal: str = ".") -> tuple[np.ndarray, np.ndarray]:
    """The cells as float64 (NaN where not a finite number) and a mask of the cells that are not finite.

    An empty cell is NaN and not in the mask (callers decide what empty means); ``inf`` and
    ``1e309`` are in the mask, as is text. Values are clipped to nothing: ``1e308`` is a number.
    """
    plain = _plain_numbers(text) if decimal == "." else None
    if plain is not None:  # every filled cell a plain number: nothing to normalise
        return plain, np.zeros(len(plain), dtype=bool)
    normal = _normalised(text, decimal)
    values = np.array(to_numbers(normal).to_numpy(dtype=np.float64, na_value=np.nan))  # writable
    empty = normal.isna().to_numpy(dtype=bool) | (normal.fillna("") == "").to_numpy(dtype=bool)
    bad = ~np.isfinite(values) & ~empty
    values[bad] = np.nan
    return values, bad


def not_finite(text: pd.Series, decimal: str = ".") -> np.ndarray:
    """Cells that read as numbers but are not finite (``inf``, ``1e309``): number cells, yet unusable."""
    normal = _normalised(text, decimal)
    values = to_numbers(normal).to_numpy(dtype=np.float64, na_value=np.nan)
    words = normal.str.lower().isin(_NOT_FINITE_WORDS).fillna(False).to_numpy(dtype=bool)
    return np.isinf(values) | words


def read_number(text: str, decimal: str = ".") -> tuple[float, str | None]:
    """One cell without pandas: its value, or NaN and why it is not a number (same rules as ``read_numbers``)."""
    cell = text.strip()
    if decimal == "." and _PLAIN.fullmatch(cell):  # the usual cell ("720", "0.5"): nothing to drop or replace
        value = float(cell)
        return (value, None) if math.isfinite(value) else (math.nan, NOT_FINITE)
    if _GROUPED[decimal].fullmatch(cell):
        cell = _SEPARATORS[decimal].sub("", cell)
    if decimal == "," or _COMMA_CELL.fullmatch(cell):
        cell = cell.replace(",", ".")
    try:
        value = float(cell) if _PLAIN.fullmatch(cell) or cell.lower() in _NOT_FINITE_WORDS else math.nan
    except ValueError:
        return math.nan, NOT_A_NUMBER
    if math.isnan(value) and cell.lower() not in _NOT_FINITE_WORDS:
        return math.nan, NOT_A_NUMBER
    return (value, None) if math.isfinite(value) else (math.nan, NOT_FINITE)
