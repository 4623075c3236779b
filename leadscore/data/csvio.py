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

Python's csv module decides how a file reads (``_exact``): a row with more or
fewer cells than the header is rejected with its line, a bare carriage return
stays inside its cell. It is slow, so most of a file is read by pyarrow's CSV
parser in stretches of whole lines (``_fast_frame``), which yields the same
cells for any stretch it accepts; a stretch it refuses, or reads differently
(a bare CR, a NUL byte, a quote left open), is halved until the rows in doubt
are read by csv. tests/test_reading_paths.py reads files both ways.

An Excel workbook (``.xlsx``; recognised by its bytes, so an upload needs no name) is read by
``data/xlsx.py`` into the same text cells, its first visible sheet or the one named
(``with_sheet(path, "Leads")``, ``sheet=``), and then follows the same rules: the first non-blank row is
the header (no repeated name, no line break in a name, at most ``MAX_COLUMNS``), a row with a value to the
right of the header's last column is rejected with its sheet row, blank rows are skipped, and chunks are
indexed by data row the way a CSV's are.
"""

from __future__ import annotations

import contextlib
import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from leadscore.data import xlsx

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
#: Bytes handed to pandas' C parser at a time. A stretch it cannot read exactly as the csv module
#: would is halved until it is at most ``_MIN_STRETCH`` bytes; only that much is read by csv.
_STRETCH = 4 << 20
_MIN_STRETCH = 64 << 10
_BOM = b"\xef\xbb\xbf"


@dataclass
class _Layout:
    """What every reader of one file needs: its columns, separator and line end, and where rejections go."""

    names: list[str]
    separator: str
    newline: str
    chunk_rows: int
    rejected: list[tuple[int, str, str, str]] | None
    name: str


@dataclass
class _Place:
    """Where reading has got to: the byte offset of the next row, the lines and the data rows before it."""

    offset: int
    line: int = 0
    row: int = 0


class _Lines:
    """Physical lines of a byte stream as text, ending in ``\n`` only, a bare carriage return inside a
    line hidden as ``_CR``; ``consumed`` counts the bytes handed out, so reading can resume there.

    Spreadsheets and CRMs put a bare ``\r`` inside notes; Python's csv and pandas both end a row
    there and split one lead in two. The file's own line end (``\n`` or ``\r\n``; ``\r`` in a file
    without line feeds) ends a line; ``hidden`` counts the lines that had one, so the reader puts
    them back only in those rows.
    """

    def __init__(self, stream: IO[bytes], newline: str, at_start: bool) -> None:
        self.stream = stream
        self.newline = newline
        self.encoding = "utf-8-sig" if at_start else "utf-8"
        self.hidden = 0
        self.consumed = 0

    def _raw(self) -> Iterator[bytes]:
        if self.newline == "\n":
            for line in self.stream:  # not ``yield from``: closing this generator would close the file
                yield line
            return
        rest = b""
        while block := self.stream.read(_BLOCK):
            lines = (rest + block).split(b"\r")
            rest = lines.pop()
            for line in lines:
                yield line + b"\r"
        if rest:
            yield rest

    def __iter__(self) -> Iterator[str]:
        for raw in self._raw():
            self.consumed += len(raw)
            line = raw.decode(self.encoding)
            self.encoding = "utf-8"
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


def _exact(stream: IO[bytes], place: _Place, stop: int, layout: _Layout,
           header_seen: bool = True) -> Iterator[pd.DataFrame | None]:
    """Rows from ``place`` read by Python's csv module, up to the first row end at or after byte ``stop``.

    Yields runs of accepted rows (at most ``chunk_rows`` each) and ``None`` where a row was rejected.
    A row with more or fewer cells than the header is never read as a lead: it goes to ``rejected``
    (row number, ``WHOLE_ROW``, its cells, the line number), or, when ``rejected`` is None, the file
    is refused naming the line. Without ``header_seen`` the first non-blank row is the header and
    is skipped. ``place`` moves past what was read once the generator is exhausted.
    """
    names, rejected = layout.names, layout.rejected
    stream.seek(place.offset)
    lines = _Lines(stream, layout.newline, at_start=not header_seen)
    reader = csv.reader(lines, delimiter=layout.separator)
    restored = ended = 0
    row = place.row
    run: list[list[str]] = []
    run_start = row
    try:
        while not header_seen or place.offset + lines.consumed < stop:
            cells = next(reader, None)
            if cells is None:
                break
            started, ended = place.line + ended + 1, reader.line_num
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
                    raise TableError(f"{layout.name}: a quote opened in row {row + 1} is never closed "
                                     f"(line {started})")
                if rejected is None:
                    raise TableError(f"{layout.name}: line {started} has {len(cells)} cells, the header "
                                     f"{len(names)} (a stray separator?)")
                rejected.append(_row_problem(row + 1, started, cells, len(names)))
                if run:
                    yield _frame(run, names, run_start)
                yield None
                row += 1
                run, run_start = [], row
                continue
            run.append(cells)
            row += 1
            if len(run) >= layout.chunk_rows:
                yield _frame(run, names, run_start)
                run, run_start = [], row
    except csv.Error as error:
        if "unexpected end of data" in str(error) or ended > reader.line_num:
            raise TableError(f"{layout.name}: a quote opened in row {row + 1} is never closed") from error
        raise TableError(f"{layout.name}: line {place.line + reader.line_num} cannot be read: {error}") from error
    if run:
        yield _frame(run, names, run_start)
    place.offset += lines.consumed
    place.line += reader.line_num
    place.row = row


def _row_end(block: bytes, limit: int) -> int:
    """The end of the last line in ``block[:limit]`` after which quotes are balanced, or 0 if none.

    Counting quotes is how a row end is told from a line break inside a quoted cell. A stray quote
    in an unquoted cell can fool it; pandas then meets an unclosed quote and the stretch goes to
    the csv module, which reads on to a true row end.
    """
    last = block.rfind(b"\n", 0, limit)
    if last < 0 or b'"' not in block or block.count(b'"', 0, last) % 2 == 0:
        return last + 1
    data = np.frombuffer(block, dtype=np.uint8, count=last + 1)
    breaks = np.flatnonzero(data == ord("\n"))
    balanced = breaks[np.searchsorted(np.flatnonzero(data == ord('"')), breaks) % 2 == 0]
    return int(balanced[-1]) + 1 if len(balanced) else 0


def _fast_frame(block: bytes, layout: _Layout, first: int) -> pd.DataFrame | None:
    """Whole rows of bytes read by pyarrow's CSV parser, or None unless that reads them as csv would.

    None for what the two read differently: a bare carriage return (csv keeps it in the cell here),
    a NUL byte, a byte-order mark, a quote left open, and anything pyarrow refuses: a row with more
    or fewer cells than the header, bytes that are not UTF-8. csv then reads those rows and decides.
    """
    if b"\0" in block or block.startswith(_BOM) or (b"\r" in block and block.count(b"\r") != block.count(b"\r\n")):
        return None
    if not block.endswith(b"\n"):
        block += b"\n"  # the file's last line; a quote left open in it must swallow this line end too
    columns = [str(i) for i in range(len(layout.names))]
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(block),
            read_options=pa_csv.ReadOptions(column_names=columns),
            parse_options=pa_csv.ParseOptions(delimiter=layout.separator, quote_char='"', double_quote=True,
                                              escape_char=False, newlines_in_values=True,
                                              ignore_empty_lines=True),
            convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(columns, pa.large_string()),
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False,
                                                  check_utf8=True))
    except pa.ArrowInvalid:
        return None
    frame = table.to_pandas(types_mapper={pa.large_string(): pd.StringDtype()}.get)
    if len(frame) and frame.iloc[-1, -1].endswith("\n"):
        # pyarrow ends a quote left open at the end of the bytes; the block's last line end is then
        # inside the last cell. (Also a quoted cell really ending in a line break: csv decides.)
        return None
    if b'"' in block and b"\r\n" in block and len(frame) != block.count(b"\n"):
        # csv ends a physical line at "\r\n" and hands on "\n": a quoted line break is "\n" in the cell.
        for column in frame.columns:
            if frame[column].str.contains("\r", regex=False).any():
                frame[column] = frame[column].str.replace("\r\n", "\n", regex=False)
    frame.columns = layout.names
    frame.index = pd.RangeIndex(first, first + len(frame))
    return frame


def _stretch(stream: IO[bytes], block: bytes, place: _Place, layout: _Layout) -> Iterator[pd.DataFrame | None]:
    """The rows in ``block`` (whole lines from ``place``): by pandas where it reads them exactly,
    halving the stretch where it does not, and by the csv module in stretches of at most _MIN_STRETCH."""
    start = place.offset
    frame = _fast_frame(block, layout, place.row)
    if frame is not None:
        if len(frame):
            yield frame
        place.offset += len(block)
        place.line += block.count(b"\n")
        place.row += len(frame)
        return
    half = _row_end(block, len(block) // 2) if len(block) > _MIN_STRETCH else 0
    if not half:
        yield from _exact(stream, place, start + len(block), layout)
        return
    yield from _stretch(stream, block[:half], place, layout)
    if place.offset < start + len(block):
        yield from _stretch(stream, block[place.offset - start:], place, layout)


def _pieces(stream: IO[bytes], place: _Place, layout: _Layout) -> Iterator[pd.DataFrame | None]:
    """The file's rows in runs, ``None`` where a row was rejected: stretch by stretch through pandas,
    through the csv module where pandas would read a stretch differently."""
    yield from _exact(stream, place, place.offset, layout, header_seen=False)
    if layout.newline != "\n" or len(layout.names) == 1:
        # Lines ending in a bare CR, or one column (a blank line is a row of one empty cell): csv only.
        yield from _exact(stream, place, 1 << 62, layout)
        return
    while True:
        stream.seek(place.offset)
        block = stream.read(_STRETCH)
        if not block:
            return
        end = len(block) if not stream.read(1) else _row_end(block, len(block))
        if end:
            yield from _stretch(stream, block[:end], place, layout)
        else:  # no row ends in this stretch where pandas could stop: csv reads on to one
            yield from _exact(stream, place, place.offset + len(block), layout)


def _chunks(pieces: Iterator[pd.DataFrame | None], place: _Place, layout: _Layout) -> Iterator[pd.DataFrame]:
    """Runs of rows regrouped into chunks of at most ``chunk_rows``, each ending before a rejected row;
    one empty chunk when no row was read."""
    pending: list[pd.DataFrame] = []
    count = 0
    yielded = False

    def joined() -> pd.DataFrame:
        if len(pending) == 1:
            return pending[0]
        frame = pd.concat(pending, ignore_index=True)
        frame.index = pd.RangeIndex(pending[0].index[0], pending[0].index[0] + len(frame))
        return frame

    for piece in pieces:
        while piece is not None and len(piece):
            take = min(layout.chunk_rows - count, len(piece))
            pending.append(piece if take == len(piece) else piece.iloc[:take])
            piece = piece.iloc[take:]
            count += take
            if count == layout.chunk_rows:
                yield joined()
                pending, count, yielded = [], 0, True
        if piece is None and pending:
            yield joined()
            pending, count, yielded = [], 0, True
    if pending or not yielded:
        yield joined() if pending else _frame([], layout.names, place.row)


def _read_rows(source: Source, options: dict, chunk_rows: int,
               rejected: list[tuple[int, str, str, str]] | None) -> Iterator[pd.DataFrame]:
    """The file's data rows in runs of at most ``chunk_rows`` rows, each run contiguous in the file.

    A row with more or fewer cells than the header goes to ``rejected`` (see ``_exact``); a run
    stops before each such row, so every run's index is the 0-based position of its rows in the file
    (rejected rows counted): ``index[0] + 1`` is its first row number. Most of a file is read by
    pandas' C parser; the csv module reads what pandas would read differently, and decides.
    """
    stream = open(source, "rb") if isinstance(source, (str, os.PathLike)) else source  # noqa: SIM115
    position = stream.tell() if stream is source else 0
    layout = _Layout(options["names"], options["sep"], options["newline"], chunk_rows, rejected, _name(source))
    place = _Place(position)
    try:
        try:
            yield from _chunks(_pieces(stream, place, layout), place, layout)
        except UnicodeDecodeError as error:
            raise _table_error(source, error) from error
    finally:
        if stream is source:
            source.seek(position)
        else:
            stream.close()


def with_sheet(path: str | os.PathLike[str], sheet: str | None) -> str | os.PathLike[str]:
    """``path``, or with ``sheet`` (``--sheet NAME``) the workbook's sheet of that name, for ``open_table``
    and ``read_table`` (it still opens as the file wherever a path is wanted)."""
    return xlsx.SheetSource(path, sheet) if sheet else path


def _is_workbook(source: Source, sheet: str | None) -> bool:
    """Whether ``source`` is a workbook; a sheet named for a file that is not one is refused."""
    if xlsx.is_workbook(source):
        return True
    if sheet or isinstance(source, xlsx.SheetSource):
        raise TableError(f"{_name(source)}: a sheet is named, but this is not an Excel workbook (.xlsx)")
    return False


def _workbook_rows(source: Source, sheet: str | None, chunk_rows: int,
                   rejected: list[tuple[int, str, str, str]] | None) -> Iterator[pd.DataFrame]:
    """A workbook's sheet as ``_read_rows`` gives a CSV's rows (see the module docstring); the sheet and its
    header are read at once, so a bad file is refused before anything else is done."""
    try:
        label, rows = xlsx.read_rows(source, sheet)
    except xlsx.WorkbookError as error:
        raise TableError(str(error)) from error
    header = next(rows, None)
    if header is None:
        raise TableError(f"{label}: the sheet is empty")
    header_row, cells = header
    width = max(i for i, cell in enumerate(cells) if cell.strip()) + 1
    names = cells[:width]
    if width > MAX_COLUMNS:
        raise TableError(f"{label}: the header has {width:,} columns, more than {MAX_COLUMNS:,}")
    broken = next((n for n in names if "\n" in n or "\r" in n), None)
    if broken is not None:
        raise TableError(f"{label}: row {header_row} (the header): column name {broken!r} holds a line break")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise TableError(f"{label}: column '{repeated[0]}' appears {names.count(repeated[0])} times; keep one")
    layout = _Layout(names, ",", "\n", chunk_rows, rejected, label)

    def pieces() -> Iterator[pd.DataFrame | None]:
        run: list[list[str]] = []
        row = start = 0
        for sheet_row, line in rows:
            beyond = [cell for cell in line[width:] if cell.strip()]
            if beyond:
                if rejected is None:
                    raise TableError(f"{label}: sheet row {sheet_row} has a value to the right of the header's last "
                                     "column")
                shown = ",".join(line)
                rejected.append((row + 1, WHOLE_ROW, shown if len(shown) <= 200 else shown[:200] + "…",
                                 f"sheet row {sheet_row} has a value to the right of the header's last column "
                                 f"({beyond[0][:40]!r}): a column without a name?"))
                if run:
                    yield _frame(run, names, start)
                yield None
                row += 1
                run, start = [], row
                continue
            run.append(line[:width] + [""] * (width - len(line)))
            row += 1
            if len(run) >= chunk_rows:
                yield _frame(run, names, start)
                run, start = [], row
        if run:
            yield _frame(run, names, start)

    return _chunks(pieces(), _Place(0), layout)


@contextlib.contextmanager
def open_table(source: Source, chunk_rows: int = 50_000,
               rejected: list[tuple[int, str, str, str]] | None = None,
               sheet: str | None = None) -> Iterator[Iterator[pd.DataFrame]]:
    """Open a lead file for reading in chunks of at most ``chunk_rows`` rows, every column as text.

    ``rejected``: a list that receives the rows whose number of cells differs from the header's, in
    ``REJECTION_COLUMNS`` order (row, column, value, reason naming the line); without it such a row
    refuses the file. Each chunk's index is its rows' 0-based position in the file, so ``index[0] + 1``
    is its first row number. A workbook (``.xlsx``) is read from ``sheet`` (default: its first visible one).
    """
    if _is_workbook(source, sheet):
        yield _workbook_rows(source, sheet, chunk_rows, rejected)
        return
    yield _read_rows(source, _reader_options(source), chunk_rows, rejected)


def read_table(source: Source, rejected: list[tuple[int, str, str, str]] | None = None,
               sheet: str | None = None) -> pd.DataFrame:
    """Read a whole lead file into one DataFrame of text (headers as in the file); ``rejected`` and ``sheet``
    as in ``open_table``. The index is 0-based: with rows rejected it has gaps where they were.
    """
    if _is_workbook(source, sheet):
        chunks = list(_workbook_rows(source, sheet, 1 << 62, rejected))
        return chunks[0] if len(chunks) == 1 else pd.concat(chunks)
    chunks = list(_read_rows(source, _reader_options(source), 1 << 62, rejected))
    return chunks[0] if len(chunks) == 1 else pd.concat(chunks)
