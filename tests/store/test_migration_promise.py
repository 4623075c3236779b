"""Migration 0005 on SQLite and PostgreSQL: scorings lose the unread ``promise`` column with every record kept,
and a downgrade puts it back filled from each scoring's chance."""

from __future__ import annotations

from datetime import datetime, timezone

from alembic import command
from sqlalchemy import Engine, inspect, text

from leadscore.scoring.rows import ScoredRow
from leadscore.store import Store
from leadscore.store import database as db
from leadscore.workflows.results import version_results

T0 = datetime(2026, 5, 1, tzinfo=timezone.utc)


def _columns(engine: Engine) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns("scorings")}


def _fill_at_0004(database_url: str) -> None:
    """A store at 0004 with a list, three scorings (promise as older code wrote it), their data and an outcome."""
    engine = db.make_engine(database_url)
    db.upgrade(engine, "0004")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO lists (id, name, created_at, id_column) VALUES (1, 'old', :t, 'Lead')"),
                           {"t": T0})
        for lead, chance, latest, owner in (("A", 0.5, False, "ann"), ("A", 0.6, True, "ann"), ("B", 0.1, True, None)):
            connection.execute(text(
                "INSERT INTO scorings (lead_id, scored_at, model_version, list_id, tier, chance, promise, score,"
                " outcome, latest, owner) VALUES (:lead, :t, 'v0', 1, 'High', :chance, :chance, :score, NULL,"
                " :latest, :owner)"),
                {"lead": lead, "t": T0, "chance": chance, "score": round(chance * 100), "latest": latest,
                 "owner": owner})
        ids = connection.execute(text("SELECT id FROM scorings ORDER BY id")).scalars().all()
        for scoring_id in ids:
            connection.execute(text("INSERT INTO scoring_data VALUES (:id, '{}', '{\"age\": 40}', NULL)"),
                               {"id": scoring_id})
        connection.execute(text("INSERT INTO outcomes VALUES ('A', 1, :t, 'old.csv', :t)"), {"t": T0})
        connection.execute(text("UPDATE scorings SET outcome = 1 WHERE lead_id = 'A'"))
    engine.dispose()


def test_upgrade_from_0004_drops_promise_and_keeps_every_record(database_url: str) -> None:
    _fill_at_0004(database_url)
    store = Store.open(database_url)
    try:
        assert db.current_revision(store.engine) == db.head_revision() == "0005"
        assert "promise" not in _columns(store.engine)
        with store.engine.connect() as connection:
            kept = connection.execute(text(
                "SELECT lead_id, chance, score, outcome, latest, owner, list_id FROM scorings ORDER BY id")).all()
            assert connection.execute(text("SELECT count(*) FROM scoring_data")).scalar() == 3
        assert [tuple(row) for row in kept] == [("A", 0.5, 50, 1, False, "ann", 1), ("A", 0.6, 60, 1, True, "ann", 1),
                                                ("B", 0.1, 10, None, True, None, 1)]
        report = version_results(store, "v0")
        assert (report.tiers["High"].scored, report.tiers["High"].converted) == (2, 1)
        assert store.list_rows("old")["age"].tolist() == [40, 40, 40]
        store.record([db_row("C")])  # recording goes on without the column
        assert version_results(store, "v0").tiers["High"].scored == 3
    finally:
        store.close()


def test_downgrade_to_0004_puts_promise_back_from_chance(database_url: str) -> None:
    _fill_at_0004(database_url)
    store = Store.open(database_url)
    store.record([db_row("C")])  # recorded at 0005, without a promise
    store.close()
    engine = db.make_engine(database_url)
    config = db.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
    assert db.current_revision(engine) == "0004"
    promise = next(c for c in inspect(engine).get_columns("scorings") if c["name"] == "promise")
    assert promise["nullable"] is False
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT lead_id, chance, promise FROM scorings ORDER BY id")).all()
        assert connection.execute(text("SELECT count(*) FROM scoring_data")).scalar() == 4
    assert [(lead, promise) for lead, _, promise in rows] == [("A", 0.5), ("A", 0.6), ("B", 0.1), ("C", 0.7)]
    db.upgrade(engine)
    assert db.current_revision(engine) == db.head_revision() and "promise" not in _columns(engine)
    engine.dispose()


def db_row(lead: str) -> ScoredRow:
    """A scoring of ``lead`` by v0 with chance 0.7."""
    return ScoredRow(lead, "v0", "High", 0.7, 70, {"age": 40})
