"""POST /v1/score/batch and the request size limits."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from leadscore.api.app import MAX_BODY_BYTES
from leadscore.api.shapes import MAX_BATCH_LEADS
from leadscore.fields.numbers import NOT_A_NUMBER, NOT_FINITE
from leadscore.registry import Registry


def test_valid_leads_are_scored_and_invalid_ones_get_their_own_errors(client: TestClient, registry: Registry,
                                                                      lead: dict) -> None:
    leads = [
        {**lead, "lead_id": "a"},
        {**lead, "lead_id": "b", "age": "forty"},
        {"lead_id": "c"},
        {**lead, "lead_id": "d", "age": 60},
    ]
    response = client.post("/v1/score/batch", json={"leads": leads})

    assert response.status_code == 200
    body = response.json()
    assert (body["scored"], body["rejected"]) == (2, 2)
    assert [r["index"] for r in body["results"]] == [0, 1, 2, 3]
    assert [r["lead_id"] for r in body["results"]] == ["a", "b", "c", "d"]
    assert body["results"][1]["score"] is None
    assert body["results"][1]["errors"] == [{"field": "age", "reason": NOT_A_NUMBER}]
    required = [f.name for f in registry.load().schema.fields if f.required]
    assert [e["field"] for e in body["results"][2]["errors"]] == (required or ["body"])
    assert body["model_version"] == response.headers["X-Model-Version"]
    for index in (0, 3):
        single = client.post("/v1/score", json=leads[index]).json()
        result = body["results"][index]
        assert result["errors"] == []
        assert result["score"] == {k: v for k, v in single.items() if k not in ("lead_id", "model_version")}


def test_a_batch_of_only_invalid_leads_is_answered(client: TestClient) -> None:
    response = client.post("/v1/score/batch", json={"leads": [{"age": "old"}]})

    assert response.status_code == 200
    assert (response.json()["scored"], response.json()["rejected"]) == (0, 1)


def test_the_documented_limit_fits_in_the_body_limit(client: TestClient, lead: dict) -> None:
    leads = [{**lead, "lead_id": f"crm-{i:06d}-{'x' * 150}"} for i in range(MAX_BATCH_LEADS)]
    body = json.dumps({"leads": leads})
    assert len(body) < MAX_BODY_BYTES

    response = client.post("/v1/score/batch", content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 200
    assert response.json()["scored"] == MAX_BATCH_LEADS


@pytest.mark.parametrize(("leads", "field"), [
    ([], "leads"),
    ("not a list", "leads"),
    ([{"age": 41}, "not an object"], "leads[1]"),
    ({"age": 41}, "leads"),
])
def test_a_body_that_is_not_a_batch_is_422(client: TestClient, leads: object, field: str) -> None:
    response = client.post("/v1/score/batch", json={"leads": leads})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_one_lead_over_the_limit_is_422(client: TestClient) -> None:
    response = client.post("/v1/score/batch", json={"leads": [{}] * (MAX_BATCH_LEADS + 1)})

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "leads", "reason": f"List should have at most "
                                                                      f"{MAX_BATCH_LEADS} items after validation, "
                                                                      f"not {MAX_BATCH_LEADS + 1}"}]


def test_a_body_over_the_size_limit_is_413(client: TestClient) -> None:
    response = client.post("/v1/score/batch", content=b" " * (MAX_BODY_BYTES + 1),
                           headers={"Content-Type": "application/json"})

    assert response.status_code == 413
    assert response.json()["errors"] == [{"field": "body", "reason": "too large"}]


def test_a_streamed_body_over_the_size_limit_is_413_without_content_length(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(MAX_BODY_BYTES // 65_536 + 2):
            yield b" " * 65_536

    response = client.post("/v1/score", content=chunks(), headers={"Content-Type": "application/json"})

    assert response.status_code == 413


def test_a_400_digit_integer_fails_only_its_own_lead(client: TestClient, lead: dict) -> None:
    text = json.dumps({"leads": [lead, {**lead, "age": 10**400}, lead]})

    response = client.post("/v1/score/batch", content=text, headers={"Content-Type": "application/json"})

    assert response.status_code == 200
    body = response.json()
    assert (body["scored"], body["rejected"]) == (2, 1)
    assert body["results"][1]["errors"] == [{"field": "age", "reason": NOT_FINITE}]
    assert body["results"][1]["lead_id"] == lead["lead_id"]
