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
import os
import re
import warnings
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
        end = body.find(b"\n")
        line = body if end < 0 else body[:end]
        if max(line.count(s.encode()) for s in SEPARATORS) >= MAX_COLUMNS:
            raise TableError(f"{name}: the header has more than {MAX_COLUMNS:,} columns; "
                             "a lead list needs the model's 12 fields and a few of your own")
        if end >= 0 or not block:
            return head[: len(head) - len(body) + len(line)]
        if len(head) > MAX_HEADER_BYTES:
            raise TableError(f"{name}: the header line is longer than {MAX_HEADER_BYTES >> 20} MiB; "
                             "is this a CSV file?")


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
    header_names(header, separator, _name(source))
    return {"sep": separator, "encoding": "utf-8-sig", "dtype": "string", "index_col": False,
            "keep_default_na": False, "na_filter": False, "skip_blank_lines": True}


_READ_ERRORS = (pd.errors.ParserError, pd.errors.ParserWarning, pd.errors.EmptyDataError,
                UnicodeDecodeError, ValueError)


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
    if isinstance(error, pd.errors.ParserWarning):
        return TableError(f"{name}: a row has more fields than the header (a stray separator?)")
    message = str(error).strip().splitlines()[-1]
    unclosed = re.search(r"EOF inside string starting at row (\d+)", message)
    if unclosed:
        message = f"a quote opened in row {unclosed.group(1)} is never closed"
    return TableError(f"{name}: {message}")


@contextlib.contextmanager
def _strict_reading(source: Source) -> Iterator[None]:
    """pandas only warns when a first row is longer than the header and drops fields: refuse instead."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            yield
        except _READ_ERRORS as error:
            raise _table_error(source, error) from error


def _chunks(reader: pd.io.parsers.TextFileReader, source: Source) -> Iterator[pd.DataFrame]:
    while True:
        with _strict_reading(source):
            chunk = next(reader, None)
        if chunk is None:
            return
        yield chunk


@contextlib.contextmanager
def open_table(source: Source, chunk_rows: int = 50_000) -> Iterator[Iterator[pd.DataFrame]]:
    """Open a lead file for reading in chunks of ``chunk_rows`` rows (every column as text)."""
    options = _reader_options(source)
    with _strict_reading(source):
        reader = pd.read_csv(source, chunksize=chunk_rows, **options)
    with reader:
        yield _chunks(reader, source)


def read_table(source: Source) -> pd.DataFrame:
    """Read a whole lead file into one DataFrame, every column as text (headers as in the file)."""
    options = _reader_options(source)
    with _strict_reading(source):
        return pd.read_csv(source, **options)
