"""CRM exports that look ordinary and broke the product (issue 13, sections 2 and 3): one function per case.

Each builds on ``crm_frame`` (a small export whose ``Visits`` predicts ``Converted``) and changes one thing
the way a real CRM or spreadsheet writes it. Frames are text, as ``csvio.read_table``
reads a file; cases about reading itself return the file's bytes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.crm.conftest import crm_frame


def _csv(frame: pd.DataFrame, separator: str = ",") -> bytes:
    return frame.to_csv(index=False, sep=separator, lineterminator="\n").encode("utf-8")


# ---- dates --------------------------------------------------------------------------------------
def dates_across_daylight_saving(n: int = 600, seed: int = 11) -> pd.DataFrame:
    """'Created' in Central European local time across the end of March (+01:00, then +02:00), some in ``Z``."""
    frame = crm_frame(n, seed)
    stamps = pd.date_range("2018-03-01", periods=n, freq="3h", tz="Europe/Berlin")
    local = stamps.strftime("%Y-%m-%d %H:%M:%S%z").str.replace(r"(\d\d)(\d\d)$", r"\1:\2", regex=True)
    utc = stamps.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    frame["Created"] = np.where(np.arange(n) % 7 == 0, utc, local)
    return frame.sample(frac=1, random_state=seed).reset_index(drop=True)


def mixed_date_formats(n: int = 600, seed: int = 12) -> pd.DataFrame:
    """'Created' as ISO dates, ISO times with offsets and naive times, in one column."""
    frame = crm_frame(n, seed)
    stamps = pd.date_range("2020-01-01", periods=n, freq="D")
    formats = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S+05:30", "%Y-%m-%d %H:%M"]
    frame["Created"] = [s.strftime(formats[i % 3]) for i, s in enumerate(stamps)]
    return frame.sample(frac=1, random_state=seed).reset_index(drop=True)


def day_first_dates(n: int = 600, seed: int = 13) -> tuple[pd.DataFrame, pd.Series]:
    """'Lead Date' written day first (``20-10-2017``), shuffled; and the true dates, for checking the split."""
    frame = crm_frame(n, seed)
    true = pd.Series(pd.date_range("2017-01-01", periods=n, freq="D"))
    frame["Lead Date"] = true.dt.strftime("%d-%m-%Y")
    order = np.random.default_rng(seed).permutation(n)
    return frame.iloc[order].reset_index(drop=True), true.iloc[order].reset_index(drop=True)


def ambiguous_dates(n: int = 300, seed: int = 14) -> pd.DataFrame:
    """'Lead Date' as ``05/03/2023`` with every day and month at most 12: day or month first cannot be told."""
    frame = crm_frame(n, seed)
    rng = np.random.default_rng(seed)
    frame["Lead Date"] = [f"{d:02d}/{m:02d}/2023" for d, m in zip(rng.integers(1, 13, n), rng.integers(1, 13, n),
                                                                  strict=True)]
    return frame


# ---- numbers ------------------------------------------------------------------------------------
def thousands_separators(n: int = 600, seed: int = 15) -> pd.DataFrame:
    """'Revenue' with a thousands comma (``1,291``) where it is 1,000 or more."""
    frame = crm_frame(n, seed)
    revenue = np.random.default_rng(seed).integers(10, 50_000, n)
    frame["Revenue"] = [f"{v:,}" for v in revenue]
    return frame


def semicolon_decimal_commas(n: int = 600, seed: int = 16) -> bytes:
    """A European export: ``;`` between cells, ``3,5`` and ``1.291,25`` in 'Score'."""
    frame = crm_frame(n, seed)
    score = np.random.default_rng(seed).uniform(0, 2000, n).round(2)
    frame["Score"] = [f"{v:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".") for v in score]
    return _csv(frame, ";")


def one_infinite_cell(n: int = 600, seed: int = 17, cell: str = "inf") -> pd.DataFrame:
    """'Visits' with one cell ``inf`` (or ``1e309``): a spreadsheet's division by zero."""
    frame = crm_frame(n, seed)
    frame.loc[5, "Visits"] = cell
    return frame


