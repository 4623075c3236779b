"""``POST /v1/outcomes``: a CRM's won/lost results back, read with the command line's rules."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from leadscore.api.dependencies import SettingsDep
from leadscore.api.errors import ERRORS
from leadscore.api.middleware import KEY_IN_SCOPE
from leadscore.api.outcomes import OutcomesRefusedError, OutcomesRequest, OutcomesResponse, import_outcomes
from leadscore.api.recording import error_words
from leadscore.api.replies import INVALID, ErrorResponse, refusal
from leadscore.store import StoreError

log = logging.getLogger("leadscore.api.app")

router = APIRouter(tags=["results"])


@router.post("/v1/outcomes", response_model=OutcomesResponse,
             responses={**{k: v for k, v in ERRORS.items() if k != 503},
                        503: {"model": ErrorResponse, "description": "The store cannot be reached."}})
async def outcomes(body: OutcomesRequest, settings: SettingsDep, request: Request) -> OutcomesResponse | JSONResponse:
    """Take a CRM's won/lost results back: each lead's outcome, read with the same rules as
    `leadscore outcomes` and training. The answer says what was imported: outcomes matched to scored
    leads (new, unchanged, changed), IDs never scored (not stored; a few shown), open leads. Sending the
    same outcomes twice counts nothing twice; of two different outcomes for a lead the latest wins."""
    try:
        key = request.scope.get(KEY_IN_SCOPE)
        address = f"API from {request.client.host}" if request.client else "API"
        return await asyncio.to_thread(import_outcomes, body, settings.models_dir,
                                       f"API key {key.name}" if key is not None else "API (no key)", address)
    except OutcomesRefusedError as refused:
        return refusal(422, INVALID, refused.errors)
    except StoreError as error:  # the database, not the request (the request's values were checked before)
        log.warning("outcomes: the store cannot be written (%s)", error_words(error))
        return refusal(503, "the store cannot be reached; retry later", headers={"Retry-After": "5"})
