"""Reading CRM exports: BOM, separators, empty files, broken rows, every cell kept as the text it is."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pandas as pd
import pytest

from leadscore.data.csvio import TableError, open_table, read_table
from leadscore.fields.builtin import BUILTIN_SCHEMA, FEATURE_NAMES, example_lead

HEADER = ",".join(FEATURE_NAMES)
ROW = ",".join(str(v) for v in example_lead().values())


def _write(tmp_path: Path, text: str | bytes, name: str = "leads.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_byte_order_mark_is_not_part_of_the_first_header(tmp_path: Path) -> None:
    frame = read_table(_write(tmp_path, "\ufeff" + HEADER + "\n" + ROW + "\n"))
    assert list(frame.columns) == list(FEATURE_NAMES)


@pytest.mark.parametrize("separator", [";", "\t", "|"])
def test_other_separators_are_recognised(tmp_path: Path, separator: str) -> None:
    text = HEADER.replace(",", separator) + "\n" + ROW.replace(",", separator) + "\n"
    frame = read_table(_write(tmp_path, text))
    assert list(frame.columns) == list(FEATURE_NAMES)
    assert frame.loc[0, "income"] == str(example_lead()["income"])  # as written; the schema reads it


def test_semicolon_export_with_crm_headers_and_decimal_commas_in_text(tmp_path: Path) -> None:
    header = "Lead ID;Annual Income;" + ";".join(FEATURE_NAMES[2:]) + ";Age;Notes"
    values = list(example_lead().values())
    row = "00017;" + ";".join(str(v) for v in values[1:]) + f";{values[0]};hot, call back"
    with open_table(_write(tmp_path, header + "\n" + row + "\n")) as chunks:
        chunk = next(chunks)
    match = BUILTIN_SCHEMA.map_columns(chunk.columns)
    assert {name: h for name, h in match.headers.items() if name != h} == {"income": "Annual Income", "age": "Age"}
    assert match.missing == () and match.unrecognised == ("Lead ID", "Notes")
    assert chunk.loc[0, "Lead ID"] == "00017"
    assert chunk.loc[0, "Notes"] == "hot, call back"


def test_empty_file_is_refused_with_its_name(tmp_path: Path) -> None:
    with pytest.raises(TableError, match=r"leads.csv: the file is empty"):
        read_table(_write(tmp_path, "\n  \n"))


def test_header_only_file_has_no_rows(tmp_path: Path) -> None:
    frame = read_table(_write(tmp_path, HEADER + "\n"))
    assert frame.empty
    assert list(frame.columns) == list(FEATURE_NAMES)


def test_row_with_too_many_fields_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(TableError, match=r"line 3"):
        read_table(_write(tmp_path, HEADER + "\n" + ROW + "\n" + ROW + ",1,2\n"))


def test_non_utf8_file_is_refused_clearly(tmp_path: Path) -> None:
    text = ("name," + HEADER + "\n" + "Jos\xe9," + ROW + "\n").encode("latin-1")
    with pytest.raises(TableError, match="not UTF-8"):
        read_table(_write(tmp_path, text))


def test_text_columns_are_kept_exactly(tmp_path: Path) -> None:
    frame = read_table(_write(tmp_path, "lead_id,note," + HEADER + "\n007,NA," + ROW + "\n"))
    assert frame.loc[0, "lead_id"] == "007"
    assert frame.loc[0, "note"] == "NA"


def test_uploaded_file_object_is_read_like_a_path() -> None:
    upload = io.BytesIO((HEADER + "\n" + ROW + "\n").encode())
    frame = read_table(upload)
    expected = pd.Series({name: str(value) for name, value in example_lead().items()}, name=0)
    pd.testing.assert_series_equal(frame.iloc[0], expected, check_dtype=False)


@pytest.mark.parametrize("header", ['"lead\nid",' + HEADER, '"lead id,' + HEADER])
def test_header_with_a_line_break_or_an_open_quote_is_one_clear_line(tmp_path: Path, header: str) -> None:
    path = _write(tmp_path, header + "\nx," + ROW + "\n")
    with pytest.raises(TableError, match=r"^leads.csv: line 1 \(the header\) has a quote that is not closed"):
        read_table(path)


def test_open_quote_in_a_row_names_the_row(tmp_path: Path) -> None:
    with pytest.raises(TableError, match=r"a quote opened in row 2 is never closed"):
        read_table(_write(tmp_path, HEADER + "\n" + ROW + '\n"abc' + ROW + "\n"))


def test_a_repeated_header_is_refused_whatever_the_column(tmp_path: Path) -> None:
    with pytest.raises(TableError, match=r"^leads.csv: column 'age' appears 2 times; keep one$"):
        read_table(_write(tmp_path, HEADER + ",age\n" + ROW + ",40\n"))
    with pytest.raises(TableError, match=r"column 'note' appears 2 times"):
        read_table(_write(tmp_path, "note,note," + HEADER + "\na,b," + ROW + "\n"))


def test_a_huge_header_is_refused_before_parsing(tmp_path: Path) -> None:
    path = _write(tmp_path, ",".join(f"c{i}" for i in range(1_000_000)) + "\n")
    started = time.perf_counter()
    with pytest.raises(TableError, match=r"more than 1,000 columns"):
        read_table(path)
    assert time.perf_counter() - started < 2


def test_a_header_longer_than_64_kib_is_read_whole(tmp_path: Path) -> None:
    extra = [f"{'x' * 100}{i}" for i in range(700)]
    path = _write(tmp_path, ",".join(extra) + "," + HEADER + "\n" + ",".join("a" * 700) + "," + ROW + "\n")
    assert len(",".join(extra)) > 1 << 16
    with open_table(path) as chunks:
        chunk = next(chunks)
    assert BUILTIN_SCHEMA.map_columns(chunk.columns).missing == ()
    assert chunk.loc[0, "location_preference_set"] == str(example_lead()["location_preference_set"])


def test_cp1252_byte_after_64_kib_names_the_row(tmp_path: Path) -> None:
    rows = "".join(f"Jose,{ROW}\n" for _ in range(3000))
    path = _write(tmp_path, ("name," + HEADER + "\n" + rows + "Jos\xe9," + ROW + "\n").encode("latin-1"))
    with pytest.raises(TableError, match=r"row 3001 .*save it as 'CSV UTF-8'"), \
            open_table(path, chunk_rows=500) as chunks:
        list(chunks)


def test_blank_lines_before_the_header_are_skipped(tmp_path: Path) -> None:
    frame = read_table(_write(tmp_path, "\n  \n" + HEADER + "\n" + ROW + "\n"))
    assert list(frame.columns) == list(FEATURE_NAMES)
    assert len(frame) == 1
