"""POST /v1/score with either kind of model: one lead in, one answer shape out, refusals in the engine's words."""

from __future__ import annotations

import json
import logging
import math

import pytest
from fastapi.testclient import TestClient

from leadscore.fields.field import EMPTY_ROW_REASON, FLAG_REASON, MISSING_REASON, NUMBER_REASON, WHOLE_REASON
from leadscore.fields.headers import conflict_message
from leadscore.modeling.tiers import TIER_ACTIONS, TIERS
from leadscore.registry import Registry
from leadscore.scoring.scorer import Scorer


def _decimals_at_most_4(value: object) -> bool:
    if isinstance(value, dict):
        return all(_decimals_at_most_4(v) for v in value.values())
    if isinstance(value, list):
        return all(_decimals_at_most_4(v) for v in value)
    return not isinstance(value, float) or round(value, 4) == value


def test_scores_a_lead_like_the_engine_in_the_one_shape(client: TestClient, registry: Registry, lead: dict) -> None:
    response = client.post("/v1/score", json=lead)

    assert response.status_code == 200, response.json()
    body = response.json()
    model = registry.load()
    expected = Scorer(model).score_lead(lead)
    assert list(body) == ["tier", "action", "reasons", "lead_id", "model_version",
                          *model.target.chance_schema(), "base_value", "contributions"]
    assert body["tier"] == expected.tier and body["tier"] in TIERS
    assert body["action"] == TIER_ACTIONS[body["tier"]]
    assert body["reasons"] == expected.reasons and len(body["reasons"]) == 3
    assert {k: body[k] for k in expected.chances} == expected.chances
    assert body["base_value"] == round(expected.base_value, 4)
    assert body["contributions"] == {k: round(v, 4) for k, v in expected.contributions.items()}
    assert list(body["contributions"]) == list(model.schema.names)
    assert _decimals_at_most_4(body)
    assert body["lead_id"] == "crm-1"
    assert body["model_version"] == registry.active_version() == response.headers["X-Model-Version"]


def test_lead_id_is_optional_and_unknown_keys_are_ignored(client: TestClient, lead: dict) -> None:
    expected = client.post("/v1/score", json=lead).json()
    del lead["lead_id"]

    response = client.post("/v1/score", json={**lead, "utm_source": "newsletter", "notes": None,
                                              **{f"custom field {i}": {"nested": [i]} for i in range(1000)}})

    assert response.status_code == 200
    assert response.json() == {**expected, "lead_id": None}


def test_a_numeric_id_is_echoed_as_text(client: TestClient, lead: dict) -> None:
    assert client.post("/v1/score", json={**lead, "lead_id": 48213}).json()["lead_id"] == "48213"


def test_values_may_be_written_as_in_the_file(client: TestClient, registry: Registry, lead: dict) -> None:
    schema = registry.load().schema
    placeholders = frozenset(p.lower() for p in schema.placeholders)
    expected = client.post("/v1/score", json=lead).json()
    as_text = {k: str(v) for k, v in lead.items()}
    as_json = dict(lead)
    for f in schema.fields:  # numbers as JSON numbers, yes/no as true/false, categories as text
        code, _ = f.parse_cell(lead[f.name], placeholders)
        if math.isnan(code):
            continue
        if f.kind == "flag":
            as_json[f.name] = code == 1
        elif f.kind != "category":
            as_json[f.name] = int(code) if code.is_integer() else code

    for sent in (as_text, as_json):
        response = client.post("/v1/score", json=sent)
        assert response.status_code == 200, (sent, response.json())
        assert response.json() == expected


def test_keys_are_matched_like_headers_aliases_included(client: TestClient, registry: Registry, lead: dict) -> None:
    schema = registry.load().schema
    expected = client.post("/v1/score", json=lead).json()
    respelled = {"Lead ID": lead.pop("lead_id")}
    for f in schema.fields:
        respelled[f.aliases[0].upper() if f.aliases else f" {f.name.upper().replace('_', ' ')} "] = lead.pop(f.name)

    response = client.post("/v1/score", json={**respelled, **lead})

    assert response.status_code == 200, response.json()
    assert response.json() == expected


