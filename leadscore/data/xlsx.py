"""Excel workbooks: a lead list read as text the way a CSV is read, and exports written with typed cells.

Reading (python-calamine, a Rust reader): a CRM export saved from Excel is a workbook; its first visible
sheet (or the one named with ``--sheet``) is read cell by cell into text, the way Excel's own "CSV UTF-8"
export would write it, so the rest of the product reads an ``.xlsx`` exactly like a CSV: a whole number is
``45`` (not ``45.0``), a date is ``2026-05-31``, a time of day is kept (``2026-05-31 14:03:02``), a yes/no
cell is ``TRUE``/``FALSE``, an empty cell is empty, text stays as typed (``00123`` keeps its zeros). The
table rules (header, repeated names, rows wider than the header) are ``csvio``'s, applied to these rows.

Writing (openpyxl): numbers as number cells, moments as date cells, every text cell typed as text and
neutralised the way the CSV writer does it (``export.neutralise_cell``), so no cell runs as a formula;
the header row is frozen.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import IO, Any

import pandas as pd

#: File names read as workbooks (also any file that starts like a zip archive: an upload keeps no name rule).
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_ZIP_MAGIC = b"PK\x03\x04"
#: Old binary Excel files (.xls) start with this (OLE2); they are refused with a word on how to save them.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
#: The largest workbook read (a safety cap: the whole sheet is read into memory).
MAX_WORKBOOK_BYTES = 200 << 20


class WorkbookError(ValueError):
    """The workbook cannot be read (not a workbook, a password, no such sheet): one line for the user."""


class SheetSource(os.PathLike):
    """A workbook file and the sheet to read (``--sheet NAME``); opens as the file wherever a path is wanted."""

    def __init__(self, path: str | os.PathLike[str], sheet: str) -> None:
        self.path = os.fspath(path)
        self.sheet = sheet

    def __fspath__(self) -> str:
        return self.path

    def __str__(self) -> str:
        return self.path

    def __repr__(self) -> str:
        return f"SheetSource({self.path!r}, sheet={self.sheet!r})"


def _head(source: str | os.PathLike[str] | IO[bytes]) -> bytes:
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as stream:
            return stream.read(8)
    position = source.tell()
    head = source.read(8)
    source.seek(position)
    return head


def is_workbook(source: str | os.PathLike[str] | IO[bytes]) -> bool:
    """True for an Excel workbook: its bytes start like one (a zip archive, or the old binary format)."""
    head = _head(source)
    return head.startswith(_ZIP_MAGIC) or head.startswith(_OLE_MAGIC)


def cell_text(value: Any) -> str:  # noqa: ANN401 - a cell holds any of calamine's types
    """A cell as the text Excel's CSV export would write for it (see the module docstring)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds" if not value.microsecond else "microseconds")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _name(source: str | os.PathLike[str] | IO[bytes]) -> str:
    return Path(source).name if isinstance(source, (str, os.PathLike)) else getattr(source, "name", "upload")


def read_rows(source: str | os.PathLike[str] | IO[bytes], sheet: str | None = None
              ) -> tuple[str, Iterator[tuple[int, list[str]]]]:
    """The sheet's label ("leads.xlsx, sheet 'Leads'") and its non-blank rows: (sheet row number, cells as text).

    ``sheet``: a sheet's name; default the ``SheetSource``'s, else the first visible sheet. Raises
    WorkbookError naming the file (and the sheets it has, for an unknown name).
    """
    from python_calamine import CalamineError, CalamineWorkbook, SheetVisibleEnum

    name = _name(source)
    if isinstance(source, SheetSource):
        sheet = sheet or source.sheet
    if _head(source).startswith(_OLE_MAGIC):
        raise WorkbookError(f"{name}: an old Excel (.xls) file; save it as .xlsx (Excel Workbook) or CSV UTF-8")
    size = os.path.getsize(source) if isinstance(source, (str, os.PathLike)) else None
    if size is not None and size > MAX_WORKBOOK_BYTES:
        raise WorkbookError(f"{name}: the workbook is larger than {MAX_WORKBOOK_BYTES >> 20} MiB; "
                            "save the sheet as CSV UTF-8 instead")
    try:
        if isinstance(source, (str, os.PathLike)):
            book = CalamineWorkbook.from_path(os.fspath(source))
        else:
            position = source.tell()
            book = CalamineWorkbook.from_filelike(source)
            source.seek(position)
    except (CalamineError, ValueError, OSError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if "password" in reason.lower() or "encrypt" in reason.lower() or type(error).__name__ == "PasswordError":
            raise WorkbookError(f"{name}: the workbook is protected by a password; save a copy without one") \
                from error
        raise WorkbookError(f"{name}: not a readable Excel workbook ({reason})") from error
    try:
        if sheet is None:
            visible = [m.name for m in book.sheets_metadata if m.visible == SheetVisibleEnum.Visible]
            if not visible:
                raise WorkbookError(f"{name}: the workbook has no visible sheet")
            sheet = visible[0]
        elif sheet not in book.sheet_names:
            raise WorkbookError(f"{name}: no sheet named {sheet!r}; its sheets: "
                                + ", ".join(repr(s) for s in book.sheet_names))
        try:
            grid = book.get_sheet_by_name(sheet)
            values = grid.to_python(skip_empty_area=True)
            first_row = grid.start[0] + 1 if grid.start else 1
        except CalamineError as error:
            raise WorkbookError(f"{name}, sheet {sheet!r}: cannot be read ({error})") from error
    finally:
        book.close()
    label = f"{name}, sheet {sheet!r}"

    def rows() -> Iterator[tuple[int, list[str]]]:
        for offset, cells in enumerate(values):
            text = [cell_text(v) for v in cells]
            if any(t.strip() for t in text):
                yield first_row + offset, text

    return label, rows()


# ---- writing --------------------------------------------------------------------------------------------


def _cell_value(value: Any) -> Any:  # noqa: ANN401 - a frame's cell
    """A frame's cell as openpyxl writes it: numbers and moments typed, missing values empty."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)  # Excel has no zones: UTC, said in the docs
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()  # numpy scalars
    return value


def write_workbook(frame: pd.DataFrame, target: str | os.PathLike[str] | IO[bytes], title: str = "Leads") -> None:
    """Write ``frame`` as one sheet: typed cells, text never a formula, the header row frozen.

    Text is neutralised first (a leading apostrophe before ``=``, ``+``, ``-``, ``@``...), so openpyxl, which
    stores a string starting with ``=`` as a formula, always stores text as text; moments get Excel's date
    format.
    """
    from openpyxl import Workbook

    from leadscore.data.export import neutralise_cell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    sheet.append([neutralise_cell(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        sheet.append([neutralise_cell(_cell_value(v)) for v in row])
    book.save(target)
