"""``POST /v1/score`` and ``POST /v1/score/batch``: one lead, or up to MAX_BATCH_LEADS, with the active model."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from leadscore.api import openapi
from leadscore.api.dependencies import ScoringDep
from leadscore.api.errors import ERRORS, answer
from leadscore.api.middleware import NOT_RECORDED_HEADER
from leadscore.api.replies import INVALID, field_errors, refusal
from leadscore.api.scoring import LeadRefusedError, score_many, score_one
from leadscore.api.shapes import MAX_BATCH_LEADS, shapes_for

router = APIRouter(tags=["scoring"])

_SCORED = {"description": "The lead's score; its chance fields follow the active model's target (see "
                          "/openapi.json, which changes when another model version is activated).",
           "headers": {NOT_RECORDED_HEADER: {
               "description": "Only when the server records scored leads (LEADSCORE_RECORD=1) and the request's API "
                              "key lacks the 'record' scope: why the scored leads were not recorded.",
               "schema": {"type": "string"}}}}


@router.post(openapi.SCORE_PATH, responses={200: _SCORED, **ERRORS})
async def score(scoring: ScoringDep) -> JSONResponse:
    """Score one lead: tier, follow-up action, reasons, the chances of the model's target (each tier's
    probability, or the chance of conversion and a score 0-100) and each field's contribution. The
    lead's keys are the model's column names as in its files, its values as in the file."""
    scorer = scoring.scorer
    try:
        return answer(scorer, score_one(scorer, scoring.body, scoring.keep), scoring.not_recorded)
    except LeadRefusedError as refused:
        return answer(scorer, refusal(422, INVALID, refused.errors), scoring.not_recorded)


@router.post(openapi.BATCH_PATH, responses={200: _SCORED, **ERRORS},
             description=f"Score up to {MAX_BATCH_LEADS} leads. Each lead is checked on its own: an invalid "
                         "lead gets its errors (field and reason) and the valid ones are still scored. "
                         "Results keep the request order.")
async def batch(scoring: ScoringDep) -> JSONResponse:
    scorer, not_recorded = scoring.scorer, scoring.not_recorded
    try:
        body = shapes_for(scorer).batch_request.model_validate(scoring.body)
    except ValidationError as error:
        return answer(scorer, refusal(422, INVALID, field_errors(error.errors(include_url=False,
                                                                                 include_input=False))),
                      not_recorded)
    return answer(scorer, await asyncio.to_thread(score_many, scorer, body.model_dump()["leads"], scoring.keep),
                  not_recorded)
