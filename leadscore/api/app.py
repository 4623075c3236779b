"""The REST API: score a lead the moment it signs up, with the engine the dashboard uses.

    leadscore serve --port 8000          # or: create_app(models_dir) under any ASGI server

Endpoints (docs/api.md; the OpenAPI document is at /openapi.json, the docs at /docs):
``POST /v1/score``, ``POST /v1/score/batch``, ``GET /v1/model``, ``GET /healthz``,
``GET /readyz``. Request models come from the feature table (api_schema.py);
the model follows the registry's active version without a restart (api_model.py);
the request log, API key and body limit are plain ASGI layers (api_middleware.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pandas as pd
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from leadscore.api.access_log import log_config
from leadscore.api.current_model import POLL_SECONDS, ModelHolder
from leadscore.api.middleware import API_KEY_HEADER, MODEL_VERSION_HEADER, AccessLog, ApiKey, BodyLimit
from leadscore.api.requests import (
    MAX_BATCH_LEADS,
    BatchRequest,
    BatchResponse,
    BatchResult,
    ErrorResponse,
    FieldError,
    LeadRequest,
    ModelInfo,
    ScoreResponse,
    Status,
)
from leadscore.fields.builtin import (
    FEATURE_NAMES,
    FEATURES_BY_NAME,
    PROBABILITY_COLUMNS,
    REASON_COLUMNS,
    TIER_ACTIONS,
    TIERS,
    check_value,
)
from leadscore.registry import ENV_MODELS_DIR
from leadscore.scoring.scorer import LeadError, LeadResult, Scorer

log = logging.getLogger(__name__)

ENV_API_KEY = "LEADSCORE_API_KEY"
#: The largest request body accepted: a full batch of MAX_BATCH_LEADS leads takes about 400 kB.
MAX_BODY_BYTES = 1_048_576
#: The parts of the evaluation report /v1/model returns (not the calibration curves or baselines).
EVALUATION_SUMMARY = ("accuracy", "log_loss", "bayes_accuracy", "probability_mae", "rows_evaluated",
                      "confusion_matrix", *TIERS, "macro avg", "weighted avg")

_ERRORS = {
    401: {"model": ErrorResponse, "description": f"Missing or wrong {API_KEY_HEADER} header "
                                                 f"(only when the server has {ENV_API_KEY} set)."},
    413: {"model": ErrorResponse, "description": f"Request body over {MAX_BODY_BYTES:,} bytes."},
    422: {"model": ErrorResponse, "description": "Invalid request: each error names the field and the reason."},
    503: {"model": ErrorResponse, "description": "No model loaded yet (see /readyz)."},
}


class ModelNotLoadedError(Exception):
    """Raised by a handler when the first model is still loading."""


# ---------------------------------------------------------------- errors


def _field_name(loc: Sequence[str | int]) -> str:
    """A pydantic error location as a field name: ("body", "age") -> "age"."""
    parts = list(loc[1:] if loc and loc[0] == "body" else loc)
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


def _reason(error: dict[str, Any]) -> str:
    """The engine's words for a bad feature value ("below the model's range 22–70"), else pydantic's."""
    feature = FEATURES_BY_NAME.get(str(error["loc"][-1])) if error.get("loc") else None
    if feature is not None:
        if error["type"] == "missing":
            return "missing value" + _unknown_keys(error.get("input"))
        if error["type"] not in {"int_type", "float_type", "finite_number"}:
            _, reason = check_value(feature, error.get("input"))
            if reason:
                return reason
    return str(error["msg"])


def _unknown_keys(sent: object) -> str:
    """The keys sent that are not fields, for a missing-field message (a likely misspelling)."""
    if not isinstance(sent, dict):
        return ""
    unknown = [str(k) for k in sent if k not in FEATURES_BY_NAME and k != "lead_id"]
    return f"; keys sent that are not fields: {', '.join(repr(k) for k in unknown)}" if unknown else ""


def field_errors(errors: Sequence[dict[str, Any]]) -> list[FieldError]:
    """Pydantic errors as field + reason, without echoing the values (they are lead data)."""
    return [FieldError(field="body", reason="not valid JSON") if e["type"] == "json_invalid"
            else FieldError(field=_field_name(e.get("loc", ())), reason=_reason(e)) for e in errors]


def _error(status: int, detail: str, errors: Sequence[FieldError] = (), headers: dict[str, str] | None = None,
           ) -> JSONResponse:
    body = ErrorResponse(detail=detail, errors=list(errors)).model_dump()
    return JSONResponse(body, status_code=status, headers=headers)


