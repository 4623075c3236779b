"""The REST API: score a lead the moment it signs up, with the engine the dashboard uses.

    leadscore serve --port 8000          # or: create_app(models_dir) under any ASGI server

Endpoints (docs/api.md; the OpenAPI document is at /openapi.json, the docs at /docs):
``POST /v1/score``, ``POST /v1/score/batch``, ``GET /v1/model``, ``GET /healthz``,
``GET /readyz``, ``POST /v1/outcomes``. The API serves the registry's active model, whatever its target,
and follows it without a restart (current_model.py). The request and response
models are generated from the model's schema and target (shapes.py) and leads
are scored through one path (scoring.py); the routes never ask which kind of
model they serve. The scoring routes read the body by hand (body.py) to validate
it with the active model's request model, and the OpenAPI document follows the
active model (openapi.py). Refusals have one shape (replies.py). The request
log, API key and body limit are plain ASGI layers (middleware.py). With
``LEADSCORE_RECORD=1`` every scored lead is recorded in the store off the
request path (recording.py); outcomes come back through POST /v1/outcomes
(outcomes.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException

from leadscore.api import openapi
from leadscore.api.access_log import log_config
from leadscore.api.body import BodyError, read_json
from leadscore.api.current_model import POLL_SECONDS, ModelHolder
from leadscore.api.middleware import API_KEY_HEADER, MODEL_VERSION_HEADER, AccessLog, ApiKey, BodyLimit
from leadscore.api.model_summary import ModelInfo, model_info
from leadscore.api.outcomes import OutcomesRefusedError, OutcomesRequest, OutcomesResponse, import_outcomes
from leadscore.api.recording import Recorder, error_words, recording_enabled
from leadscore.api.replies import INVALID, ErrorResponse, FieldError, Ready, Status, field_errors, refusal
from leadscore.api.scoring import LeadRefusedError, score_many, score_one
from leadscore.api.shapes import MAX_BATCH_LEADS, shapes_for
from leadscore.registry import ENV_MODELS_DIR
from leadscore.scoring.scorer import Scorer
from leadscore.store import Store, StoreUnavailableError

log = logging.getLogger(__name__)

ENV_API_KEY = "LEADSCORE_API_KEY"
#: The largest request body accepted: a full batch of MAX_BATCH_LEADS leads takes about 400 kB.
MAX_BODY_BYTES = 1_048_576

_ERRORS = {
    401: {"model": ErrorResponse, "description": f"Missing or wrong {API_KEY_HEADER} header "
                                                 f"(only when the server has {ENV_API_KEY} set)."},
    413: {"model": ErrorResponse, "description": f"Request body over {MAX_BODY_BYTES:,} bytes."},
    422: {"model": ErrorResponse, "description": "Invalid request: each error names the field and the reason."},
    503: {"model": ErrorResponse, "description": "No model loaded yet (see /readyz)."},
}
#: The most field errors one refusal lists (a hostile body can break thousands of items).
MAX_ERRORS = 50


class ModelNotLoadedError(Exception):
    """Raised by a handler when the first model is still loading."""


# ---------------------------------------------------------------- errors


async def _on_invalid_request(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = field_errors(exc.errors())
    if len(errors) > MAX_ERRORS:
        errors = [*errors[:MAX_ERRORS], FieldError(field="body", reason=f"and {len(errors) - MAX_ERRORS:,} more "
                                                                         "errors")]
    return refusal(422, INVALID, errors)


async def _on_http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400:  # FastAPI's answer to a body it cannot decode (not UTF-8): a 422 like bad JSON
        return refusal(422, INVALID, [FieldError(field="body", reason="not valid JSON")])
    return refusal(exc.status_code, str(exc.detail), headers=exc.headers)


async def _on_bad_body(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BodyError)
    return refusal(422, INVALID, [FieldError(field="body", reason=exc.reason)])


async def _on_no_model(_: Request, __: Exception) -> JSONResponse:
    return refusal(503, "no model loaded yet; retry shortly", headers={"Retry-After": "1"})


def _answer(scorer: Scorer, answer: dict[str, Any] | JSONResponse) -> JSONResponse:
    """The answer as JSON, stamped with the version of the model that gave it."""
    response = answer if isinstance(answer, JSONResponse) else JSONResponse(answer)
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
    recorder = Recorder(lambda: Store.open(models_dir=models_dir)) if recording_enabled() else None
    keep = recorder.offer if recorder is not None else None

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        watcher = asyncio.create_task(holder.watch(poll_seconds))
        if recorder is not None:
            recorder.start()
        yield
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        if recorder is not None:
            await asyncio.to_thread(recorder.close)  # writes what is still queued

    app = FastAPI(
        title="Lead scoring API",
        version="1",
        description="Sorts leads into High, Medium or Low priority with the active model (the built-in "
                    "three-tier model or one trained on a team's won/lost history), with its chances, the "
                    "follow-up and the reasons in plain words. "
                    f"Batches hold up to {MAX_BATCH_LEADS} leads; bodies up to {MAX_BODY_BYTES:,} bytes.",
        lifespan=lifespan,
    )
    app.state.models = holder
    app.state.recorder = recorder
    app.add_exception_handler(RequestValidationError, _on_invalid_request)
    app.add_exception_handler(HTTPException, _on_http_error)
    app.add_exception_handler(ModelNotLoadedError, _on_no_model)
    app.add_exception_handler(BodyError, _on_bad_body)
    openapi.follow_active_model(app, lambda: holder.scorer, api_key is not None)

    def current_scorer(response: Response) -> Scorer:
        """The scorer this request keeps to the end, its version stamped on the response."""
        scorer = holder.scorer
        if scorer is None:
            raise ModelNotLoadedError
        response.headers[MODEL_VERSION_HEADER] = scorer.version
        return scorer

    async def body_and_scorer(request: Request) -> tuple[Scorer, Any]:
        """The scorer this request keeps to the end, and the body as JSON (BodyError when it is not)."""
        scorer = holder.scorer
        if scorer is None:
            raise ModelNotLoadedError
        return scorer, await read_json(request)

    scored = {"description": "The lead's score; its chance fields follow the active model's target (see "
                             "/openapi.json, which changes when another model version is activated)."}

    @app.post(openapi.SCORE_PATH, tags=["scoring"], responses={200: scored, **_ERRORS})
    async def score(request: Request) -> JSONResponse:
        """Score one lead: tier, follow-up action, reasons, the chances of the model's target (each tier's
        probability, or the chance of conversion and a score 0-100) and each field's contribution. The
        lead's keys are the model's column names as in its files, its values as in the file."""
        scorer, raw = await body_and_scorer(request)
        try:
            return _answer(scorer, score_one(scorer, raw, keep))
        except LeadRefusedError as refused:
            return _answer(scorer, refusal(422, INVALID, refused.errors))

    @app.post(openapi.BATCH_PATH, tags=["scoring"], responses={200: scored, **_ERRORS},
              description=f"Score up to {MAX_BATCH_LEADS} leads. Each lead is checked on its own: an invalid "
                          "lead gets its errors (field and reason) and the valid ones are still scored. "
                          "Results keep the request order.")
    async def batch(request: Request) -> JSONResponse:
        scorer, raw = await body_and_scorer(request)
        try:
            body = shapes_for(scorer).batch_request.model_validate(raw)
        except ValidationError as error:
            return _answer(scorer, refusal(422, INVALID, field_errors(error.errors(include_url=False,
                                                                                     include_input=False))))
        return _answer(scorer, await asyncio.to_thread(score_many, scorer, body.leads, keep))

    @app.post("/v1/outcomes", response_model=OutcomesResponse, tags=["results"],
              responses={**{k: v for k, v in _ERRORS.items() if k != 503},
                         503: {"model": ErrorResponse, "description": "The store cannot be reached."}})
    async def outcomes(body: OutcomesRequest) -> OutcomesResponse | JSONResponse:
        """Take a CRM's won/lost results back: each lead's outcome, read with the same rules as
        `leadscore outcomes` and training. The answer says what was imported: outcomes matched to scored
        leads (new, unchanged, changed), IDs never scored (not stored; a few shown), open leads. Sending the
        same outcomes twice counts nothing twice; of two different outcomes for a lead the latest wins."""
        try:
            return await asyncio.to_thread(import_outcomes, body, models_dir)
        except OutcomesRefusedError as refused:
            return refusal(422, INVALID, refused.errors)
        except (StoreUnavailableError, SQLAlchemyError) as error:  # the database, not the request
            log.warning("outcomes: the store cannot be reached (%s)", error_words(error))
            return refusal(503, "the store cannot be reached; retry later", headers={"Retry-After": "5"})


    @app.get("/v1/model", response_model=ModelInfo, tags=["model"], responses={401: _ERRORS[401], 503: _ERRORS[503]})
    def model(response: Response) -> ModelInfo:
        """The active model: its version, its kind (what it predicts), its target column, the fields a lead
        carries, and the summary of its evaluation on held-out leads."""
        return model_info(current_scorer(response))

    @app.get("/healthz", response_model=Status, tags=["operations"])
    async def healthz() -> Status:
        """Liveness: the process answers."""
        return Status(status="ok")

    @app.get("/readyz", response_model=Ready, tags=["operations"],
             responses={503: {"model": Ready, "description": "No model loaded yet."}})
    async def readyz() -> Ready | JSONResponse:
        """Readiness: 200 once a model is loaded, 503 before. With LEADSCORE_RECORD=1, ``recording`` says
        whether scored leads are being recorded ("degraded" when the store cannot be written or the queue
        overflows; scoring goes on either way)."""
        scorer = holder.scorer
        recording = recorder.status() if recorder is not None else None
        if scorer is None:
            return JSONResponse(Ready(status="loading", detail=holder.problem, recording=recording).model_dump(),
                                status_code=503)
        return Ready(status="ready", model_version=scorer.version, recording=recording)

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
