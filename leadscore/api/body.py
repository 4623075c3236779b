"""A request body read as JSON by hand, so the route can pick the request model of the active model.

FastAPI validates a body against a model fixed when the route is declared; the
API's model can change at run time (an outcome model's fields are its CRM's
columns), so the scoring routes read the body here and validate it themselves.
Whatever a client sends, the answer is a ``BodyError`` with one clear reason
(a 422), never an exception that becomes a 500.
"""

from __future__ import annotations

import functools
import json
from email.message import Message
from typing import Any

from starlette.requests import Request


class BodyError(Exception):
    """The body is not a JSON value; ``reason`` says why in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@functools.lru_cache(maxsize=64)  # a client sends the same header every time; parsing it cost a tenth of reading a body
def _is_json(content_type: str | None) -> bool:
    """No Content-Type, or application/json or a +json type (as FastAPI decides)."""
    if not content_type:
        return True
    message = Message()
    message["content-type"] = content_type
    main, _, sub = message.get_content_type().partition("/")
    return main == "application" and (sub == "json" or sub.endswith("+json"))


def parse_json(body: bytes, content_type: str | None = None) -> Any:
    """The body as a JSON value; BodyError when it is empty, not UTF-8, not JSON, or nested too deep."""
    if not _is_json(content_type):
        raise BodyError("send JSON with Content-Type: application/json")
    if not body.strip():
        raise BodyError("empty body; send a JSON object")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BodyError("not UTF-8 text") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise BodyError("not valid JSON: nested too deep") from None
    except ValueError:  # JSONDecodeError, and integers over Python's 4,300-digit limit
        raise BodyError("not valid JSON") from None


async def read_json(request: Request) -> Any:
    """The request's body as a JSON value (see ``parse_json``)."""
    return parse_json(await request.body(), request.headers.get("content-type"))
