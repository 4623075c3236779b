"""The request and response models of one model version, generated from its schema and its target.

The API serves whichever model is active, so its models are built at run time
with ``pydantic.create_model``, once per loaded model (``shapes_for``), and the
OpenAPI document is made from them (``openapi.py``). Nothing here knows which
kind of model it serves: the fields and their rules come from the ``Schema``,
the chance fields of the answer from the ``Target``.

A lead is an object whose keys are the file's own column names, matched as a
file's headers are (``Schema.lead_keys``: any case, spaces, dashes and
underscores ignored, CRM aliases included, an exact name winning over other
spellings); its values are written as in the file: text, numbers, true/false
or null. Each field's validator reads its value once, with the engine's own
cell rule (``Field.parse_cell``), and keeps the code the scorer takes
(``Scorer.score_codes``), so a value is never checked twice nor turned back
into text. What a field accepts is what its JSON schema says:

- a ``required`` field refuses an empty value ("missing value"): no null, no
  placeholder in its schema;
- a ``strict_range`` field documents ``minimum``/``maximum`` (and, for text, a
  pattern of the numbers in range) and refuses a value outside with the
  engine's words ("below the model's range 22–70");
- other fields take empty values (null, "", a placeholder such as "unknown"),
  which are scored as unknown.

Two keys meaning one field, with neither the field's exact name, are refused
naming both. A lead that fills fewer than half of the model's fields is
refused naming them: it is most likely a lead shaped for another model (after
a switch, a payload sharing one field name would otherwise be scored as an
almost empty lead). Other keys (an ID, a name, a whole CRM record) are ignored.
"""

from __future__ import annotations

import functools
import math
import re
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, PlainValidator, WithJsonSchema, create_model, model_validator
from pydantic import Field as Property
from pydantic_core import PydanticCustomError

from leadscore.api.replies import FieldError
from leadscore.fields.field import (
    EMPTY_ROW_REASON,
    FLAG_FALSE,
    FLAG_TRUE,
    MISSING_REASON,
    OTHER,
    Field,
    Schema,
    format_number,
)
from leadscore.fields.headers import conflict_message, header_key
from leadscore.fields.lead_id import ID_SCHEMA, LeadIdError, id_from_json
from leadscore.modeling.target import Target
from leadscore.modeling.tiers import TIER_ACTIONS, TIERS
from leadscore.scoring.scorer import Scorer

#: The most leads one POST /v1/score/batch may carry.
MAX_BATCH_LEADS = 1000
#: The key of a lead's id when the model's schema names no ID column.
LEAD_ID = "lead_id"
#: The most unknown keys a "missing value" names.
MAX_KEYS_NAMED = 10
#: A number written as text, as the document states it: ``Field.parse_cell``'s rule (fields.field.NUMBER_PATTERN)
#: with at most 100 digits and a two-digit exponent, so that every number it matches is finite.
NUMBER_TEXT = r"[+-]?(?:[0-9]{1,100}(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,2})?"

Tier = Literal[TIERS]  # type: ignore[valid-type]


# ---------------------------------------------------------------- one value


@dataclass(frozen=True)
class _Refused:
    """A value the lead's keys already decided against (two keys for one field, a required field absent)."""

    reason: str


def _refuse(reason: str) -> PydanticCustomError:
    return PydanticCustomError("field_value", "{reason}", {"reason": reason})


def _value_parser(f: Field, placeholders: frozenset[str]) -> Callable[[Any], float]:
    """The validator of one field: one JSON value in, its code out (``Field.parse_cell``, once)."""

    def parse(value: Any) -> float:
        if isinstance(value, _Refused):
            raise _refuse(value.reason)
        if isinstance(value, (dict, list)):
            raise _refuse("must be one value (text, number, true/false or null), not "
                          + ("an object" if isinstance(value, dict) else "a list"))
        if isinstance(value, float) and not math.isfinite(value):
            raise _refuse("not a finite number")
        code, reason = f.parse_cell(value, placeholders)
        if reason:
            raise _refuse(reason)
        return code

    return parse


def _parse_id(value: Any) -> str | None:
    """A lead's id as it is echoed back (``leadscore.fields.lead_id``: text kept as sent, a whole number as its
    digits; not blank, no control character, at most 200 characters), or None when absent."""
    if isinstance(value, _Refused):
        raise _refuse(value.reason)
    if value is None:
        return None
    try:
        return id_from_json(value)
    except LeadIdError as error:
        raise _refuse(str(error)) from None


