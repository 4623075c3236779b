"""``GET /v1/model``: the active model, its kind, fields and evaluation summary."""

from __future__ import annotations

from fastapi import APIRouter, Request

from leadscore.api.dependencies import ScorerDep
from leadscore.api.errors import ERRORS
from leadscore.api.model_summary import ModelInfo, model_info

router = APIRouter(tags=["model"])


@router.get("/v1/model", response_model=ModelInfo, responses={401: ERRORS[401], 403: ERRORS[403], 503: ERRORS[503]})
def model(scorer: ScorerDep, request: Request) -> ModelInfo:
    """The active model: its version, its kind (what it predicts), its target column, whether it is signed,
    the fields a lead carries, and the summary of its evaluation on held-out leads."""
    return model_info(scorer, request.app.state.models.signature_of(scorer.version))
