"""API keys with scopes: 401 (with WWW-Authenticate) without a key or with an unknown or revoked one, 403 when the
key lacks the path's scope, X-Not-Recorded when the server records and the key lacks the record scope, through a
running uvicorn server; the key's name, never its value, in the log."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from api_helpers import POLL_SECONDS, Server, free_port, make_client, wait_until
from sqlalchemy import create_engine

from leadscore.api.app import create_app
from leadscore.api.key_check import KeyCheck
from leadscore.registry import Registry
from leadscore.settings import ENV_API_KEY, ENV_DATABASE_URL, ENV_RECORD
from leadscore.store import Store, audit, keys
from tests.store.conftest import fresh_database, postgres_server  # noqa: F401 (the PostgreSQL fixture)

CLI = {"actor": "tests", "source": "command line"}
pytestmark = pytest.mark.parametrize("kind", ["three_tiers"])  # the keys do not depend on the model's target


@pytest.fixture
def made(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Keys in the store beside the registry: one per scope set, and one revoked."""
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    store = Store.open(models_dir=registry.root)
    try:
        made = {name: keys.add_key(store, name, scopes, **CLI) for name, scopes in (
            ("website", ["score"]), ("website recorded", ["score", "record"]), ("crm sync", ["outcomes"]),
            ("reader", ["models"]), ("old", ["score", "outcomes", "models"]))}
        keys.revoke_key(store, "old", **CLI)
    finally:
        store.close()
    return made


@pytest.fixture
def server(registry: Registry, made: dict[str, str], serve: Callable[..., Server]) -> str:
    """`leadscore serve` in a process of its own, recording (LEADSCORE_RECORD=1): its address."""
    return serve(registry, env={ENV_RECORD: "1"}, unset=(ENV_API_KEY, ENV_DATABASE_URL)).base


def test_keys_and_scopes_through_a_running_server(server: str, made: dict[str, str], registry: Registry,
                                                  lead: dict) -> None:
    base = server

    def call(method: str, path: str, key: str | None = None, **kwargs: object) -> httpx.Response:
        headers = {"X-API-Key": key} if key is not None else {}
        return httpx.request(method, f"{base}{path}", headers=headers, timeout=10, **kwargs)

    outcomes = {"outcomes": [{"lead_id": "recorded-1", "outcome": "Won"}], "positive": ["Won"], "negative": ["Lost"]}
    for key in (None, "", "lsk_not-a-key", made["old"]):
        for response in (call("POST", "/v1/score", key, json=lead), call("GET", "/v1/model", key),
                         call("POST", "/v1/outcomes", key, json=outcomes)):
            assert response.status_code == 401, (key, response.request.url)
            assert response.headers["www-authenticate"] == "X-API-Key"
            assert response.json()["detail"] == "missing or wrong X-API-Key header"

    # The server records: a key without "record" scores, and its answer says that the leads were not recorded.
    not_recorded = "the API key 'website' lacks the 'record' scope, so the scored leads are not recorded"
    scored = call("POST", "/v1/score", made["website"], json={**lead, "lead_id": "not-recorded-1"})
    assert scored.status_code == 200 and scored.headers["X-Not-Recorded"] == not_recorded
    batch = call("POST", "/v1/score/batch", made["website"], json={"leads": [lead]})
    assert batch.status_code == 200 and batch.headers["X-Not-Recorded"] == not_recorded
    refused = call("POST", "/v1/score", made["website"], json={})
    assert refused.status_code == 422 and refused.headers["X-Not-Recorded"] == not_recorded
    recorded = call("POST", "/v1/score", made["website recorded"], json={**lead, "lead_id": "recorded-1"})
    assert recorded.status_code == 200 and "X-Not-Recorded" not in recorded.headers
    assert set(scored.json()) == set(recorded.json())  # the answer itself is the same
    assert call("GET", "/v1/model", made["reader"]).status_code == 200
    for key, method, path, body, scope in (
            ("website", "GET", "/v1/model", None, "models"),
            ("website", "POST", "/v1/outcomes", outcomes, "outcomes"),
            ("reader", "POST", "/v1/score", lead, "score"),
            ("reader", "POST", "/v1/score/batch", {"leads": [lead]}, "score"),
            ("crm sync", "POST", "/v1/score", lead, "score")):
        refused = call(method, path, made[key], json=body) if body else call(method, path, made[key])
        assert refused.status_code == 403, (key, path)
        assert refused.json()["detail"] == f"the API key {key!r} may not do this: it needs the {scope!r} scope"
    assert call("GET", "/healthz").status_code == 200 and call("GET", "/readyz").status_code == 200
    document = call("GET", "/openapi.json").json()
    assert document["paths"]["/v1/score"]["post"]["security"] == [{"ApiKey": []}]

    # Recorded (off the request path): the lead of the key with "record" only.
    store = Store.open(models_dir=registry.root)
    try:
        wait_until(lambda: bool(store.history("recorded-1")), timeout=30)
        answer = call("POST", "/v1/outcomes", made["crm sync"], json=outcomes)
        assert answer.status_code == 200 and answer.json()["new"] == 1, answer.text
        [imported] = [e for e in audit.events(store) if e.action == "outcomes imported"]
        assert (imported.actor, imported.source) == ("API key crm sync", "API from 127.0.0.1")
        # Revoked while the server runs: refused within the cache's lifetime.
        keys.revoke_key(store, "reader", **CLI)
        wait_until(lambda: call("GET", "/v1/model", made["reader"]).status_code == 401, timeout=30)
        assert store.history("not-recorded-1") == []
    finally:
        store.close()


