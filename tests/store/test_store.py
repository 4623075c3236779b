"""The store on SQLite and PostgreSQL: migrations, recording, outcomes (the results report: tests/workflows)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select, text

from leadscore.fields.infer import OutcomeError
from leadscore.scoring.rows import ScoredRow, ScoredRows
from leadscore.store import RecordError, Store, StoreUnavailableError, read_outcomes
from leadscore.store import database as db
from leadscore.store.tables import Outcome, Scoring
from leadscore.workflows.results import version_results

T0 = datetime(2026, 5, 1, tzinfo=timezone.utc)


def rows(version: str, ids: list[str] | None, tiers: list[str], chances: list[float] | np.ndarray,
         fields: dict[str, list], reasons: list[str] | None = None, columns: dict[str, list] | None = None,
         id_column: str | None = None) -> ScoredRows:
    """Typed scored rows as a scorer gives them to the store."""
    chance = np.asarray(chances, dtype=float)
    frame = pd.DataFrame(fields, index=pd.RangeIndex(1, len(tiers) + 1))
    return ScoredRows(model_version=version, tier=np.array(tiers, dtype=object), chance=chance,
                      score=np.rint(chance * 100).astype(int), fields=frame,
                      lead_id=None if ids is None else pd.Series(ids, index=frame.index, dtype=object),
                      id_column=id_column,
                      reasons=None if reasons is None else np.array([[r, "", ""] for r in reasons], dtype=object),
                      columns=pd.DataFrame(columns or {}, index=frame.index))


def builtin_batch(ids: list[str], tiers: list[str], version: str = "v1", seed: int = 0,
                  **extra: list) -> ScoredRows:
    """Leads as the built-in model scores them: its tier chances kept as its columns, the chance of conversion
    its (the rows' numbers are the target's; the store only stores them)."""
    rng = np.random.default_rng(seed)
    p = rng.dirichlet([1, 1, 1], len(ids))
    fields = {"lead_id": ids, "age": rng.integers(22, 70, len(ids)).tolist(), **extra}
    return rows(version, ids, tiers, p @ np.array([0.035, 0.175, 0.375]), fields,
                ["Credit score 790 (raises)"] * len(ids),
                {"p_high": p[:, 2], "p_medium": p[:, 1], "p_low": p[:, 0], "confidence": p.max(axis=1)},
                id_column="lead_id")


def outcome_batch(ids: list[str], chances: list[float], tiers: list[str], **extra: list) -> ScoredRows:
    """Leads as a team's model scores them."""
    return rows("team-1", ids, tiers, chances, {"Lead": ids, "Source": ["web"] * len(ids), **extra},
                ["Source: web (raises)"] * len(ids),
                {"p_convert": chances, "score": [round(100 * c) for c in chances]}, id_column="Lead")


def outcomes(ids: list[str], values: list[str], **kwargs: object) -> object:
    return read_outcomes(pd.DataFrame({"id": ids, "stage": values}), "id", "stage", **kwargs)


# ---- migrations -------------------------------------------------------------------------------------
def test_a_new_database_is_migrated_to_the_newest_schema(store: Store) -> None:
    assert db.current_revision(store.engine) == db.head_revision()
    with store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Scoring)).scalar() == 0


def test_the_store_knows_the_newest_migration_without_asking_alembic() -> None:
    # A store at HEAD_REVISION opens without running Alembic: a new migration must move it, or stores would
    # skip that migration.
    assert db.head_revision() == db.HEAD_REVISION


