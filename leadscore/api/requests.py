"""The REST API's request and response models, generated from the one feature table.

``LeadRequest`` is built from ``schema.FEATURES`` with ``pydantic.create_model``:
each feature's type (integer, number, 0/1 flag), range, label and help text
come from the table, so validation and the OpenAPI document cannot drift
from the engine. Types are strict (``"41"``, ``41.5`` and ``true`` are not an age), except
that ``41.0`` is 41, as in JSON Schema: what the OpenAPI document promises is
exactly what is accepted.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model, model_validator

from leadscore.fields.builtin import (
    FEATURES,
    FEATURES_BY_NAME,
    FLAG_WORDS,
    TIERS,
    Feature,
    check_value,
    conflict_message,
    example_lead,
    map_columns,
)

#: The most leads one POST /v1/score/batch may carry.
MAX_BATCH_LEADS = 1000
#: The longest lead_id accepted (CRM ids are short; this only bounds abuse).
MAX_LEAD_ID_LENGTH = 200

Tier = Literal[TIERS]  # type: ignore[valid-type]


def _whole_float_as_int(value: Any) -> Any:
    """JSON Schema counts 41.0 as an integer; so does the API."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


WholeNumber = Annotated[int, BeforeValidator(_whole_float_as_int)]


def _feature_field(feature: Feature) -> tuple[Any, Any]:
    """The pydantic type and Field of one feature, from its row in the table."""
    python_type: Any = float if feature.kind == "number" else WholeNumber
    low: int | float = feature.low if feature.kind == "number" else int(feature.low)
    high: int | float = feature.high if feature.kind == "number" else int(feature.high)
    kind_words = {"integer": "Whole number", "number": "Number", "flag": "0 or 1"}[feature.kind]
    description = f"{feature.help} {kind_words}, {low}–{high}."
    if feature.kind == "flag":
        description = f"{feature.help} 0 or 1; also true/false, or one of the words files accept."
        return python_type, Field(ge=low, le=high, title=feature.label, description=description,
                                  json_schema_extra=_flag_schema)
    return python_type, Field(ge=low, le=high, title=feature.label, description=description)


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


#: The strings a flag may be, in the API as in files (``schema.FLAG_WORDS``, any case, and "0", "1").
FLAG_STRING_PATTERN = r"^\s*(" + "|".join(_any_case(w) for w in (*FLAG_WORDS, "0", "1")) + r")\s*$"


def _flag_schema(schema: dict[str, Any]) -> None:
    """A flag in the OpenAPI document: 0 or 1, a boolean, or a flag word."""
    number = {k: schema.pop(k) for k in ("type", "minimum", "maximum") if k in schema}
    schema["anyOf"] = [number, {"type": "boolean"}, {"type": "string", "pattern": FLAG_STRING_PATTERN}]


_EXAMPLE = {"lead_id": "crm-48213", **example_lead()}


def as_file_would_read(raw: Any) -> Any:
    """A lead's keys and flags read the way a file's headers and cells are.

    Keys in CRM spellings ("Annual Income", "FICO") are renamed to their
    feature like CSV headers (``schema.map_columns``); a flag may be ``true``,
    ``"yes"``, ``"0"`` and the other words files accept (``schema.FLAG_WORDS``).
    Other keys (an ID, a name) are kept and ignored. Two keys meaning one
    feature are refused, as in a file.
    """
    if not isinstance(raw, dict):
        return raw
    mapping = map_columns(raw.keys())
    conflicts = {f: h for f, h in mapping.conflicts.items() if f in FEATURES_BY_NAME}
    if conflicts:
        raise ValueError(conflict_message(*next(iter(conflicts.items()))))
    lead = {mapping.renames.get(k, k) if mapping.renames.get(k) in FEATURES_BY_NAME else k: v
            for k, v in raw.items()}
    for feature in FEATURES:
        value = lead.get(feature.name)
        if feature.kind == "flag" and (isinstance(value, bool) or (
                isinstance(value, str) and re.fullmatch(FLAG_STRING_PATTERN, value))):
            number, _ = check_value(feature, value if isinstance(value, str) else float(value))
            lead[feature.name] = int(number)
    return lead


