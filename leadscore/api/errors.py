"""The documented refusals of every route, and the handlers that turn exceptions into them (one shape)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from leadscore.api.body import BodyError
from leadscore.api.dependencies import ModelNotLoadedError
from leadscore.api.middleware import API_KEY_HEADER, MODEL_VERSION_HEADER, NOT_RECORDED_HEADER
from leadscore.api.replies import INVALID, ErrorResponse, FieldError, field_errors, refusal
from leadscore.scoring.scorer import Scorer
from leadscore.settings import ENV_API_KEY

#: The largest request body accepted: a full batch of MAX_BATCH_LEADS leads takes about 400 kB.
MAX_BODY_BYTES = 1_048_576
#: The most field errors one refusal lists (a hostile body can break thousands of items).
MAX_ERRORS = 50

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": f"Missing or wrong {API_KEY_HEADER} header (only once the "
                                                 f"server has an API key: `leadscore keys add`, or {ENV_API_KEY})."},
    403: {"model": ErrorResponse, "description": "The API key lacks this endpoint's scope (score, outcomes, models)."},
    413: {"model": ErrorResponse, "description": f"Request body over {MAX_BODY_BYTES:,} bytes."},
    422: {"model": ErrorResponse, "description": "Invalid request: each error names the field and the reason."},
    503: {"model": ErrorResponse, "description": "No model loaded yet (see /readyz)."},
}


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


def add_handlers(app: FastAPI) -> None:
    """Every refusal in the one shape of replies.py."""
    app.add_exception_handler(RequestValidationError, _on_invalid_request)
    app.add_exception_handler(HTTPException, _on_http_error)
    app.add_exception_handler(ModelNotLoadedError, _on_no_model)
    app.add_exception_handler(BodyError, _on_bad_body)


def answer(scorer: Scorer, reply: dict[str, Any] | JSONResponse, not_recorded: str | None = None) -> JSONResponse:
    """The answer as JSON, stamped with the version of the model that gave it, and with why its leads were not
    recorded when the server records but this request's key may not (``dependencies.Scoring.not_recorded``)."""
    response = reply if isinstance(reply, JSONResponse) else JSONResponse(reply)
    response.headers[MODEL_VERSION_HEADER] = scorer.version
    if not_recorded is not None:
        response.headers[NOT_RECORDED_HEADER] = not_recorded
    return response