def test_an_upgrade_from_the_previous_schema_keeps_every_record(database_url: str) -> None:
    engine = db.make_engine(database_url)
    db.upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO lists (id, name, created_at) VALUES (1, 'old', :t)"), {"t": T0})
        connection.execute(text(
            "INSERT INTO scorings (lead_id, scored_at, model_version, list_id, tier, chance, promise, score, chances,"
            " fields, reasons) VALUES ('A', :t, 'v0', 1, 'High', 0.5, 0.375, NULL, '{}', '{\"age\": 40}', NULL)"),
            {"t": T0})
        connection.execute(text("INSERT INTO outcomes VALUES ('A', 1, :t, 'old.csv', :t)"), {"t": T0})
    engine.dispose()
    store = Store.open(database_url)
    try:
        assert db.current_revision(store.engine) == db.head_revision() != "0001"
        report = version_results(store, "v0")
        assert (report.tiers["High"].scored, report.tiers["High"].converted) == (1, 1)
        assert report.drift_about.available is False and "v0" in report.drift_about.reason
        assert store.list_rows("old")["age"].tolist() == [40]
        store.save_drift_reference("v0", {"leads": 1, "fields": {}, "score": {"kind": "number", "edges": [],
                                                                               "shares": [1.0, 0.0]}})
        assert store.drift_reference("v0")["leads"] == 1
    finally:
        store.close()


# ---- recording (the report on these records: tests/workflows/test_results_report.py) --------------------
def test_without_an_id_column_a_lead_is_known_by_its_fields(store: Store) -> None:
    store.record(rows("v1", None, ["High", "High", "Low"], [0.3, 0.3, 0.1], {"age": [40, 40, 51]}))
    store.record([ScoredRow(None, "v1", "High", 0.3, 30, {"age": 40}), ScoredRow(None, "v1", "Low", 0.1, 10,
                                                                                 {"age": 52})])
    with store.engine.connect() as connection:
        leads = connection.execute(select(func.count(func.distinct(Scoring.lead_id)))).scalar()
    assert leads == 3  # 40 (three times, as a table and one by one), 51, 52


def test_rows_one_by_one_of_several_versions_keep_their_order(store: Store) -> None:
    store.record([ScoredRow("A", "v1", "High", 0.4, 40, {"lead_id": "A"}, ("Age 41 (raises)",)),
                  ScoredRow(None, "v2", "Low", 0.05, 5, {"age": 30}),
                  ScoredRow("A", "v2", "Medium", 0.2, 20, {"lead_id": "A", "note": "again"})])
    history = store.history("A")
    assert [(h.model_version, h.tier, h.score) for h in history] == [("v1", "High", 40),
                                                                              ("v2", "Medium", 20)]
    assert version_results(store, "v2").tiers["Medium"].scored == 1  # A once, its latest
    assert version_results(store, "v1").leads == 0 and version_results(store, "v2").leads == 2


def test_an_empty_lead_id_records_nothing_and_names_the_row(store: Store) -> None:
    with pytest.raises(RecordError, match="row 2, column 'lead_id': the lead ID is empty"):
        store.record(builtin_batch(["A", " ", "C"], ["High", "Low", "Low"]))
    assert version_results(store, "v1").leads == 0


def test_saved_lists_reopen_as_scored_and_history(store: Store) -> None:
    batch = builtin_batch(["A", "B"], ["High", "Low"], owner=["Dana", "Eli"])
    store.record(batch, list_name="Week 1", scored_at=T0)
    store.record(builtin_batch(["A"], ["Medium"], version="v2"), scored_at=T0 + timedelta(7))
    assert [(s.name, s.leads) for s in store.saved_lists()] == [("Week 1", 2)]
    rows = store.list_rows("Week 1")
    assert rows["owner"].tolist() == ["Dana", "Eli"] and rows["tier"].tolist() == ["High", "Low"]
    assert rows["p_high"].tolist() == pytest.approx(batch.columns["p_high"].tolist())  # the target's columns
    assert rows["reason_1"].tolist() == ["Credit score 790 (raises)"] * 2
    history = store.history("A")
    assert [(h.model_version, h.tier, h.list) for h in history] == [("v1", "High", "Week 1"),
                                                                             ("v2", "Medium", None)]
    with pytest.raises(KeyError):
        store.list_rows("nope")