# ---------------------------------------------------------------- the document of one field


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


def _words(words: tuple[str, ...] | frozenset[str]) -> str:
    """Alternatives matching any of ``words`` in any case, longest first."""
    return "|".join(_any_case(w) for w in sorted(set(words), key=lambda w: (-len(w), w)) if w)


def _same_length(low: str, high: str) -> list[str]:
    """Alternatives matching the whole numbers ``low``..``high``, both written with the same number of digits."""
    if low == high:
        return [low]
    rest = len(low) - 1
    if low == "0" * len(low) and high == "9" * len(high):
        return ["[0-9]" + (f"{{{len(low)}}}" if len(low) > 1 else "")]
    if rest == 0:
        return [f"[{low}-{high}]"]
    if low[0] == high[0]:
        return [low[0] + "(?:" + "|".join(_same_length(low[1:], high[1:])) + ")"]
    out = [low[0] + "(?:" + "|".join(_same_length(low[1:], "9" * rest)) + ")"]
    if int(high[0]) - int(low[0]) > 1:
        middle = f"[{int(low[0]) + 1}-{int(high[0]) - 1}]" if int(high[0]) - int(low[0]) > 2 else str(int(low[0]) + 1)
        out.append(middle + "[0-9]" + (f"{{{rest}}}" if rest > 1 else ""))
    out.append(high[0] + "(?:" + "|".join(_same_length("0" * rest, high[1:])) + ")")
    return out


def whole_numbers(low: int, high: int) -> str:
    """A regular expression matching exactly the whole numbers ``low``..``high`` (0 <= low <= high), no leading 0."""
    parts: list[str] = []
    for digits in range(len(str(low)), len(str(high)) + 1):
        first, last = max(low, 10 ** (digits - 1) if digits > 1 else 0), min(high, 10**digits - 1)
        if first <= last:
            parts.extend(_same_length(str(first), str(last)))
    return "|".join(parts)


def range_pattern(f: Field) -> str | None:
    """The numbers a ``strict_range`` field accepts, written as text (None when its limits are not whole
    numbers from 0 up: the text form is then accepted but not documented).

    The plain decimal forms (``"41"``, ``"041"``, ``"+41.0"``, ``"95000.50"``); a file's exponent form
    (``"4.1e1"``) is read too.
    """
    low, high = f.low, f.high
    if low is None or high is None or low < 0 or not float(low).is_integer() or not float(high).is_integer():
        return None
    low_int, high_int = int(low), int(high)
    zero = r"[+-]?(?:0+(?:\.0*)?|\.0+)" if low_int == 0 else ""
    if f.kind == "integer" or low_int == high_int:
        choices = [rf"\+?0*(?:{whole_numbers(low_int, high_int)})(?:\.0*)?"]
    else:  # a fraction is fine below the top of the range, not on it
        below = rf"\+?0*(?:{whole_numbers(low_int, high_int - 1)})(?:\.[0-9]*)?"
        choices = [below, rf"\+?0*(?:{high_int})(?:\.0*)?"]
        if low_int == 0:
            choices.append(r"\+?\.[0-9]+")
    if zero:
        choices.append(zero)
    return r"^\s*(?:" + "|".join(choices) + r")\s*$"


