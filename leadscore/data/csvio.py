"""Reading lead files the way CRMs export them.

Handles a UTF-8 byte-order mark, comma, semicolon, tab or pipe separators
(read off the header line). Every column is read as text, exactly as it is in
the file, so IDs like ``00123``, words like ``NA`` and flags like ``Yes`` pass
through unchanged; the model's schema reads the cells it needs
(``fields/field.py``).

Hostile files are refused with one line naming the row: a header with an
open quote or a line break inside a name, a repeated header name (pandas
would silently rename the second ``age`` to ``age.1``), more than
``MAX_COLUMNS`` columns (counted before pandas parses anything), and bytes
that are not UTF-8 anywhere in the file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pandas as pd

SEPARATORS = (",", ";", "\t", "|")
Source = str | os.PathLike[str] | IO[bytes]


class TableError(ValueError):
    """The file cannot be read as a table (empty, not UTF-8, broken rows)."""


def _name(source: Source) -> str:
    return Path(source).name if isinstance(source, (str, os.PathLike)) else getattr(source, "name", "upload")


#: The most columns a lead file may have; checked before pandas parses the header.
MAX_COLUMNS = 1_000
#: The longest header line read (a safety cap; real headers are a few kB).
MAX_HEADER_BYTES = 4 << 20
_BLOCK = 1 << 16


def _read_header_bytes(stream: IO[bytes], name: str) -> bytes:
    """Bytes up to the end of the first non-empty line (the header), read in blocks.

    Stops early with TableError when the line already holds more than
    MAX_COLUMNS separators or passes MAX_HEADER_BYTES, so a hostile header is
    refused in milliseconds instead of being parsed by pandas.
    """
    head = b""
    while True:
        block = stream.read(_BLOCK)
        head += block
        body = head.lstrip(b"\xef\xbb\xbf\r\n \t")
        # A line ends at a line feed, or at a carriage return (old Mac "CSV" files have no line feeds).
        end = min((i for i in (body.find(b"\n"), body.find(b"\r")) if i >= 0), default=-1)
        line = body if end < 0 else body[:end]
        if max(line.count(s.encode()) for s in SEPARATORS) >= MAX_COLUMNS:
            raise TableError(f"{name}: the header has more than {MAX_COLUMNS:,} columns; "
                             "a lead list needs the model's 12 fields and a few of your own")
        if end >= 0 or not block:
            return head[: len(head) - len(body) + len(line)]
        if len(head) > MAX_HEADER_BYTES:
            raise TableError(f"{name}: the header line is longer than {MAX_HEADER_BYTES >> 20} MiB; "
                             "is this a CSV file?")


def header_end(source: Source) -> str:
    """How the header line ends: ``"\n"``, ``"\r\n"``, ``"\r"`` (only carriage returns) or ``""``."""
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as stream:
            head = stream.read(MAX_HEADER_BYTES)
    else:
        position = source.tell()
        head = source.read(MAX_HEADER_BYTES)
        source.seek(position)
    if b"\n" in head:
        return "\r\n" if head[: head.index(b"\n")].endswith(b"\r") else "\n"
    return "\r" if b"\r" in head else ""


def _header_line(source: Source) -> str:
    """The first non-empty line, decoded; TableError when there is none or it is not UTF-8."""
    name = _name(source)
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as stream:
            head = _read_header_bytes(stream, name)
    else:
        position = source.tell()
        head = _read_header_bytes(source, name)
        source.seek(position)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TableError(f"{name}: the header is not UTF-8 text; save it as 'CSV UTF-8'") from error
    for line in text.splitlines():
        if line.strip():
            return line
    raise TableError(f"{name}: the file is empty")


def header_names(header: str, separator: str, name: str = "upload") -> list[str]:
    """The column names of a header line; TableError for an open quote or a repeated name.

    pandas would read a quoted line break as part of a name and renames a
    repeated name ``age`` to ``age.1``; both are refused here instead.
    """
    if header.count('"') % 2:
        raise TableError(f"{name}: line 1 (the header) has a quote that is not closed "
                         "(a column name must not hold a line break)")
    try:
        names = next(csv.reader([header], delimiter=separator, strict=True))
    except csv.Error as error:
        raise TableError(f"{name}: line 1 (the header) cannot be read: {error}") from error
    if len(names) > MAX_COLUMNS:
        raise TableError(f"{name}: the header has {len(names):,} columns, more than {MAX_COLUMNS:,}")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise TableError(f"{name}: column '{repeated[0]}' appears {names.count(repeated[0])} times; keep one")
    return names


def sniff_separator(header: str) -> str:
    """The separator that splits the header line into the most columns."""
    return max(SEPARATORS, key=header.count)


def _reader_options(source: Source) -> dict:
    header = _header_line(source)
    separator = sniff_separator(header)
    names = header_names(header, separator, _name(source))
    # A file whose lines end in a bare carriage return (old Mac "CSV") has no line feed in its header block.
    newline = "\r" if header_end(source) == "\r" else "\n"
    return {"sep": separator, "names": names, "newline": newline}


def _first_non_utf8_line(source: Source) -> tuple[int, int] | None:
    """The 1-based line number and the byte value of the first bytes that are not UTF-8."""
    stream = open(source, "rb") if isinstance(source, (str, os.PathLike)) else source  # noqa: SIM115
    try:
        stream.seek(0)
        for number, line in enumerate(stream, 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as error:
                return number, line[error.start]
    finally:
        if stream is not source:
            stream.close()
    return None


def _table_error(source: Source, error: Exception) -> TableError:
    name = _name(source)
    if isinstance(error, UnicodeDecodeError):
        found = _first_non_utf8_line(source)
        where = f"row {found[0] - 1} (line {found[0]}) has the byte 0x{found[1]:02X}, which is " if found else ""
        return TableError(f"{name}: {where}not UTF-8 text; save it as 'CSV UTF-8'")
    return TableError(f"{name}: {error}")


#: A cell may be this long (csv's default of 128 KiB refuses a long note); a cap against a runaway quote.
MAX_CELL_CHARS = 16 << 20
csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL_CHARS))
#: ``column`` of a row rejected because its number of cells differs from the header's.
WHOLE_ROW = "(whole row)"


#: Stands for a bare carriage return while csv reads a line (a private-use character no export holds).
_CR = "\ue000"


class _Lines:
    """Physical lines ending in ``\n`` only, a bare carriage return inside a line hidden as ``_CR``.

    Spreadsheets and CRMs put a bare ``\r`` inside notes; Python's csv and pandas both end a row
    there and split one lead in two. The file's own line end (``\n`` or ``\r\n``) ends a line;
    ``hidden`` counts the lines that had one, so the reader puts them back only in those rows.
    """

    def __init__(self, text: IO[str]) -> None:
        self.text = text
        self.hidden = 0

    def __iter__(self) -> Iterator[str]:
        for line in self.text:
            body = line[:-2] if line.endswith("\r\n") else line[:-1] if line.endswith(("\n", "\r")) else line
            if "\r" in body:
                self.hidden += 1
                body = body.replace("\r", _CR)
            yield body + "\n"


def _row_problem(row: int, line: int, cells: list[str], width: int) -> tuple[int, str, str, str]:
    shown = ",".join(cells)
    return (row, WHOLE_ROW, shown if len(shown) <= 200 else shown[:200] + "…",
            f"line {line} has {len(cells)} cell{'s' if len(cells) != 1 else ''}, the header {width}: "
            "a separator too many or too few?")


def _frame(rows: list[list[str]], names: list[str], first: int) -> pd.DataFrame:
    """Rows of cells as a table of text, indexed by data row position."""
    return pd.DataFrame(rows, columns=names, dtype="string", index=pd.RangeIndex(first, first + len(rows)))


def _read_rows(source: Source, options: dict, chunk_rows: int,
               rejected: list[tuple[int, str, str, str]] | None) -> Iterator[pd.DataFrame]:
    """The file's data rows in runs of at most ``chunk_rows`` rows, each run contiguous in the file.

    A row with more or fewer cells than the header is never read as a lead: it goes to ``rejected``
    (row number, ``WHOLE_ROW``, its cells, the line number), or, when ``rejected`` is None, the file
    is refused naming the line. A run stops before each such row, so every run's index is the 0-based
    position of its rows in the file (rejected rows counted): ``index[0] + 1`` is its first row number.
    """
    names, separator = options["names"], options["sep"]
    stream = open(source, "rb") if isinstance(source, (str, os.PathLike)) else source  # noqa: SIM115
    position = stream.tell() if stream is source else 0
    name = _name(source)
    try:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline=options["newline"])
        lines = _Lines(text)
        reader = csv.reader(lines, delimiter=separator)
        restored = 0
        run: list[list[str]] = []
        run_start = row = 0
        header_seen = False
        ended = yielded = 0
        try:
            for cells in reader:
                started, ended = ended + 1, reader.line_num
                if not cells or (len(cells) == 1 and not cells[0].strip() and len(names) > 1):
                    continue
                if not header_seen:
                    header_seen = True
                    continue
                if lines.hidden != restored:
                    restored = lines.hidden
                    cells = [c.replace(_CR, "\r") for c in cells]
                if len(cells) != len(names):
                    if cells[-1].endswith("\n"):
                        # A quote left open swallows the lines after it: no row after it can be trusted.
                        raise TableError(f"{name}: a quote opened in row {row + 1} is never closed "
                                         f"(line {started})")
                    if rejected is None:
                        raise TableError(f"{name}: line {started} has {len(cells)} cells, the header "
                                         f"{len(names)} (a stray separator?)")
                    rejected.append(_row_problem(row + 1, started, cells, len(names)))
                    if run:
                        yielded += 1
                        yield _frame(run, names, run_start)
                    row += 1
                    run, run_start = [], row
                    continue
                run.append(cells)
                row += 1
                if len(run) >= chunk_rows:
                    yielded += 1
                    yield _frame(run, names, run_start)
                    run, run_start = [], row
        except csv.Error as error:
            if "unexpected end of data" in str(error) or ended > reader.line_num:
                raise TableError(f"{name}: a quote opened in row {row + 1} is never closed") from error
            raise TableError(f"{name}: line {reader.line_num} cannot be read: {error}") from error
        except UnicodeDecodeError as error:
            raise _table_error(source, error) from error
        if run or not yielded:
            yield _frame(run, names, run_start)
    finally:
        if stream is source:
            with contextlib.suppress(ValueError, AttributeError):
                text.detach()
            source.seek(position)
        else:
            stream.close()


@contextlib.contextmanager
def open_table(source: Source, chunk_rows: int = 50_000,
               rejected: list[tuple[int, str, str, str]] | None = None) -> Iterator[Iterator[pd.DataFrame]]:
    """Open a lead file for reading in chunks of at most ``chunk_rows`` rows, every column as text.

    ``rejected``: a list that receives the rows whose number of cells differs from the header's, in
    ``REJECTION_COLUMNS`` order (row, column, value, reason naming the line); without it such a row
    refuses the file. Each chunk's index is its rows' 0-based position in the file, so ``index[0] + 1``
    is its first row number.
    """
    yield _read_rows(source, _reader_options(source), chunk_rows, rejected)


def read_table(source: Source, rejected: list[tuple[int, str, str, str]] | None = None) -> pd.DataFrame:
    """Read a whole lead file into one DataFrame of text (headers as in the file); ``rejected`` as in
    ``open_table``. The index is 0-based: with rows rejected it has gaps where they were.
    """
    chunks = list(_read_rows(source, _reader_options(source), 1 << 62, rejected))
    return chunks[0] if len(chunks) == 1 else pd.concat(chunks)
