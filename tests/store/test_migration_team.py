"""Migration 0003 (team use) on SQLite and PostgreSQL: from 0002 with every record kept, and the table
definitions in tables.py agreeing with what the migrations build."""

from __future__ import annotations

from datetime import datetime, timezone

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from leadscore.store import Store
from leadscore.store import database as db
from leadscore.store.tables import Base
from leadscore.workflows.results import version_results

T0 = datetime(2026, 5, 1, tzinfo=timezone.utc)


def test_upgrade_from_0002_keeps_every_record_and_adds_the_team_tables(database_url: str) -> None:
    engine = db.make_engine(database_url)
    db.upgrade(engine, "0002")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO lists (id, name, created_at) VALUES (1, 'old', :t)"), {"t": T0})
        for lead, latest in (("A", False), ("A", True), ("B", True)):
            connection.execute(text(
                "INSERT INTO scorings (lead_id, scored_at, model_version, list_id, tier, chance, promise, score,"
                " outcome, latest) VALUES (:lead, :t, 'v0', 1, 'High', 0.5, 0.375, NULL, 1, :latest)"),
                {"lead": lead, "t": T0, "latest": latest})
        ids = connection.execute(text("SELECT id FROM scorings ORDER BY id")).scalars().all()
        for scoring_id in ids:
            connection.execute(text("INSERT INTO scoring_data VALUES (:id, '{}', '{\"age\": 40}', NULL)"),
                               {"id": scoring_id})
        connection.execute(text("INSERT INTO outcomes VALUES ('A', 1, :t, 'old.csv', :t)"), {"t": T0})
    engine.dispose()
    store = Store.open(database_url)
    try:
        assert db.current_revision(store.engine) == db.head_revision()
        with store.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM scorings")).scalar() == 3
            assert connection.execute(text("SELECT count(*) FROM scoring_data")).scalar() == 3
            assert connection.execute(text("SELECT count(*) FROM scorings WHERE owner IS NULL")).scalar() == 3
        report = version_results(store, "v0")
        assert (report.tiers["High"].scored, report.tiers["High"].converted) == (2, 2)
        assert store.list_rows("old")["age"].tolist() == [40, 40, 40]
        inspector = inspect(store.engine)
        tables = set(inspector.get_table_names())
        assert {"users", "api_keys", "audit_events", "saved_views", "webhook_outbox"} <= tables
        assert "ix_scorings_owner" in {index["name"] for index in inspector.get_indexes("scorings")}
        outbox_unique = [u["column_names"] for u in inspector.get_unique_constraints("webhook_outbox")]
        outbox_unique += [i["column_names"] for i in inspector.get_indexes("webhook_outbox") if i["unique"]]
        assert ["event_id"] in outbox_unique
    finally:
        store.close()


def test_the_table_definitions_match_the_migrated_schema(store: Store) -> None:
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_downgrade_to_0002_and_back(database_url: str) -> None:
    from alembic import command

    store = Store.open(database_url)
    store.close()
    engine = db.make_engine(database_url)
    config = db.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    assert "users" not in inspect(engine).get_table_names()
    assert "owner" not in {c["name"] for c in inspect(engine).get_columns("scorings")}
    db.upgrade(engine)
    assert db.current_revision(engine) == db.head_revision()
    engine.dispose()
