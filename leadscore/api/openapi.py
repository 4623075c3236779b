"""The OpenAPI document of the active model: regenerated when another model version is served.

The scoring routes read their body by hand (``body.py``), so the request and
response schemas are put into the document here, from the active model's
request model: the built-in ``LeadRequest``, or an outcome model's generated
``OutcomeLeadRequest`` (``outcome_requests.py``). The document is cached per
model version; /openapi.json and /docs show a new version's fields as soon as
it is served, without a restart.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from leadscore.api.middleware import API_KEY_HEADER
from leadscore.api.outcome_requests import OutcomeBatchResponse, OutcomeScoreResponse, lead_model
from leadscore.api.requests import BatchRequest, BatchResponse, LeadRequest, ScoreResponse
from leadscore.scoring.any_scorer import AnyScorer, is_outcome

SCORE_PATH = "/v1/score"
BATCH_PATH = "/v1/score/batch"


def _models(scorer: AnyScorer | None) -> tuple[type[BaseModel], type[BaseModel], type[BaseModel]]:
    """The active model's lead request, score response and batch response models."""
    if scorer is not None and is_outcome(scorer):
        return lead_model(scorer.version, scorer.model.schema), OutcomeScoreResponse, OutcomeBatchResponse
    return LeadRequest, ScoreResponse, BatchResponse


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def document(app: FastAPI, scorer: AnyScorer | None, api_key_required: bool) -> dict[str, Any]:
    """The OpenAPI document for the model ``scorer`` serves (the built-in request model before one loads)."""
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    lead, score, batch = _models(scorer)
    refs, defs = models_json_schema(
        [(lead, "validation"), (BatchRequest, "validation"), (score, "serialization"), (batch, "serialization")],
        ref_template="#/components/schemas/{model}")
    doc.setdefault("components", {}).setdefault("schemas", {}).update(defs.get("$defs", {}))
    bodies = {SCORE_PATH: (lead, score), BATCH_PATH: (BatchRequest, batch)}
    for path, (request, response) in bodies.items():
        operation = doc["paths"][path]["post"]
        operation["requestBody"] = {"required": True, "content": _json(refs[(request, "validation")])}
        operation["responses"]["200"]["content"] = _json(refs[(response, "serialization")])
    if scorer is not None:
        doc["info"]["x-model-version"] = scorer.version
        doc["info"]["x-model-kind"] = "outcome" if is_outcome(scorer) else "builtin"
    if api_key_required:
        doc["components"]["securitySchemes"] = {"ApiKey": {"type": "apiKey", "in": "header", "name": API_KEY_HEADER}}
        for path, operations in doc["paths"].items():
            if path.startswith("/v1/"):
                for operation in operations.values():
                    operation["security"] = [{"ApiKey": []}]
    return doc


def follow_active_model(app: FastAPI, current: Any, api_key_required: bool) -> None:
    """Make ``app.openapi()`` describe the model ``current()`` returns, rebuilt when its version changes."""
    built_for: list[str | None] = [None]

    def openapi() -> dict[str, Any]:
        scorer = current()
        version = scorer.version if scorer is not None else None
        if app.openapi_schema is None or built_for[0] != version:
            app.openapi_schema = document(app, scorer, api_key_required)
            built_for[0] = version
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
