"""The REST API: score a lead the moment it signs up, with the engine the dashboard uses.

    leadscore serve --port 8000          # or: create_app(models_dir) under any ASGI server

Endpoints (docs/api.md; the OpenAPI document is at /openapi.json, the docs at /docs):
``POST /v1/score``, ``POST /v1/score/batch``, ``GET /v1/model``, ``GET /healthz``,
``GET /readyz``. The API serves the registry's active model of either kind and
follows it without a restart (current_model.py): the built-in model's request
model comes from its feature table (requests.py), an outcome model's from its
schema, per version (outcome_requests.py, outcome_scoring.py). The scoring
routes read the body by hand (body.py) to validate it with the active model's
request model, and the OpenAPI document follows the active model (openapi.py).
The request log, API key and body limit are plain ASGI layers (middleware.py).
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
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException

from leadscore.api import openapi
from leadscore.api.access_log import log_config
from leadscore.api.body import BodyError, read_json
from leadscore.api.current_model import POLL_SECONDS, ModelHolder
from leadscore.api.middleware import API_KEY_HEADER, MODEL_VERSION_HEADER, AccessLog, ApiKey, BodyLimit
from leadscore.api.outcome_scoring import LeadRefusedError, score_many, score_one
from leadscore.api.requests import (
    MAX_BATCH_LEADS,
    BatchRequest,
    BatchResponse,
    BatchResult,
    ErrorResponse,
    FieldError,
    FieldSummary,
    LeadRequest,
    ModelInfo,
    ScoreResponse,
    Status,
)
from leadscore.fields.builtin import (
    FEATURE_NAMES,
    FEATURES,
    FEATURES_BY_NAME,
    LABEL_COLUMN,
    PROBABILITY_COLUMNS,
    REASON_COLUMNS,
    TIER_ACTIONS,
    TIERS,
    check_value,
)
from leadscore.registry import ENV_MODELS_DIR
from leadscore.scoring.any_scorer import AnyScorer, is_outcome
from leadscore.scoring.scorer import LeadError, LeadResult, Scorer

log = logging.getLogger(__name__)

ENV_API_KEY = "LEADSCORE_API_KEY"
#: The largest request body accepted: a full batch of MAX_BATCH_LEADS leads takes about 400 kB.
MAX_BODY_BYTES = 1_048_576
#: The parts of the evaluation report /v1/model returns (not the calibration curves or baselines).
EVALUATION_SUMMARY = ("accuracy", "log_loss", "bayes_accuracy", "probability_mae", "rows_evaluated",
                      "confusion_matrix", *TIERS, "macro avg", "weighted avg")
#: The one-number results of an outcome model's test part that /v1/model returns (plus how it was split).
OUTCOME_SUMMARY = ("roc_auc", "log_loss", "brier", "base_rate")

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


async def _on_bad_body(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BodyError)
    return _error(422, "invalid request", [FieldError(field="body", reason=exc.reason)])


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


def model_info(scorer: AnyScorer) -> ModelInfo:
    """The active model's identity, its fields and the summary of its evaluation report."""
    meta = scorer.metadata
    report = meta.get("report", {})
    if is_outcome(scorer):
        schema = scorer.model.schema
        test = report.get("test", {})
        fields = [FieldSummary(name=f.name, label=f.title, kind=f.kind, levels=list(f.levels) or None, low=f.low,
                               high=f.high, actionable=f.actionable, help=f.help) for f in schema.fields]
        evaluation = {key: test[key] for key in OUTCOME_SUMMARY if key in test}
        if "split" in report:
            evaluation["split"] = report["split"]
        return ModelInfo(version=scorer.version, kind="outcome", target=schema.target,
                         created_at=meta.get("created_at"), preset=meta.get("preset"),
                         data_source=meta.get("data_source"), fields=fields, evaluation=evaluation)
    fields = [FieldSummary(name=f.name, label=f.label, kind=f.kind, levels=None, low=f.low, high=f.high,
                           actionable=f.actionable, help=f.help) for f in FEATURES]
    return ModelInfo(version=scorer.version, kind="builtin", target=LABEL_COLUMN, created_at=meta.get("created_at"),
                     preset=meta.get("preset"), data_source=meta.get("data_source"), fields=fields,
                     evaluation={key: report[key] for key in EVALUATION_SUMMARY if key in report})


