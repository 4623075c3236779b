"""LEADSCORE_RECORD=1: the API records every lead it scores in the store, off the request path.

Real SQLite files in tmp folders; the store is read back through its own interface and plain SQL.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from api_helpers import POLL_SECONDS, make_client, wait_until
from fastapi.testclient import TestClient
from sqlalchemy import text

from leadscore.api.app import create_app
from leadscore.fields.builtin import CLASSES
from leadscore.registry import Registry
from leadscore.settings import ENV_DATABASE_URL, ENV_RECORD
from leadscore.store import Store
from tests.store.conftest import fresh_database, postgres_server  # noqa: F401 - the fixture, for PostgreSQL


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_RECORD, "1")
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)


def _scorings(store: Store) -> list[tuple[str, str, str]]:
    with store.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(
            "SELECT lead_id, tier, model_version FROM scorings ORDER BY id"))]


def _recorded(client: TestClient) -> int:
    return int(client.get("/readyz").json()["recording"]["recorded"])


@pytest.mark.usefixtures("recording")
def test_a_score_and_a_batch_are_recorded_and_flushed_at_shutdown(registry: Registry, lead: dict) -> None:
    app = create_app(registry.root, poll_seconds=POLL_SECONDS)
    anonymous = {k: v for k, v in lead.items() if k != "lead_id"}
    for client in make_client(app):
        one = client.post("/v1/score", json={**lead, "Owner": "Ann"})
        batch = client.post("/v1/score/batch", json={"leads": [{**lead, "lead_id": "crm-2"}, anonymous,
                                                               {"lead_id": "bad", "nothing": 1}]})
        assert one.status_code == batch.status_code == 200
        assert batch.json()["scored"] == 2
    # The client has shut the app down: what was still queued is written by now.
    store = Store.open(models_dir=registry.root)
    try:
        rows = _scorings(store)
        version = registry.active_version()
        assert len(rows) == 3 and {r[2] for r in rows} == {version}
        ids = [r[0] for r in rows]
        assert ids[:2] == ["crm-1", "crm-2"] and ids[2].startswith("h:")
        assert rows[0][1] == one.json()["tier"]
        with store.engine.connect() as connection:
            chance, score = connection.execute(text("SELECT chance, score FROM scorings ORDER BY id")).first()
        model = registry.load()
        answer = one.json()
        conversion = (answer["p_convert"] if "p_convert" in answer else  # the target's chance of conversion
                      float(model.target.conversion(np.array([[answer["probabilities"][t] for t in CLASSES]]))[0]))
        assert chance == pytest.approx(conversion, abs=1e-4) and score == round(100 * chance)
        assert store.history("crm-2")[0].tier == batch.json()["results"][0]["score"]["tier"]
        with store.engine.connect() as connection:
            fields = connection.execute(text("SELECT fields FROM scoring_data ORDER BY scoring_id")).scalars().all()
        model = registry.load()
        assert '"Owner":"Ann"' in fields[0]  # the body's other keys beside the fields, as the CLI keeps a file's
        for name in model.schema.names:
            assert f'"{name}":' in fields[1]
        if model.metadata.get("drift_reference"):
            assert store.drift_reference(version) == model.metadata["drift_reference"]
    finally:
        store.close()


@pytest.mark.usefixtures("recording")
def test_the_same_lead_without_an_id_is_one_lead_however_it_comes(registry: Registry, lead: dict) -> None:
    anonymous = {k: v for k, v in lead.items() if k != "lead_id"}
    for client in make_client(create_app(registry.root, poll_seconds=POLL_SECONDS)):
        client.post("/v1/score", json=anonymous)
        client.post("/v1/score/batch", json={"leads": [anonymous, {**anonymous, "note": "other keys"}]})
    store = Store.open(models_dir=registry.root)
    try:
        ids = [r[0] for r in _scorings(store)]
    finally:
        store.close()
    assert len(ids) == 3 and ids[0] == ids[1] != ids[2]


def test_nothing_is_recorded_without_the_setting(registry: Registry, lead: dict, monkeypatch) -> None:
    monkeypatch.delenv(ENV_RECORD, raising=False)
    for client in make_client(create_app(registry.root, poll_seconds=POLL_SECONDS)):
        assert client.post("/v1/score", json=lead).status_code == 200
        assert client.get("/readyz").json()["recording"] is None
    assert not (registry.root / "store.sqlite3").exists()


@pytest.fixture
def away_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The store in a folder of its own (LEADSCORE_DATABASE_URL), so that it can be taken away."""
    folder = tmp_path / "db"
    folder.mkdir()
    monkeypatch.setenv(ENV_RECORD, "1")
    monkeypatch.setenv(ENV_DATABASE_URL, f"sqlite:///{folder / 'store.sqlite3'}")
    yield folder


