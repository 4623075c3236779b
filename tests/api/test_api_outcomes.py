"""POST /v1/outcomes: outcomes of leads the API recorded come back, read with the command line's rules.

Real SQLite stores in tmp folders (beside each test's registry).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_helpers import POLL_SECONDS, make_client, wait_until
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from leadscore.api.app import create_app
from leadscore.api.outcomes import MAX_OUTCOMES, MAX_VALUES
from leadscore.registry import Registry
from leadscore.settings import ENV_API_KEY, ENV_DATABASE_URL, ENV_RECORD
from leadscore.store import Store, audit
from leadscore.workflows.results import results_report
from tests.store.conftest import fresh_database, postgres_server  # noqa: F401 (the PostgreSQL fixture)

KNOWN = ("crm-1", "crm-2", "crm-3")


@pytest.fixture
def recorded(registry: Registry, lead: dict, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """A client whose API has recorded three leads (crm-1..3)."""
    monkeypatch.setenv(ENV_RECORD, "1")
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    for client in make_client(create_app(registry.root, poll_seconds=POLL_SECONDS)):
        client.post("/v1/score/batch", json={"leads": [{**lead, "lead_id": lead_id} for lead_id in KNOWN]})
        wait_until(lambda c=client: c.get("/readyz").json()["recording"]["recorded"] == len(KNOWN))
        yield client


def _outcomes(registry: Registry) -> dict[str, Any]:
    store = Store.open(models_dir=registry.root)
    try:
        with store.engine.connect() as connection:
            return dict(connection.execute(text("SELECT lead_id, outcome FROM outcomes")).all())
    finally:
        store.close()


@pytest.mark.parametrize("kind", ["won_lost"])
def test_outcomes_posted_twice_count_once_and_unknown_ids_are_reported(recorded: TestClient,
                                                                      registry: Registry) -> None:
    body = {"outcomes": [{"lead_id": "crm-1", "outcome": "Won", "at": "2026-05-31"},
                         {"lead_id": "crm-2", "outcome": "Lost", "at": "2026-05-30"},
                         {"lead_id": "crm-3", "outcome": "Negotiation"},
                         {"lead_id": "never-scored", "outcome": "Won"}],
            "positive": ["Won"], "negative": ["Lost"], "source": "crm-webhook"}

    first = recorded.post("/v1/outcomes", json=body)
    second = recorded.post("/v1/outcomes", json=body)

    assert first.status_code == second.status_code == 200
    one, two = first.json(), second.json()
    assert (one["read"], one["matched"], one["new"], one["open_leads"]) == (4, 2, 2, 1)
    assert (one["unknown"], one["unknown_examples"]) == (1, ["never-scored"])
    assert (two["matched"], two["new"], two["unchanged"], two["changed"]) == (2, 0, 2, 0)
    assert _outcomes(registry) == {"crm-1": 1, "crm-2": 0}


@pytest.mark.parametrize("kind", ["won_lost"])
def test_a_changed_outcome_is_reported_and_the_latest_wins(recorded: TestClient, registry: Registry) -> None:
    named = {"positive": ["yes"], "negative": ["no"]}
    recorded.post("/v1/outcomes", json={"outcomes": [{"lead_id": "crm-1", "outcome": "no", "at": "2026-05-01"}],
                                        **named})
    later = recorded.post("/v1/outcomes", json={"outcomes": [{"lead_id": "crm-1", "outcome": "yes",
                                                              "at": "2026-06-01"},
                                                             {"lead_id": "crm-2", "outcome": "no"}], **named})
    older = recorded.post("/v1/outcomes", json={"outcomes": [{"lead_id": "crm-1", "outcome": "no",
                                                              "at": "2026-04-01"},
                                                             {"lead_id": "crm-2", "outcome": "no"}], **named})

    assert later.json()["changed"] == 1
    assert later.json()["changed_examples"] == [{"lead_id": "crm-1", "was": 0, "now": 1}]
    assert older.json()["older_ignored"] == 1
    assert _outcomes(registry) == {"crm-1": 1, "crm-2": 0}
    store = Store.open(models_dir=registry.root)
    try:
        report = results_report(store, registry).to_dict()
    finally:
        store.close()
    assert sum(t["with_outcome"] for t in report["tiers"].values()) == 2


@pytest.mark.parametrize("kind", ["won_lost"])
def test_numbers_and_booleans_are_read_as_a_file_would_have_them(recorded: TestClient, registry: Registry) -> None:
    answer = recorded.post("/v1/outcomes", json={"outcomes": [{"lead_id": "crm-1", "outcome": True},
                                                              {"lead_id": "crm-2", "outcome": False},
                                                              {"lead_id": 77, "outcome": True}]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["unknown_examples"] == ["77"]
    assert _outcomes(registry) == {"crm-1": 1, "crm-2": 0}


def _body(**items: Any) -> dict[str, Any]:
    return {"outcomes": [{"lead_id": "crm-1", "outcome": "Won", **items}]}


HOSTILE = [
    ({"outcomes": "Won"}, "outcomes"),
    ({"outcomes": []}, "outcomes"),
    ({}, "outcomes"),
    ({"outcomes": [{"lead_id": "a", "outcome": "Won"}] * (MAX_OUTCOMES + 1)}, "outcomes"),
    ({"outcomes": [["crm-1", "Won"]]}, "outcomes[0]"),
    ({"outcomes": [{"outcome": "Won"}]}, "outcomes[0].lead_id"),
    ({"outcomes": [{"lead_id": "crm-1"}]}, "outcomes[0].outcome"),
    (_body(lead_id=["crm-1"]), "outcomes[0].lead_id"),
    (_body(lead_id=True), "outcomes[0].lead_id"),
    (_body(lead_id=1.5), "outcomes[0].lead_id"),
    (_body(lead_id="   "), "outcomes[0].lead_id"),
    (_body(lead_id="x" * 201), "outcomes[0].lead_id"),
    (_body(outcome={"stage": "Won"}), "outcomes[0].outcome"),
    (_body(outcome=0.5), "outcomes[0].outcome"),
    (_body(outcome="W" * 201), "outcomes[0].outcome"),
    (_body(at="not a date"), "outcomes[0].at"),
    (_body(at=[2026, 5, 31]), "outcomes[0].at"),
    (_body(stage="Won"), "outcomes[0].stage"),
    ({**_body(), "positive": "Won"}, "positive"),
    ({**_body(), "positive": [{"a": 1}]}, "positive[0]"),
    ({**_body(), "negative": ["x"] * (MAX_VALUES + 1)}, "negative"),
    ({**_body(), "source": 5}, "source"),
    ({**_body(), "extra": 1}, "extra"),
    ({"outcomes": [{"lead_id": "a", "outcome": "Won"}, {"lead_id": "b", "outcome": "Lost"},
                   {"lead_id": "c", "outcome": "Open"}]}, "negative"),
    ({"outcomes": [{"lead_id": "a", "outcome": "Maybe"}, {"lead_id": "b", "outcome": "Perhaps"}]}, "positive"),
    ({**_body(), "positive": ["Closed Won"], "negative": ["Closed Lost"]}, "positive"),
]


@pytest.mark.parametrize("kind", ["three_tiers"])
@pytest.mark.parametrize(("body", "field"), HOSTILE)
def test_hostile_bodies_are_422_naming_the_item_and_the_field(client: TestClient, body: Any, field: str) -> None:
    answer = client.post("/v1/outcomes", json=body)

    assert answer.status_code == 422, answer.text
    errors = answer.json()["errors"]
    assert field in [e["field"] for e in errors], errors
    assert all(e["reason"] for e in errors)
    assert len(errors) <= 51


@pytest.mark.parametrize("kind", ["three_tiers"])
def test_thousands_of_bad_items_get_a_bounded_answer(client: TestClient) -> None:
    answer = client.post("/v1/outcomes", json={"outcomes": [{"lead_id": [k], "outcome": "Won"} for k in range(5000)]})

    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert len(errors) == 51 and errors[-1]["reason"] == "and 4,950 more errors"


@pytest.mark.parametrize("kind", ["three_tiers"])
@pytest.mark.parametrize("body", [b"{not json", b"", "\u00e9".encode("latin-1"), b"[1, 2]", b"null"])
def test_bodies_that_are_not_an_object_are_422(client: TestClient, body: bytes) -> None:
    answer = client.post("/v1/outcomes", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 422
    assert answer.json()["errors"]


@pytest.mark.parametrize("kind", ["three_tiers"])
def test_the_api_key_guards_outcomes(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_API_KEY, "secret")
    for client in make_client(create_app(registry.root, poll_seconds=POLL_SECONDS)):
        body = {**_body(), "positive": ["Won"]}
        assert client.post("/v1/outcomes", json=body).status_code == 401
        assert client.post("/v1/outcomes", json=body, headers={"X-API-Key": "wrong"}).status_code == 401
        assert client.post("/v1/outcomes", json=body, headers={"X-API-Key": "secret"}).status_code == 200


@pytest.mark.parametrize("kind", ["three_tiers"])
def test_outcomes_are_in_the_openapi_document(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operation = document["paths"]["/v1/outcomes"]["post"]
    schema = document["components"]["schemas"]["OutcomesRequest"]
    assert schema["properties"]["outcomes"]["maxItems"] == MAX_OUTCOMES
    assert {"200", "422"} <= set(operation["responses"])


@pytest.mark.parametrize("kind", ["won_lost"])
def test_outcomes_imported_while_the_audit_trail_is_locked_are_answered_as_imported(
        registry: Registry, lead: dict, tmp_path: Path, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    url = fresh_database("postgresql", tmp_path, request)
    monkeypatch.setenv(ENV_RECORD, "1")
    monkeypatch.setenv(ENV_DATABASE_URL, url)
    monkeypatch.setenv("LEADSCORE_LOCK_TIMEOUT", "0.2")
    holder = create_engine(url)
    try:
        for client in make_client(create_app(registry.root, poll_seconds=POLL_SECONDS)):
            client.post("/v1/score/batch", json={"leads": [{**lead, "lead_id": lead_id} for lead_id in KNOWN]})
            wait_until(lambda c=client: c.get("/readyz").json()["recording"]["recorded"] == len(KNOWN))
            with holder.connect() as connection:
                connection.exec_driver_sql("LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE")
                answer = client.post("/v1/outcomes", json={"outcomes": [{"lead_id": "crm-1", "outcome": "Won"}],
                                                           "positive": ["Won"], "negative": ["Lost"]})
                connection.rollback()
    finally:
        holder.dispose()
    assert answer.status_code == 200, answer.text
    assert answer.json()["new"] == 1
    store = Store.open(url)
    try:
        assert audit.events(store) == []
        with store.reading("read the outcomes") as connection:
            assert dict(connection.execute(text("SELECT lead_id, outcome FROM outcomes")).all()) == {"crm-1": 1}
    finally:
        store.close()
    assert any("imported, but their audit entry could not be written" in r.getMessage() and
               "it waited 0.2 s for a lock" in r.getMessage() for r in caplog.records)
