"""POST /v1/outcomes: a CRM's won/lost results taken back through the API, read as the command line reads a file.

The body's outcomes become a frame (columns ``lead_id``, ``outcome``, ``at``) imported by the same workflow as
``leadscore outcomes`` (``leadscore.workflows.outcomes``), with the rules of training: won values named in
``positive`` or beyond doubt, lost values named in ``negative`` (then every other value is still open)
or every other filled value; empty outcomes are open leads. Importing the same outcomes twice counts
nothing twice; IDs never scored are reported, not stored; a changed outcome is reported and the latest wins.
The request model states every rule the route checks, so the OpenAPI document is the contract.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from typing import Annotated, Any

import pandas as pd
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from leadscore.api.replies import FieldError
from leadscore.fields.dates import OUT_OF_RANGE, YEAR_PATTERN, in_range
from leadscore.fields.infer import OutcomeError
from leadscore.fields.lead_id import ID_SCHEMA, LeadIdError, id_from_json, lone_surrogate, text_problem
from leadscore.store import Store, StoreError, audit
from leadscore.workflows import outcomes

log = logging.getLogger(__name__)

#: The most outcomes one request may carry (about 600 kB of JSON, under the body limit).
MAX_OUTCOMES = 10_000
#: The most won or lost values one request may name.
MAX_VALUES = 50
#: The longest lead id, outcome value or source accepted.
MAX_TEXT = 200
#: The source recorded when the body names none.
DEFAULT_SOURCE = "api"

Text = Annotated[str, StringConstraints(max_length=MAX_TEXT)]


def _refuse(reason: str) -> PydanticCustomError:
    return PydanticCustomError("field_value", "{reason}", {"reason": reason})


def _lead_id(value: Any) -> str:
    """The lead's id as it was sent when it was scored, by the rule of ``leadscore.fields.lead_id``."""
    try:
        return id_from_json(value)
    except LeadIdError as error:
        raise _refuse(str(error)) from None


def _outcome(value: Any) -> str:
    """The CRM's value as text ("" for an open lead): text, a whole number or true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise _refuse(f"longer than {MAX_TEXT} characters")
        if lone_surrogate(value):
            raise _refuse("not valid Unicode text (it holds a lone surrogate such as \\ud800)")
        return value
    raise _refuse("must be text, a whole number, true/false or null")


def _source(value: str) -> str:
    """Where the outcomes come from, stored with each: the rule of a list name (not blank, no control
    character), so that every database takes it."""
    problem = text_problem(value, "the source")
    if problem:
        raise _refuse(problem)
    return value


def _known(value: datetime | None) -> datetime | None:
    """A moment the store can keep: within the dates a date column holds (``leadscore.fields.dates``)."""
    if value is not None and not in_range(value):
        raise _refuse(f"the date {OUT_OF_RANGE}")
    return value


LeadId = Annotated[str, PlainValidator(_lead_id), WithJsonSchema({
    "anyOf": list(ID_SCHEMA),
    "description": "The lead's id, as it was sent when the lead was scored: text (not blank, no control "
                   "character, up to 200 characters) or a whole number up to 2^53."})]
OutcomeValue = Annotated[str, PlainValidator(_outcome), WithJsonSchema({
    "anyOf": [{"type": "string", "maxLength": MAX_TEXT}, {"type": "integer"}, {"type": "boolean"}, {"type": "null"}],
    "description": "The CRM's value (for example 'Won', 'Closed Lost', 'yes', 1, true); empty or null: the lead is "
                   "still open. Read with the body's positive and negative values."})]


class OutcomeItem(BaseModel):
    """One lead's result, as the CRM has it."""

    model_config = ConfigDict(extra="forbid")

    lead_id: LeadId
    outcome: OutcomeValue
    at: Annotated[datetime | None, AfterValidator(_known), WithJsonSchema({"anyOf": [
        {"type": "string", "format": "date-time", "pattern": YEAR_PATTERN}, {"type": "null"}]})] = Field(
        default=None, description="When the outcome became known (a date such as 2026-05-31 or a moment, UTC "
                                  "unless it names its zone; in the years 1678 to 2261); default: now. Of "
                                  "two different outcomes for a lead, the latest wins.")