def test_retention_deletes_old_scorings(store: Store, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store.record(builtin_batch(["old"], ["Low"]), scored_at=T0)
    monkeypatch.setenv("LEADSCORE_RETENTION_DAYS", "30")  # read through Settings when a store is opened
    kept = Store.open(database_url)
    try:
        recorded = kept.record(builtin_batch(["new"], ["Low"]), scored_at=T0 + timedelta(31))
    finally:
        kept.close()
    assert recorded.deleted_by_retention == 1
    assert [h.tier for h in store.history("old")] == []


@pytest.mark.parametrize("value", ["abc", "0", "-3", "1.5", "٣٠", "99999"])
def test_a_retention_that_cannot_be_read_refuses_to_open_the_store(
        database_url: str, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("LEADSCORE_RETENTION_DAYS", value)
    with pytest.raises(StoreUnavailableError, match="LEADSCORE_RETENTION_DAYS must be a whole number of days"):
        Store.open(database_url)


def test_training_frame_from_results(store: Store) -> None:
    store.record(builtin_batch(["A", "B", "C"], ["High", "Low", "Low"]))
    store.import_outcomes(outcomes(["A", "B"], ["won", "lost"]), "crm.csv")
    store.record(builtin_batch(["A"], ["Low"], version="v2", seed=3))  # scored again: outcome kept
    assert version_results(store, "v2").tiers["Low"].converted == 1
    frame = store.training_frame()
    assert dict(zip(frame["lead_id"], frame["converted"], strict=True)) == {"A": "yes", "B": "no"}
    assert "tier" not in frame.columns and "age" in frame.columns


# ---- outcomes -----------------------------------------------------------------------------------------
def test_importing_the_same_file_twice_counts_nothing_twice(store: Store) -> None:
    store.record(builtin_batch(["A", "B", "C"], ["High", "Low", "Low"]))
    rows = outcomes(["A", "B", "C"], ["Won", "Lost", ""])
    first = store.import_outcomes(rows, "crm.csv")
    second = store.import_outcomes(rows, "crm.csv")
    assert (first.new, first.unchanged, first.open_leads) == (2, 0, 1)
    assert (second.new, second.unchanged, second.changed) == (0, 2, 0)
    with store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Outcome)).scalar() == 2
    assert version_results(store, "v1").tiers["High"].converted == 1


def test_ids_never_scored_are_reported_not_stored(store: Store) -> None:
    store.record(builtin_batch(["A"], ["High"]))
    report = store.import_outcomes(outcomes(["A", "X1", "X2"], ["Won", "Won", "Lost"]), "crm.csv")
    assert (report.new, report.unknown, report.unknown_examples) == (1, 2, ["X1", "X2"])
    assert "2 IDs were never scored" in report.sentence()
    with store.engine.connect() as connection:
        assert connection.execute(select(Outcome.lead_id)).scalars().all() == ["A"]


def test_a_changed_outcome_latest_wins_and_is_reported(store: Store) -> None:
    store.record(builtin_batch(["A", "B"], ["High", "High"]))
    at = pd.DataFrame({"id": ["A", "B"], "stage": ["Lost", "Lost"], "when": ["2026-05-10", "2026-05-10"]})
    named = {"positive": ["Won"], "negative": ["Lost"], "at_column": "when"}
    store.import_outcomes(read_outcomes(at, "id", "stage", **named), "first.csv")  # a file of lost deals only
    later = at.assign(stage=["Won", "Won"], when=["2026-06-01", "2026-04-01"])  # B's "Won" is older
    report = store.import_outcomes(read_outcomes(later, "id", "stage", **named), "second.csv")
    assert (report.changed, report.older_ignored) == (1, 1)
    assert report.changed_examples == [{"lead_id": "A", "was": 0, "now": 1}]
    with store.engine.connect() as connection:
        assert dict(connection.execute(select(Outcome.lead_id, Outcome.outcome)).all()) == {"A": 1, "B": 0}


