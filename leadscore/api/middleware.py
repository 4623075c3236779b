"""Plain ASGI middleware around the API: request log, API key, body size limit.

Plain ASGI rather than Starlette's BaseHTTPMiddleware: each layer costs a
function call, not a task and a stream. Order, outermost first:
``AccessLog`` (so refused requests are logged too) -> ``ApiKey`` -> ``BodyLimit``.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

API_KEY_HEADER = "X-API-Key"
MODEL_VERSION_HEADER = "X-Model-Version"

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
    """One log line per request: method, path, status, latency, model version. Never the body."""

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
            }})


class ApiKey:
    """When a key is configured, refuse /v1/ requests that do not carry it (401)."""

    def __init__(self, app: ASGIApp, key: str | None, protected_prefix: str = "/v1/") -> None:
        self.app = app
        self.key = key.encode() if key else None
        self.prefix = protected_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.key is None or scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        wanted = API_KEY_HEADER.lower().encode()
        given = next((value for name, value in scope["headers"] if name.lower() == wanted), b"")
        if not hmac.compare_digest(given, self.key):
            await send_json(send, 401, {"detail": f"missing or wrong {API_KEY_HEADER} header", "errors": []},
                            [(b"www-authenticate", API_KEY_HEADER.encode())])
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
