"""Reading lead files the way CRMs export them.

Handles a UTF-8 byte-order mark, comma, semicolon, tab or pipe separators
(read off the header line), and headers in CRM spellings (see
``schema.map_columns``). Non-feature columns are read as text, exactly as they
are in the file, so IDs like ``00123`` and words like ``NA`` pass through
unchanged.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pandas as pd

from leadscore.schema import FEATURE_NAMES, ColumnMapping, map_columns

SEPARATORS = (",", ";", "\t", "|")
Source = str | os.PathLike[str] | IO[bytes]


class TableError(ValueError):
    """The file cannot be read as a table (empty, not UTF-8, broken rows)."""


def _name(source: Source) -> str:
    return Path(source).name if isinstance(source, (str, os.PathLike)) else getattr(source, "name", "upload")


def _header_line(source: Source) -> str:
    """The first non-empty line, decoded; TableError when there is none or it is not UTF-8."""
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as stream:
            head = stream.read(1 << 16)
    else:
        position = source.tell()
        head = source.read(1 << 16)
        source.seek(position)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # a cut multi-byte character at the end is fine
            raise TableError(f"{_name(source)}: not UTF-8 text; save it as 'CSV UTF-8'") from error
        text = head[: error.start].decode("utf-8-sig")
    for line in text.splitlines():
        if line.strip():
            return line
    raise TableError(f"{_name(source)}: the file is empty")


def sniff_separator(header: str) -> str:
    """The separator that splits the header line into the most columns."""
    return max(SEPARATORS, key=header.count)


@dataclass
class OpenTable:
    """A lead file being read: how its columns map, and its rows in chunks."""

    mapping: ColumnMapping
    chunks: Iterator[pd.DataFrame]


def _reader_options(source: Source) -> dict:
    header = _header_line(source)
    separator = sniff_separator(header)
    names = pd.read_csv(io.StringIO(header), sep=separator, nrows=0).columns
    mapping = map_columns(names)
    feature_headers = {h for h in names if mapping.renames.get(h, h) in FEATURE_NAMES}
    text_columns = {h: "string" for h in names if h not in feature_headers}
    return {"sep": separator, "encoding": "utf-8-sig", "dtype": text_columns, "index_col": False,
            "keep_default_na": False, "na_filter": False, "skip_blank_lines": True,
            "mapping": mapping}


_READ_ERRORS = (pd.errors.ParserError, pd.errors.ParserWarning, pd.errors.EmptyDataError,
                UnicodeDecodeError, ValueError)


def _table_error(name: str, error: Exception) -> TableError:
    if isinstance(error, pd.errors.ParserWarning):
        return TableError(f"{name}: a row has more fields than the header (a stray separator?)")
    return TableError(f"{name}: {str(error).strip().splitlines()[-1]}")


@contextlib.contextmanager
def _strict_reading(name: str) -> Iterator[None]:
    """pandas only warns when a first row is longer than the header and drops fields: refuse instead."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            yield
        except _READ_ERRORS as error:
            raise _table_error(name, error) from error


def _chunks(reader: pd.io.parsers.TextFileReader, name: str) -> Iterator[pd.DataFrame]:
    while True:
        with _strict_reading(name):
            chunk = next(reader, None)
        if chunk is None:
            return
        yield chunk


@contextlib.contextmanager
def open_table(source: Source, chunk_rows: int = 50_000) -> Iterator[OpenTable]:
    """Open a lead file for reading in chunks of ``chunk_rows`` rows."""
    options = _reader_options(source)
    mapping = options.pop("mapping")
    with _strict_reading(_name(source)):
        reader = pd.read_csv(source, chunksize=chunk_rows, **options)
    with reader:
        yield OpenTable(mapping=mapping, chunks=_chunks(reader, _name(source)))


def read_table(source: Source) -> pd.DataFrame:
    """Read a whole lead file into one DataFrame (headers as in the file)."""
    options = _reader_options(source)
    options.pop("mapping")
    with _strict_reading(_name(source)):
        return pd.read_csv(source, **options)
