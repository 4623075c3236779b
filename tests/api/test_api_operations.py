"""GET /v1/model, /healthz, /readyz, model hot swap, the API key, the OpenAPI document."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from api_helpers import POLL_SECONDS, make_client, wait_until
from fastapi.testclient import TestClient

from leadscore.api.app import create_app
from leadscore.fields.builtin import example_lead
from leadscore.modeling.three_tiers import train
from leadscore.registry import POINTER, Registry
from leadscore.settings import ENV_API_KEY
from tests import hostile_models as hostile


def test_model_endpoint_describes_the_active_model_in_one_shape(client: TestClient, registry: Registry) -> None:
    response = client.get("/v1/model")

    assert response.status_code == 200
    body = response.json()
    model = registry.load()
    assert body["version"] == registry.active_version() == response.headers["X-Model-Version"]
    assert (body["kind"], body["target"]) == (model.target.kind, model.target.column)
    assert [f["name"] for f in body["fields"]] == list(model.schema.names)
    for summary, f in zip(body["fields"], model.schema.fields, strict=True):
        assert (summary["kind"], summary["required"], summary["strict_range"], summary["aliases"],
                summary["low"], summary["high"]) == (f.kind, f.required, f.strict_range, list(f.aliases), f.low,
                                                     f.high)
    saved = model.metadata["report"]  # as the version's metadata.json holds it
    assert body["evaluation"] and set(body["evaluation"]) <= {
        "accuracy", "log_loss", "bayes_accuracy", "probability_mae", "rows_evaluated", "confusion_matrix", "High",
        "Medium", "Low", "macro avg", "weighted avg", "roc_auc", "brier", "base_rate", "split"}
    for key, value in body["evaluation"].items():
        assert value == saved.get(key, saved.get("test", {}).get(key))
    assert "calibration" not in body["evaluation"]


@pytest.mark.parametrize("kind", ["three_tiers"])
def test_the_builtin_evaluation_has_accuracy_and_per_tier_results(client: TestClient,
                                                                   trained: train.TrainingResult) -> None:
    evaluation = client.get("/v1/model").json()["evaluation"]

    assert evaluation["accuracy"] == pytest.approx(trained.report.accuracy)
    assert set(evaluation["High"]) >= {"precision", "recall", "f1-score"}


@pytest.mark.parametrize("kind", ["won_lost"])
def test_a_won_lost_evaluation_has_the_test_parts_results(client: TestClient) -> None:
    evaluation = client.get("/v1/model").json()["evaluation"]

    assert 0.5 < evaluation["roc_auc"] <= 1
    assert {"log_loss", "brier", "base_rate", "split"} <= set(evaluation)


def test_healthz_and_readyz_when_a_model_is_loaded(client: TestClient, registry: Registry) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "model_version": None, "detail": None}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["model_version"] == registry.active_version()


def _point_at(registry: Registry, version: str) -> None:
    registry.root.mkdir(parents=True, exist_ok=True)
    (registry.root / POINTER).write_text(json.dumps({"version": version}), encoding="utf-8")


def test_not_ready_until_a_model_loads_then_serving_without_restart(
        tmp_path: Path, trained: train.TrainingResult) -> None:
    registry = Registry(tmp_path / "models")
    _point_at(registry, "no-such-version")
    app = create_app(registry.root, poll_seconds=POLL_SECONDS)
    with TestClient(app) as client:
        wait_until(lambda: "no such model version" in (client.get("/readyz").json()["detail"] or ""))
        assert client.get("/readyz").status_code == 503
        assert client.get("/healthz").status_code == 200
        refused = client.post("/v1/score", json=example_lead())
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
        assert client.get("/v1/model").status_code == 503

        version = registry.publish(trained.model, trained.report)

        wait_until(lambda: client.get("/readyz").status_code == 200)
        assert client.get("/v1/model").json()["version"] == version


def test_a_newly_published_model_is_picked_up_without_restart(client: TestClient, registry: Registry,
                                                              lead: dict) -> None:
    first = client.post("/v1/score", json=lead).json()["model_version"]
    app = client.app
    in_flight = app.state.models.scorer  # what a request that started now holds
    model = registry.load()

    second = registry.publish(model, model.report)

    wait_until(lambda: client.post("/v1/score", json=lead).json()["model_version"] == second)
    assert second != first
    assert in_flight.score_lead(lead).model_version == first  # the old object still scores on its model


def test_a_broken_new_version_leaves_the_current_model_in_service(client: TestClient, registry: Registry,
                                                                  lead: dict) -> None:
    current = registry.active_version()
    _point_at(registry, "no-such-version")

    wait_until(lambda: client.app.state.models.problem is not None)
    response = client.post("/v1/score", json=lead)
    assert response.status_code == 200 and response.json()["model_version"] == current
    assert client.get("/readyz").status_code == 200


def test_a_copied_version_is_tried_once_and_the_good_model_keeps_serving(
        client: TestClient, registry: Registry, lead: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    current = registry.active_version()
    versions = registry.root / "versions"
    shutil.copytree(versions / current, versions / "copied")
    holder = client.app.state.models
    tried: list[str | None] = []
    load = holder.registry.load
    monkeypatch.setattr(holder.registry, "load", lambda version=None: tried.append(version) or load(version))

    _point_at(registry, "copied")
    wait_until(lambda: holder.problem is not None)
    time.sleep(30 * POLL_SECONDS)  # thirty more looks at the registry

    assert tried == ["copied"]
    assert "names version" in holder.problem and "copied or renamed folder" in holder.problem
    response = client.post("/v1/score", json=lead)
    assert response.status_code == 200 and response.json()["model_version"] == current

    _point_at(registry, current)  # the pointer changes: tried again, and the problem is gone
    wait_until(lambda: holder.problem is None)


def test_unknown_path_and_method_get_json_errors(client: TestClient) -> None:
    missing = client.get("/v1/nothing")
    wrong_method = client.get("/v1/score")

    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found", "errors": []}
    assert wrong_method.status_code == 405 and wrong_method.json()["detail"] == "Method Not Allowed"


@pytest.fixture
def keyed_client(registry: Registry, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201 - a generator fixture
    monkeypatch.setenv(ENV_API_KEY, "s3cret-key")
    yield from make_client(create_app(registry.root, poll_seconds=POLL_SECONDS))


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}, {"X-API-Key": ""}])
def test_with_an_api_key_set_requests_without_it_are_401(keyed_client: TestClient, lead: dict,
                                                         headers: dict) -> None:
    for response in (keyed_client.post("/v1/score", json=lead, headers=headers),
                     keyed_client.post("/v1/score", content=b"{broken", headers=headers),
                     keyed_client.post("/v1/score/batch", json={"leads": [lead]}, headers=headers),
                     keyed_client.get("/v1/model", headers=headers)):
        assert response.status_code == 401
        assert response.json()["detail"] == "missing or wrong X-API-Key header"


def test_with_an_api_key_set_the_right_key_is_served_and_probes_stay_open(keyed_client: TestClient,
                                                                          lead: dict) -> None:
    assert keyed_client.post("/v1/score", json=lead, headers={"X-API-Key": "s3cret-key"}).status_code == 200
    assert keyed_client.get("/healthz").status_code == 200
    assert keyed_client.get("/readyz").status_code == 200
    document = keyed_client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["ApiKey"] == {"type": "apiKey", "in": "header",
                                                                   "name": "X-API-Key"}
    assert document["paths"]["/v1/score"]["post"]["security"] == [{"ApiKey": []}]


def test_without_an_api_key_the_document_declares_no_security(client: TestClient) -> None:
    document = client.get("/openapi.json").json()

    assert "securitySchemes" not in document.get("components", {})
    assert "security" not in document["paths"]["/v1/score"]["post"]


def test_the_openapi_document_is_generated_from_the_schema_and_the_target(client: TestClient,
                                                                          registry: Registry) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    model = registry.load()
    lead = schemas["LeadRequest"]

    assert list(lead["properties"]) == [model.schema.id_column or "lead_id", *model.schema.names]
    assert lead.get("required", []) == [f.name for f in model.schema.fields if f.required]
    assert lead["additionalProperties"] is True
    for f in model.schema.fields:
        documented = lead["properties"][f.name]
        assert documented["title"] == f.title and documented["description"].startswith(f.help)
        assert documented["x-kind"] == f.kind
        types = [choice.get("type") for choice in documented["anyOf"]]
        assert ("null" in types) == (not f.required)
        if f.strict_range and f.kind != "flag":
            number = documented["anyOf"][0]
            assert number["type"] == ("integer" if f.kind == "integer" else "number")
            assert (number["minimum"], number["maximum"]) == (f.low, f.high)
        if f.kind == "category":
            assert documented["x-levels"] == list(f.levels)
    request = document["paths"]["/v1/score"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert request == {"$ref": "#/components/schemas/LeadRequest"}
    answer = schemas["ScoreResponse"]
    assert list(answer["properties"]) == ["tier", "action", "reasons", "lead_id", "model_version",
                                          *model.target.chance_schema(), "base_value", "contributions"]
    assert list(answer["properties"]["contributions"]["properties"]) == list(model.schema.names)
    assert schemas["BatchRequest"]["properties"]["leads"]["maxItems"] == 1000
    assert document["info"]["x-model-version"] == registry.active_version()
    assert document["info"]["x-model-kind"] == model.target.kind


def test_activating_the_other_model_switches_the_api_without_restart(
        client: TestClient, registry: Registry, other_version: str, lead: dict, other_lead: dict) -> None:
    first = registry.active_version()

    registry.activate(other_version, source="test")

    wait_until(lambda: client.get("/v1/model").json()["version"] == other_version)
    model = registry.load()
    properties = client.get("/openapi.json").json()["components"]["schemas"]["LeadRequest"]["properties"]
    assert list(properties)[1:] == list(model.schema.names)
    response = client.post("/v1/score", json=other_lead)
    assert response.status_code == 200 and response.headers["X-Model-Version"] == other_version
    assert set(response.json()) >= set(model.target.chance_schema())
    # The previous model's payload shares one field (age): refused, naming the fields, not scored almost empty.
    stale = client.post("/v1/score", json=lead)
    assert stale.status_code == 422
    assert all(name in json.dumps(stale.json()) for name in model.schema.names if name not in lead)

    registry.activate(first, source="test")

    wait_until(lambda: client.post("/v1/score", json=lead).status_code == 200)
    assert client.post("/v1/score", json=lead).json()["model_version"] == first


def test_the_model_and_readiness_say_whether_the_model_is_signed(registry: Registry) -> None:
    with TestClient(create_app(registry.root, poll_seconds=POLL_SECONDS)) as client:
        wait_until(lambda: client.get("/readyz").status_code == 200)
        assert client.get("/v1/model").json()["signature"] == "signed"
        assert client.get("/readyz").json()["model_signature"] == "signed"
    hostile.reseal(registry.root / "versions" / str(registry.active_version()), unsigned=True)
    with TestClient(create_app(registry.root, poll_seconds=POLL_SECONDS)) as client:
        wait_until(lambda: client.get("/readyz").status_code == 200)
        assert client.get("/v1/model").json()["signature"] == "unsigned"
        assert client.get("/readyz").json()["model_signature"] == "unsigned"
