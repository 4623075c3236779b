"""Lead lists, training files and outcome files as Excel workbooks: read as text with the CSV's rules."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from leadscore.cli import main
from leadscore.data import synth
from leadscore.data.csvio import WHOLE_ROW, TableError, open_table, read_table, with_sheet
from leadscore.registry import Registry


def workbook(path: Path, rows: list[list[object]], title: str = "Leads", before: str | None = None,
             hidden_first: bool = False, at: str = "A1") -> Path:
    """A workbook whose sheet ``title`` holds ``rows`` from cell ``at``; optionally another sheet first."""
    book = openpyxl.Workbook()
    first = book.active
    if before:
        first.title = before
        first["A1"] = "not this one"
        if hidden_first:
            first.sheet_state = "hidden"
        sheet = book.create_sheet(title)
    else:
        sheet = first
        sheet.title = title
    column, row = openpyxl.utils.cell.coordinate_from_string(at)
    start = openpyxl.utils.cell.column_index_from_string(column)
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value is not None:
                sheet.cell(row=row + r, column=start + c, value=value)
    book.save(path)
    return path


def test_typed_cells_are_read_as_the_text_a_csv_export_would_hold(tmp_path: Path) -> None:
    path = workbook(tmp_path / "leads.xlsx", [
        ["Lead ID", "age", "income", "visits", "pre-approved", "signed up", "called at", "notes"],
        ["00123", 45, 120000.0, 2.5, True, date(2026, 5, 31), datetime(2026, 5, 31, 14, 3, 2), "+1 call back"],
        ["L-2", 30.0, None, 0, False, None, None, "  spaces kept  "],
    ], at="B3")
    frame = read_table(path)
    assert list(frame.columns) == ["Lead ID", "age", "income", "visits", "pre-approved", "signed up", "called at",
                                   "notes"]
    assert frame.iloc[0].tolist() == ["00123", "45", "120000", "2.5", "TRUE", "2026-05-31", "2026-05-31 14:03:02",
                                      "+1 call back"]
    assert frame.iloc[1].tolist() == ["L-2", "30", "", "0", "FALSE", "", "", "  spaces kept  "]
    assert frame.index.tolist() == [0, 1]
    assert all(str(t) == "string" for t in frame.dtypes)


def test_the_same_leads_read_the_same_from_a_csv_and_a_workbook(tmp_path: Path) -> None:
    leads = synth.generate(300, seed=4).drop(columns=["tier", *synth.TRUE_PROBABILITY_COLUMNS])
    leads.to_csv(tmp_path / "leads.csv", index=False)
    from_csv = read_table(tmp_path / "leads.csv")
    workbook(tmp_path / "leads.xlsx", [list(from_csv.columns), *from_csv.to_numpy().tolist()])
    pd.testing.assert_frame_equal(read_table(tmp_path / "leads.xlsx"), from_csv)
    with open_table(tmp_path / "leads.xlsx", chunk_rows=120) as chunks:
        sizes = [(int(c.index[0]), len(c)) for c in chunks]
    assert sizes == [(0, 120), (120, 120), (240, 60)]


def test_the_first_visible_sheet_by_default_and_sheet_names_another(tmp_path: Path) -> None:
    path = workbook(tmp_path / "book.xlsx", [["Lead ID", "age"], ["A", 40]], title="Leads", before="Notes",
                    hidden_first=True)
    assert read_table(path)["Lead ID"].tolist() == ["A"]
    shown = workbook(tmp_path / "shown.xlsx", [["Lead ID", "age"], ["A", 40]], title="Leads", before="Notes")
    assert list(read_table(shown).columns) == ["not this one"]
    assert read_table(with_sheet(shown, "Leads"))["age"].tolist() == ["40"]
    assert read_table(shown, sheet="Leads")["age"].tolist() == ["40"]
    with pytest.raises(TableError, match=r"shown.xlsx: no sheet named 'Nope'; its sheets: 'Notes', 'Leads'"):
        read_table(with_sheet(shown, "Nope"))


def test_header_rules_are_the_csv_rules(tmp_path: Path) -> None:
    with pytest.raises(TableError, match=r"column 'age' appears 2 times; keep one"):
        read_table(workbook(tmp_path / "a.xlsx", [["age", "income", "age"], [1, 2, 3]]))
    with pytest.raises(TableError, match=r"row 1 \(the header\): column name 'Lead\\nID' holds a line break"):
        read_table(workbook(tmp_path / "b.xlsx", [["Lead\nID", "age"], ["A", 1]]))
    with pytest.raises(TableError, match=r"c.xlsx, sheet 'Leads': the sheet is empty"):
        read_table(workbook(tmp_path / "c.xlsx", []))
    header_only = read_table(workbook(tmp_path / "d.xlsx", [["Lead ID", "age"]]))
    assert header_only.empty and list(header_only.columns) == ["Lead ID", "age"]


def test_a_value_beyond_the_header_is_a_rejected_row_with_its_number(tmp_path: Path) -> None:
    path = workbook(tmp_path / "ragged.xlsx", [["Lead ID", "age"], ["A", 40], [None, None], ["B", 41, "stray"],
                                               ["C", 42]])
    rejected: list[tuple[int, str, str, str]] = []
    frame = read_table(path, rejected=rejected)
    assert frame["Lead ID"].tolist() == ["A", "C"] and frame.index.tolist() == [0, 2]  # the blank row skipped
    assert len(rejected) == 1
    row, column, value, reason = rejected[0]
    assert (row, column, value) == (2, WHOLE_ROW, "B,41,stray")
    assert reason.startswith("sheet row 4 has a value to the right of the header's last column ('stray')")
    with pytest.raises(TableError, match=r"sheet row 4 has a value to the right"):
        read_table(path)


def test_files_that_are_not_workbooks_are_refused_in_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(TableError, match=r"broken.xlsx: not a readable Excel workbook"):
        read_table(broken)
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(TableError, match=r"old.xls: an old Excel \(.xls\) file; save it as .xlsx"):
        read_table(old)
    csv = tmp_path / "leads.csv"
    csv.write_text("a,b\n1,2\n")
    with pytest.raises(TableError, match=r"leads.csv: a sheet is named, but this is not an Excel workbook"):
        read_table(with_sheet(csv, "Leads"))


def test_an_upload_is_recognised_by_its_bytes(tmp_path: Path) -> None:
    path = workbook(tmp_path / "leads.xlsx", [["Lead ID", "age"], ["A", 40]])
    stream = io.BytesIO(path.read_bytes())
    stream.name = "whatever.csv"
    assert read_table(stream)["age"].tolist() == ["40"]
    assert stream.tell() == 0


# ---- the command line ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_model_dir(tmp_path_factory: pytest.TempPathFactory, small_training) -> Path:  # noqa: ANN001
    root = tmp_path_factory.mktemp("registry")
    Registry(root).publish(small_training.model, small_training.report)
    return root


def test_score_reads_a_workbook_like_the_csv_and_counts_rejected_rows(small_model_dir: Path, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    leads = synth.generate(60, seed=8).drop(columns=["tier", *synth.TRUE_PROBABILITY_COLUMNS]).astype(str)
    leads.loc[5, "credit_score"] = "9000"
    leads.to_csv(tmp_path / "leads.csv", index=False)
    rows = [list(leads.columns), *[[float(v) if v.replace(".", "").isdigit() else v for v in r]
                                   for r in leads.to_numpy().tolist()]]
    workbook(tmp_path / "leads.xlsx", rows, title="This week", before="Read me")
    common = ["--models-dir", str(small_model_dir), "--explain"]
    assert main(["score", str(tmp_path / "leads.csv"), "-o", str(tmp_path / "from-csv.csv"), *common]) == 0
    capsys.readouterr()
    assert main(["score", str(tmp_path / "leads.xlsx"), "--sheet", "This week", "-o",
                 str(tmp_path / "from-xlsx.csv"), *common]) == 0
    assert "60 rows read, 59 scored" in capsys.readouterr().err
    assert (tmp_path / "from-xlsx.csv").read_bytes() == (tmp_path / "from-csv.csv").read_bytes()
    assert (tmp_path / "from-xlsx.rejected.csv").read_bytes() == (tmp_path / "from-csv.rejected.csv").read_bytes()
    assert main(["score", str(tmp_path / "leads.xlsx"), "--sheet", "Nope", "-o", str(tmp_path / "x.csv"),
                 *common]) == 2
    assert "no sheet named 'Nope'; its sheets: 'Read me', 'This week'" in capsys.readouterr().err


def test_evaluate_and_outcomes_read_workbooks(small_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    labeled = synth.generate(200, seed=9).drop(columns=list(synth.TRUE_PROBABILITY_COLUMNS))
    workbook(tmp_path / "labeled.xlsx", [list(labeled.columns), *labeled.to_numpy().tolist()])
    assert main(["evaluate", "--data", str(tmp_path / "labeled.xlsx"), "--json", "--models-dir",
                 str(small_model_dir)]) == 0
    assert '"rows_evaluated": 200' in capsys.readouterr().out
    store = tmp_path / "store.sqlite3"
    leads = labeled.drop(columns=["tier"])
    leads.to_csv(tmp_path / "leads.csv", index=False)
    monkeypatch.setenv("LEADSCORE_DATABASE_URL", f"sqlite:///{store}")
    assert main(["score", str(tmp_path / "leads.csv"), "-o", str(tmp_path / "out.csv"), "--record", "--id",
                 "lead_id", "--models-dir", str(small_model_dir)]) == 0
    outcomes = [["Lead", "Stage"], *[[lead, "Won" if i % 3 == 0 else "Lost"]
                                     for i, lead in enumerate(leads["lead_id"])]]
    workbook(tmp_path / "won-lost.xlsx", outcomes)
    capsys.readouterr()
    assert main(["outcomes", str(tmp_path / "won-lost.xlsx"), "--id", "Lead", "--outcome", "Stage",
                 "--positive", "Won", "--json", "--models-dir", str(small_model_dir)]) == 0
    assert '"new": 200' in capsys.readouterr().out
