"""Scoring a file with recording, on SQLite and PostgreSQL: all or nothing per run (a later chunk failing, in the
store or in the file, leaves nothing), and recording the same file into the same list again never doubles it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from leadscore.cli import main
from leadscore.data import synth
from leadscore.registry import Registry
from leadscore.scoring.scorer import Scorer
from leadscore.store import Store
from leadscore.store.tables import Scoring
from leadscore.workflows import score_file

LEADS = 100


def run(*args: object) -> int:
    return main([str(a) for a in args])


@pytest.fixture
def leads(tmp_path: Path) -> pd.DataFrame:
    frame = synth.generate(LEADS, seed=8).drop(columns=["tier", *synth.TRUE_PROBABILITY_COLUMNS])
    frame.to_csv(tmp_path / "leads.csv", index=False)
    return frame


def _scorings(url: str) -> int:
    store = Store.open(url)
    try:
        with store.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(Scoring)).scalar_one())
    finally:
        store.close()


def _score(tmp_path: Path, model_dir: Path, source: str = "leads.csv", *extra: str) -> int:
    return run("score", tmp_path / source, "-o", tmp_path / "scored.csv", "--record", "--id", "lead_id",
               "--list", "June", "--chunk-rows", 30, "--models-dir", model_dir, *extra)


def test_a_run_failing_in_a_later_chunk_records_nothing_and_a_rerun_never_doubles(
        database_url: str, model_dir: Path, leads: pd.DataFrame, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LEADSCORE_DATABASE_URL", database_url)
    broken = leads.copy()
    broken.loc[84, "lead_id"] = ""  # in the third chunk of 30: the first two were scored and queued
    broken.to_csv(tmp_path / "broken.csv", index=False)
    assert _score(tmp_path, model_dir, "broken.csv") == 2
    err = capsys.readouterr().err
    assert "row 85, column 'lead_id': the lead ID is empty; nothing was recorded" in err and "Traceback" not in err
    assert _scorings(database_url) == 0
    assert not (tmp_path / "scored.csv").exists()

    # A quote never closed in the last chunk: the file fails after chunks were recorded in the run.
    text = (tmp_path / "leads.csv").read_text().splitlines()
    text[95] = text[95].replace(",", ',"', 1)
    (tmp_path / "quote.csv").write_text("\n".join(text) + "\n")
    assert _score(tmp_path, model_dir, "quote.csv") == 2
    assert "never closed" in capsys.readouterr().err
    assert _scorings(database_url) == 0

    for _ in range(2):  # the fixed file, twice into the same list
        assert _score(tmp_path, model_dir) == 0
        assert f"{LEADS} scored leads recorded in list 'June'" in capsys.readouterr().err
        store = Store.open(database_url)
        try:
            assert [(s.name, s.leads) for s in store.saved_lists()] == [("June", LEADS)]
            assert len(store.list_rows("June")) == LEADS
        finally:
            store.close()
    assert _scorings(database_url) == 2 * LEADS  # both runs kept: each lead's history has two scorings


def test_score_file_counts_and_records_through_the_writer(store: Store, model_dir: Path, leads: pd.DataFrame,
                                                          tmp_path: Path) -> None:
    scorer = Scorer(Registry(model_dir).load())
    done = score_file.score_file(tmp_path / "leads.csv", tmp_path / "out.csv", tmp_path / "out.rejected.csv",
                                 scorer, chunk_rows=7, recording=score_file.Recording(store, "May", "lead_id"))
    assert (done.read, done.scored, done.rejected) == (LEADS, LEADS, 0)
    assert done.recorded is not None and done.recorded.leads == LEADS and sum(done.tiers.values()) == LEADS
    assert [(s.name, s.leads) for s in store.saved_lists()] == [("May", LEADS)]
    written = pd.read_csv(tmp_path / "out.csv", encoding="utf-8-sig", dtype=str)
    assert written["lead_id"].tolist() == leads["lead_id"].tolist()
    assert not (tmp_path / "out.rejected.csv").exists()


def _recorded_ids(url: str) -> list[str]:
    store = Store.open(url)
    try:
        with store.engine.connect() as connection:
            return list(connection.execute(select(Scoring.lead_id).order_by(Scoring.id)).scalars())
    finally:
        store.close()


def test_score_record_knows_a_lead_by_the_models_id_column_unless_told_otherwise(
        model_dir: Path, leads: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """As the dashboard's Save and the API do: the file's column for the model's lead ID (here written its own
    way, 'Lead ID' for 'lead_id'), so the CRM's won/lost export matches the leads; --no-id knows them by a hash."""
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    monkeypatch.setenv("LEADSCORE_DATABASE_URL", url)
    leads.rename(columns={"lead_id": "Lead ID"}).to_csv(tmp_path / "crm.csv", index=False)
    assert run("score", tmp_path / "crm.csv", "-o", tmp_path / "scored.csv", "--record", "--models-dir",
               model_dir) == 0
    assert f"{LEADS} scored leads recorded, each known by its ID in column 'Lead ID'" in capsys.readouterr().err
    assert _recorded_ids(url) == leads["lead_id"].tolist()
    pd.DataFrame({"Lead ID": leads["lead_id"][:10], "Stage": ["Won", "Lost"] * 5}).to_csv(tmp_path / "won.csv",
                                                                                       index=False)
    assert run("outcomes", tmp_path / "won.csv", "--id", "Lead ID", "--outcome", "Stage", "--positive", "Won",
               "--negative", "Lost", "--models-dir", model_dir) == 0
    capsys.readouterr()
    assert run("report", "--json", "--models-dir", model_dir) == 0
    tiers = json.loads(capsys.readouterr().out)["tiers"].values()
    assert sum(t["with_outcome"] for t in tiers) == 10 and sum(t["scored"] for t in tiers) == LEADS

    # A blank ID in that column: refused with its row and column, and the way out named.
    blank = leads.rename(columns={"lead_id": "Lead ID"})
    blank.loc[7, "Lead ID"] = ""
    blank.to_csv(tmp_path / "blank.csv", index=False)
    assert run("score", tmp_path / "blank.csv", "-o", tmp_path / "scored.csv", "--record", "--models-dir",
               model_dir) == 2
    assert ("row 8, column 'Lead ID': the lead ID is empty; nothing was recorded (the model's ID column, found in "
            "the file: name another with --id, or know each lead by its fields with --no-id)"
            in capsys.readouterr().err)
    assert run("score", tmp_path / "crm.csv", "-o", tmp_path / "scored.csv", "--record", "--no-id",
               "--models-dir", model_dir) == 0
    assert "each known by a hash of its fields" in capsys.readouterr().err
    hashed = _recorded_ids(url)[LEADS:]
    assert len(hashed) == LEADS and all(lead.startswith("h:") for lead in hashed)
