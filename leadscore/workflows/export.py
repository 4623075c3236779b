"""Scores back into the CRM: a saved list's latest scores as a file ready for the CRM's import.

One row per lead, its latest scoring in the list: the lead's ID under its own column name (the column it was
read from with ``--id``), ``tier``, ``score`` (0-100), ``reason_1..3``, ``model`` (the version's name as
``leadscore models list`` shows it) and ``scored_at`` (UTC). As ``.xlsx`` (numbers as numbers, the moment as
a date cell, text as text and never a formula, the header row frozen) or as CSV through the safe writer
(``data/export.py``). ``changed_since`` keeps the leads scored again since a moment (a CRM's next import);
``owner`` keeps one owner's leads (a rep exports only theirs).

    export = export_list(store, "May leads", model_names, changed_since=..., owner=None)
    write(export, "may-leads.xlsx")          # or to_bytes(export, "csv") for a download
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Literal

import pandas as pd

from leadscore.data.export import to_safe_csv
from leadscore.data.xlsx import write_workbook
from leadscore.store import Store

log = logging.getLogger(__name__)

Format = Literal["xlsx", "csv"]
#: The ID's column when the list does not know the one it was read from.
DEFAULT_ID_COLUMN = "lead_id"
COLUMNS = ("tier", "score", "reason_1", "reason_2", "reason_3", "model", "scored_at")
#: How the moment reads in a CSV (UTC, the form CRMs' importers read).
CSV_TIME = "%Y-%m-%d %H:%M:%S"


class UnknownListError(KeyError):
    """No saved list has that name; the message names the lists that exist."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Export:
    """A saved list ready for a CRM: the table and what a face says about it."""

    list_name: str
    frame: pd.DataFrame
    id_column: str
    #: True when the list was recorded without an ID column: its IDs are fingerprints no CRM can match.
    hashed_ids: bool

    @property
    def leads(self) -> int:
        """Rows in the file: one per lead."""
        return len(self.frame)


def format_of(path: str | os.PathLike[str]) -> Format:
    """``xlsx`` or ``csv`` from a file name; ValueError for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix in (".xlsx", ".csv"):
        return suffix[1:]  # type: ignore[return-value]
    raise ValueError(f"{Path(path).name}: the export is written as .xlsx or .csv; name the file so")


def export_list(store: Store, list_name: str, model_names: Mapping[str, str],
                changed_since: datetime | None = None, owner: str | None = None) -> Export:
    """The list's leads, one row each, in the columns a CRM's import maps (module docstring).

    Raises UnknownListError naming the lists that exist.
    """
    try:
        id_column, latest = store.list_latest(list_name, since=changed_since, owner=owner)
    except KeyError:
        names = [entry.name for entry in store.saved_lists()]
        known = ("the saved lists: " + ", ".join(repr(n) for n in names)) if names else "there are no saved lists"
        raise UnknownListError(f"no saved list named {list_name!r}; {known}") from None
    name = id_column or DEFAULT_ID_COLUMN
    if name in COLUMNS:
        name = f"{name} (ID)"
    frame = pd.DataFrame({name: latest["lead_id"].astype(str), "tier": latest["tier"], "score": latest["score"],
                          **{c: latest[c] for c in ("reason_1", "reason_2", "reason_3")},
                          "model": [model_names.get(v, v) for v in latest["model_version"]],
                          "scored_at": latest["scored_at"]})
    hashed = id_column is None and bool(len(frame)) and frame[name].str.startswith("h:").all()
    log.info("export: %d leads of a saved list", len(frame))
    return Export(list_name, frame, name, bool(hashed))


def _csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(scored_at=frame["scored_at"].dt.tz_convert("UTC").dt.strftime(CSV_TIME))


def write(export: Export, target: str | os.PathLike[str] | IO[bytes], fmt: Format | None = None) -> None:
    """Write the export as ``fmt`` (default: from the file's name): .xlsx typed, or a safe CSV."""
    fmt = fmt or format_of(target)  # type: ignore[arg-type]
    if fmt == "xlsx":
        write_workbook(export.frame, target, title="Scores")
        return
    data = to_safe_csv(_csv_frame(export.frame))
    if isinstance(target, (str, os.PathLike)):
        Path(target).write_bytes(data)
    else:
        target.write(data)


def to_bytes(export: Export, fmt: Format) -> bytes:
    """The file's bytes (a dashboard download)."""
    buffer = io.BytesIO()
    write(export, buffer, fmt)
    return buffer.getvalue()
