"""`leadscore export`: a saved list's latest scores for a CRM's import, as .xlsx (read back with openpyxl) or CSV.

The store runs on SQLite and on PostgreSQL (the ``database_url`` fixture).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import text

from leadscore.cli import main
from leadscore.data import synth
from leadscore.registry import Registry
from leadscore.store import Store
from leadscore.workflows import export
from tests.store.test_webhooks import scored

HEADER = ["Lead ID", "tier", "score", "reason_1", "reason_2", "reason_3", "model", "scored_at"]
NAMES = {"v1": "Bank calls (y)", "v2": "Bank calls (y), top 25% High"}


def filled(store: Store) -> datetime:
    """A list 'May' of three leads, one of them scored again later by another version; returns that moment."""
    first = datetime(2026, 5, 1, 9, 30, tzinfo=timezone.utc)
    store.record(scored(["=cmd()", "00123", "L-3"], ["High", "Low", "Medium"]), list_name="May", scored_at=first)
    later = first + timedelta(days=10)
    store.record(scored(["00123"], ["High"], score=[91], version="v2"), list_name="May", scored_at=later)
    store.record(scored(["other"], ["Low"]), list_name="June", scored_at=later)
    return later


def test_xlsx_has_one_typed_row_per_lead_and_no_formula(store: Store, tmp_path: Path) -> None:
    later = filled(store)
    result = export.export_list(store, "May", NAMES)
    assert (result.leads, result.id_column, result.hashed_ids) == (3, "Lead ID", False)
    export.write(result, tmp_path / "may.xlsx")
    book = openpyxl.load_workbook(tmp_path / "may.xlsx")
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    rows = [[cell for cell in row] for row in sheet.iter_rows()]
    assert [c.value for c in rows[0]] == HEADER
    values = {row[0].value: [c.value for c in row] for row in rows[1:]}
    assert set(values) == {"'=cmd()", "00123", "L-3"}  # the formula-like ID neutralised, zeros kept
    assert values["00123"][1:3] == ["High", 91] and values["00123"][6] == NAMES["v2"]
    assert values["00123"][7] == later.replace(tzinfo=None)  # a real date cell, UTC
    assert values["L-3"][1:7] == ["Medium", 30, "Age 45 (raises)", "Job: student (lowers)", None, NAMES["v1"]]
    for row in rows[1:]:
        assert row[0].data_type == "s" and row[2].data_type == "n" and row[7].is_date
    assert all(c.data_type != "f" for row in rows for c in row)


def test_csv_goes_through_the_safe_writer(store: Store, tmp_path: Path) -> None:
    filled(store)
    export.write(export.export_list(store, "May", NAMES), tmp_path / "may.csv")
    data = (tmp_path / "may.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == HEADER
    by_id = {r[0]: r for r in rows[1:]}
    assert set(by_id) == {"'=cmd()", "00123", "L-3"}
    assert by_id["00123"][1:3] == ["High", "91"] and by_id["00123"][7] == "2026-05-11 09:30:00"


def test_changed_since_and_owner_keep_only_those_leads(store: Store) -> None:
    later = filled(store)
    since = export.export_list(store, "May", NAMES, changed_since=later - timedelta(hours=1))
    assert since.frame["Lead ID"].tolist() == ["00123"]
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE scorings SET owner = 'Dana' WHERE lead_id = 'L-3'"))
    assert export.export_list(store, "May", NAMES, owner="Dana").frame["Lead ID"].tolist() == ["L-3"]
    assert export.export_list(store, "May", NAMES, owner="Eli").leads == 0


def test_an_unknown_list_names_the_lists_that_exist(store: Store) -> None:
    filled(store)
    with pytest.raises(export.UnknownListError, match=r"no saved list named 'Mai'; the saved lists: 'June', 'May'"):
        export.export_list(store, "Mai", NAMES)


def test_a_list_saved_without_ids_says_so(store: Store) -> None:
    store.record(scored(["A", "B"], ["High", "Low"], with_ids=False), list_name="No IDs")
    result = export.export_list(store, "No IDs", NAMES)
    assert result.id_column == "lead_id" and result.hashed_ids and result.leads == 2


# ---- the command line, with a real registry ------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_registry(tmp_path_factory: pytest.TempPathFactory, small_training) -> Path:  # noqa: ANN001
    root = tmp_path_factory.mktemp("registry")
    Registry(root).publish(small_training.model, small_training.report)
    return root


def test_export_command_end_to_end(database_url: str, small_registry: Path, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LEADSCORE_DATABASE_URL", database_url)
    leads = synth.generate(120, seed=12).drop(columns=["tier", *synth.TRUE_PROBABILITY_COLUMNS])
    leads = leads.rename(columns={"lead_id": "CRM Id"}).assign(**{"CRM Id": [f"C{i:04d}" for i in range(120)]})
    leads.to_csv(tmp_path / "leads.csv", index=False)
    models = ["--models-dir", str(small_registry)]
    assert main(["score", str(tmp_path / "leads.csv"), "-o", str(tmp_path / "scored.csv"), "--explain", "--record",
                 "--id", "CRM Id", "--list", "This week", *models]) == 0
    # Half of them again: still one row per lead.
    leads.head(60).to_csv(tmp_path / "again.csv", index=False)
    assert main(["score", str(tmp_path / "again.csv"), "-o", str(tmp_path / "scored2.csv"), "--explain",
                 "--record", "--id", "CRM Id", "--list", "This week", *models]) == 0
    capsys.readouterr()
    assert main(["export", "--list", "This week", "-o", str(tmp_path / "crm.xlsx"), *models]) == 0
    assert "120 leads of 'This week' -> " in capsys.readouterr().err
    frame = pd.read_excel(tmp_path / "crm.xlsx", dtype={"CRM Id": str}, engine="openpyxl")
    assert list(frame.columns) == ["CRM Id", *HEADER[1:]]
    assert sorted(frame["CRM Id"]) == [f"C{i:04d}" for i in range(120)]
    name = Registry(small_registry).versions()[0].name
    assert set(frame["model"]) == {name}
    scored_file = pd.read_csv(tmp_path / "scored.csv", dtype=str).set_index("CRM Id")
    assert (frame.set_index("CRM Id")["tier"] == scored_file.loc[frame["CRM Id"], "tier"]).all()
    assert frame["reason_1"].str.len().gt(0).all()

    assert main(["export", "--list", "Nope", "-o", str(tmp_path / "x.csv"), *models]) == 2
    assert "no saved list named 'Nope'; the saved lists: 'This week'" in capsys.readouterr().err
    assert main(["export", "--list", "This week", "-o", str(tmp_path / "x.txt"), *models]) == 2
    assert "x.txt: the export is written as .xlsx or .csv" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "x.txt").exists()


def test_migration_0004_keeps_lists_and_their_export_uses_lead_id(database_url: str) -> None:
    from leadscore.store import database as db

    engine = db.make_engine(database_url)
    db.upgrade(engine, "0003")
    moment = datetime(2026, 5, 1, tzinfo=timezone.utc)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO lists (id, name, created_at) VALUES (1, 'old', :t)"), {"t": moment})
        scoring = connection.execute(text(
            "INSERT INTO scorings (lead_id, scored_at, model_version, list_id, tier, chance, promise, score, "
            "outcome, latest) VALUES ('A-1', :t, 'v0', 1, 'High', 0.5, 0.5, 50, NULL, :yes) RETURNING id"),
            {"t": moment, "yes": True}).scalar_one()
        connection.execute(text("INSERT INTO scoring_data VALUES (:id, '{}', '{\"age\": 40}', NULL)"),
                           {"id": scoring})
    engine.dispose()
    store = Store.open(database_url)
    try:
        result = export.export_list(store, "old", {})
        assert result.frame.iloc[0].tolist()[:3] == ["A-1", "High", 50] and result.id_column == "lead_id"
        store.record(scored(["A-1"], ["Low"]), list_name="old")
        assert export.export_list(store, "old", {}).frame.iloc[0].tolist()[:2] == ["A-1", "Low"]
        assert export.export_list(store, "old", {}).id_column == "Lead ID"
    finally:
        store.close()