def score_builtin(scorer: Scorer, raw: Any) -> ScoreResponse | JSONResponse:
    """One lead for the built-in model: validated by LeadRequest, then scored (or a 422 naming each field)."""
    try:
        lead = LeadRequest.model_validate(raw)
    except ValidationError as error:
        return _error(422, "invalid request", field_errors(error.errors()))
    try:
        result = scorer.score_lead(lead.model_dump(exclude={"lead_id"}))
    except LeadError as error:
        return _error(422, "invalid request", [FieldError(field=error.field, reason=error.reason)])
    return ScoreResponse(**_lead_score(result), lead_id=lead.lead_id, model_version=result.model_version)


def _answer(scorer: AnyScorer, answer: BaseModel | JSONResponse) -> JSONResponse:
    """The answer as JSON, stamped with the version of the model that gave it."""
    response = answer if isinstance(answer, JSONResponse) else JSONResponse(answer.model_dump(mode="json"))
    response.headers[MODEL_VERSION_HEADER] = scorer.version
    return response


# ---------------------------------------------------------------- the app


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
    app.add_exception_handler(BodyError, _on_bad_body)
    openapi.follow_active_model(app, lambda: holder.scorer, api_key is not None)

    def current_scorer(response: Response) -> AnyScorer:
        """The scorer this request keeps to the end, its version stamped on the response."""
        scorer = holder.scorer
        if scorer is None:
            raise ModelNotLoadedError
        response.headers[MODEL_VERSION_HEADER] = scorer.version
        return scorer

    async def body_and_scorer(request: Request) -> tuple[AnyScorer, Any]:
        """The scorer this request keeps to the end, and the body as JSON (BodyError when it is not)."""
        scorer = holder.scorer
        if scorer is None:
            raise ModelNotLoadedError
        return scorer, await read_json(request)

    scored = {"description": "The lead's score; its shape follows the active model (see /openapi.json, "
                             "which changes when another model version is activated)."}

    @app.post(openapi.SCORE_PATH, tags=["scoring"], responses={200: scored, **_ERRORS})
    async def score(request: Request) -> JSONResponse:
        """Score one lead. Built-in model: tier, probability of each tier, confidence, top three reasons,
        follow-up action. Outcome model: chance of conversion, score 0-100, tier, reasons and each field's
        contribution; the lead's keys are the CRM file's column names, its values as in the file."""
        scorer, raw = await body_and_scorer(request)
        if is_outcome(scorer):
            try:
                return _answer(scorer, score_one(scorer, raw))
            except LeadRefusedError as refused:
                return _answer(scorer, _error(422, "invalid request", refused.errors))
        return _answer(scorer, score_builtin(scorer, raw))

    @app.post(openapi.BATCH_PATH, tags=["scoring"], responses={200: scored, **_ERRORS},
              description=f"Score up to {MAX_BATCH_LEADS} leads. Each lead is checked on its own: an invalid "
                          "lead gets its errors (field and reason) and the valid ones are still scored. "
                          "Results keep the request order.")
    async def batch(request: Request) -> JSONResponse:
        scorer, raw = await body_and_scorer(request)
        try:
            body = BatchRequest.model_validate(raw)
        except ValidationError as error:
            return _answer(scorer, _error(422, "invalid request", field_errors(error.errors())))
        if is_outcome(scorer):
            return _answer(scorer, await asyncio.to_thread(score_many, scorer, body.leads))
        return _answer(scorer, await asyncio.to_thread(score_batch, scorer, body.leads))

    @app.get("/v1/model", response_model=ModelInfo, tags=["model"], responses={401: _ERRORS[401], 503: _ERRORS[503]})
    def model(response: Response) -> ModelInfo:
        """The active model: its kind, version, target, the fields a lead carries, and the summary of its
        evaluation on held-out leads."""
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
