"""The API records each lead's owner from its body (an Owner, Lead Owner, sales_agent... key), so a rep's
results hold the leads they were sent to them; a value that cannot be an owner is left out, never failing the
batch."""

from __future__ import annotations

import pytest
from api_helpers import POLL_SECONDS, make_client

from leadscore.api.app import create_app
from leadscore.registry import Registry
from leadscore.settings import ENV_API_KEY, ENV_DATABASE_URL, ENV_RECORD
from leadscore.store import Store
from leadscore.workflows.results import results_report


def test_the_owner_key_of_each_lead_is_recorded(registry: Registry, lead: dict,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_RECORD, "1")
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    monkeypatch.delenv(ENV_API_KEY, raising=False)
    leads = [{**lead, "lead_id": "a-1", "Lead Owner": " Ana Lopez "},
             {**lead, "lead_id": "b-1", "sales_agent": "Ben Ode"},
             {**lead, "lead_id": "n-1"},
             {**lead, "lead_id": "x-1", "owner": "x" * 201},
             {**lead, "lead_id": "x-2", "Owner": {"name": "Ana"}}]
    for client in make_client(create_app(registry.root, poll_seconds=POLL_SECONDS)):
        assert client.post("/v1/score/batch", json={"leads": leads}).status_code == 200
        assert client.post("/v1/score", json={**lead, "lead_id": "a-2", "OWNER_EMAIL": "ana@example.com"}
                           ).status_code == 200
    # The app stopped: the recorder wrote what was queued.
    store = Store.open(models_dir=registry.root)
    try:
        owners = {lead_id: store.history(lead_id)[-1].owner for lead_id in ("a-1", "b-1", "n-1", "x-1", "x-2",
                                                                                 "a-2")}
        assert owners == {"a-1": "Ana Lopez", "b-1": "Ben Ode", "n-1": None, "x-1": None, "x-2": None,
                          "a-2": "ana@example.com"}
        assert results_report(store, registry, owner="Ana Lopez").to_dict()["leads"] == 1
    finally:
        store.close()
