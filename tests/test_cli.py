"""The leadscore command end to end: generate, train, score, evaluate, and bad input."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from leadscore.cli import main
from leadscore.fields.builtin import FEATURE_NAMES, example_lead
from leadscore.modeling.target import REASON_COLUMNS
from leadscore.settings import DEFAULT_MODELS_DIR

#: The columns a scored file of the built-in model adds (../shared/DESIGN.md), in reading order.
OUTPUT_COLUMNS = ("tier", "confidence", "p_high", "p_medium", "p_low", *REASON_COLUMNS)


def run(*args: str) -> int:
    return main([str(a) for a in args])


@pytest.fixture(scope="module")
def leads_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "leads.csv"
    assert run("generate", "-n", 1500, "--seed", 21, "-o", path) == 0
    return path


def test_generate_writes_the_contract_columns(leads_csv: Path) -> None:
    frame = pd.read_csv(leads_csv)
    assert len(frame) == 1500
    assert list(frame.columns) == ["lead_id", *FEATURE_NAMES, "tier", "true_p_low", "true_p_medium", "true_p_high"]


def test_train_publishes_and_evaluate_reports(leads_csv: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    models = tmp_path / "models"
    assert run("train", "--data", leads_csv, "--no-baselines", "--models-dir", models) == 0
    assert capsys.readouterr().out.startswith("version ")
    assert run("evaluate", "-n", 2000, "--json", "--models-dir", models) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rows_evaluated"] == 2000
    assert 0.7 < report["accuracy"] <= 1
    assert "bayes_accuracy" in report and "probability_mae" in report
    assert run("evaluate", "--data", leads_csv, "--models-dir", models) == 0
    text = capsys.readouterr().out
    assert "accuracy" in text and "confusion matrix" in text


def test_score_in_chunks_with_rejected_rows_counted(model_dir: Path, leads_csv: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    frame = pd.read_csv(leads_csv, dtype={"lead_id": str}).astype({"credit_score": object})
    frame.loc[[10, 1200], "credit_score"] = ["", "9000"]
    source = tmp_path / "in.csv"
    frame.to_csv(source, index=False)
    out = tmp_path / "out.csv"
    assert run("score", source, "-o", out, "--explain", "--chunk-rows", 400, "--models-dir", model_dir) == 0
    *_, tiers_line, summary = capsys.readouterr().err.strip().splitlines()
    assert summary == f"1,500 rows read, 1,498 scored -> {out}, 2 rejected -> {tmp_path / 'out.rejected.csv'}"
    scored = pd.read_csv(out, dtype={"lead_id": str})
    assert len(scored) == 1498
    counts = scored["tier"].value_counts()
    assert tiers_line == f"tiers: High {counts['High']:,}, Medium {counts['Medium']:,}, Low {counts['Low']:,}"
    assert list(scored.columns)[:9] == ["lead_id", *OUTPUT_COLUMNS]
    assert list(scored.columns)[9:] == [c if c != "tier" else "tier_input" for c in frame.columns if c != "lead_id"]
    assert "tier_input" in scored.columns
    rejected = pd.read_csv(tmp_path / "out.rejected.csv", keep_default_na=False)
    assert rejected.to_dict("records") == [
        {"row": 11, "column": "credit_score", "value": "", "reason": "missing value"},
        {"row": 1201, "column": "credit_score", "value": "9000", "reason": "above the model's range 300–850"}]


@pytest.mark.parametrize(("content", "message"), [
    ("", "the file is empty"),
    (",".join(FEATURE_NAMES) + "\n", "has a header but no rows"),
    ("name,email\nAl,a@x.io\n", "missing required columns: 'Age', 'Annual income' (income)"),
])
def test_bad_input_exits_non_zero_with_one_line(model_dir: Path, tmp_path: Path, content: str, message: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "bad.csv"
    source.write_text(content)
    assert run("score", source, "-o", tmp_path / "o.csv", "--models-dir", model_dir) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("leadscore score: ")
    assert message in err[-1]


def test_rows_with_more_or_fewer_cells_than_the_header_are_rejected_with_their_line(
        model_dir: Path, leads_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = leads_csv.read_text().splitlines()
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("\n".join([*lines[:11], lines[11] + ",extra", "1,2", *lines[12:]]) + "\n")
    out = tmp_path / "out.csv"
    assert run("score", ragged, "-o", out, "--chunk-rows", 300, "--models-dir", model_dir) == 0
    summary = capsys.readouterr().err.strip().splitlines()[-1]
    assert summary == f"1,501 rows read, 1,499 scored -> {out}, 2 rejected -> {tmp_path / 'out.rejected.csv'}"
    rejected = pd.read_csv(tmp_path / "out.rejected.csv", keep_default_na=False)
    assert rejected["row"].tolist() == [11, 12]
    assert rejected["column"].tolist() == ["(whole row)"] * 2
    assert rejected["reason"].tolist() == [
        "line 12 has 18 cells, the header 17: a separator too many or too few?",
        "line 13 has 2 cells, the header 17: a separator too many or too few?"]
    scored = pd.read_csv(out, dtype={"lead_id": str})
    assert lines[11].split(",")[0] not in set(scored["lead_id"]) and len(scored) == 1499


def test_the_rejected_file_reads_top_to_bottom_whatever_the_chunk_size(model_dir: Path, leads_csv: Path,
                                                                       tmp_path: Path) -> None:
    lines = leads_csv.read_text().splitlines()
    header = lines[0].split(",")
    # 320 rows hold every bad row below, in chunks of 7 and on both sides of the end of a 300-row chunk
    bad = [line.split(",") for line in lines[1:321]]
    for row in (3, 40, 299, 301):  # a cell that is not a number
        bad[row][header.index("age")] = "forty"
    for row in (20, 300, 302):  # a row with too few cells, among the others
        bad[row] = bad[row][:3]
    source = tmp_path / "mixed.csv"
    source.write_text("\n".join([lines[0], *(",".join(cells) for cells in bad)]) + "\n")
    files = {}
    for rows in (7, 300, 50_000):
        out = tmp_path / f"out{rows}.csv"
        assert run("score", source, "-o", out, "--chunk-rows", rows, "--models-dir", model_dir) == 0
        files[rows] = (out.read_bytes(), (tmp_path / f"out{rows}.rejected.csv").read_bytes())
    assert files[7] == files[300] == files[50_000]
    rejected = pd.read_csv(tmp_path / "out300.rejected.csv", keep_default_na=False)
    assert rejected["row"].tolist() == [4, 21, 41, 300, 301, 302, 303]
    assert rejected["column"].tolist() == ["age", "(whole row)", "age", "age", "(whole row)", "age", "(whole row)"]


@pytest.mark.parametrize("rows", ["0", "-5", "abc"])
def test_chunk_rows_must_be_a_count(leads_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    rows: str) -> None:
    with pytest.raises(SystemExit) as done:
        run("score", leads_csv, "-o", tmp_path / "o.csv", "--chunk-rows", rows)
    assert done.value.code == 2
    assert f"argument --chunk-rows: '{rows}'" in capsys.readouterr().err.strip().splitlines()[-1]
    assert not (tmp_path / "o.csv").exists()


def test_file_that_breaks_half_way_leaves_no_output(model_dir: Path, leads_csv: Path, tmp_path: Path) -> None:
    lines = leads_csv.read_text().splitlines()
    broken = tmp_path / "broken.csv"
    broken.write_text("\n".join([*lines[:1000], '"' + lines[1000], *lines[1001:]]) + "\n")
    out = tmp_path / "out.csv"
    assert run("score", broken, "-o", out, "--chunk-rows", 300, "--models-dir", model_dir) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.csv"]


def test_console_script_has_help_and_no_traceback_on_bad_input(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    shown = subprocess.run([sys.executable, "-m", "leadscore.cli", "score", "--help"],
                           capture_output=True, text=True, check=True)
    assert "--models-dir" in shown.stdout
    for command in ("generate", "train", "evaluate"):  # the same parser: in this process
        with pytest.raises(SystemExit) as done:
            run(command, "--help")
        assert done.value.code == 0 and "--models-dir" in capsys.readouterr().out
    missing = subprocess.run([sys.executable, "-m", "leadscore.cli", "score", str(tmp_path / "nope.csv"),
                              "-o", str(tmp_path / "o.csv")], capture_output=True, text=True)
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr
    assert missing.stderr.strip().splitlines()[-1].startswith("leadscore score: ")


def _lead_file(tmp_path: Path, rows: list[dict], name: str = "in.csv") -> Path:
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False, quoting=csv.QUOTE_ALL)
    return path


def test_all_rows_invalid_with_explanations_writes_the_rejections(model_dir: Path, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    source = _lead_file(tmp_path, [{**example_lead(), "income": "120k"}] * 3)
    out = tmp_path / "o.csv"
    assert run("score", source, "-o", out, "--explain", "--models-dir", model_dir) == 0
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("3 rows read, 0 scored")
    rejected = pd.read_csv(tmp_path / "o.rejected.csv")
    assert rejected["row"].tolist() == [1, 2, 3]
    assert set(rejected["reason"]) == {"not a number"}


@pytest.mark.parametrize("clash", ["rejected-is-input", "rejected-is-output", "output-is-input"])
def test_output_paths_that_would_destroy_a_file_are_refused(model_dir: Path, tmp_path: Path, clash: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    source = _lead_file(tmp_path, [example_lead()])
    before = source.read_bytes()
    out = tmp_path / "o.csv"
    args = {"rejected-is-input": ["-o", out, "--rejected", tmp_path / "." / "in.csv"],
            "rejected-is-output": ["-o", out, "--rejected", out],
            "output-is-input": ["-o", source]}[clash]
    assert run("score", source, *args, "--models-dir", model_dir) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "are the same file" in err[0]
    assert source.read_bytes() == before
    assert not out.exists()


def test_scored_and_rejected_files_are_spreadsheet_safe(model_dir: Path, tmp_path: Path) -> None:
    good = {"Lead ID": "L-1", "Annual Income": example_lead()["income"],
            **{k: v for k, v in example_lead().items() if k != "income"},
            "note": "=cmd|' /C calc'!A0", "memo": "one\rtwo", "delta": "-5", "tier": "x", "tier_input": "y"}
    bad = {**good, "age": "forty", "note": "@SUM(A1)"}
    source = _lead_file(tmp_path, [good, bad])
    out = tmp_path / "o.csv"
    assert run("score", source, "-o", out, "--models-dir", model_dir) == 0
    raw = out.read_bytes()
    assert raw.endswith(b"\r\n")
    assert b'"one\rtwo"' in raw
    scored = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(scored) == 1
    row = scored.iloc[0]
    assert row["note"] == "'=cmd|' /C calc'!A0"
    assert row["delta"] == "-5"
    assert (row["tier_input"], row["tier_input_2"]) == ("y", "x")  # the file's own tier_input keeps its name
    assert list(scored.columns)[:2] == ["Lead ID", "tier"]
    assert "Annual Income" in scored.columns and "income" not in scored.columns
    for column in ("p_low", "p_medium", "p_high", "confidence"):
        assert len(row[column].split(".")[1]) == 4, row[column]
    rejected = pd.read_csv(tmp_path / "o.rejected.csv", dtype=str, keep_default_na=False)
    assert rejected.to_dict("records") == [{"row": "2", "column": "age", "value": "forty",
                                            "reason": "not a number"}]


def test_main_help_is_plain_text_and_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    shown = capsys.readouterr().out
    assert "``" not in shown
    for command in ("generate", "train", "score", "evaluate", "serve"):
        assert f"    {command} " in shown


def test_models_dir_help_names_the_real_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["score", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "./models" not in shown
    assert f"else {DEFAULT_MODELS_DIR})" in shown


@pytest.mark.parametrize("args", [["score", "", "-o", "o.csv"], ["score", "in.csv", "-o", ""],
                                  ["score", "in.csv", "-o", "o.csv", "--rejected", ""],
                                  ["generate", "-n", "3", "-o", " "], ["evaluate", "--models-dir", ""]])
def test_an_empty_file_name_is_refused_by_name(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(args)
    assert stopped.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith(f"leadscore {args[0]}: error: argument ")
    assert error.endswith(": the file name is empty")


def test_an_os_error_without_a_file_name_says_what_is_wrong(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "no-such-folder" / "leads.csv"
    assert main(["generate", "-n", "3", "-o", str(target)]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert not error.startswith("leadscore generate: :")
    assert error.startswith("leadscore generate: ") and "no-such-folder" in error
