"""The OpenAPI document of the active model: regenerated when another model version is served.

The scoring routes read their body by hand (``body.py``), so the request and
response schemas are put into the document here, from the models generated
for the active model (``shapes.py``: its schema's fields, its target's chance
fields). The document is cached per model version; /openapi.json and /docs
show a new version's fields as soon as it is served, without a restart.
Before a model has loaded, the scoring bodies are documented as plain objects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from leadscore.api.middleware import API_KEY_HEADER
from leadscore.api.shapes import shapes_for
from leadscore.scoring.scorer import Scorer

SCORE_PATH = "/v1/score"
BATCH_PATH = "/v1/score/batch"
#: A scoring body or answer before a model has loaded: its fields are the model's.
_ANY_OBJECT = {"type": "object", "description": "Shaped by the active model: none has loaded yet (see /readyz)."}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _bodies(scorer: Scorer | None) -> tuple[dict[str, tuple[dict[str, Any], dict[str, Any]]], dict[str, Any]]:
    """Each scoring path's request and answer schemas, and the component schemas they refer to."""
    if scorer is None:
        return {SCORE_PATH: (_ANY_OBJECT, _ANY_OBJECT), BATCH_PATH: (_ANY_OBJECT, _ANY_OBJECT)}, {}
    shapes = shapes_for(scorer)
    refs, defs = models_json_schema(
        [(shapes.lead, "validation"), (shapes.batch_request, "validation"), (shapes.response, "serialization"),
         (shapes.batch_response, "serialization")], ref_template="#/components/schemas/{model}")
    bodies = {SCORE_PATH: (refs[(shapes.lead, "validation")], refs[(shapes.response, "serialization")]),
              BATCH_PATH: (refs[(shapes.batch_request, "validation")],
                           refs[(shapes.batch_response, "serialization")])}
    return bodies, defs.get("$defs", {})


def document(app: FastAPI, scorer: Scorer | None, api_key_required: bool) -> dict[str, Any]:
    """The OpenAPI document for the model ``scorer`` serves."""
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    bodies, defs = _bodies(scorer)
    doc.setdefault("components", {}).setdefault("schemas", {}).update(defs)
    for path, (request, response) in bodies.items():
        operation = doc["paths"][path]["post"]
        operation["requestBody"] = {"required": True, "content": _json(request)}
        operation["responses"]["200"]["content"] = _json(response)
    if scorer is not None:
        doc["info"]["x-model-version"] = scorer.version
        doc["info"]["x-model-kind"] = scorer.model.target.kind
    if api_key_required:
        doc["components"]["securitySchemes"] = {"ApiKey": {"type": "apiKey", "in": "header", "name": API_KEY_HEADER}}
        for path, operations in doc["paths"].items():
            if path.startswith("/v1/"):
                for operation in operations.values():
                    operation["security"] = [{"ApiKey": []}]
    return doc


def follow_active_model(app: FastAPI, current: Any, api_key_required: Callable[[], bool]) -> None:
    """Make ``app.openapi()`` describe the model ``current()`` returns, rebuilt when its version changes or
    when API keys start or stop being asked for (``api_key_required()``)."""
    built_for: list[tuple[str | None, bool] | None] = [None]

    def openapi() -> dict[str, Any]:
        scorer = current()
        state = (scorer.version if scorer is not None else None, api_key_required())
        if app.openapi_schema is None or built_for[0] != state:
            app.openapi_schema = document(app, scorer, state[1])
            built_for[0] = state
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
