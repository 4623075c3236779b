"""Rejected rows: the one table shape (row, column, value, reason) every face reports them in."""

from __future__ import annotations

import pandas as pd

REJECTION_COLUMNS: tuple[str, ...] = ("row", "column", "value", "reason")


class SchemaError(ValueError):
    """The file as a whole cannot be scored (for example a field's column is missing)."""


class CountsRejections:
    """For a batch result whose ``problems`` table has one line per bad cell: how many rows it rejected."""

    problems: pd.DataFrame

    @property
    def rejected_rows(self) -> int:
        """How many rows had at least one problem."""
        return int(self.problems["row"].nunique()) if len(self.problems) else 0


def rejection_table(problems: list[tuple[int, str, str, str]]) -> pd.DataFrame:
    """Problems as (row, column, value, reason) tuples -> the rejection table, sorted by row."""
    return (pd.DataFrame(problems, columns=list(REJECTION_COLUMNS)).astype({"row": "int64"})
            .sort_values("row", kind="stable", ignore_index=True))
