"""Plain ASGI middleware around the API: request log, API key, body size limit.

Plain ASGI rather than Starlette's BaseHTTPMiddleware: each layer costs a
function call, not a task and a stream. Order, outermost first:
``AccessLog`` (so refused requests are logged too) -> ``ApiKey`` (401/403, key_check.py) -> ``BodyLimit``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leadscore.api.key_check import KeyCheck

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

API_KEY_HEADER = "X-API-Key"
MODEL_VERSION_HEADER = "X-Model-Version"
#: On a scoring answer of a server that records (LEADSCORE_RECORD=1) whose key lacks the ``record`` scope: why
#: the scored leads were not recorded.
NOT_RECORDED_HEADER = "X-Not-Recorded"
#: Where ``ApiKey`` leaves the request's key (its name and scopes, never the key) in the ASGI scope.
KEY_IN_SCOPE = "leadscore.api_key"

access_log = logging.getLogger("leadscore.api.app.access")


async def send_json(send: Send, status: int, body: dict[str, Any],
                    headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    """Answer a request from middleware, before it reaches the app."""
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode()), *headers]})
    await send({"type": "http.response.body", "body": payload})


class AccessLog:
    """One log line per request: method, path, status, latency, model version, the API key's name (never the
    key, never the body)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        seen: dict[str, Any] = {"status": 500, "model_version": None}

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
                for name, value in message.get("headers", ()):
                    if name.lower() == MODEL_VERSION_HEADER.lower().encode():
                        seen["model_version"] = value.decode("latin-1")
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            access_log.info("request", extra={"http": {
                "method": scope["method"], "path": scope["path"], "status": seen["status"],
                "latency_ms": round((time.perf_counter() - started) * 1000, 2),
                "model_version": seen["model_version"],
                "api_key": key.name if (key := scope.get(KEY_IN_SCOPE)) is not None else None,
            }})


class ApiKey:
    """When keys are asked for (key_check.py), refuse /v1/ requests without a valid key (401) or whose key lacks
    the path's scope (403); the key found is left in the request's scope for the access log and recording."""

    def __init__(self, app: ASGIApp, check: KeyCheck, scopes: Mapping[str, str], protected_prefix: str = "/v1/"
                 ) -> None:
        self.app = app
        self.check = check
        self.scopes = scopes
        self.prefix = protected_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        wanted = API_KEY_HEADER.lower().encode()
        given = next((value for name, value in scope["headers"] if name.lower() == wanted), b"")
        checked = self.check.cached(given)
        if checked is None:  # not cached: ask the store, off the event loop
            checked = await asyncio.to_thread(self.check.check, given)
        if checked.problem is not None:
            await send_json(send, 503, {"detail": f"{checked.problem}; retry later", "errors": []},
                            [(b"retry-after", b"5")])
            return
        if checked.required and checked.key is None:
            await send_json(send, 401, {"detail": f"missing or wrong {API_KEY_HEADER} header", "errors": []},
                            [(b"www-authenticate", API_KEY_HEADER.encode())])
            return
        if checked.key is not None:
            scope[KEY_IN_SCOPE] = checked.key
            needed = self.scopes.get(scope["path"].rstrip("/") or "/")
            if needed is not None and not checked.key.allows(needed):
                await send_json(send, 403, {"detail": f"the API key {checked.key.name!r} may not do this: it needs "
                                                      f"the {needed!r} scope", "errors": []})
                return
        await self.app(scope, receive, send)


class BodyLimit:
    """Refuse bodies over ``max_bytes`` with 413, by Content-Length and while reading.

    The body is read here, up to the limit, then handed to the app: a client
    cannot get past the limit by omitting Content-Length or sending chunks.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _too_large(self, send: Send) -> None:
        await send_json(send, 413, {"detail": f"request body over the limit of {self.max_bytes:,} bytes",
                                    "errors": [{"field": "body", "reason": "too large"}]})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = next((value for name, value in scope["headers"] if name.lower() == b"content-length"), None)
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._too_large(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
