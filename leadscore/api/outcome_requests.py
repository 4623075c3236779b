"""Request and response models of an outcome model, generated from its schema (one per model version).

An outcome model's fields are its CRM's own columns, so its request model is
built at run time with ``pydantic.create_model`` from ``Schema`` and
cached per model version. A lead's keys are the file's column names, matched
like headers (any case, spaces, dashes, underscores); values are written as in
the file (text, numbers, true/false, null; empty text or a placeholder such
as ``unknown`` is a missing value); other keys (an ID, a name) are allowed and
ignored. Each field accepts exactly what its OpenAPI schema promises: the
engine's own cell rule (``Field.parse_cell``), with numbers in text limited to
a plain decimal form so the document can state the rule as a pattern.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    WithJsonSchema,
    create_model,
    model_validator,
)
from pydantic_core import PydanticCustomError

from leadscore.api.requests import FieldError
from leadscore.fields import field as crm
from leadscore.fields.builtin import header_key

#: The longest echo of a refused value in an error (the value is the client's own cell).
MAX_ECHO = 60
#: A number written as text: plain decimal, optional exponent; bounded so it is always finite.
NUMBER_TEXT = r"[-+]?(\d{1,100}(\.\d*)?|\.\d+)([eE][-+]?\d{1,2})?"


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


def _text_pattern(words: tuple[str, ...], extra: str = "") -> str:
    """A pattern for text that is one of ``words`` (any case) or matches ``extra``, with spaces around."""
    choices = [_any_case(w) for w in sorted(set(words), key=len, reverse=True) if w]
    if extra:
        choices.insert(0, extra)
    return r"^\s*(" + "|".join(choices) + r")?\s*$"


def echo(value: object) -> str:
    """A refused value as an error shows it: repr, shortened, ASCII only (safe whatever was sent)."""
    text = ascii(value)
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 1] + "…"


def _refuse(reason: str, value: object = None) -> PydanticCustomError:
    if value is None:
        return PydanticCustomError("field_value", "{reason}", {"reason": reason})
    return PydanticCustomError("field_value", "{reason}: {value}", {"reason": reason, "value": echo(value)})


def _checker(f: crm.Field, placeholders: frozenset[str], number_text: re.Pattern[str]) -> Callable[[Any], Any]:
    """The validator of one field: the engine's cell rule, plus one JSON value per field."""

    def check(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, (dict, list)):
            raise _refuse("must be one value (text, number, true/false or null), not "
                          + ("an object" if isinstance(value, dict) else "a list"))
        if not isinstance(value, (str, int, float)):
            raise _refuse("not a JSON value", type(value).__name__)
        if isinstance(value, float) and not math.isfinite(value):
            raise _refuse("not a finite number", value)
        if f.kind in ("number", "integer") and isinstance(value, str) and not number_text.fullmatch(value):
            raise _refuse("not a number", value)
        _, reason = f.parse_cell(value, placeholders)
        if reason:
            raise _refuse(reason, value)
        return value

    return check


def _range_words(f: crm.Field) -> str:
    if f.low is None or f.high is None:
        return ""
    return f" Seen in training: {crm.format_number(f.low)} to {crm.format_number(f.high)} (not a limit)."


def _field_schema(f: crm.Field, placeholders: tuple[str, ...]) -> dict[str, Any]:
    """The field in the OpenAPI document: what it accepts, its levels or observed range, its words."""
    empty = "Empty text, null, an absent key or a placeholder (unknown, N/A, Select…) is a missing value."
    null = {"type": "null"}
    if f.kind == "category":
        levels = list(f.levels)
        shown = ", ".join(levels[:30]) + ("…" if len(levels) > 30 else "")
        schema: dict[str, Any] = {
            "anyOf": [{"type": "string", "examples": levels}, {"type": "number"}, {"type": "boolean"}, null],
            "description": f"{f.help} Category; levels: {shown}. Any other value is scored as '{crm.OTHER}'. "
                           f"{empty}".strip(),
            "x-levels": levels}
    elif f.kind == "flag":
        words = (*crm.FLAG_TRUE, *crm.FLAG_FALSE, *placeholders)
        schema = {"anyOf": [{"type": "boolean"}, {"enum": [0, 1]},
                            {"type": "string", "pattern": _text_pattern(words)}, null],
                  "description": f"{f.help} Yes or no: true/false, 1/0, or yes/no, y/n, true/false as text. "
                                 f"{empty}".strip()}
    else:
        kind_words = "Whole number" if f.kind == "integer" else "Number"
        schema = {"anyOf": [{"type": "number"}, {"type": "string", "pattern": _text_pattern(placeholders, NUMBER_TEXT)},
                            null],
                  "description": f"{f.help} {kind_words}, as a JSON number or as text (\"1200\")."
                                 f"{_range_words(f)} {empty}".strip()}
        if f.low is not None and f.high is not None:
            schema["x-range"] = [f.low, f.high]
    return {"title": f.title, "x-kind": f.kind, "x-actionable": f.actionable, **schema}


