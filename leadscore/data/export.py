"""The one CSV writer for every file the product writes (scored list, rejected rows, downloads).

A spreadsheet runs a text cell that starts with ``=``, ``+``, ``-`` or ``@``
as a formula, and some also treat a leading tab or carriage return that way
(CSV injection, OWASP). A lead list carries text typed by strangers (names,
notes, emails), so every such text cell gets a leading apostrophe, which
spreadsheets show as plain text. A cell that is a plain number (``-5``,
``+3.5``) is left alone, whether its column was read as numbers or as text:
it stays the number -5.

Chances (the columns the caller names, the scorer's) are written with 4 decimals; lines end in CRLF (RFC 4180),
which also makes the writer quote a cell holding a bare carriage return
instead of letting it split the row; the file ends with a line break.

Scored lists keep the file's own headers (``Annual Income`` stays ``Annual
Income``) and put the columns in the order a sales manager reads them:
the lead's ID and name columns, the columns scoring added (in the order the
scorer gives, ``Scorer.file_columns``), then everything else as it was in the file.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from leadscore.fields.headers import header_key
from leadscore.fields.numbers import NUMBER_PATTERN

FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
#: Columns written with a fixed number of decimals.
PROBABILITY_DECIMALS = 4
#: Header keys (``schema.header_key``) of the columns that say who a lead is; they come first.
IDENTITY_KEYS: tuple[str, ...] = ("leadid", "id", "crmid", "contactid", "name", "fullname", "firstname",
                                  "lastname", "company", "email")
_PLAIN_NUMBER = re.compile(NUMBER_PATTERN)


def neutralise_cell(value: object) -> object:
    """The cell with a leading apostrophe when it is text that a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return ESCAPE + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot run as spreadsheet formulas."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        # Only cells that start like a formula need the per-cell check (numbers such as "-5" stay);
        # finding them vectorised keeps 45,000-row lists fast (3 s -> 0.3 s).
        suspect = _formula_suspects(series)
        if suspect is None:  # no text in the column at all
            continue
        if suspect.any():
            column_values = series.astype(object).to_numpy(copy=True)
            column_values[suspect] = [neutralise_cell(v) for v in column_values[suspect]]
            out[column] = pd.Series(column_values, index=series.index, dtype=object)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


_FORMULA_START = "^[" + re.escape("".join(FORMULA_STARTS)) + "]"


def _formula_suspects(series: pd.Series) -> np.ndarray | None:
    """The cells that start like a formula, or None when the column holds no text at all. A column of text
    (and None) is searched by pyarrow: pandas' ``.str`` runs Python per cell on a column of objects."""
    try:
        cells = pa.array(series.array, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError):
        try:  # text mixed with other values
            return series.str.startswith(FORMULA_STARTS, na=False).to_numpy(dtype=bool)
        except AttributeError:  # pandas refuses .str: no text at all
            return None
    found = pc.fill_null(pc.match_substring_regex(cells, _FORMULA_START), False)
    return found.to_numpy(zero_copy_only=False)