def _plain(number: float) -> str:
    """A number as a file writes it: ``500000``, ``7.5``."""
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def _field_schema(f: Field, placeholders: tuple[str, ...]) -> dict[str, Any]:
    """The field in the OpenAPI document: exactly what its validator accepts, its levels or range, its words."""
    empty_words = "Empty text, null, an absent key or a placeholder (unknown, N/A, Select…) is a missing value."
    null: list[dict[str, Any]] = [] if f.required else [{"type": "null"}]
    empty = "" if f.required else _words(tuple(placeholders))
    if f.kind == "category":
        levels = list(f.levels)
        shown = ", ".join(levels[:30]) + ("…" if len(levels) > 30 else "")
        text: dict[str, Any] = {"type": "string", "examples": levels}
        if f.required:
            text["not"] = {"pattern": rf"^\s*(?:{_words(tuple(placeholders))})?\s*$"}
        choices = [text, {"type": "number"}, {"type": "boolean"}, *null]
        words = f"Category; levels: {shown}. Any other value is scored as '{OTHER}'."
        extra: dict[str, Any] = {"x-levels": levels}
    elif f.kind == "flag":
        flag_words = _words(tuple(FLAG_TRUE | FLAG_FALSE))
        choices = [{"type": "boolean"}, {"enum": [0, 1]},
                   {"type": "string", "pattern": rf"^\s*(?:{flag_words}{'|' + empty if empty else ''})"
                                                 + ("" if f.required else "?") + r"\s*$"}, *null]
        words = "Yes or no: true/false, 1/0, or yes/no, y/n, true/false as text."
        extra = {}
    else:
        kind_words = "Whole number" if f.kind == "integer" else "Number"
        number: dict[str, Any] = {"type": "integer" if f.kind == "integer" and f.strict_range else "number"}
        if f.strict_range:
            number |= {"minimum": f.low, "maximum": f.high}
            pattern = range_pattern(f)
            strings = [] if pattern is None else [{"type": "string", "pattern": pattern}]
            words = f"{kind_words}, {f.range_words}, as a JSON number or as text (\"{_plain(f.high or 0)}\")."
            extra = {}
        else:
            pattern = rf"^\s*(?:{NUMBER_TEXT}{'|' + empty if empty else ''})" + ("" if f.required else "?") + r"\s*$"
            strings = [{"type": "string", "pattern": pattern}]
            seen = ("" if f.low is None or f.high is None
                    else f" Seen in training: {format_number(f.low)} to {format_number(f.high)} (not a limit).")
            words = f"{kind_words}, as a JSON number or as text (\"1200\").{seen}"
            extra = {} if f.low is None or f.high is None else {"x-range": [f.low, f.high]}
        choices = [number, *strings, *null]
    description = " ".join(part for part in (f.help, words, "" if f.required else empty_words) if part)
    return {"title": f.title, "description": description, "x-kind": f.kind, "x-required": f.required,
            "x-strict-range": f.strict_range, "x-actionable": f.actionable, "x-aliases": list(f.aliases),
            "anyOf": choices, **extra}


# ---------------------------------------------------------------- one lead


def _example(schema: Schema) -> dict[str, Any]:
    """A lead for the document: the schema's first example, else each field's typical value as a file writes it."""
    if schema.examples:
        return dict(schema.examples[0][1])
    out = {}
    for j, f in enumerate(schema.fields):
        code = 0.0 if f.kind == "category" else f.typical if f.typical is not None else f.low
        out[f.name] = schema.file_value(j, math.nan if code is None else code)
    return out


@dataclass(frozen=True)
class Shapes:
    """The generated models of one loaded model, and how a lead is read with them."""

    schema: Schema
    #: The key a lead's id is documented under: the schema's ID column, or ``lead_id``.
    id_name: str
    lead: type[BaseModel]
    batch_request: type[BaseModel]
    score: type[BaseModel]
    response: type[BaseModel]
    batch_response: type[BaseModel]
    #: Header keys that mean the lead's id (the ID column's and ``lead_id``, unless a field owns one).
    id_keys: frozenset[str]

    def read(self, raw: Any) -> tuple[np.ndarray, str | None]:
        """A lead's codes (1, fields) and its id; raises ValidationError naming each field at fault."""
        values = self.lead.model_validate(raw).__dict__
        return np.array([[values[attr] for attr in _attrs(len(self.schema.fields))]]), values["lead_id"]

    def lead_id(self, raw: Any) -> str | None:
        """The id of a lead that was refused, when the id itself is fine (echoed in a batch's result)."""
        if not isinstance(raw, dict):
            return None
        try:
            return _parse_id(_id_value(raw, self.id_name, self.id_keys))
        except PydanticCustomError:
            return None


def _attr(j: int) -> str:
    return f"field_{j}"


@functools.cache
def _attrs(n: int) -> tuple[str, ...]:
    """The Python names of a request model's fields, in model order (its keys are the fields' names)."""
    return tuple(_attr(j) for j in range(n))


def _id_value(raw: Mapping[str, Any], id_name: str, id_keys: frozenset[str]) -> Any:
    """The value of the lead's id key (an exact name wins), a _Refused for two spellings, None when absent."""
    keys = [k for k in raw if header_key(k) in id_keys]
    if not keys:
        return None
    exact = [k for k in keys if k in (id_name, LEAD_ID)]
    if len(keys) == 1 or len(exact) == 1:
        return raw[(exact or keys)[0]]
    return _Refused(conflict_message(id_name, keys))