async def _on_invalid_request(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return _error(422, "invalid request", field_errors(exc.errors()))


async def _on_http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400:  # FastAPI's answer to a body it cannot decode (not UTF-8): a 422 like bad JSON
        return _error(422, "invalid request", [FieldError(field="body", reason="not valid JSON")])
    return _error(exc.status_code, str(exc.detail), headers=exc.headers)


async def _on_no_model(_: Request, __: Exception) -> JSONResponse:
    return _error(503, "no model loaded yet; retry shortly", headers={"Retry-After": "1"})


# ---------------------------------------------------------------- scoring


def _lead_score(result: LeadResult) -> dict[str, Any]:
    return {"tier": result.tier, "probabilities": result.probabilities, "confidence": result.confidence,
            "reasons": result.reasons, "action": TIER_ACTIONS[result.tier]}


def _scored_rows(scored: pd.DataFrame) -> list[dict[str, Any]]:
    """The engine's scored batch (tier, p_*, confidence, reason_*) as LeadScore dicts, in order."""
    reasons = scored[list(REASON_COLUMNS)].to_numpy().tolist()
    probabilities = scored[list(PROBABILITY_COLUMNS)].to_numpy().tolist()
    return [{"tier": tier, "probabilities": dict(zip(TIERS, p, strict=True)), "confidence": confidence,
             "reasons": r, "action": TIER_ACTIONS[tier]}
            for tier, p, confidence, r in zip(scored["tier"], probabilities, scored["confidence"], reasons,
                                              strict=True)]


def score_batch(scorer: Scorer, leads: Sequence[dict[str, Any]]) -> BatchResponse:
    """Check each lead on its own, score the valid ones in one call, keep request order."""
    errors: dict[int, list[FieldError]] = {}
    valid: list[tuple[int, dict[str, Any]]] = []
    lead_ids: dict[int, str | None] = {}
    for index, raw in enumerate(leads):
        try:
            lead = LeadRequest.model_validate(raw)
        except ValidationError as error:
            errors[index] = field_errors(error.errors())
            lead_id = raw.get("lead_id")
            lead_ids[index] = lead_id if isinstance(lead_id, str) and not any(
                e.field == "lead_id" for e in errors[index]) else None
            continue
        lead_ids[index] = lead.lead_id
        valid.append((index, lead.model_dump(exclude={"lead_id"})))
    scores: dict[int, dict[str, Any]] = {}
    if valid:
        frame = pd.DataFrame([values for _, values in valid], columns=list(FEATURE_NAMES))
        batch = scorer.score(frame, explain=True)
        positions = [index for index, _ in valid]  # engine rows are numbered from 1
        for row in batch.problems.itertuples():
            errors.setdefault(positions[row.row - 1], []).append(FieldError(field=row.column, reason=row.reason))
        for row, score in zip(batch.scored.index, _scored_rows(batch.scored), strict=True):
            scores[positions[row - 1]] = score
    results = [BatchResult(index=i, lead_id=lead_ids[i], score=scores.get(i), errors=errors.get(i, []))
               for i in range(len(leads))]
    return BatchResponse(model_version=scorer.version, scored=len(scores), rejected=len(leads) - len(scores),
                         results=results)


def model_info(scorer: Scorer) -> ModelInfo:
    """The active model's identity and the summary of its evaluation report."""
    meta = scorer.metadata
    report = meta.get("report", {})
    return ModelInfo(version=scorer.version, created_at=meta.get("created_at"), preset=meta.get("preset"),
                     data_source=meta.get("data_source"),
                     evaluation={key: report[key] for key in EVALUATION_SUMMARY if key in report})


# ---------------------------------------------------------------- the app


def _openapi(app: FastAPI, api_key_required: bool) -> dict[str, Any]:
    """The generated OpenAPI document, plus the API key scheme when the server requires one."""
    if app.openapi_schema is None:
        document = get_openapi(title=app.title, version=app.version, description=app.description,
                               routes=app.routes)
        if api_key_required:
            document.setdefault("components", {})["securitySchemes"] = {
                "ApiKey": {"type": "apiKey", "in": "header", "name": API_KEY_HEADER}}
            for path, operations in document["paths"].items():
                if path.startswith("/v1/"):
                    for operation in operations.values():
                        operation["security"] = [{"ApiKey": []}]
        app.openapi_schema = document
    return app.openapi_schema


def create_app(models_dir: str | os.PathLike[str] | None = None, *, poll_seconds: float = POLL_SECONDS) -> FastAPI:
    """The API app serving the active model of a registry (default: $LEADSCORE_MODELS_DIR or models/).

    The model loads in the background at startup (/readyz answers 503 until then)
    and is swapped when the registry's active version changes. Set
    $LEADSCORE_API_KEY to require the X-API-Key header on /v1/ endpoints.
    """
    holder = ModelHolder(models_dir)
    api_key = os.environ.get(ENV_API_KEY) or None

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        watcher = asyncio.create_task(holder.watch(poll_seconds))
        yield
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher

    app = FastAPI(
        title="Lead scoring API",
        version="1",
        description="Sorts real estate investor leads into High, Medium or Low priority, with the "
                    "probability of each tier and the reasons in plain words. "
                    f"Batches hold up to {MAX_BATCH_LEADS} leads; bodies up to {MAX_BODY_BYTES:,} bytes.",
        lifespan=lifespan,
    )
    app.state.models = holder
    app.add_exception_handler(RequestValidationError, _on_invalid_request)
    app.add_exception_handler(HTTPException, _on_http_error)
    app.add_exception_handler(ModelNotLoadedError, _on_no_model)
    app.openapi = lambda: _openapi(app, api_key is not None)  # type: ignore[method-assign]

    def current_scorer(response: Response) -> Scorer:
        """The scorer this request keeps to the end, its version stamped on the response."""
        scorer = holder.scorer
        if scorer is None:
            raise ModelNotLoadedError
        response.headers[MODEL_VERSION_HEADER] = scorer.version
        return scorer

    @app.post("/v1/score", response_model=ScoreResponse, tags=["scoring"], responses=_ERRORS)
    async def score(lead: LeadRequest, response: Response) -> dict[str, Any] | JSONResponse:  # type: ignore[valid-type]
        """Score one lead: tier, probability of each tier, confidence, top three reasons, follow-up action."""
        scorer = current_scorer(response)
        try:
            result = scorer.score_lead(lead.model_dump(exclude={"lead_id"}))
        except LeadError as error:
            return _error(422, "invalid request", [FieldError(field=error.field, reason=error.reason)])
        return {**_lead_score(result), "lead_id": lead.lead_id, "model_version": result.model_version}

    @app.post("/v1/score/batch", response_model=BatchResponse, tags=["scoring"], responses=_ERRORS,
              description=f"Score up to {MAX_BATCH_LEADS} leads. Each lead is checked on its own: an invalid "
                          "lead gets its errors (field and reason) and the valid ones are still scored. "
                          "Results keep the request order.")
    def batch(body: BatchRequest, response: Response) -> BatchResponse:
        return score_batch(current_scorer(response), body.leads)

    @app.get("/v1/model", response_model=ModelInfo, tags=["model"], responses={401: _ERRORS[401], 503: _ERRORS[503]})
    def model(response: Response) -> ModelInfo:
        """The active model version and the summary of its evaluation on held-out leads."""
        return model_info(current_scorer(response))

    @app.get("/healthz", response_model=Status, tags=["operations"])
    async def healthz() -> Status:
        """Liveness: the process answers."""
        return Status(status="ok")

    @app.get("/readyz", response_model=Status, tags=["operations"],
             responses={503: {"model": Status, "description": "No model loaded yet."}})
    async def readyz() -> Status | JSONResponse:
        """Readiness: 200 once a model is loaded, 503 before."""
        scorer = holder.scorer
        if scorer is None:
            return JSONResponse(Status(status="loading", detail=holder.problem).model_dump(), status_code=503)
        return Status(status="ready", model_version=scorer.version)

    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(ApiKey, key=api_key)
    app.add_middleware(AccessLog)
    return app


#: Seconds an idle keep-alive connection stays open. Longer than the idle time after which common
#: clients drop a pooled connection (httpx 5 s, Node's agent about 5 s, nginx upstream 60 s), so a
#: client never reuses a connection the server is closing at that moment (uvicorn's default is 5 s).
KEEP_ALIVE_SECONDS = 75


def serve(host: str = "127.0.0.1", port: int = 8000, models_dir: str | os.PathLike[str] | None = None,
          workers: int = 1, log_level: str = "INFO") -> None:
    """Run the API under uvicorn until interrupted; logs are JSON lines on stderr."""
    import uvicorn

    if models_dir:  # each worker process builds its app from the environment
        os.environ[ENV_MODELS_DIR] = str(models_dir)
    uvicorn.run("leadscore.api.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_config=log_config(log_level), access_log=False, timeout_keep_alive=KEEP_ALIVE_SECONDS)