def huge_numbers(n: int = 600, seed: int = 18) -> pd.DataFrame:
    """'Balance' with ``1e308`` and ``-1e308`` among ordinary values."""
    frame = crm_frame(n, seed)
    balance = np.random.default_rng(seed).normal(1000, 300, n).round().astype(int).astype(str)
    balance[[3, 30, 300]] = ["1e308", "1e308", "-1e308"]
    frame["Balance"] = balance
    return frame


# ---- rows ---------------------------------------------------------------------------------------
def ragged_rows(n: int = 600, seed: int = 19) -> bytes:
    """A file with a 2-cell row (line 8) and a row with one cell too many (line 13)."""
    lines = _csv(crm_frame(n, seed)).decode().splitlines()
    lines.insert(7, "100006,1")
    lines[12] += ",stray"
    return ("\n".join(lines) + "\n").encode()


def bare_carriage_returns(n: int = 600, seed: int = 20) -> bytes:
    """Notes with a bare carriage return inside (unquoted), in a file whose lines end in ``\\r\\n``."""
    frame = crm_frame(n, seed)
    frame["Notes"] = np.where(np.arange(n) % 10 == 0, "called\rno answer", "ok")
    lines = [",".join(frame.columns), *(",".join(row) for row in frame.astype(str).to_numpy())]
    return ("\r\n".join(lines) + "\r\n").encode()


def rows_with_every_field_empty(n: int = 600, seed: int = 21, empty: int = 80) -> pd.DataFrame:
    """``empty`` leads whose every field is empty or a placeholder (only an ID and an outcome), converting at 80%
    where the others convert at about 30% (a marketplace's leads with no details were its best)."""
    frame = crm_frame(n, seed)
    rng = np.random.default_rng(seed)
    rows = rng.choice(n, empty, replace=False)
    for column in ("Visits", "Do Not Email"):
        frame.loc[rows, column] = ""
    frame.loc[rows, "Lead Source"] = np.where(np.arange(empty) % 2 == 0, "", "Select")  # a placeholder
    frame.loc[rows, "Converted"] = np.where(rng.random(empty) < 0.8, "1", "0")
    return frame


# ---- outcome values, IDs, order -----------------------------------------------------------------
def stage_outcomes(n: int = 800, seed: int = 22) -> pd.DataFrame:
    """'Stage' with Won, Lost and the open stages Engaging and Prospecting (a B2B opportunities export)."""
    frame = crm_frame(n, seed)
    rng = np.random.default_rng(seed)
    won = frame.pop("Converted") == "1"
    open_stage = rng.random(n) < 0.3
    frame["Stage"] = np.where(open_stage, rng.choice(["Engaging", "Prospecting"], n), np.where(won, "Won", "Lost"))
    return frame


def lead_number_with_repeats(n: int = 800, seed: int = 23) -> pd.DataFrame:
    """An increasing 'Lead No' with three repeats, and conversion that drifts with time (so it would leak)."""
    frame = crm_frame(n, seed)
    rng = np.random.default_rng(seed)
    number = 5000 + np.arange(n) * 2
    number[[100, 400, 700]] = number[[99, 399, 699]]
    frame["Lead No"] = number.astype(str)
    late = np.arange(n) > n * 0.6
    frame["Converted"] = np.where(late & (rng.random(n) < 0.4), "1", frame["Converted"])
    return frame.drop(columns=["Lead Number"])


def many_levels(n: int = 600, seed: int = 24) -> pd.DataFrame:
    """'Landing Page' with about two leads per value (a URL with a session id): hundreds of levels."""
    frame = crm_frame(n, seed)
    frame["Landing Page"] = [f"/offer?session={i % (2 * n // 3)}" for i in np.random.default_rng(seed).permutation(n)]
    return frame
