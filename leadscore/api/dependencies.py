"""What a route asks for, as types (``ScorerDep``, ``ScorerAndBody``): the served model and the request body.

The app keeps its state on ``app.state`` (the model holder, the recorder, the settings); routes get it
through these dependencies instead of closures, so each router is a plain module.

Each dependency is an ``async def`` although none waits: FastAPI runs a plain ``def`` dependency in its
thread pool, and two such hops per scored lead made POST /v1/score about a fifth slower.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request, Response

from leadscore.api.body import read_json
from leadscore.api.current_model import ModelHolder
from leadscore.api.middleware import KEY_IN_SCOPE, MODEL_VERSION_HEADER
from leadscore.permissions import RECORD
from leadscore.scoring.scorer import Scorer
from leadscore.settings import Settings


class ModelNotLoadedError(Exception):
    """Raised by a handler when the first model is still loading."""


def _holder(request: Request) -> ModelHolder:
    holder: ModelHolder = request.app.state.models
    return holder


async def current_scorer(request: Request, response: Response) -> Scorer:
    """The scorer this request keeps to the end, its version stamped on the response."""
    scorer = _holder(request).scorer
    if scorer is None:
        raise ModelNotLoadedError
    response.headers[MODEL_VERSION_HEADER] = scorer.version
    return scorer


async def scorer_and_body(request: Request) -> tuple[Scorer, Any]:
    """The scorer this request keeps to the end, and the body as JSON (BodyError when it is not)."""
    scorer = _holder(request).scorer
    if scorer is None:
        raise ModelNotLoadedError
    return scorer, await read_json(request)


async def settings(request: Request) -> Settings:
    """The settings the app was built with."""
    value: Settings = request.app.state.settings
    return value


def _not_recorded(request: Request) -> str | None:
    key = request.scope.get(KEY_IN_SCOPE)
    if request.app.state.recorder is None or key is None or key.allows(RECORD):
        return None
    return f"the API key {key.name!r} lacks the {RECORD!r} scope, so the scored leads are not recorded"


async def not_recorded(request: Request) -> str | None:
    """Why this request's scored leads are not recorded although the server records (LEADSCORE_RECORD=1): its
    API key lacks the ``record`` scope (a test form, a what-if). None: they are recorded, or the server records
    nothing (a setting of the server, not of the request). The scoring routes answer it in ``X-Not-Recorded``."""
    return _not_recorded(request)


async def keep_scored(request: Request) -> Callable[..., None] | None:
    """Where scored leads go to be recorded (the recorder's ``offer``), or None when recording is off or the
    request's API key lacks the ``record`` scope (it scores without adding to the results: ``not_recorded``)."""
    recorder = request.app.state.recorder
    if recorder is None or _not_recorded(request) is not None:
        return None
    return recorder.offer


ScorerDep = Annotated[Scorer, Depends(current_scorer)]
ScorerAndBody = Annotated[tuple[Scorer, Any], Depends(scorer_and_body)]
SettingsDep = Annotated[Settings, Depends(settings)]
KeepDep = Annotated[Callable[..., None] | None, Depends(keep_scored)]
NotRecordedDep = Annotated[str | None, Depends(not_recorded)]
