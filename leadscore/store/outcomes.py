"""Reading a CRM's won/lost export into (lead ID, outcome, when known), with the same rules as training.

Won values are named with ``positive`` or inferred when there is no doubt (``infer_positive``). With
``negative`` named too, only those values mean lost and every other value is still open; without it, every
filled value that is not won means lost, as in training (and then a named won value must be in the file).
Empty cells are open leads: not outcomes yet.

Dates (``at_column``) are read with the training rules (``leadscore.fields.dates``): the column decides day
first or month first from its data, so ``12/05/2026`` and ``13/05/2026`` in one column are both May. A decided
row whose date is not a date or is out of range, or whose lead ID breaks the rule of
``leadscore.fields.lead_id``, is a rejected row with its reason; the others are imported. When every decided
row is rejected, the file is refused naming the first one (the wrong column was most likely named).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import pandas as pd

from leadscore.fields.dates import NOT_A_DATE, OUT_OF_RANGE, read_dates
from leadscore.fields.headers import header_key
from leadscore.fields.infer import (
    OutcomeError,
    check_named_once,
    infer_negative,
    infer_positive,
    missing_mask,
    outcome_labels,
)
from leadscore.fields.lead_id import id_problems, normalize_ids

#: The longest date value quoted in a rejected row's reason.
_QUOTED = 40


@dataclass(frozen=True)
class OutcomeRows:
    """The decided outcomes of a file, one per lead (the file's last row for a lead wins), and what was left."""

    rows: pd.DataFrame  # lead_id, outcome (0/1), known_at (UTC)
    read: int
    open_leads: int
    duplicate_rows: int
    positive: tuple[str, ...]
    #: Decided rows that could not be read, as (row in the file, column, reason); the reason quotes a date,
    #: never a lead ID.
    rejected: tuple[tuple[int, str, str], ...] = ()


def _column(frame: pd.DataFrame, name: str, what: str) -> str:
    matches = [c for c in frame.columns if header_key(str(c)) == header_key(name)]
    if not matches:
        raise OutcomeError(f"{what} column {name!r} is not in the file; columns: {', '.join(map(str, frame.columns))}")
    return matches[0]


def _when(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The column's moments in UTC (NaT when empty or unreadable) and, per cell, why it cannot be read."""
    parsed, outside = read_dates(values)
    filled = ~pd.Series(missing_mask(values), index=values.index)
    why = pd.Series(pd.NA, index=values.index, dtype="object")
    for mask, words in ((parsed.isna() & filled & ~outside, NOT_A_DATE), (outside, OUT_OF_RANGE)):
        why[mask] = [f"{str(v)[:_QUOTED]!r} {words}" for v in values[mask]]
    return parsed, why


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
    decided = pd.Series(labels >= 0, index=frame.index)
    ids = normalize_ids(frame[id_name])
    # Why a row cannot be read (a bad lead ID first, else a bad date) and in which column.
    why = id_problems(ids).astype("object")
    where = pd.Series(id_name, index=frame.index, dtype="object")
    moment = pd.Timestamp(now or datetime.now(timezone.utc)).tz_convert("UTC").as_unit("ns")
    known = pd.Series(moment, index=frame.index, dtype="datetime64[ns, UTC]")
    if at_column:
        at_name = _column(frame, at_column, "date")
        parsed, bad_date = _when(frame[at_name])
        known = known.mask(parsed.notna(), parsed)
        late = why.isna() & bad_date.notna()
        why[late], where[late] = bad_date[late], at_name
    rejected = decided & why.notna()
    problems = tuple((int(p) + 2, str(where.iloc[p]), str(why.iloc[p])) for p in np.flatnonzero(rejected))
    if problems and not (decided & ~rejected).any():
        row, column, reason = problems[0]
        raise OutcomeError(f"row {row}, column {column!r}: {reason}; no row could be read")
    usable = (decided & ~rejected).to_numpy()
    taken = pd.DataFrame({"lead_id": ids, "outcome": labels, "known_at": known})[usable]
    latest = taken.sort_values("known_at", kind="stable").drop_duplicates("lead_id", keep="last")
    return OutcomeRows(rows=latest.reset_index(drop=True), read=len(frame), open_leads=int((labels < 0).sum()),
                       duplicate_rows=len(taken) - len(latest), positive=tuple(won), rejected=problems)
