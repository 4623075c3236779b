"""The outcome form reads and writes a lead as a CRM file holds it (text), empty cells as unknown."""

from __future__ import annotations

import math

import pytest

from leadscore.fields.field import DEFAULT_PLACEHOLDERS, Field, OutcomeSchema
from ui.outcome_form import UNKNOWN, file_value, widget_value

AGE = Field("age", "integer", low=18, high=90)
BALANCE = Field("balance", "number", low=-100.0, high=5000.0)
LOAN = Field("loan", "flag", low=0, high=1)
JOB = Field("job", "category", levels=("admin.", "retired"))
SCHEMA = OutcomeSchema(fields=(AGE, BALANCE, LOAN, JOB), target="y", positive=("yes",))


@pytest.mark.parametrize(("field", "text", "shown", "written"), [
    (AGE, "41", 41, "41"),
    (AGE, "", None, ""),
    (BALANCE, "12.5", 12.5, "12.5"),
    (BALANCE, "N/A", None, ""),
    (LOAN, "1", "yes", "yes"),
    (LOAN, "False", "no", "no"),
    (LOAN, "Select", UNKNOWN, ""),
    (JOB, "Retired", "retired", "retired"),
    (JOB, "astronaut", "other", "other"),
    (JOB, "unknown", UNKNOWN, ""),
])
def test_file_values_round_trip_through_the_widgets(field: Field, text: str, shown: object, written: str) -> None:
    assert widget_value(SCHEMA, field, text) == shown
    assert file_value(field, shown) == written


def test_what_the_form_writes_is_what_a_file_would_score() -> None:
    for field, shown in ((AGE, 41), (BALANCE, 12.5), (LOAN, "yes"), (JOB, "retired")):
        value, problem = field.parse_cell(file_value(field, shown), frozenset(DEFAULT_PLACEHOLDERS))
        assert problem is None and not math.isnan(value)