@pytest.mark.parametrize(("kind", "field", "value", "reason"), [
    ("three_tiers", "age", 10, "below the model's range 22–70"),
    ("three_tiers", "age", "10", "below the model's range 22–70"),
    ("three_tiers", "income", 900_000, "above the model's range $30,000–$500,000"),
    ("three_tiers", "credit_score", 700.5, WHOLE_REASON),
    ("three_tiers", "website_visits", "twelve", NUMBER_REASON),
    ("three_tiers", "inquiry_submitted", 2, FLAG_REASON),
    ("three_tiers", "inquiry_submitted", "maybe", FLAG_REASON),
    ("three_tiers", "time_on_site_minutes", None, MISSING_REASON),
    ("three_tiers", "time_on_site_minutes", "", MISSING_REASON),
    ("three_tiers", "time_on_site_minutes", "N/A", MISSING_REASON),
    ("three_tiers", "age", True, NUMBER_REASON),
    ("three_tiers", "age", [41], "must be one value (text, number, true/false or null), not a list"),
    ("three_tiers", "lead_id", "x" * 201, "the lead ID is longer than 200 characters"),
    ("won_lost", "age", "forty", NUMBER_REASON),
    ("won_lost", "age", True, NUMBER_REASON),
    ("won_lost", "housing", "maybe", FLAG_REASON),
    ("won_lost", "housing", 2, FLAG_REASON),
    ("won_lost", "job", {"title": "admin."}, "must be one value (text, number, true/false or null), not an object"),
    ("won_lost", "lead_id", 5.5, "must be text or a whole number"),
])
def test_an_impossible_value_is_422_naming_the_field_in_the_engines_words(
        client: TestClient, lead: dict, field: str, value: object, reason: str) -> None:
    response = client.post("/v1/score", json={**lead, field: value})

    assert response.status_code == 422
    assert response.json() == {"detail": "invalid request", "errors": [{"field": field, "reason": reason}]}


@pytest.mark.parametrize("text", ["４１", "٤١", "4_1", "41 years"])
def test_digits_are_read_as_in_files(client: TestClient, registry: Registry, lead: dict, text: str) -> None:
    """Only plain ASCII decimals are numbers, as pandas reads a file's column; "4.1e1" is 41 there too."""
    field = next(f for f in registry.load().schema.fields if f.kind == "integer").name

    refused = client.post("/v1/score", json={**lead, field: text})
    as_exponent = client.post("/v1/score", json={**lead, field: "4.1e1"}).json()

    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": field, "reason": NUMBER_REASON}]
    assert as_exponent == client.post("/v1/score", json={**lead, field: 41}).json()


def test_every_missing_required_field_is_reported_else_the_empty_lead(client: TestClient, registry: Registry) -> None:
    schema = registry.load().schema
    required = [f.name for f in schema.fields if f.required]

    response = client.post("/v1/score", json={"lead_id": "crm-1"})

    assert response.status_code == 422
    errors = response.json()["errors"]
    if required:
        assert errors == [{"field": name, "reason": MISSING_REASON} for name in required]
    else:
        assert [e["field"] for e in errors] == ["body"]
        assert errors[0]["reason"].startswith(f"{EMPTY_ROW_REASON}; the model reads 'age', ")


def test_a_lead_shaped_for_the_other_model_is_refused_naming_this_models_fields(
        client: TestClient, registry: Registry, other_lead: dict) -> None:
    """The two models share one field name (age): the other's lead is not scored as an almost empty lead."""
    schema = registry.load().schema

    response = client.post("/v1/score", json=other_lead)

    assert response.status_code == 422
    named = json.dumps(response.json()["errors"])
    assert all(f"'{name}'" in named or f'"{name}"' in named for name in schema.names if name not in other_lead)


@pytest.mark.parametrize("kind", ["won_lost"])
def test_a_lead_must_fill_at_least_half_of_the_fields(client: TestClient, registry: Registry, lead: dict) -> None:
    """Only a model with optional fields can see a sparse lead (a built-in lead misses required fields first)."""
    names = registry.load().schema.names
    needed = math.ceil(len(names) / 2)
    emptied = {name: "" for name in names[needed:]}

    enough = client.post("/v1/score", json={**lead, **emptied})
    too_few = client.post("/v1/score", json={**lead, **emptied, names[0]: None})

    assert enough.status_code == 200
    assert too_few.status_code == 422
    [error] = too_few.json()["errors"]
    assert error["field"] == "body"
    assert error["reason"].startswith(f"only {needed - 1} of the model's {len(names)} fields filled in")
    assert all(f"'{name}'" in error["reason"] for name in names)