def test_outcome_values_read_with_the_training_rules() -> None:
    named = outcomes(["1", "2", "3", "4"], ["Won", "Lost", "Negotiation", ""], positive=["won"], negative=["lost"])
    assert dict(zip(named.rows["lead_id"], named.rows["outcome"], strict=True)) == {"1": 1, "2": 0}
    assert named.open_leads == 2
    with pytest.raises(OutcomeError, match="Which of the others mean lost"):  # never a stage read as lost
        outcomes(["1", "2", "3"], ["Won", "Lost", "Negotiation"], positive=["Won"])
    only_won = outcomes(["1", "2"], ["Won", "Won"], positive=["Won"])  # a file of won deals only is normal
    assert only_won.rows["outcome"].tolist() == [1, 1]
    assert outcomes(["7.0", "8"], ["yes", "no"]).rows["lead_id"].tolist() == ["7", "8"]  # inferred, IDs as text
    with pytest.raises(OutcomeError, match="not in the file"):
        outcomes(["1", "2"], ["Lost", "Lost"], positive=["Wonn"])  # every row would be lost on a typo
    with pytest.raises(OutcomeError, match="none of the named"):
        outcomes(["1", "2"], ["Lost", "Lost"], positive=["Wonn"], negative=["Los"])
    with pytest.raises(OutcomeError, match="Which of the others mean lost"):
        outcomes(["1", "2", "3"], ["Won", "Lost", "Open"])
    with pytest.raises(OutcomeError, match="row 2, column 'when': 'soon' is not a date; no row could be read"):
        read_outcomes(pd.DataFrame({"id": ["1", "2"], "s": ["yes", "no"], "when": ["soon", "later"]}),
                      "id", "s", at_column="when")  # the wrong column named: refused
    with pytest.raises(OutcomeError, match="ID column 'lead'"):
        read_outcomes(pd.DataFrame({"id": ["1"], "s": ["yes"]}), "lead", "s")


def test_sqlite_store_is_created_beside_the_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEADSCORE_DATABASE_URL", raising=False)
    store = Store.open(models_dir=tmp_path / "models")
    try:
        assert (tmp_path / "models" / db.DEFAULT_FILE).exists()
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.BUSY_TIMEOUT_MS
    finally:
        store.close()


def test_a_decimal_lock_timeout_is_the_wait_on_either_database(database_url: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """$LEADSCORE_LOCK_TIMEOUT=0.25 is SQLite's busy timeout and PostgreSQL's lock_timeout, in milliseconds."""
    monkeypatch.setenv("LEADSCORE_LOCK_TIMEOUT", "0.25")
    store = Store.open(database_url)
    try:
        with store.engine.connect() as connection:
            if database_url.startswith("sqlite"):
                assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 250
            else:
                assert connection.exec_driver_sql("SHOW lock_timeout").scalar() == "250ms"
        assert store.lock_seconds == 0.25  # the wait its fault messages name
    finally:
        store.close()


def test_fields_are_encoded_as_the_json_the_store_has_always_written() -> None:
    """A lead without an ID is known by a hash of this JSON: the text of a stored lead must never change.
    Plain text goes through a faster encoder; quotes, slashes, control characters, numbers through pandas."""
    from leadscore.store.record import encode

    cells = ["720", "", "Zoë 名前", "a/b", 'say "hi"', "back\\slash", "two\nlines", "\x01", "\u2028", None]
    for fields in ({"Lead Name": pd.array(cells, dtype="string"), "age": pd.array(["41"] * 10, dtype="string")},
                   {"plain": pd.array(["720", "", "Zoë 名前", None] * 2 + ["x", "y"], dtype="str"),
                    "objects": np.array(["a", None, np.nan, "b", "c", "d", "e", "f", "g", "h"], dtype=object)},
                   {"age": [40] * 10, "note": cells}, {"a/b": ["1"] * 10},
                   # full columns around one with empty cells, and one ending with an empty cell
                   {"id": [f"L{i}" for i in range(10)], "gap": [None, "b"] * 5, "city": ["Zoë"] * 10,
                    "last": ["x"] * 9 + [None]}):
        batch = rows("v1", None, ["High"] * 10, [0.3] * 10, fields)
        expected = batch.fields.to_json(orient="records", lines=True, date_format="iso", force_ascii=False)
        assert encode(batch).fields == expected.rstrip("\n").split("\n")
