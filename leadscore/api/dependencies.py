"""What a route asks for, as types (``ScorerDep``, ``ScoringDep``): the served model and the request body.

The app keeps its state on ``app.state`` (the model holder, the recorder, the settings); routes get it
through these dependencies instead of closures, so each router is a plain module.

Each dependency is an ``async def`` although none waits: FastAPI runs a plain ``def`` dependency in its
thread pool, and two such hops per scored lead made POST /v1/score about a fifth slower. A scoring route asks
for one dependency (``Scoring``) rather than three: FastAPI's solving of each costs every request its time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Scoring:
    """What a scoring route needs: the scorer this request keeps to the end, the body as JSON, where its scored
    leads go to be recorded and why they are not."""

    scorer: Scorer
    body: Any
    #: The recorder's ``offer``, or None when recording is off or the request's API key lacks the ``record``
    #: scope (it scores without adding to the results: ``not_recorded``).
    keep: Callable[..., None] | None
    #: Why this request's scored leads are not recorded although the server records (LEADSCORE_RECORD=1): its
    #: API key lacks the ``record`` scope (a test form, a what-if). None: they are recorded, or the server
    #: records nothing (a setting of the server, not of the request). The routes answer it in ``X-Not-Recorded``.
    not_recorded: str | None


async def scoring(request: Request) -> Scoring:
    """The ``Scoring`` of a request; ModelNotLoadedError before the first model, BodyError when the body is not
    JSON."""
    scorer = _holder(request).scorer
    if scorer is None:
        raise ModelNotLoadedError
    body = await read_json(request)
    why = _not_recorded(request)
    recorder = request.app.state.recorder
    return Scoring(scorer, body, None if recorder is None or why is not None else recorder.offer, why)


async def settings(request: Request) -> Settings:
    """The settings the app was built with."""
    value: Settings = request.app.state.settings
    return value


def _not_recorded(request: Request) -> str | None:
    key = request.scope.get(KEY_IN_SCOPE)
    if request.app.state.recorder is None or key is None or key.allows(RECORD):
        return None
    return f"the API key {key.name!r} lacks the {RECORD!r} scope, so the scored leads are not recorded"


ScorerDep = Annotated[Scorer, Depends(current_scorer)]
ScoringDep = Annotated[Scoring, Depends(scoring)]
SettingsDep = Annotated[Settings, Depends(settings)]