def _canonical_keys(schema: crm.Schema) -> Callable[[Any], Any]:
    """Rename a lead's keys to the fields they mean, as headers are matched (``Schema.map_columns``:
    an exact name wins over other spellings); refuse two spellings of one field with no exact name."""
    keys = {header_key(f.name) for f in schema.fields}

    def rename(raw: Any) -> Any:
        if not isinstance(raw, dict):
            return raw
        match = schema.map_columns(raw.keys())
        if match.conflicts:
            raise PydanticCustomError("key_conflict", "{problem}", {"problem": match.problem()})
        chosen = {header: name for name, header in match.headers.items()}
        return {chosen.get(k, k): v for k, v in raw.items() if k in chosen or header_key(k) not in keys}

    return rename


def _python_name(j: int) -> str:
    return f"field_{j}"


#: Request models built, per model version (a few: the active one and those activated before it).
_BUILT: dict[str, tuple[crm.Schema, type[BaseModel]]] = {}
_KEEP = 8


def _build_lead_model(version: str, schema: crm.Schema) -> type[BaseModel]:
    number_text = re.compile(_text_pattern(schema.placeholders, NUMBER_TEXT))  # as documented
    placeholders = frozenset(p.strip().lower() for p in schema.placeholders)
    fields: dict[str, Any] = {}
    for j, f in enumerate(schema.fields):
        annotated = Annotated[Any, PlainValidator(_checker(f, placeholders, number_text)),
                              WithJsonSchema(_field_schema(f, schema.placeholders))]
        fields[_python_name(j)] = (annotated, Field(default=None, alias=f.name))
    rename = _canonical_keys(schema)
    example = {f.name: (f.levels[0] if f.levels else "" if f.low is None else crm.format_number(f.low).replace(",", ""))
               for f in schema.fields}
    return create_model(
        "OutcomeLeadRequest",
        __config__=ConfigDict(extra="allow", populate_by_name=False,
                              json_schema_extra={"examples": [{"Lead ID": "crm-48213", **example}]}),
        __doc__=f"One lead of model {version}: keys are the CRM file's column names (any case; spaces, "
                "dashes and underscores ignored), values as in the file. Every field may be missing; "
                "other keys (an ID, a name) are allowed and ignored.",
        __validators__={"canonical_keys": model_validator(mode="before")(
            classmethod(lambda _cls, raw: rename(raw)))},
        **fields,
    )


def lead_model(version: str, schema: crm.Schema) -> type[BaseModel]:
    """The request model of one lead for this model version (built once per version)."""
    built = _BUILT.get(version)
    if built is not None and (built[0] is schema or built[0] == schema):
        return built[1]
    model = _build_lead_model(version, schema)
    _BUILT[version] = (schema, model)
    while len(_BUILT) > _KEEP:
        _BUILT.pop(next(iter(_BUILT)))
    return model


def lead_values(lead: BaseModel, schema: crm.Schema) -> dict[str, Any]:
    """A validated lead as {field name: value as sent}, for ``OutcomeScorer.score_lead``."""
    return {f.name: getattr(lead, _python_name(j)) for j, f in enumerate(schema.fields)}


def lead_id(raw: Any, schema: crm.Schema) -> str | None:
    """The lead's id, echoed back: the model's ID column or a ``lead_id`` key, when it is text or a whole number."""
    if not isinstance(raw, dict):
        return None
    wanted = {header_key(k) for k in (schema.id_column, "lead_id") if k}
    for key, value in raw.items():
        if header_key(key) in wanted and isinstance(value, (str, int)) and not isinstance(value, bool):
            return str(value)[:200]
    return None


# ---------------------------------------------------------------- responses


class OutcomeLeadScore(BaseModel):
    """A lead's chance of conversion, score, tier, reasons and the SHAP waterfall behind them."""

    p_convert: float = Field(ge=0, le=1, description="The calibrated chance that the lead converts.")
    score: int = Field(ge=0, le=100, description="p_convert as a whole score 0-100.")
    tier: Literal["High", "Medium", "Low"] = Field(description="The tier from the model's bands.")
    reasons: list[str] = Field(description="Why this tier, strongest first, in the file's own words: "
                                           "\"Job: retired (raises)\".")
    base_value: float = Field(description="The model's base log-odds; base_value + sum(contributions) "
                                          "= logit(p_convert).")
    contributions: dict[str, float] = Field(description="Each field's exact SHAP contribution to the "
                                                        "log-odds of conversion.")


class OutcomeScoreResponse(OutcomeLeadScore):
    """The score of one lead by an outcome model."""

    lead_id: str | None = Field(description="The lead's id column (or lead_id key) sent, or null.")
    model_version: str = Field(description="The model version that scored the lead.")
    model_kind: Literal["outcome"] = "outcome"


class OutcomeBatchResult(BaseModel):
    """One lead of a batch: its score, or why it could not be scored."""

    index: int = Field(ge=0, description="The lead's position in the request (0-based).")
    lead_id: str | None = Field(description="The lead's id column (or lead_id key) sent, or null.")
    score: OutcomeLeadScore | None = Field(description="The score, or null when the lead is invalid.")
    errors: list[FieldError] = Field(description="Empty when the lead was scored.")


class OutcomeBatchResponse(BaseModel):
    """Every lead of a batch, in request order."""

    model_version: str
    model_kind: Literal["outcome"] = "outcome"
    scored: int = Field(ge=0, description="How many leads were scored.")
    rejected: int = Field(ge=0, description="How many leads were invalid.")
    results: list[OutcomeBatchResult]
