"""``GET /healthz`` and ``GET /readyz``: the probes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from leadscore.api.replies import Ready, Status

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=Status)
async def healthz() -> Status:
    """Liveness: the process answers."""
    return Status(status="ok")


@router.get("/readyz", response_model=Ready, responses={503: {"model": Ready, "description": "No model loaded yet."}})
async def readyz(request: Request) -> Ready | JSONResponse:
    """Readiness: 200 once a model is loaded, 503 before; ``model_signature`` says whether the loaded model is
    signed (``unsigned`` deserves a look). With LEADSCORE_RECORD=1, ``recording`` says
    whether scored leads are being recorded ("degraded" when the store cannot be written or the queue
    overflows; scoring goes on either way)."""
    holder, recorder = request.app.state.models, request.app.state.recorder
    scorer = holder.scorer
    recording = recorder.status() if recorder is not None else None
    if scorer is None:
        return JSONResponse(Ready(status="loading", detail=holder.problem, recording=recording).model_dump(),
                            status_code=503)
    return Ready(status="ready", model_version=scorer.version, recording=recording,
                 model_signature=holder.signature_of(scorer.version))