def _build(schema: Schema, target: Target, version: str) -> Shapes:
    fields = schema.fields
    names = ", ".join(repr(f.name) for f in fields)
    placeholders = frozenset(p.strip().lower() for p in schema.placeholders)
    field_keys = {key for f in fields for key in f.keys}
    id_name = schema.id_column or LEAD_ID
    id_keys = frozenset({header_key(id_name), header_key(LEAD_ID)} - field_keys)
    if header_key(id_name) in field_keys:  # a field owns the name: the id is only read under another key
        id_name = next((k for k in (LEAD_ID, "_lead_id") if header_key(k) not in field_keys), "_lead_id")
    required = [f.name for f in fields if f.required]
    needed = (len(fields) + 1) // 2
    id_words = f"the key '{id_name}'" + ("" if id_name == LEAD_ID else f" or '{LEAD_ID}'")

    def read_keys(cls: type[BaseModel], raw: Any) -> Any:
        """The lead's values by field name (keys matched like headers), the id under ``id_name``.

        A "before" model validator: pydantic makes it a classmethod (its first parameter is named ``cls``)."""
        if not isinstance(raw, dict):
            return raw
        values, problems = schema.lead_keys(raw)
        lead: dict[str, Any] = {f.name: values.get(f.name) for f in fields}
        for name, _, reason in problems:
            lead[name] = _Refused(reason)
        absent = [name for name in required if name not in values and not isinstance(lead[name], _Refused)]
        if absent:
            unknown = [repr(k) for k in raw if header_key(k) not in field_keys and header_key(k) not in id_keys]
            hint = "" if not unknown else "; keys sent that are not fields: " + ", ".join(unknown[:MAX_KEYS_NAMED]) + (
                ", …" if len(unknown) > MAX_KEYS_NAMED else "")
            for name in absent:
                lead[name] = _Refused(MISSING_REASON + hint)
        lead[id_name] = _id_value(raw, id_name, id_keys)
        return lead

    def enough_fields(lead: BaseModel) -> BaseModel:
        """At least half of the model's fields filled in (module docstring)."""
        values = lead.__dict__
        filled = sum(not math.isnan(values[attr]) for attr in _attrs(len(fields)))
        if filled == 0:
            raise _refuse(f"{EMPTY_ROW_REASON}; the model reads {names}")
        if filled < needed:
            raise _refuse(f"only {filled} of the model's {len(fields)} fields filled in (at least {needed} needed): "
                          f"a lead for another model? The model reads {names}")
        return lead

    properties: dict[str, Any] = {
        "lead_id": (Annotated[str | None, PlainValidator(_parse_id), WithJsonSchema({
            "anyOf": [*ID_SCHEMA, {"type": "null"}], "title": "Lead id",
            "description": f"Your id for the lead, echoed back as text ({id_words}, matched like a header): text "
                           "(not blank, no control character, up to 200 characters) or a whole number up to 2^53, "
                           "echoed as its digits; a larger number or a fraction is refused (send it as text)."})],
                    Property(default=None, alias=id_name))}
    for j, f in enumerate(fields):
        annotated = Annotated[float, PlainValidator(_value_parser(f, placeholders)),
                              WithJsonSchema(_field_schema(f, schema.placeholders))]
        properties[_attr(j)] = (annotated, Property(... if f.required else None, alias=f.name))
    example = {id_name: "crm-48213", **_example(schema)}
    lead_model = create_model(
        "LeadRequest",
        __config__=ConfigDict(extra="allow", populate_by_name=False, json_schema_extra={"examples": [example]}),
        __doc__=(f"One lead of model {version}: keys are the file's column names (any case; spaces, dashes and "
                 "underscores ignored; CRM spellings of a field count), values as in the file (text, numbers, "
                 f"true/false, null). At least {needed} of the model's {len(fields)} fields must be filled in (fewer "
                 "is refused: most likely a lead for another model). Other keys are allowed and ignored."),
        # pydantic documents model_validator(...) results as __validators__ values, but types them as
        # Callable; a PydanticDescriptorProxy is not one.
        __validators__={"read_keys": model_validator(mode="before")(read_keys),  # type: ignore[dict-item]
                        "enough_fields": model_validator(mode="after")(enough_fields)},  # type: ignore[dict-item]
        **properties,
    )
    batch_request = create_model(
        "BatchRequest",
        __config__=ConfigDict(json_schema_extra={"examples": [{"leads": [example]}]}),
        __doc__=f"Up to {MAX_BATCH_LEADS} leads, each checked on its own.",
        leads=(list[dict[str, Any]], Property(
            min_length=1, max_length=MAX_BATCH_LEADS,
            description=f"1 to {MAX_BATCH_LEADS} leads, each an object shaped like the body of POST /v1/score. "
                        "A lead that breaks the rules gets its own errors; the others are still scored.")),
    )
    score, response, batch_response = _answers(schema, target)
    return Shapes(schema=schema, id_name=id_name, lead=lead_model, batch_request=batch_request, score=score,
                  response=response, batch_response=batch_response, id_keys=id_keys)