class OutcomesRequest(BaseModel):
    """Outcomes of scored leads; at most MAX_OUTCOMES per request."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "outcomes": [{"lead_id": "crm-48213", "outcome": "Won", "at": "2026-05-31"},
                     {"lead_id": "crm-48214", "outcome": "Lost", "at": "2026-06-02"},
                     {"lead_id": "crm-48215", "outcome": "Negotiation"}],
        "positive": ["Won"], "negative": ["Lost"], "source": "crm-webhook"}]})

    outcomes: list[OutcomeItem] = Field(min_length=1, max_length=MAX_OUTCOMES,
                                        description=f"1 to {MAX_OUTCOMES:,} outcomes.")
    positive: list[Text] = Field(default_factory=list, max_length=MAX_VALUES,
                                 description="The outcome values that mean won (converted). Leave out when beyond "
                                             "doubt (yes/no, won/lost, 1/0).")
    negative: list[Text] = Field(default_factory=list, max_length=MAX_VALUES,
                                 description="The outcome values that mean lost. When named, every other value "
                                             "is an open lead (a stage such as 'Negotiation'); when not, every "
                                             "filled value that is not won means lost, as in training.")
    source: Annotated[Text, AfterValidator(_source), WithJsonSchema(
        {"type": "string", "minLength": 1, "maxLength": MAX_TEXT, "pattern": ID_SCHEMA[0]["pattern"]})] = Field(
        default=DEFAULT_SOURCE, description="Where the outcomes come from (recorded with each): not blank, no "
                                            "control character.")


class ChangedOutcome(BaseModel):
    """A lead whose stored outcome changed (1 won, 0 lost)."""

    lead_id: str
    was: int
    now: int


class OutcomesResponse(BaseModel):
    """What the import did. Sending the same outcomes again counts nothing twice (they are ``unchanged``)."""

    read: int = Field(description="Outcomes in the request.")
    matched: int = Field(description="Decided outcomes of leads the store has scored (new + unchanged + changed "
                                     "+ older_ignored).")
    new: int = Field(description="Outcomes stored for the first time.")
    unchanged: int = Field(description="Outcomes the store already had.")
    changed: int = Field(description="Leads whose outcome changed (the latest wins).")
    older_ignored: int = Field(description="A different outcome older than the stored one: the stored one stays.")
    open_leads: int = Field(description="Outcomes that are neither won nor lost: the lead is still open.")
    duplicate_rows: int = Field(description="Repeated outcomes for one lead in the request (its latest counted).")
    unknown: int = Field(description="Decided outcomes of IDs never scored: not stored.")
    unknown_examples: list[str] = Field(description="A few of those IDs.")
    changed_examples: list[ChangedOutcome] = Field(description="A few of the changed leads.")
    positive: list[str] = Field(description="The values read as won.")
    source: str
    summary: str = Field(description="The same in one paragraph.")


class OutcomesRefusedError(Exception):
    """The outcomes cannot be read; ``errors`` name the field."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors))
        self.errors = errors


def _frame(body: OutcomesRequest) -> pd.DataFrame:
    """The body as the file ``leadscore outcomes`` would read: every value text, empty when absent."""
    def moment(value: datetime | None) -> str:
        if value is None:
            return ""
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()

    return pd.DataFrame({"lead_id": [o.lead_id for o in body.outcomes],
                         "outcome": [o.outcome for o in body.outcomes],
                         "at": [moment(o.at) for o in body.outcomes]}, dtype=object)


def _in_api_words(message: str) -> str:
    return (message.replace("--positive VALUE ...", 'the body\'s "positive" list')
            .replace("--negative VALUE ...", 'the body\'s "negative" list'))


def import_outcomes(body: OutcomesRequest, models_dir: str | os.PathLike[str] | None, actor: str = "API",
                    address: str = "API") -> OutcomesResponse:
    """Read the body with the command line's rules and import it; OutcomesRefusedError, StoreUnavailableError.
    The import goes to the audit trail as made by ``actor`` (the API key's name) from ``address``."""
    try:
        imported = outcomes.import_outcomes(_frame(body), "lead_id", "outcome", body.source,
                                            lambda: Store.open(models_dir=models_dir), positive=body.positive,
                                            negative=body.negative, at_column="at")
    except OutcomeError as error:
        message = str(error)  # the won/lost values cannot be told apart: a matter of positive or negative
        field = "negative" if "--negative" in message or "named both" in message else "positive"
        raise OutcomesRefusedError([FieldError(field=field, reason=_in_api_words(message))]) from None
    report = imported.report
    store = Store.open(models_dir=models_dir)
    try:
        audit.record(store, actor, audit.OUTCOMES_IMPORTED, {"source": body.source, "new": report.new,
                                                            "changed": report.changed, "unknown": report.unknown},
                     address)
    except StoreError as error:  # the outcomes ARE imported: answered as such, never "the store is down, retry"
        log.warning("outcomes from %s imported, but their audit entry could not be written: %s", actor, error)
    finally:
        store.close()
    return OutcomesResponse(
        read=report.read, matched=imported.matched, new=report.new, unchanged=report.unchanged,
        changed=report.changed, older_ignored=report.older_ignored, open_leads=report.open_leads,
        duplicate_rows=report.duplicate_rows, unknown=report.unknown, unknown_examples=list(report.unknown_examples),
        changed_examples=[ChangedOutcome(**c) for c in report.changed_examples],
        positive=list(imported.positive), source=body.source, summary=imported.sentence())

