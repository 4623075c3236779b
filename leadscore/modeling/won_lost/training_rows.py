"""Which rows and cells of a CRM export an outcome model trains on, and the words the report says about them.

The parser rejects a row with a cell that cannot be what its field is, and a
line with no cell filled in at all; training must never lose a row's features
and keep its outcome (that misalignment was "Found input variables with
inconsistent numbers of samples: [5478, 6400]"). Here, before training:

- a cell that is not what its field is (``inf`` in a number field, ``maybe`` in
  a yes/no field) is read as empty, and said;
- a lead whose every field is empty or a placeholder stays, with its outcome:
  it is a lead (the model learns what such leads convert at, and the test part
  stays the newest leads); its outcome makes its line not blank;
- after parsing, the outcomes are taken for the parsed rows only (a safety
  net: after the two rules above no labelled row is rejected), and a row left
  out would be counted.

It also words the period (or ID range) of the test part for the report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leadscore.fields.field import FLAG_FALSE, FLAG_TRUE, Schema
from leadscore.fields.infer import Review, missing_mask
from leadscore.fields.numbers import read_numbers


def blank_impossible_cells(frame: pd.DataFrame, review: Review) -> tuple[pd.DataFrame, list[str]]:
    """The frame with cells that cannot be their field's kind emptied, and one sentence per field that had some."""
    out = frame
    notes = []
    for column in review.fields():
        if column.kind not in ("number", "integer", "flag"):
            continue
        series = frame[column.name]
        missing = missing_mask(series)
        text = series.astype("string").str.strip()
        if column.kind == "flag":
            bad = ~text.str.lower().isin(FLAG_TRUE | FLAG_FALSE).fillna(False).to_numpy(dtype=bool) & ~missing
        else:
            bad = read_numbers(text.mask(pd.Series(missing, index=text.index)), column.decimal)[1] & ~missing
        if not bad.any():
            continue
        if out is frame:
            out = frame.copy()
        positions = np.flatnonzero(bad)
        examples = ", ".join(f"{text.iloc[i]!r}" for i in positions[:3])
        notes.append(f"'{column.name}': {len(positions):,} cell{'s' if len(positions) > 1 else ''} that cannot be "
                     f"a {column.kind} ({examples}{' ...' if len(positions) > 3 else ''}) read as empty")
        out[column.name] = series.mask(pd.Series(bad, index=series.index), "")
    return out, notes


def rows_with_fields(schema: Schema, frame: pd.DataFrame, y: np.ndarray
                     ) -> tuple[pd.DataFrame, np.ndarray, int, pd.DataFrame]:
    """The rows the schema parses, their outcomes, how many rows were left out, and those rows parsed (the
    model matrix of the rows returned: ``schema.parse(rows).matrix``, so callers need not parse them again).

    After ``blank_impossible_cells`` the parser rejects no labelled row (a lead whose fields are all empty is
    scored; its outcome makes its line not blank); any row it did reject would leave with its outcome.
    """
    matrix = schema.parse(frame).matrix
    kept = matrix.index.to_numpy() - 1
    if len(kept) == len(frame):
        return frame, y, 0, matrix
    rows = frame.iloc[kept]
    return rows, y[kept], int(len(frame) - len(kept)), schema.parse(rows).matrix


def period_of(key: pd.Series | None, test: np.ndarray) -> dict[str, str] | None:
    """The first and last value of the order key on the test part, as text (dates as days), or None."""
    if key is None:
        return None
    values = key.iloc[test].dropna()
    if values.empty:
        return None
    low, high = values.min(), values.max()
    if isinstance(low, pd.Timestamp):
        return {"from": low.strftime("%Y-%m-%d"), "to": high.strftime("%Y-%m-%d")}
    return {"from": f"{low:,.0f}" if float(low).is_integer() else f"{low:,}",
            "to": f"{high:,.0f}" if float(high).is_integer() else f"{high:,}"}
