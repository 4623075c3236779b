"""The answers that do not depend on the model: a refusal, the probes' status, and how an error is worded.

Every refusal, whatever the model and the endpoint, is one ``ErrorResponse``:
a sentence and one ``FieldError`` per field at fault, in the engine's words
("below the model's range 22–70"). Values sent are never echoed: the field
names the cell (a lead has one value per field), and an error body carries no
lead data, like the request log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

#: The detail of every 422.
INVALID = "invalid request"
#: The error types whose message is the reason itself (raised by the generated request models).
OWN_WORDS = frozenset({"field_value"})
#: Pydantic's words for "not an object", in plain words.
NOT_AN_OBJECT = {"model_type": "must be a JSON object", "dict_type": "must be a JSON object"}


class FieldError(BaseModel):
    """One reason a request (or one lead of a batch) was refused."""

    field: str = Field(description="The field at fault, as the model names it (for example 'age'), 'body' for "
                                   "the request or the lead as a whole, 'leads[3]' for an entry of a batch.")
    reason: str = Field(description="Why, in words.")


class ErrorResponse(BaseModel):
    """A refused request."""

    detail: str = Field(description="What went wrong, in one sentence.")
    errors: list[FieldError] = Field(default_factory=list, description="One entry per invalid field.")


class Status(BaseModel):
    """Liveness or readiness."""

    status: Literal["ok", "ready", "loading"]
    model_version: str | None = None
    detail: str | None = None


class Recording(BaseModel):
    """Whether the API records the leads it scores (LEADSCORE_RECORD=1), and the counts since it started."""

    state: Literal["ok", "degraded"] = Field(description="degraded: the store cannot be written, the queue "
                                                         "overflowed, or the store refused a lead in the last "
                                                         "minute; scoring goes on.")
    detail: str | None = Field(description="Why degraded, in words (never lead data).")
    queued: int = Field(description="Scored leads waiting to be written.")
    recorded: int = Field(description="Scored leads written.")
    dropped: int = Field(description="Scored leads not recorded because the queue was full.")
    refused: int = Field(description="Scored leads the store refused one by one (a value it cannot hold); the "
                                     "other leads of their batch were recorded.")
    failed: int = Field(description="Scored leads not recorded because of an error: refused, or still unwritten "
                                    "when the drain at shutdown ended.")


class Ready(Status):
    """Readiness, and recording when it is on."""

    recording: Recording | None = None
    model_signature: str | None = Field(
        default=None, description="The loaded model's signature: signed, unsigned (worth a look) or 'signed, not "
                                  "checked' (no signing key here).")


def field_name(loc: Sequence[str | int]) -> str:
    """A pydantic error location as a field name: ("body", "age") -> "age", ("leads", 1) -> "leads[1]"."""
    parts = list(loc[1:] if loc and loc[0] == "body" else loc)
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


def field_errors(errors: Sequence[Any]) -> list[FieldError]:
    """Pydantic errors (``ValidationError.errors()``) as field + reason, without the values sent."""
    out = []
    for error in errors:
        kind = error["type"]
        if kind == "json_invalid":
            out.append(FieldError(field="body", reason="not valid JSON"))
            continue
        reason = str(error["ctx"]["reason"]) if kind in OWN_WORDS else NOT_AN_OBJECT.get(kind, str(error["msg"]))
        out.append(FieldError(field=field_name(error.get("loc", ())), reason=reason))
    return out


def refusal(status: int, detail: str, errors: Sequence[FieldError] = (),
            headers: Mapping[str, str] | None = None) -> JSONResponse:
    """An ``ErrorResponse`` with its status."""
    body = ErrorResponse(detail=detail, errors=list(errors)).model_dump()
    return JSONResponse(body, status_code=status, headers=headers)
