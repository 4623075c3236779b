"""Reading a CRM's won/lost export into (lead ID, outcome, when known), with the same rules as training.

Won values are named with ``positive`` or inferred when there is no doubt (``infer_positive``). With
``negative`` named too, only those values mean lost and every other value is still open; without it, every
filled value that is not won means lost, as in training (and then a named won value must be in the file).
Empty cells are open leads: not outcomes yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import pandas as pd

from leadscore.fields.headers import header_key
from leadscore.fields.infer import (
    OutcomeError,
    check_named_once,
    infer_negative,
    infer_positive,
    missing_mask,
    outcome_labels,
)
from leadscore.store.record import normalize_ids


@dataclass(frozen=True)
class OutcomeRows:
    """The decided outcomes of a file, one per lead (the file's last row for a lead wins), and what was left."""

    rows: pd.DataFrame  # lead_id, outcome (0/1), known_at (UTC)
    read: int
    open_leads: int
    duplicate_rows: int
    positive: tuple[str, ...]


def _column(frame: pd.DataFrame, name: str, what: str) -> str:
    matches = [c for c in frame.columns if header_key(str(c)) == header_key(name)]
    if not matches:
        raise OutcomeError(f"{what} column {name!r} is not in the file; columns: {', '.join(map(str, frame.columns))}")
    return matches[0]


def _when(values: pd.Series, column: str) -> pd.Series:
    parsed = pd.to_datetime(values, errors="coerce", utc=True, format="mixed")
    bad = parsed.isna() & ~pd.Series(missing_mask(values), index=values.index)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise OutcomeError(f"row {row}, column {column!r}: {values.iloc[row - 2]!r} is not a date")
    return parsed


def read_outcomes(frame: pd.DataFrame, id_column: str, outcome_column: str,
                  positive: Sequence[str] | None = None, negative: Sequence[str] | None = None,
                  at_column: str | None = None, now: datetime | None = None) -> OutcomeRows:
    """The file's decided outcomes. Rows are numbered as in the file (header = row 1) in messages."""
    id_name = _column(frame, id_column, "ID")
    outcome_name = _column(frame, outcome_column, "outcome")
    values = frame[outcome_name]
    check_named_once(positive, negative)
    if positive and negative:
        # A file of only won (or only lost) deals is normal here: the named values need not all appear,
        # but at least one must, so a misspelt value does not make every row an open lead.
        lowered = values.astype("string").str.strip().str.lower()
        named = {v.strip().lower() for v in (*positive, *negative)}
        if not lowered.isin(named).any():
            raise OutcomeError(f"none of the named won/lost values is in column {outcome_name!r}; values seen: "
                               + ", ".join(repr(v) for v in sorted(set(lowered.dropna()))[:12]))
        won, lost = tuple(positive), tuple(negative)
    else:
        # The same rules as training (``infer_positive``, ``infer_negative``): won and lost values are named
        # or beyond doubt, and a value named neither is an open lead; a file of won deals only is normal here.
        filled = values[~missing_mask(values)].astype("string").str.strip().str.lower()
        if positive and filled.isin({p.strip().lower() for p in positive}).all():
            won, lost = tuple(positive), tuple(negative or ())
        else:
            won = infer_positive(values, positive, negative=negative)
            lost = infer_negative(values, won, negative)
    labels = outcome_labels(values, won, negative=lost)
    ids = normalize_ids(frame[id_name])
    no_id = (ids.isna() | (ids == "")).to_numpy(dtype=bool) & (labels >= 0)
    if no_id.any():
        row = int(np.flatnonzero(no_id)[0]) + 2
        raise OutcomeError(f"row {row}, column {id_name!r}: the lead ID is empty")
    moment = now or datetime.now(timezone.utc)
    known = (_when(frame[_column(frame, at_column, "date")], at_column).fillna(pd.Timestamp(moment))
             if at_column else pd.Series(pd.Timestamp(moment), index=frame.index))
    decided = pd.DataFrame({"lead_id": ids, "outcome": labels, "known_at": known})[labels >= 0]
    latest = decided.sort_values("known_at", kind="stable").drop_duplicates("lead_id", keep="last")
    return OutcomeRows(rows=latest.reset_index(drop=True), read=len(frame), open_leads=int((labels < 0).sum()),
                       duplicate_rows=len(decided) - len(latest), positive=tuple(won))
