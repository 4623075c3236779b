"""The fast reader (pyarrow, stretch by stretch) reads every file exactly as the csv-module reader does.

``csvio`` reads the stretches of a file that pyarrow reads as csv would with pyarrow, and the rest
with Python's csv module. Each test reads one file both ways, the second with the fast parser
switched off so that csv reads every row, and compares every chunk (values, dtypes, index), the
rejected rows and any refusal. Small stretch sizes make small files cross many stretch boundaries.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leadscore.data import csvio, synth
from leadscore.data.csvio import WHOLE_ROW, TableError, open_table, read_table
from tests.crm import hostile_exports as hostile

Outcome = tuple[list[pd.DataFrame] | None, list | None, str | None]
#: Stretches read by pyarrow and by csv in the fast reading of the current test (see ``stretches``).
COUNTS = {"fast": 0, "exact": 0}


@pytest.fixture
def stretches(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Counts of the stretches read by pyarrow and by csv; stretches of 4 KiB, halved down to 512 bytes."""
    counts = COUNTS
    counts.update(fast=0, exact=0)
    fast, exact = csvio._fast_frame, csvio._exact

    def counted_fast(*args: object) -> pd.DataFrame | None:
        frame = fast(*args)
        counts["fast"] += frame is not None
        return frame

    def counted_exact(*args: object, header_seen: bool = True) -> Iterator[pd.DataFrame | None]:
        counts["exact"] += header_seen  # the header is always read by csv
        return exact(*args, header_seen=header_seen)

    monkeypatch.setattr(csvio, "_fast_frame", counted_fast)
    monkeypatch.setattr(csvio, "_exact", counted_exact)
    monkeypatch.setattr(csvio, "_STRETCH", 4096)
    monkeypatch.setattr(csvio, "_MIN_STRETCH", 512)
    yield counts


def _read(content: bytes, chunk_rows: int, collect: bool) -> Outcome:
    rejected: list | None = [] if collect else None
    source = io.BytesIO(content)
    source.name = "leads.csv"
    try:
        with open_table(source, chunk_rows=chunk_rows, rejected=rejected) as chunks:
            return list(chunks), rejected, None
    except TableError as error:
        return None, rejected, str(error)


