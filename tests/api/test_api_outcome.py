"""The API with an outcome model active (trained on the bank-marketing sample), and back to the built-in model.

A lead's keys are the CRM file's column names and its values are written as in
the file; the answers must be the engine's (``OutcomeScorer.score_lead``) and
the request model and OpenAPI document must follow the active model without a
restart.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator

import pytest
import schemathesis
from api_helpers import POLL_SECONDS, make_client, wait_until
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from leadscore.api.app import create_app
from leadscore.data.csvio import read_table
from leadscore.fields.builtin import FEATURE_NAMES, example_lead
from leadscore.fields.field import EMPTY_ROW_REASON
from leadscore.registry import Registry
from leadscore.scoring.outcome_scorer import OutcomeScorer
from tests.conftest import BANK_SAMPLE


@pytest.fixture
def crm_client(outcome_registry: Registry) -> Iterator[TestClient]:
    yield from make_client(create_app(outcome_registry.root, poll_seconds=POLL_SECONDS))


@pytest.fixture(scope="module")
def sample_lead() -> dict:
    """Row 7 of the sample as the file has it: every value a string, ``y`` and ``duration`` kept as extra keys."""
    return read_table(BANK_SAMPLE, as_text=True).iloc[7].to_dict()


def _engine(registry: Registry) -> OutcomeScorer:
    model = registry.load()
    scorer = OutcomeScorer(model)
    assert scorer.version == registry.active_version()
    return scorer


def test_scores_a_crm_lead_like_the_engine(crm_client: TestClient, outcome_registry: Registry,
                                           sample_lead: dict) -> None:
    lead = {"Lead ID": "L-1", **sample_lead, "education": ""}

    response = crm_client.post("/v1/score", json=lead)

    assert response.status_code == 200, response.json()
    body = response.json()
    expected = _engine(outcome_registry).score_lead(lead)
    assert expected.problems == []
    assert body["p_convert"] == pytest.approx(expected.p_convert)
    assert (body["score"], body["tier"], body["reasons"]) == (expected.score, expected.tier, expected.reasons)
    assert body["contributions"] == pytest.approx(expected.contributions)
    assert body["base_value"] == pytest.approx(expected.base_value)
    assert set(body["contributions"]) == set(outcome_registry.load().schema.names)
    logit = math.log(body["p_convert"] / (1 - body["p_convert"]))
    assert body["base_value"] + sum(body["contributions"].values()) == pytest.approx(logit)
    assert body["lead_id"] == "L-1"
    assert body["model_kind"] == "outcome"
    assert body["model_version"] == outcome_registry.active_version() == response.headers["X-Model-Version"]


def test_keys_are_matched_like_headers_and_values_may_be_json_types(crm_client: TestClient,
                                                                    sample_lead: dict) -> None:
    as_file = crm_client.post("/v1/score", json=sample_lead).json()
    respelled = {("AGE" if k == "age" else " Job " if k == "job" else k): v for k, v in sample_lead.items()}
    respelled |= {"AGE": int(sample_lead["age"]), "balance": float(sample_lead["balance"]),
                  "housing": sample_lead["housing"] == "yes", "Customer name": "Al Lee", "notes": None}

    response = crm_client.post("/v1/score", json=respelled)

    assert response.status_code == 200, response.json()
    assert response.json()["p_convert"] == pytest.approx(as_file["p_convert"])
    assert response.json()["reasons"] == as_file["reasons"]


def test_text_in_a_number_field_is_422_naming_the_field_and_the_value(crm_client: TestClient,
                                                                      sample_lead: dict) -> None:
    response = crm_client.post("/v1/score", json={**sample_lead, "age": "forty"})

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "age", "reason": "not a number: 'forty'"}]


def test_an_unseen_category_level_is_scored_as_other(crm_client: TestClient, outcome_registry: Registry,
                                                     sample_lead: dict) -> None:
    unseen = crm_client.post("/v1/score", json={**sample_lead, "job": "astronaut"})
    other = crm_client.post("/v1/score", json={**sample_lead, "job": "other"})

    assert unseen.status_code == 200
    assert unseen.json()["p_convert"] == pytest.approx(other.json()["p_convert"])
    assert unseen.json()["p_convert"] == pytest.approx(
        _engine(outcome_registry).score_lead({**sample_lead, "job": "astronaut"}).p_convert)


def test_a_number_beyond_float32_is_scored_like_the_largest_one(crm_client: TestClient, sample_lead: dict) -> None:
    huge = crm_client.post("/v1/score", json={**sample_lead, "balance": 1e39, "campaign": "-9e99"})
    largest = crm_client.post("/v1/score", json={**sample_lead, "balance": 3.4e38, "campaign": -3.4e38})

    assert huge.status_code == 200, huge.json()
    assert huge.json()["p_convert"] == pytest.approx(largest.json()["p_convert"])


def test_a_lead_without_any_field_of_the_model_is_refused_not_scored(crm_client: TestClient) -> None:
    # Keys of another CRM ("Age " would match, "Years" does not): nothing the model uses was sent.
    response = crm_client.post("/v1/score", json={"Lead ID": "L-2", "Years": "41", "job": ""})

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "body"
    assert error["reason"].startswith(f"{EMPTY_ROW_REASON}; the model reads 'age', 'job', ")


def test_batch_scores_the_good_leads_and_names_the_bad_one(crm_client: TestClient, sample_lead: dict) -> None:
    leads = [{**sample_lead, "ID": "a"}, {**sample_lead, "age": "forty", "ID": "b"},
             {**sample_lead, "job": "astronaut"}]

    response = crm_client.post("/v1/score/batch", json={"leads": leads})

    assert response.status_code == 200
    body = response.json()
    assert (body["scored"], body["rejected"], body["model_kind"]) == (2, 1, "outcome")
    assert [r["index"] for r in body["results"]] == [0, 1, 2]
    assert body["results"][1]["score"] is None
    assert body["results"][1]["errors"] == [{"field": "age", "reason": "not a number: 'forty'"}]
    single = crm_client.post("/v1/score", json=leads[0]).json()
    assert body["results"][0]["score"]["p_convert"] == pytest.approx(single["p_convert"])
    assert body["results"][0]["score"]["reasons"] == single["reasons"]
    assert body["results"][2]["errors"] == []


@pytest.mark.parametrize(("body", "field"), [
    (b"[1, 2]", "body"),
    (b'{"age": {"years": 41}}', "age"),
    (b'{"job": ["admin."]}', "job"),
    (b'{"balance": 1e999}', "balance"),
    (b'{"balance": ' + b"9" * 5000 + b"}", "body"),
    (b'{"age": "\xff\xfe"}', "body"),
    (b"[" * 100_000 + b"]" * 100_000, "body"),
    (b"", "body"),
    (b'{"default": 2}', "default"),
    (b'{"age": true}', "age"),
])
def test_hostile_json_is_422_naming_the_field(crm_client: TestClient, body: bytes, field: str) -> None:
    response = crm_client.post("/v1/score", content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000, b'{"age": "\xff\xfe"}',
                                  b'{"age": ' + b"9" * 5000 + b"}"])
def test_hostile_json_is_422_with_the_builtin_model_too(client: TestClient, body: bytes) -> None:
    response = client.post("/v1/score", content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"


def test_a_thousand_unknown_keys_are_ignored(crm_client: TestClient, sample_lead: dict) -> None:
    expected = crm_client.post("/v1/score", json=sample_lead).json()
    lead = {**sample_lead, **{f"custom field {i}": {"nested": [i]} for i in range(1000)}}

    response = crm_client.post("/v1/score", content=json.dumps(lead), headers={"Content-Type": "application/json"})

    assert response.status_code == 200
    assert response.json()["p_convert"] == pytest.approx(expected["p_convert"])


def test_model_endpoint_and_openapi_show_the_outcome_model(crm_client: TestClient,
                                                           outcome_registry: Registry) -> None:
    info = crm_client.get("/v1/model").json()
    document = crm_client.get("/openapi.json").json()

    schema = outcome_registry.load().schema
    assert (info["kind"], info["target"], info["version"]) == ("outcome", "y", outcome_registry.active_version())
    assert [f["name"] for f in info["fields"]] == list(schema.names)
    job = next(f for f in info["fields"] if f["name"] == "job")
    assert job["kind"] == "category" and "admin." in job["levels"]
    assert {f["name"] for f in info["fields"] if f["actionable"]} == {"campaign", "contact"}
    assert 0.5 < info["evaluation"]["roc_auc"] <= 1
    lead = document["components"]["schemas"]["OutcomeLeadRequest"]
    assert set(lead["properties"]) == set(schema.names)
    assert lead["properties"]["job"]["x-levels"] == list(schema.field("job").levels)
    assert lead["properties"]["balance"]["x-kind"] == "integer"
    assert lead["properties"]["balance"]["x-range"] == [schema.field("balance").low, schema.field("balance").high]
    assert lead.get("required", []) == [] and lead["additionalProperties"] is True
    request = document["paths"]["/v1/score"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert request == {"$ref": "#/components/schemas/OutcomeLeadRequest"}
    assert document["info"]["x-model-version"] == outcome_registry.active_version()


def test_activating_the_builtin_model_switches_the_api_without_restart(crm_client: TestClient,
                                                                       outcome_registry: Registry,
                                                                       sample_lead: dict) -> None:
    outcome_version = outcome_registry.active_version()
    assert crm_client.post("/v1/score", json=example_lead()).json()["model_kind"] == "outcome"

    builtin_version = outcome_registry.activate_builtin(source="test")

    wait_until(lambda: crm_client.get("/v1/model").json()["version"] == builtin_version)
    assert crm_client.get("/v1/model").json()["kind"] == "builtin"
    schemas = crm_client.get("/openapi.json").json()["components"]["schemas"]
    assert "OutcomeLeadRequest" not in schemas
    assert list(schemas["LeadRequest"]["properties"]) == ["lead_id", *FEATURE_NAMES]
    response = crm_client.post("/v1/score", json={"lead_id": "crm-1", **example_lead()})
    assert response.status_code == 200 and response.json()["tier"] in ("High", "Medium", "Low")
    assert response.headers["X-Model-Version"] == builtin_version
    assert crm_client.post("/v1/score", json=sample_lead).status_code == 422  # a CRM lead is not a built-in lead

    outcome_registry.activate(outcome_version)

    wait_until(lambda: "OutcomeLeadRequest" in crm_client.get("/openapi.json").json()["components"]["schemas"])
    assert crm_client.post("/v1/score", json=sample_lead).json()["model_version"] == outcome_version


@pytest.fixture
def outcome_api_schema(outcome_registry: Registry) -> Iterator[schemathesis.BaseSchema]:
    """The app's OpenAPI document with the outcome model active."""
    app = create_app(outcome_registry.root, poll_seconds=POLL_SECONDS)
    for _ in make_client(app):
        yield schemathesis.openapi.from_asgi("/openapi.json", app)


outcome_schema = schemathesis.pytest.from_fixture("outcome_api_schema")


@outcome_schema.include(path_regex="^/v1/score").parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_outcome_api_answers_as_its_schema_says(case: schemathesis.Case) -> None:
    response = case.call()
    if response.status_code == 422 and EMPTY_ROW_REASON in response.text:
        # A lead without one filled-in field of the model is refused on purpose (keys that match no
        # field would otherwise be scored silently as the average empty lead); the document says so
        # in words, as a JSON schema of "at least one field filled in, placeholders counting as empty"
        # is not worth its size.
        return
    case.validate_response(response)
