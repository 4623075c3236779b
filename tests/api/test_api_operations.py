"""GET /v1/model, /healthz, /readyz, model hot swap, the API key, the OpenAPI document."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from api_helpers import POLL_SECONDS, make_client, wait_until
from fastapi.testclient import TestClient

from leadscore.api.app import ENV_API_KEY, create_app
from leadscore.fields.builtin import FEATURES
from leadscore.modeling import train
from leadscore.registry import POINTER, Registry


def test_model_endpoint_names_the_active_version_and_its_evaluation(client: TestClient, registry: Registry,
                                                                    trained: train.TrainingResult) -> None:
    response = client.get("/v1/model")

    assert response.status_code == 200
    body = response.json()
    assert body["version"] == registry.active_version() == response.headers["X-Model-Version"]
    assert body["evaluation"]["accuracy"] == pytest.approx(trained.report["accuracy"])
    assert set(body["evaluation"]["High"]) >= {"precision", "recall", "f1-score"}
    assert "calibration" not in body["evaluation"]


def test_healthz_and_readyz_when_a_model_is_loaded(client: TestClient, registry: Registry) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "model_version": None, "detail": None}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["model_version"] == registry.active_version()


def _point_at(registry: Registry, version: str) -> None:
    registry.root.mkdir(parents=True, exist_ok=True)
    (registry.root / POINTER).write_text(json.dumps({"version": version}), encoding="utf-8")


def test_not_ready_until_a_model_loads_then_serving_without_restart(
        tmp_path: Path, trained: train.TrainingResult, lead: dict) -> None:
    registry = Registry(tmp_path / "models")
    _point_at(registry, "no-such-version")
    app = create_app(registry.root, poll_seconds=POLL_SECONDS)
    with TestClient(app) as client:
        wait_until(lambda: "no such model version" in (client.get("/readyz").json()["detail"] or ""))
        assert client.get("/readyz").status_code == 503
        assert client.get("/healthz").status_code == 200
        refused = client.post("/v1/score", json=lead)
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
        assert client.get("/v1/model").status_code == 503

        version = registry.publish(trained.model, trained.report)

        wait_until(lambda: client.get("/readyz").status_code == 200)
        assert client.get("/v1/model").json()["version"] == version


def test_a_newly_published_model_is_picked_up_without_restart(client: TestClient, registry: Registry,
                                                              trained: train.TrainingResult, lead: dict) -> None:
    first = client.post("/v1/score", json=lead).json()["model_version"]
    app = client.app
    in_flight = app.state.models.scorer  # what a request that started now holds

    second = registry.publish(trained.model, trained.report)

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


def test_the_openapi_request_schema_is_the_feature_table(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    lead = schemas["LeadRequest"]

    assert lead["required"] == [f.name for f in FEATURES]
    for feature in FEATURES:
        documented = lead["properties"][feature.name]
        if feature.kind == "flag":  # 0 or 1, a boolean, or a flag word as in files
            number, boolean, word = documented.pop("anyOf")
            assert (boolean, word["type"]) == ({"type": "boolean"}, "string")
            documented |= number
        assert documented["type"] == ("number" if feature.kind == "number" else "integer")
        assert (documented["minimum"], documented["maximum"]) == (feature.low, feature.high)
        assert documented["title"] == feature.label
        assert documented["description"].startswith(feature.help)
    assert schemas["BatchRequest"]["properties"]["leads"]["maxItems"] == 1000
    assert set(schemas["TierProbabilities"]["properties"]) == {"Low", "Medium", "High"}