# ---------------------------------------------------------------- answers


def _answers(schema: Schema, target: Target) -> tuple[type[BaseModel], type[BaseModel], type[BaseModel]]:
    """The score of one lead (the one shape of every model: the target adds its chance fields), the answer to
    POST /v1/score, and the answer to a batch."""
    names = list(schema.names)
    contributions = {
        "type": "object", "properties": {name: {"type": "number"} for name in names}, "required": names,
        "additionalProperties": False,
        "description": "Each field's exact SHAP contribution (4 decimals) to what the tier is explained by: "
                       "log(P(tier) / P(runner-up)) for a three-tier model, the log-odds of conversion for a "
                       "won/lost model. base_value + their sum gives it (up to rounding)."}
    def head() -> dict[str, Any]:
        return {
            "tier": (Tier, Property(description="The decided tier.")),
            "action": (str, Property(description="The follow-up the tier calls for: " + "; ".join(
                f"{tier}: {action}" for tier, action in TIER_ACTIONS.items()) + ".")),
            "reasons": (list[str], Property(description="Why this tier, in plain words: the strongest reasons for "
                                                        "it first, then perhaps one against it; (raises) = towards "
                                                        "a higher tier or conversion, (lowers) = away from it.")),
        }

    def tail() -> dict[str, Any]:
        return {
            **{name: (Annotated[Any, WithJsonSchema(part)], ...) for name, part in target.chance_schema().items()},
            "base_value": (float, Property(description="The explained quantity of a lead with no information "
                                                       "(4 decimals).")),
            "contributions": (Annotated[dict[str, float], WithJsonSchema(contributions)], ...),
        }

    ids: dict[str, Any] = {
        "lead_id": (str | None, Property(description="The lead's id as sent (text), or null.")),
        "model_version": (str, Property(description="The model version that scored the lead.")),
    }
    score = create_model("LeadScore", __doc__="A lead's tier, follow-up, reasons, chances and the SHAP waterfall "
                                              "behind them.", **head(), **tail())
    response = create_model("ScoreResponse", __doc__="The score of one lead.", **head(), **ids, **tail())
    result = create_model(
        "BatchResult", __doc__="One lead of a batch: its score, or why it could not be scored.",
        index=(int, Property(ge=0, description="The lead's position in the request (0-based).")),
        lead_id=(str | None, Property(description="The lead's id as sent (text), or null.")),
        score=(score | None, Property(description="The score, or null when the lead is invalid.")),
        errors=(list[FieldError], Property(description="Empty when the lead was scored.")))
    batch = create_model(
        "BatchResponse", __doc__="Every lead of a batch, in request order.",
        model_version=(str, Property(description="The model version that scored the leads.")),
        scored=(int, Property(ge=0, description="How many leads were scored.")),
        rejected=(int, Property(ge=0, description="How many leads were invalid.")),
        results=(list[result], ...))  # type: ignore[valid-type]
    return score, response, batch


_BUILT: weakref.WeakKeyDictionary[Scorer, Shapes] = weakref.WeakKeyDictionary()


def shapes_for(scorer: Scorer) -> Shapes:
    """The generated models of the model ``scorer`` serves (built on first use, kept while it is served)."""
    shapes = _BUILT.get(scorer)
    if shapes is None:
        shapes = _BUILT[scorer] = _build(scorer.schema, scorer.model.target, scorer.version)
    return shapes

