"""The REST API: score a lead the moment it signs up, with the engine the dashboard uses.

    leadscore serve --port 8000          # or: create_app(models_dir) under any ASGI server

Endpoints (docs/api.md; the OpenAPI document is at /openapi.json, the docs at /docs):
``POST /v1/score``, ``POST /v1/score/batch``, ``GET /v1/model``, ``GET /healthz``,
``GET /readyz``, ``POST /v1/outcomes``: one router per resource in ``routes/``, their shared
dependencies as types in ``dependencies.py``, the environment read once into ``Settings``
(``leadscore/settings.py``). The API serves the registry's active model, whatever its target,
and follows it without a restart (current_model.py). The request and response
models are generated from the model's schema and target (shapes.py) and leads
are scored through one path (scoring.py); the routes never ask which kind of
model they serve. The scoring routes read the body by hand (body.py) to validate
it with the active model's request model, and the OpenAPI document follows the
active model (openapi.py). Refusals have one shape (replies.py). The request
log, API key (its scopes, key_check.py) and body limit are plain ASGI layers (middleware.py). With
``LEADSCORE_RECORD=1`` every scored lead is recorded in the store off the
request path (recording.py); outcomes come back through POST /v1/outcomes
(outcomes.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable

from fastapi import FastAPI

from leadscore.api import openapi
from leadscore.api.access_log import log_config
from leadscore.api.current_model import POLL_SECONDS, ModelHolder
from leadscore.api.errors import MAX_BODY_BYTES, add_handlers
from leadscore.api.key_check import KeyCheck
from leadscore.api.middleware import AccessLog, ApiKey, BodyLimit
from leadscore.api.recording import Recorder
from leadscore.api.routes import model, operations, outcomes, scoring
from leadscore.api.shapes import MAX_BATCH_LEADS
from leadscore.permissions import MODELS, OUTCOMES_SCOPE, SCORE
from leadscore.settings import ENV_MODELS_DIR, Settings
from leadscore.store import Store, database

#: The scope an API key needs for each path (``record`` decides whether its scored leads are recorded).
KEY_SCOPES = {openapi.SCORE_PATH: SCORE, openapi.BATCH_PATH: SCORE, "/v1/outcomes": OUTCOMES_SCOPE,
              "/v1/model": MODELS}

log = logging.getLogger(__name__)


def create_app(models_dir: str | os.PathLike[str] | None = None, *, poll_seconds: float = POLL_SECONDS,
               settings: Settings | None = None) -> FastAPI:
    """The API app serving the active model of a registry (default: $LEADSCORE_MODELS_DIR or models/).

    The model loads in the background at startup (/readyz answers 503 until then)
    and is swapped when the registry's active version changes. /v1/ endpoints ask for the
    X-API-Key header once the store has a key (``leadscore keys add``) or $LEADSCORE_API_KEY is set.
    """
    settings = settings or Settings.from_environment(models_dir=models_dir)
    holder = ModelHolder(settings.models_dir)
    key_check = KeyCheck(database.database_url(settings.database_url, settings.models_dir), settings.api_key)
    recorder = (Recorder(lambda: Store.open(models_dir=settings.models_dir), drain_seconds=settings.drain_seconds)
                if settings.record else None)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        watcher = asyncio.create_task(holder.watch(poll_seconds))
        if recorder is not None:
            recorder.start()
        stop_webhooks = _start_webhooks(settings)
        yield
        if stop_webhooks is not None:
            await asyncio.to_thread(stop_webhooks)
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        if recorder is not None:
            await asyncio.to_thread(recorder.close)  # writes what is still queued
        key_check.close()

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
    app.state.settings = settings
    add_handlers(app)
    for router in (scoring.router, outcomes.router, model.router, operations.router):
        app.include_router(router)
    openapi.follow_active_model(app, lambda: holder.scorer, lambda: key_check.check(b"").required)
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(ApiKey, check=key_check, scopes=KEY_SCOPES)
    app.add_middleware(AccessLog)
    return app


def _start_webhooks(settings: Settings) -> Callable[[], None] | None:
    """With $LEADSCORE_WEBHOOK_URL: deliver the outbox in the background while the API runs."""
    if not settings.webhooks_on or settings.webhook_secret is None or settings.webhook_url is None:
        return None
    from leadscore.workflows import webhooks

    return webhooks.start_in_background(lambda: Store.open(models_dir=settings.models_dir), settings.webhook_url,
                                        settings.webhook_secret, webhooks.registry_names(settings.models_dir))


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