def fixed_decimals(values: np.ndarray, decimals: int = PROBABILITY_DECIMALS) -> np.ndarray:
    """Numbers as text with ``decimals`` decimals, exactly as ``f"{v:.4f}"`` writes them (None for NaN).

    Vectorised (the digits through pyarrow): pandas' ``float_format`` and ``map`` format each cell in Python,
    which was a third of writing 300,000 scored leads. A value within a millionth of a rounding tie, negative
    or huge is written by Python itself, so the text is always the one ``format`` gives.
    """
    v = np.asarray(values, dtype=np.float64)
    out = np.full(len(v), None, dtype=object)
    unit = 10 ** decimals
    scaled = v * unit
    finite = np.isfinite(v)
    fast = finite & (v >= 0) & (v < 1e12)
    fast[fast] &= np.abs(scaled[fast] - np.floor(scaled[fast]) - 0.5) > 1e-6
    if fast.any():
        digits = np.rint(scaled[fast]).astype(np.int64)
        whole = pc.cast(pa.array(digits // unit), pa.string())
        part = pc.utf8_slice_codeunits(pc.cast(pa.array(digits % unit + unit), pa.string()), 1)
        out[fast] = pc.binary_join_element_wise(whole, part, ".").to_numpy(zero_copy_only=False)
    slow = finite & ~fast
    out[slow] = [f"{x:.{decimals}f}" for x in v[slow].tolist()]
    return out


def to_safe_csv(frame: pd.DataFrame, header: bool = True, rounded: Collection[str] = ()) -> bytes:
    """``frame`` as UTF-8 CSV bytes, formulas neutralised, the ``rounded`` columns (chances) to 4 decimals.

    With ``header`` the bytes start with a BOM (so Excel reads UTF-8) and the header line;
    without, they are rows to append to such a file.
    """
    safe = neutralise_formulas(frame)  # number columns are left as they are: the chances are not text yet
    for position, column in enumerate(frame.columns):
        if column in rounded and pd.api.types.is_float_dtype(frame[column]):
            safe.isetitem(position, pd.Series(fixed_decimals(frame[column].to_numpy()), index=frame.index,
                                              dtype=object))
    body = _csv_rows(safe)
    if body is None:
        text = safe.to_csv(index=False, header=header, lineterminator="\r\n")
        return text.encode("utf-8-sig" if header else "utf-8")
    if not header:
        return body
    return safe.iloc[:0].to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig") + body


#: A cell holding one of these is quoted (csv's QUOTE_MINIMAL with "\r\n" line ends, as pandas writes).
_NEEDS_QUOTES = '[,"\r\n]'
_QUOTE, _EMPTY = pa.scalar('"', pa.large_string()), pa.scalar("", pa.large_string())


def text_cells(column: pd.Series) -> pa.Array | None:
    """A column of text as pyarrow large strings (empty cells null), or None when it holds anything but text
    and empty cells (numbers, flags, bytes, dates...: pandas writes those its own way)."""
    if column.dtype == object:
        if pd.api.types.infer_dtype(column, skipna=True) not in ("string", "empty"):
            return None
    elif not pd.api.types.is_string_dtype(column.dtype):
        return None
    try:
        return pa.array(column.array, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError):
        return None


def _csv_text(column: pd.Series) -> pa.Array | None:
    """A column's cells as pandas' ``to_csv`` writes them, unquoted ("" for empty), or None when pandas
    must write it (numbers with decimals, dates, anything but text and whole numbers)."""
    if pd.api.types.is_integer_dtype(column.dtype) and isinstance(column.dtype, np.dtype):
        return pc.cast(pa.array(column.to_numpy()), pa.large_string())
    cells = text_cells(column)
    return None if cells is None else pc.fill_null(cells, "")


def _csv_rows(frame: pd.DataFrame) -> bytes | None:
    """``frame``'s rows as UTF-8 CSV bytes exactly as ``frame.to_csv(index=False, header=False,
    lineterminator="\r\n")`` writes them, built column by column through pyarrow (pandas formats and
    quotes each cell in Python: most of the time of writing a scored file), or None when a column is not
    text or whole numbers, or when there is one column (csv writes a lone empty cell as ``""``)."""
    if len(frame.columns) < 2:
        return None
    if not len(frame):
        return b""
    cells = []
    for position in range(len(frame.columns)):
        text = _csv_text(frame.iloc[:, position])
        if text is None:
            return None
        needs = pc.match_substring_regex(text, _NEEDS_QUOTES)
        if pc.any(needs).as_py():
            quoted = pc.binary_join_element_wise(_QUOTE, pc.replace_substring(text, '"', '""'), _QUOTE, _EMPTY)
            text = pc.if_else(needs, quoted, text)
        cells.append(text)
    lines = pc.binary_join_element_wise(*cells, pa.scalar(",", pa.large_string()))
    # each line and an empty string, joined by the line end: the line ended
    lines = pc.binary_join_element_wise(lines, _EMPTY, pa.scalar("\r\n", pa.large_string()))
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
    return memoryview(lines.buffers()[2])[offsets[0]:offsets[-1]].tobytes()


def append_safe_csv(frame: pd.DataFrame, path: Path, first: bool, rounded: Collection[str] = ()) -> None:
    """Write ``frame`` to ``path`` (``first``: a new file with the header), the way ``to_safe_csv`` does."""
    with open(path, "wb" if first else "ab") as stream:
        stream.write(to_safe_csv(frame, header=first, rounded=rounded))


def identity_columns(columns: list[str], id_column: str | None = None) -> list[str]:
    """The columns that say who a lead is (the model's ID column, ID, name, email), in file order."""
    keys = {*IDENTITY_KEYS, *((header_key(id_column),) if id_column else ())}
    return [c for c in columns if header_key(c) in keys]


def reading_order(frame: pd.DataFrame, scored_columns: Sequence[str], first: tuple[str, ...] = (),
                  id_column: str | None = None) -> pd.DataFrame:
    """``frame`` with its columns in reading order (module docstring): ``first``, the lead's identity, then
    ``scored_columns`` (the columns scoring added), then the rest."""
    columns = [str(c) for c in frame.columns]
    head = [c for c in first if c in columns]
    head += [c for c in identity_columns(columns, id_column) if c not in head]
    head += [c for c in scored_columns if c in columns and c not in head]
    return frame.loc[:, head + [c for c in columns if c not in head]]


def for_download(scored: pd.DataFrame, scored_columns: Sequence[str], id_column: str | None = None) -> pd.DataFrame:
    """A scored list as the dashboard offers it: the file's own headers, reading order, row number first."""
    return reading_order(scored, scored_columns, first=("row",), id_column=id_column)