LeadRequest: type[BaseModel] = create_model(
    "LeadRequest",
    __config__=ConfigDict(strict=True, allow_inf_nan=False, json_schema_extra={"examples": [_EXAMPLE]}),
    __doc__="One lead: the twelve features and an optional id echoed back. Unknown fields are ignored; "
            "CRM spellings of a field (\"Annual Income\", \"FICO\") and yes/no, true/false flags are read "
            "as in a file.",
    __validators__={"as_file_would_read": model_validator(mode="before")(
        classmethod(lambda _cls, raw: as_file_would_read(raw)))},
    lead_id=(str | None, Field(default=None, max_length=MAX_LEAD_ID_LENGTH,
                               description="Your id for the lead, echoed back in the response.")),
    **{feature.name: _feature_field(feature) for feature in FEATURES},
)

TierProbabilities: type[BaseModel] = create_model(
    "TierProbabilities",
    __doc__="The calibrated probability of each tier; they add up to 1.",
    **{tier: (float, Field(ge=0, le=1)) for tier in TIERS},
)


class LeadScore(BaseModel):
    """A lead's tier, the probability of each tier, and the reasons."""

    tier: Tier = Field(description="The decided tier.")
    probabilities: TierProbabilities  # type: ignore[valid-type]
    confidence: float = Field(ge=0, le=1, description="The probability of the decided tier.")
    reasons: list[str] = Field(description="Why this tier rather than the likeliest other tier, in plain "
                                           "words: the strongest reasons for it first, then perhaps one "
                                           "against it; (raises) = towards a higher tier, (lowers) = lower.")
    action: str = Field(description="The follow-up the tier calls for.")


class ScoreResponse(LeadScore):
    """The score of one lead."""

    lead_id: str | None = Field(description="The lead_id sent, or null.")
    model_version: str = Field(description="The model version that scored the lead.")


class FieldError(BaseModel):
    """One reason a request (or one lead of a batch) was refused."""

    field: str = Field(description="The field at fault, for example 'age', or 'body' for the request as a whole.")
    reason: str = Field(description="Why, in words.")


class ErrorResponse(BaseModel):
    """A refused request."""

    detail: str = Field(description="What went wrong, in one sentence.")
    errors: list[FieldError] = Field(default_factory=list, description="One entry per invalid field.")


class BatchRequest(BaseModel):
    """Up to MAX_BATCH_LEADS leads, each checked on its own."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"leads": [_EXAMPLE]}]})

    leads: list[dict[str, Any]] = Field(
        min_length=1, max_length=MAX_BATCH_LEADS,
        description=f"1 to {MAX_BATCH_LEADS} leads, each an object shaped like the body of POST /v1/score. "
                    "A lead that breaks the rules gets its own errors; the others are still scored.")


class BatchResult(BaseModel):
    """One lead of a batch: its score, or why it could not be scored."""

    index: int = Field(ge=0, description="The lead's position in the request (0-based).")
    lead_id: str | None = Field(description="The lead_id sent, or null.")
    score: LeadScore | None = Field(description="The score, or null when the lead is invalid.")
    errors: list[FieldError] = Field(description="Empty when the lead was scored.")


class BatchResponse(BaseModel):
    """Every lead of a batch, in request order."""

    model_version: str
    scored: int = Field(ge=0, description="How many leads were scored.")
    rejected: int = Field(ge=0, description="How many leads were invalid.")
    results: list[BatchResult]


class FieldSummary(BaseModel):
    """One input of the active model, as a lead's key."""

    name: str = Field(description="The key in a lead (for an outcome model: the column name in the CRM file).")
    label: str
    kind: Literal["number", "integer", "flag", "category"]
    levels: list[str] | None = Field(description="A category's levels (other values are scored as 'other').")
    low: float | None = Field(description="Lowest value: the accepted range (built-in model) or the range "
                                          "seen in training (outcome model, not a limit).")
    high: float | None
    actionable: bool = Field(description="Whether a salesperson's work can change it.")
    help: str


class ModelInfo(BaseModel):
    """The active model, the fields a lead carries, and its evaluation on held-out data."""

    version: str
    kind: Literal["builtin", "outcome"] = Field(description="builtin: the seed's 12 features and three tiers; "
                                                            "outcome: trained on a CRM export's won/lost column.")
    target: str | None = Field(description="What the model predicts: the tier (built-in) or the outcome column.")
    created_at: str | None
    preset: str | None
    data_source: str | None
    fields: list[FieldSummary] = Field(description="The fields a lead carries, in model order.")
    evaluation: dict[str, Any] = Field(description="Built-in: accuracy, per-tier precision, recall and f1, "
                                                   "log loss and (on synthetic data) the Bayes accuracy. Outcome: "
                                                   "ROC AUC, log loss, Brier score and base rate on the test part.")


class Status(BaseModel):
    """Liveness or readiness."""

    status: Literal["ok", "ready", "loading"]
    model_version: str | None = None
    detail: str | None = None