def test_a_missing_required_field_names_the_unknown_keys_sent(client: TestClient, registry: Registry,
                                                               lead: dict) -> None:
    required = [f.name for f in registry.load().schema.fields if f.required]
    sent = {k: v for k, v in lead.items() if k not in required[:1]} | {"anual_incom": 95_000}

    response = client.post("/v1/score", json=sent)

    if required:
        assert response.json()["errors"] == [
            {"field": required[0], "reason": "missing value; keys sent that are not fields: 'anual_incom'"}]
    else:  # nothing is required: the unknown key is ignored
        assert response.status_code == 200


def test_two_other_spellings_of_one_field_are_refused_naming_both(client: TestClient, registry: Registry,
                                                                  lead: dict) -> None:
    name = registry.load().schema.names[0]
    value = lead.pop(name)

    response = client.post("/v1/score", json={**lead, name.upper(): value, f" {name.title()} ": value})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": name, "reason": conflict_message(name, [name.upper(), f" {name.title()} "])}]


def test_the_exact_name_wins_over_another_spelling(client: TestClient, registry: Registry, lead: dict) -> None:
    name = registry.load().schema.names[0]
    expected = client.post("/v1/score", json=lead).json()

    assert client.post("/v1/score", json={**lead, name.upper(): "not read"}).json() == expected


@pytest.mark.parametrize(("raw", "field"), [
    ("{\"years\": 41}", "age"),
    ("[\"41\"]", "age"),
    ("1e999", "age"),
    ("Infinity", "age"),
    ("NaN", "age"),
    ("9" * 5000, "body"),
])
def test_hostile_values_are_422_naming_the_field(client: TestClient, lead: dict, raw: str, field: str) -> None:
    text = json.dumps({**lead, "age": "__value__"}).replace('"__value__"', raw)

    response = client.post("/v1/score", content=text, headers={"Content-Type": "application/json"})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"", b'"lead"', b'{"age": "\xff\xfe"}',
                                  b"[" * 100_000 + b"]" * 100_000])
def test_a_body_that_is_not_a_lead_is_422(client: TestClient, body: bytes) -> None:
    response = client.post("/v1/score", content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body"]


def test_a_400_digit_integer_is_refused_unless_it_is_a_category(client: TestClient, registry: Registry,
                                                               lead: dict) -> None:
    for f in registry.load().schema.fields:
        text = json.dumps({**lead, f.name: 10**400})

        response = client.post("/v1/score", content=text, headers={"Content-Type": "application/json"})

        if f.kind == "category":  # a level never seen in training: scored as 'other'
            assert response.status_code == 200, f.name
        else:
            assert response.status_code == 422, f.name
            assert [e["field"] for e in response.json()["errors"]] == [f.name]


@pytest.mark.parametrize("kind", ["won_lost"])
def test_an_unseen_category_level_is_scored_as_other(client: TestClient, lead: dict) -> None:
    unseen = client.post("/v1/score", json={**lead, "job": "astronaut"})
    other = client.post("/v1/score", json={**lead, "job": "other"})

    assert unseen.status_code == 200
    assert unseen.json() == other.json()


@pytest.mark.parametrize("kind", ["won_lost"])
def test_a_number_beyond_float32_is_scored_like_the_largest_one(client: TestClient, lead: dict) -> None:
    """A field's range seen in training is not a limit."""
    huge = client.post("/v1/score", json={**lead, "balance": 1e39, "campaign": "-9e99"})
    largest = client.post("/v1/score", json={**lead, "balance": 3.4e38, "campaign": -3.4e38})

    assert huge.status_code == 200, huge.json()
    assert huge.json()["tier"] == largest.json()["tier"]
    assert huge.json()["p_convert"] == largest.json()["p_convert"]


def test_request_log_has_the_request_but_no_lead_data(client: TestClient, lead: dict,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    lead = {**lead, "lead_id": "secret-lead-7731", "notes": "secret-note-5521"}
    with caplog.at_level(logging.INFO, logger="leadscore.api.app.access"):
        version = client.post("/v1/score", json=lead).json()["model_version"]

    records = [r for r in caplog.records if r.name == "leadscore.api.app.access"]
    assert len(records) == 1
    fields = records[0].http
    assert fields["method"] == "POST" and fields["path"] == "/v1/score" and fields["status"] == 200
    assert fields["model_version"] == version and fields["latency_ms"] > 0
    logged = json.dumps(fields) + records[0].getMessage()
    assert "secret-lead-7731" not in logged and "secret-note-5521" not in logged
