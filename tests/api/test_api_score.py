"""POST /v1/score: one lead in, tier, probabilities, confidence, reasons and model version out."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from leadscore.fields.builtin import FEATURES, TIER_ACTIONS, TIERS
from leadscore.registry import Registry
from leadscore.scoring.scorer import Scorer


def test_scores_a_lead_like_the_engine(client: TestClient, registry: Registry, lead: dict) -> None:
    response = client.post("/v1/score", json=lead)

    assert response.status_code == 200
    body = response.json()
    expected = Scorer(registry.load()).score_lead(lead)
    assert body["tier"] == expected.tier
    assert body["probabilities"] == pytest.approx(expected.probabilities)
    assert sum(body["probabilities"].values()) == pytest.approx(1.0)
    assert body["confidence"] == pytest.approx(body["probabilities"][body["tier"]])
    assert body["reasons"] == expected.reasons and len(body["reasons"]) == 3
    assert body["action"] == TIER_ACTIONS[body["tier"]]
    assert body["lead_id"] == "crm-1"
    assert body["model_version"] == registry.active_version() == response.headers["X-Model-Version"]


def test_lead_id_is_optional_and_unknown_fields_are_ignored(client: TestClient, lead: dict) -> None:
    del lead["lead_id"]
    response = client.post("/v1/score", json={**lead, "utm_source": "newsletter"})

    assert response.status_code == 200
    assert response.json()["lead_id"] is None
    assert response.json()["tier"] in TIERS


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("age", 10, "below the model's range 22–70"),
    ("income", 900_000, "above the model's range $30,000–$500,000"),
    ("credit_score", 700.5, "Input should be a valid integer"),
    ("website_visits", "12", "Input should be a valid integer"),
    ("inquiry_submitted", 2, "must be 0 or 1"),
    ("inquiry_submitted", "maybe", "Input should be a valid integer"),
    ("time_on_site_minutes", None, "Input should be a valid number"),
    ("lead_id", "x" * 201, "String should have at most 200 characters"),
])
def test_invalid_value_is_422_naming_the_field_and_the_reason(
        client: TestClient, lead: dict, field: str, value: object, reason: str) -> None:
    response = client.post("/v1/score", json={**lead, field: value})

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "reason": reason}]


def test_every_missing_feature_is_reported(client: TestClient) -> None:
    response = client.post("/v1/score", json={"lead_id": "crm-1"})

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": f.name, "reason": "missing value"} for f in FEATURES]


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"", b'"lead"', b'{"age": NaN}'])
def test_a_body_that_is_not_a_lead_is_422(client: TestClient, body: bytes) -> None:
    response = client.post("/v1/score", content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 422
    assert response.json()["errors"]


def test_non_finite_number_is_422(client: TestClient, lead: dict) -> None:
    text = json.dumps({**lead, "income": float("inf")})  # Python writes the non-standard Infinity

    response = client.post("/v1/score", content=text, headers={"Content-Type": "application/json"})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["income"]


def test_request_log_has_the_request_but_no_lead_data(client: TestClient, lead: dict,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    lead = {**lead, "lead_id": "secret-lead-7731", "income": 123_457.0}
    with caplog.at_level(logging.INFO, logger="leadscore.api.app.access"):
        version = client.post("/v1/score", json=lead).json()["model_version"]

    records = [r for r in caplog.records if r.name == "leadscore.api.app.access"]
    assert len(records) == 1
    fields = records[0].http
    assert fields["method"] == "POST" and fields["path"] == "/v1/score" and fields["status"] == 200
    assert fields["model_version"] == version and fields["latency_ms"] > 0
    logged = json.dumps(fields) + records[0].getMessage()
    assert "secret-lead-7731" not in logged and "123457" not in logged and "123,457" not in logged


@pytest.mark.parametrize("field", [f.name for f in FEATURES])
def test_a_400_digit_integer_is_422_naming_the_field(client: TestClient, lead: dict, field: str) -> None:
    text = json.dumps({**lead, field: 10**400})

    response = client.post("/v1/score", content=text, headers={"Content-Type": "application/json"})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_a_400_digit_integer_fails_only_its_own_lead_in_a_batch(client: TestClient, lead: dict) -> None:
    text = json.dumps({"leads": [lead, {**lead, "age": 10**400}, lead]})

    response = client.post("/v1/score/batch", content=text, headers={"Content-Type": "application/json"})

    assert response.status_code == 200
    body = response.json()
    assert (body["scored"], body["rejected"]) == (2, 1)
    assert body["results"][1]["errors"] == [{"field": "age", "reason": "above the model's range 22–70"}]


def test_crm_spellings_and_flag_words_are_read_as_in_a_file(client: TestClient, lead: dict) -> None:
    expected = client.post("/v1/score", json=lead).json()
    crm = {k: v for k, v in lead.items() if k not in ("income", "credit_score")}
    crm |= {"Annual Income": lead["income"], "FICO": lead["credit_score"], "name": "Al Lee", "ID": 7}
    flags = [f.name for f in FEATURES if f.kind == "flag"]
    words = {1: ["yes", True, "TRUE", "1"], 0: ["no", False, "false", "0"]}
    for i, flag in enumerate(flags):
        crm[flag] = words[lead[flag]][i]

    response = client.post("/v1/score", json=crm)

    assert response.status_code == 200, response.json()
    assert response.json()["probabilities"] == expected["probabilities"]


def test_a_missing_field_names_the_unknown_keys_sent(client: TestClient, lead: dict) -> None:
    sent = {k: v for k, v in lead.items() if k != "income"} | {"anual_incom": 95_000}

    response = client.post("/v1/score", json=sent)

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "income", "reason": "missing value; keys sent that are not fields: 'anual_incom'"}]


def test_two_keys_meaning_one_field_are_refused(client: TestClient, lead: dict) -> None:
    response = client.post("/v1/score", json={**lead, "Annual Income": 1})

    assert response.status_code == 422
    assert "all mean 'income'" in response.json()["errors"][0]["reason"]