def test_the_access_log_names_the_key_never_its_value(registry: Registry, made: dict[str, str], lead: dict,
                                                      serve: Callable[..., Server]) -> None:
    with serve(registry, unset=(ENV_API_KEY, ENV_DATABASE_URL, ENV_RECORD)) as server:
        base = server.base
        scored = httpx.post(f"{base}/v1/score", json=lead, headers={"X-API-Key": made["website"]})
        # This server records nothing (a setting of the server): no key's answer is told otherwise.
        assert scored.status_code == 200 and "X-Not-Recorded" not in scored.headers
        assert httpx.get(f"{base}/v1/model", headers={"X-API-Key": made["website"]}).status_code == 403
        assert httpx.get(f"{base}/v1/model", headers={"X-API-Key": "lsk_wrong"}).status_code == 401
    stderr = server.log
    access = [json.loads(line) for line in stderr.splitlines()
              if line.startswith("{") and '"leadscore.api.app.access"' in line]
    seen = [(line["path"], line["status"], line["api_key"]) for line in access if line["path"].startswith("/v1/")]
    assert seen == [("/v1/score", 200, "website"), ("/v1/model", 403, "website"), ("/v1/model", 401, None)]
    for value in made.values():
        assert value not in stderr
    assert "lsk_wrong" not in stderr


# ---- in process: the environment's key beside the store's, no keys at all, a store that cannot be read ------
def test_the_environment_key_has_every_scope_beside_the_store_keys(registry: Registry, made: dict[str, str],
                                                                   lead: dict, monkeypatch: pytest.MonkeyPatch
                                                                   ) -> None:
    monkeypatch.setenv(ENV_API_KEY, "env-s3cret")
    for client in make_client(create_app(registry.root, poll_seconds=POLL_SECONDS)):
        assert client.post("/v1/score", json=lead, headers={"X-API-Key": "env-s3cret"}).status_code == 200
        assert client.get("/v1/model", headers={"X-API-Key": "env-s3cret"}).status_code == 200
        assert client.get("/v1/model", headers={"X-API-Key": made["reader"]}).status_code == 200
        assert client.get("/v1/model", headers={"X-API-Key": made["website"]}).status_code == 403
        assert client.get("/v1/model").status_code == 401


def test_without_any_key_the_api_is_open_and_no_store_is_created(registry: Registry, lead: dict,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    for client in make_client(create_app(registry.root, poll_seconds=POLL_SECONDS)):
        assert client.post("/v1/score", json=lead).status_code == 200
        assert "security" not in client.get("/openapi.json").json()["paths"]["/v1/score"]["post"]
    assert not (registry.root / "store.sqlite3").exists()


def test_a_store_that_cannot_be_read_fails_closed(registry: Registry, lead: dict,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_DATABASE_URL, f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none"
                                         "?connect_timeout=1")
    for client in make_client(create_app(registry.root, poll_seconds=POLL_SECONDS)):
        refused = client.post("/v1/score", json=lead, headers={"X-API-Key": "lsk_anything"})
        assert refused.status_code == 503 and refused.headers["retry-after"] == "5"
        assert "API keys cannot be checked now" in refused.json()["detail"]
        assert client.get("/healthz").status_code == 200


def test_a_locked_keys_table_fails_closed_with_the_store_down_status(
        registry: Registry, lead: dict, tmp_path: Path, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch) -> None:
    url = fresh_database("postgresql", tmp_path, request)
    store = Store.open(url)
    try:
        made = keys.add_key(store, "website", ["score"], **CLI)
    finally:
        store.close()
    monkeypatch.setenv(ENV_DATABASE_URL, url)
    monkeypatch.setenv("LEADSCORE_LOCK_TIMEOUT", "0.2")
    holder = create_engine(url)
    try:
        with holder.connect() as connection:
            connection.exec_driver_sql("LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE")
            for client in make_client(create_app(registry.root, poll_seconds=POLL_SECONDS)):
                refused = client.post("/v1/score", json=lead, headers={"X-API-Key": made})
                assert refused.status_code == 503 and refused.headers["retry-after"] == "5"
                assert refused.json()["detail"] == ("API keys cannot be checked now: the store cannot be reached; "
                                                    "retry later")
            connection.rollback()
    finally:
        holder.dispose()


def test_lookups_are_cached_for_a_few_seconds(registry: Registry, made: dict[str, str]) -> None:
    now = [0.0]
    check = KeyCheck(f"sqlite:///{registry.root / 'store.sqlite3'}", None, ttl=5.0, clock=lambda: now[0])
    try:
        key = made["website"].encode()
        assert check.cached(key) is None  # nothing known yet: the store must be asked
        assert check.check(key).key.name == "website"
        assert check.cached(key).key.name == "website"
        assert check.cached(b"lsk_unknown") is None
        assert check.check(b"lsk_unknown") == check.cached(b"lsk_unknown")
        assert check.check(b"lsk_unknown").key is None
        store = Store.open(models_dir=registry.root)
        try:
            keys.revoke_key(store, "website", **CLI)
        finally:
            store.close()
        assert check.cached(key).key.name == "website"  # still trusted within the cache's lifetime
        now[0] = 5.1
        assert check.cached(key) is None
        assert check.check(key).key is None
    finally:
        check.close()

