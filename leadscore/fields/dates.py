"""Reading a column of dates as CRMs export them, to UTC.

Exports mix what pandas will not mix on its own: offsets across a
daylight-saving change (``+01:00`` and ``+02:00``), ``Z`` beside local times,
ISO dates beside ``20-10-2017``. Every cell is read to UTC (a time without an
offset is taken as UTC), so the order of leads in time is the true one.

``05/03/2023`` is 5 March or May 3 depending on the CRM's locale. The column
itself decides: a first part above 12 means day first, a second part above 12
means month first. When no cell tells (or cells disagree), the column is read
month first and called ambiguous, so the review can say so. Cells that start
with a four-digit year are always read year, month, day.

A date outside the years ``FIRST_YEAR`` to ``LAST_YEAR`` (1678 to 2261: what a timestamp column holds, in any
zone; e.g. ``9999-12-31T23:59:59-14:00``) is not read: ``read_dates`` tells it apart from a cell that is no date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

_YEAR_FIRST = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}")
_SHORT_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.]\d{2,4}")
#: The years a date may have: every moment of them, in any zone, fits a date column (pandas' nanosecond
#: timestamps hold 1677-09-21 to 2262-04-11 in UTC).
FIRST_YEAR, LAST_YEAR = 1678, 2261
#: In UTC: the first and last moments of those years in any zone (offsets reach 14 hours).
EARLIEST = pd.Timestamp(f"{FIRST_YEAR}-01-01", tz="UTC") - pd.Timedelta(hours=14)
LATEST = pd.Timestamp(f"{LAST_YEAR + 1}-01-01", tz="UTC") + pd.Timedelta(hours=14)
OUT_OF_RANGE = f"is outside the years {FIRST_YEAR} to {LAST_YEAR} that dates can have"
#: The same as a JSON Schema pattern of a written date (its year: the first four characters).
YEAR_PATTERN = r"^(16(7[89]|[89][0-9])|1[789][0-9]{2}|2[01][0-9]{2}|22[0-5][0-9]|226[01])-"
NOT_A_DATE = "is not a date"


@dataclass(frozen=True)
class DateOrder:
    """How a column writes day and month."""

    day_first: bool
    #: Neither day first nor month first is shown by the data (or the cells disagree).
    ambiguous: bool
    #: Some cell writes day and month before the year (else every cell starts with its year).
    short_first: bool = True

    @property
    def words(self) -> str:
        """For the review table: how the column was read ("" when every date starts with its year)."""
        if not self.short_first:
            return ""
        if not self.ambiguous:
            return "day first" if self.day_first else "month first"
        return "day or month first cannot be told from the data: read month first"


def date_order(cells: pd.Series) -> DateOrder:
    """Day first when some cell's first part is above 12 and none's second part is; see the module docstring."""
    parts = cells.dropna().astype("string").str.strip().str.extract(_SHORT_FIRST)
    if parts.empty or parts[0].isna().all():
        return DateOrder(day_first=False, ambiguous=False, short_first=False)
    first = pd.to_numeric(parts[0], errors="coerce")
    second = pd.to_numeric(parts[1], errors="coerce")
    day_first_seen, month_first_seen = bool((first > 12).any()), bool((second > 12).any())
    if day_first_seen and not month_first_seen:
        return DateOrder(day_first=True, ambiguous=False)
    if month_first_seen and not day_first_seen:
        return DateOrder(day_first=False, ambiguous=False)
    return DateOrder(day_first=False, ambiguous=True)


def in_range(moment: datetime) -> bool:
    """Whether a moment is within the years ``FIRST_YEAR`` to ``LAST_YEAR``, as written (in its own zone)."""
    return FIRST_YEAR <= moment.year <= LAST_YEAR


def read_dates(cells: pd.Series, order: DateOrder | None = None) -> tuple[pd.Series, pd.Series]:
    """The cells as UTC timestamps, NaT where a cell is not a date or is out of range, and a mask of the
    cells that are dates out of range. Read as ``order`` says (else measured from the cells)."""
    text = cells.astype("string").str.strip()
    order = order or date_order(text)
    out = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[ns, UTC]")
    outside = pd.Series(False, index=cells.index)
    year_first = text.str.contains(_YEAR_FIRST).fillna(False).to_numpy(dtype=bool)
    for mask, day_first in ((year_first, False), (~year_first & text.notna().to_numpy(dtype=bool),
                                                   order.day_first)):
        if mask.any():
            read = pd.to_datetime(text[mask], errors="coerce", format="mixed", dayfirst=day_first, utc=True)
            fits = read.isna() | ((read >= EARLIEST) & (read <= LATEST))
            outside[mask] = ~fits.to_numpy(dtype=bool)
            out[mask] = read.where(fits).astype("datetime64[ns, UTC]")
    return out, outside


def to_utc(cells: pd.Series, order: DateOrder | None = None) -> pd.Series:
    """The cells as UTC timestamps (NaT where a cell is not a date, or is out of range), read as ``order``
    says (else measured)."""
    return read_dates(cells, order)[0]