def _exactly(content: bytes, chunk_rows: int, collect: bool) -> Outcome:
    """The file read by the csv module alone, in one stretch (not counted in COUNTS)."""
    counted = dict(COUNTS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(csvio, "_fast_frame", lambda *args: None)
        patch.setattr(csvio, "_STRETCH", 1 << 40)
        patch.setattr(csvio, "_MIN_STRETCH", 1 << 40)
        outcome = _read(content, chunk_rows, collect)
    COUNTS.update(counted)
    return outcome


def assert_same_reading(content: bytes, chunk_rows: int = 50_000, collect: bool = True) -> Outcome:
    fast, exact = _read(content, chunk_rows, collect), _exactly(content, chunk_rows, collect)
    assert fast[2] == exact[2]
    assert fast[1] == exact[1]
    if exact[0] is not None:
        assert fast[0] is not None and len(fast[0]) == len(exact[0])
        for ours, theirs in zip(fast[0], exact[0], strict=True):
            pd.testing.assert_frame_equal(ours, theirs, check_index_type=True, check_column_type=True,
                                          check_exact=True)
    return fast


def _world(rows: int) -> bytes:
    return synth.generate(rows, seed=5).to_csv(index=False).encode()


def _crm_text(rows: int, line_end: str = "\r\n") -> bytes:
    """A CRM export of text: quoted notes with separators, doubled quotes and line breaks of both kinds."""
    rng = np.random.default_rng(3)
    notes = np.array(["", "called, no answer", "wants 3 bedrooms\nnear a school", 'said "Monday"',
                      "two\r\nlines", "NA", "  padded  "])
    frame = pd.DataFrame({"Lead ID": [f"{i:06d}" for i in range(rows)],
                          "Owner": rng.choice(["Dana Reyes", "Li, Wei", "O'Neil"], rows),
                          "Notes": notes[rng.integers(0, len(notes), rows)],
                          "Stage": rng.choice(["Won", "Lost", "Open"], rows)})
    return frame.to_csv(index=False, lineterminator=line_end).encode()


@pytest.mark.parametrize("chunk_rows", [50_000, 1000, 333])
def test_a_regular_file_is_read_by_pyarrow_alone_and_as_csv_reads_it(stretches: dict, chunk_rows: int) -> None:
    chunks, rejected, _ = assert_same_reading(_world(3000), chunk_rows)
    assert stretches["fast"] > 10 and stretches["exact"] == 0
    assert rejected == []
    assert [c.index[0] for c in chunks] == list(range(0, 3000, min(chunk_rows, 3000)))
    assert all(dtype == "string" for c in chunks for dtype in c.dtypes)
    assert chunks[0].loc[0, "lead_id"].startswith("L")


@pytest.mark.parametrize("line_end", ["\r\n", "\n"])
def test_quoted_separators_quotes_and_line_breaks_in_cells(stretches: dict, line_end: str) -> None:
    chunks, _, _ = assert_same_reading(_crm_text(2000, line_end), chunk_rows=700)
    assert stretches["fast"] > 5
    frame = pd.concat(chunks)
    assert len(frame) == 2000
    # A quoted line break reaches the cell as "\n", whatever the file's line ends, as csv reads it.
    assert set(frame["Notes"]) >= {"called, no answer", "wants 3 bedrooms\nnear a school", 'said "Monday"',
                                   "two\nlines", "NA", "  padded  ", ""}
    assert frame.loc[0, "Lead ID"] == "000000"


@pytest.mark.parametrize("chunk_rows", [50_000, 100, 70])
def test_ragged_rows_are_read_by_csv_only_in_their_stretch_and_end_a_chunk(stretches: dict,
                                                                           chunk_rows: int) -> None:
    lines = _world(2000).decode().splitlines()
    lines[500] += ",stray"
    lines[1501] = "L5-9,41"
    content = ("\n".join(lines) + "\n").encode()
    chunks, rejected, _ = assert_same_reading(content, chunk_rows)
    assert [(r[0], r[1]) for r in rejected] == [(500, WHOLE_ROW), (1501, WHOLE_ROW)]
    assert rejected[0][3].startswith("line 501 has 18 cells, the header 17")
    assert rejected[1][3].startswith("line 1502 has 2 cells, the header 17")
    assert stretches["fast"] > 10 and 0 < stretches["exact"] <= 4
    # Rows in = rows read + rows rejected; no chunk runs across a rejected row.
    assert sum(len(c) for c in chunks) + len(rejected) == 2000
    assert not any(c.index[0] < 499 < c.index[-1] or c.index[0] < 1500 < c.index[-1] for c in chunks)
    assert {c.index[0] for c in chunks} >= {500, 1501}


def test_a_ragged_row_refuses_the_file_alike_when_rejections_are_not_collected(stretches: dict) -> None:
    lines = _world(1500).decode().splitlines()
    lines[900] = lines[900].rsplit(",", 1)[0]
    _, _, error = assert_same_reading(("\n".join(lines) + "\n").encode(), collect=False)
    assert error == "leads.csv: line 901 has 16 cells, the header 17 (a stray separator?)"


def test_the_hostile_ragged_export_is_rejected_alike(stretches: dict) -> None:
    chunks, rejected, _ = assert_same_reading(hostile.ragged_rows(), chunk_rows=5)
    assert [r[0] for r in rejected] == [7, 12]
    assert rejected[0][3].startswith("line 8 has 2 cells, the header 5")
    assert rejected[1][3].startswith("line 13 has 6 cells, the header 5")
    assert sum(len(c) for c in chunks) == 599


def test_a_bare_carriage_return_in_a_cell_sends_only_its_stretch_to_csv(stretches: dict) -> None:
    lines = _world(2000).decode().splitlines()
    lines[1000] = lines[1000].replace(",", ",called\rno answer ", 1)
    chunks, _, _ = assert_same_reading(("\r\n".join(lines) + "\r\n").encode(), chunk_rows=400)
    assert stretches["fast"] > 10 and stretches["exact"] == 1
    frame = pd.concat(chunks)
    assert len(frame) == 2000 and frame.iloc[999, 1].startswith("called\rno answer ")


def test_the_hostile_carriage_return_export_keeps_every_lead(stretches: dict) -> None:
    chunks, _, _ = assert_same_reading(hostile.bare_carriage_returns())
    assert len(chunks[0]) == 600 and chunks[0].loc[0, "Notes"] == "called\rno answer"


def test_a_file_whose_lines_end_in_carriage_returns_only_is_read_alike(stretches: dict) -> None:
    content = _world(800).replace(b"\n", b"\r")
    chunks, _, _ = assert_same_reading(content, chunk_rows=300)
    assert [len(c) for c in chunks] == [300, 300, 200]


def test_an_unclosed_quote_is_refused_alike_naming_its_row(stretches: dict) -> None:
    lines = _world(1200).decode().splitlines()
    lines[700] = lines[700].replace(",", ',"never closed ', 1)
    _, _, error = assert_same_reading(("\n".join(lines) + "\n").encode())
    assert error is not None and "a quote opened in row 700 is never closed" in error


def test_a_stray_quote_in_an_unquoted_cell_does_not_move_a_row_end(stretches: dict) -> None:
    """``24" screen`` has one quote: counting quotes puts a stretch end inside a row; csv reads on."""
    content = _crm_text(1500, "\n").decode().replace("O'Neil", 'O\'Neil 24" screen').encode()
    chunks, rejected, _ = assert_same_reading(content, chunk_rows=600)
    assert rejected == [] and sum(len(c) for c in chunks) == 1500
    assert stretches["exact"] > 0 and stretches["fast"] > 0


def test_a_byte_that_is_not_utf8_is_refused_alike_naming_its_row(stretches: dict) -> None:
    content = _world(1500).replace(b"L5-0001234", "L5-0001234\xe9".encode("latin-1"))
    _, _, error = assert_same_reading(content, chunk_rows=500)
    assert error is not None and error.startswith("leads.csv: row 1235 (line 1236) has the byte 0xE9")


def test_blank_and_whitespace_lines_a_byte_order_mark_and_nul_bytes_are_read_alike(stretches: dict) -> None:
    lines = _world(1000).decode().splitlines()
    lines[100], lines[200], lines[300] = "", "   ", "\t"
    lines[400] = lines[400].replace(",", ",\x00", 1)
    lines[500] = "\ufeff" + lines[500]
    chunks, rejected, _ = assert_same_reading(("\ufeff" + "\n".join(lines) + "\n").encode(), chunk_rows=250)
    assert rejected == [] and sum(len(c) for c in chunks) == 997


def test_a_one_column_file_keeps_its_blank_looking_rows() -> None:
    assert_same_reading(b"email\na@x.org\n  \n\n\"\"\nb@y.org")


def test_an_uploaded_file_is_read_alike_and_left_where_it_was(stretches: dict) -> None:
    upload = io.BytesIO(_crm_text(900))
    first = read_table(upload)
    assert upload.tell() == 0
    pd.testing.assert_frame_equal(read_table(upload), first)
    assert_same_reading(upload.getvalue(), chunk_rows=250)


def test_read_table_and_open_table_agree_with_gaps_where_rows_were_rejected(tmp_path: Path) -> None:
    lines = _world(1000).decode().splitlines()
    lines[10] += ","
    path = tmp_path / "leads.csv"
    path.write_text("\n".join(lines) + "\n")
    rejected: list = []
    whole = read_table(path, rejected=rejected)
    assert [r[0] for r in rejected] == [10] and 9 not in whole.index and len(whole) == 999
    with open_table(path, chunk_rows=100, rejected=[]) as chunks:
        pd.testing.assert_frame_equal(pd.concat(list(chunks)), whole)


# ---- many small messy files ----------------------------------------------------------------------
_CELLS = ["a", "7", "00123", "", "NA", "x y", "é", '"q,1"', '"m\nl"', '"c\r\nd"', '"e""f"', '""', '" "']
_ODD = ['"', "\r", "\n", "\r\n", ",", ";", "\t", "\ufeff", "\x00", "\xa0", "  "]


def _messy(seed: int) -> bytes:
    """A small file of the kinds of rows that trouble readers: quotes, line breaks, ragged rows, blanks."""
    rng = random.Random(seed)
    width, separator = rng.randint(2, 6), rng.choice([",", ";", "\t", "|"])
    line_end = rng.choice(["\n", "\r\n", "\r"])
    lines = [separator.join(f"c{i}" for i in range(width))]
    for _ in range(rng.randint(0, 80)):
        cells = width + rng.choice([0] * 12 + [-1, 1])
        lines.append(separator.join(rng.choice(_CELLS) if rng.random() < 0.9 else
                                    "".join(rng.choices(_CELLS + _ODD, k=2)) for _ in range(max(cells, 1))))
    return (line_end.join(lines) + line_end * rng.randint(0, 1)).encode()


@pytest.mark.parametrize("seed", range(0, 120, 20))
def test_messy_files_are_read_alike(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    for case in range(seed, seed + 20):
        monkeypatch.setattr(csvio, "_STRETCH", random.Random(case).choice([64, 300, 1 << 20]))
        monkeypatch.setattr(csvio, "_MIN_STRETCH", 16)
        content = _messy(case)
        assert_same_reading(content, chunk_rows=random.Random(case).choice([1, 5, 50_000]),
                            collect=case % 4 != 0)