def test_the_writer_survives_a_store_that_goes_away(registry: Registry, lead: dict, away_store: Path) -> None:
    app = create_app(registry.root, poll_seconds=POLL_SECONDS)
    for client in make_client(app):
        assert client.post("/v1/score", json=lead).status_code == 200
        wait_until(lambda c=client: _recorded(c) == 1)
        shutil.rmtree(away_store)  # the database is gone: its folder with it

        answers = [client.post("/v1/score", json={**lead, "lead_id": f"out-{k}"}).status_code for k in range(3)]
        answers.append(client.post("/v1/score/batch", json={"leads": [{**lead, "lead_id": "out-b"}]}).status_code)
        assert answers == [200] * 4
        wait_until(lambda c=client: c.get("/readyz").json()["recording"]["state"] == "degraded")
        ready = client.get("/readyz")
        assert ready.status_code == 200 and "cannot be written" in ready.json()["recording"]["detail"]
        assert "out-" not in ready.text  # no lead data in the status

        away_store.mkdir()  # back: the queued leads are written to the new store
        wait_until(lambda c=client: _recorded(c) == 5, timeout=30)
        assert client.get("/readyz").json()["recording"]["state"] == "ok"
    store = Store.open()
    try:
        assert sorted(r[0] for r in _scorings(store)) == ["out-0", "out-1", "out-2", "out-b"]
    finally:
        store.close()


def test_a_full_queue_drops_leads_and_says_so_without_failing_a_request(
        registry: Registry, lead: dict, away_store: Path, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSCORE_DRAIN_SECONDS", "1")  # the store stays away: shutdown waits out the drain
    app = create_app(registry.root, poll_seconds=POLL_SECONDS)
    shutil.rmtree(away_store)
    for client in make_client(app):
        app.state.recorder.queue_leads = 2
        codes = [client.post("/v1/score", json={**lead, "lead_id": f"q-{k}"}).status_code for k in range(5)]
        assert codes == [200] * 5
        status = client.get("/readyz").json()["recording"]
        assert status["state"] == "degraded" and status["dropped"] == 3 and status["queued"] == 2
    warnings = [r.getMessage() for r in caplog.records if r.name == "leadscore.api.recording"]
    assert sum("queue is full" in w and "degraded" in w for w in warnings) == 1  # once per burst
    assert not any("q-" in w for w in warnings)


@pytest.mark.parametrize("kind", ["won_lost"])
def test_recording_to_postgresql(registry: Registry, lead: dict, monkeypatch: pytest.MonkeyPatch,
                                 tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = fresh_database("postgresql", tmp_path, request)
    monkeypatch.setenv(ENV_RECORD, "1")
    monkeypatch.setenv(ENV_DATABASE_URL, url)
    for client in make_client(create_app(registry.root, poll_seconds=POLL_SECONDS)):
        client.post("/v1/score", json=lead)
        client.post("/v1/score/batch", json={"leads": [{**lead, "lead_id": f"pg-{k}"} for k in range(3)]})
        wait_until(lambda c=client: _recorded(c) == 4)
    store = Store.open(url)
    try:
        assert sorted(r[0] for r in _scorings(store)) == ["crm-1", "pg-0", "pg-1", "pg-2"]
    finally:
        store.close()
