"""The built-in schema: its fields, column matching and validation: nothing dropped, clipped or coerced."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadscore.fields.builtin import BUILTIN_SCHEMA, FEATURE_NAMES, example_lead
from leadscore.fields.field import FLAG_REASON, MISSING_REASON, NUMBER_REASON, ParsedBatch
from leadscore.fields.numbers import NOT_FINITE
from leadscore.fields.rejections import SchemaError

FEATURES = BUILTIN_SCHEMA.fields


def validate(frame: pd.DataFrame, first_row: int = 1) -> ParsedBatch:
    return BUILTIN_SCHEMA.parse(frame, first_row)


def check_value(name: str, cell: object) -> tuple[float, str | None]:
    """One cell of an otherwise typical lead, the way one lead is read (without pandas)."""
    codes, problems = BUILTIN_SCHEMA.parse_lead({**example_lead(), name: cell})
    return float(codes[0, FEATURE_NAMES.index(name)]), (problems[0][2] if problems else None)


def test_feature_table_matches_the_seed() -> None:
    assert FEATURE_NAMES == (
        "age", "income", "credit_score", "website_visits", "email_opens", "property_views",
        "contact_attempts", "time_on_site_minutes", "inquiry_submitted", "financing_pre_approved",
        "budget_disclosed", "location_preference_set",
    )
    ranges = {f.name: (f.low, f.high) for f in FEATURES}
    assert ranges["income"] == (30_000, 500_000)
    assert ranges["credit_score"] == (300, 850)
    assert ranges["time_on_site_minutes"] == (1, 120)
    assert all(f.kind == "flag" for f in FEATURES[8:])
    assert {f.name for f in FEATURES if f.actionable} == set(FEATURE_NAMES[3:])
    assert all(f.required and f.strict_range for f in FEATURES)  # the built-in rules, as data on each field
    assert BUILTIN_SCHEMA.id_column == "lead_id"


@pytest.mark.parametrize("header", ["Credit Score", "credit-score", "CREDIT_SCORE", " credit score ", "CreditScore"])
def test_headers_differing_in_case_spaces_or_dashes_are_recognised(header: str) -> None:
    match = BUILTIN_SCHEMA.map_columns([header])
    assert match.headers == {"credit_score": header}
    assert "credit_score" not in match.missing and match.unrecognised == ()


def test_crm_aliases_are_accepted_and_other_columns_kept() -> None:
    match = BUILTIN_SCHEMA.map_columns(["Annual Income", "FICO", "Email", "lead_id"])
    assert match.headers == {"income": "Annual Income", "credit_score": "FICO"}
    assert match.unrecognised == ("Email", "lead_id")  # kept and passed through
    assert "income" not in match.missing


def test_missing_column_is_named_with_a_suggestion() -> None:
    match = BUILTIN_SCHEMA.map_columns([*FEATURE_NAMES[:-1], "location_pref"])
    assert match.missing == ("location_preference_set",)
    assert match.problem() == "missing required column: 'Location preference set' (is 'location_pref' it?)"
    several = BUILTIN_SCHEMA.map_columns(FEATURE_NAMES[2:])
    assert several.problem() == "missing required columns: 'Age', 'Annual income' (income)"


def test_two_columns_meaning_the_same_feature_is_a_conflict() -> None:
    match = BUILTIN_SCHEMA.map_columns([*(n for n in FEATURE_NAMES if n != "income"), "Annual Income", "salary"])
    assert match.problem() == "columns 'Annual Income', 'salary' all mean 'income'; keep one"
    exact = BUILTIN_SCHEMA.map_columns([*FEATURE_NAMES, "annual_income"])  # the field's own name wins
    assert exact.problem() is None and exact.headers["income"] == "income" and exact.unrecognised == ("annual_income",)


def _frame(**overrides: object) -> pd.DataFrame:
    return pd.DataFrame([{**example_lead(), **overrides}])


@pytest.mark.parametrize(("column", "value", "reason"), [
    ("credit_score", "abc", "not a number"),
    ("credit_score", 900, "above the model's range 300–850"),
    ("income", 12_000, "below the model's range $30,000–$500,000"),
    ("age", 30.5, "must be a whole number"),
    ("age", None, MISSING_REASON),
    ("website_visits", "", MISSING_REASON),
    ("website_visits", "N/A", MISSING_REASON),  # a placeholder is a missing value
    ("credit_score", "unknown", MISSING_REASON),
    ("inquiry_submitted", 2, FLAG_REASON),
    ("inquiry_submitted", "maybe", "must be 0 or 1 (or yes/no, true/false)"),
    ("time_on_site_minutes", float("inf"), NOT_FINITE),
    ("time_on_site_minutes", "1e999", NOT_FINITE),
])
def test_bad_cell_is_reported_with_row_column_and_reason(column: str, value: object, reason: str) -> None:
    frame = pd.concat([_frame(), _frame(**{column: value})], ignore_index=True)
    checked = validate(frame)
    assert len(checked.matrix) == len(checked.valid) == 1
    assert checked.problems.to_dict("records") == [
        {"row": 2, "column": column, "value": "" if value is None else str(value), "reason": reason}]


def test_valid_values_pass_unchanged_and_flags_accept_words() -> None:
    frame = _frame(inquiry_submitted="Yes", budget_disclosed="false", income=85_000.5, credit_score="720")
    checked = validate(frame)
    assert checked.problems.empty
    row = checked.matrix.iloc[0]
    assert (row["inquiry_submitted"], row["budget_disclosed"]) == (1, 0)
    assert checked.valid.iloc[0]["inquiry_submitted"] == "Yes"  # the row as it was in the file
    assert row["income"] == 85_000.5
    assert row["credit_score"] == 720


def test_rows_in_equals_rows_valid_plus_rows_rejected() -> None:
    rng = np.random.default_rng(0)
    frame = pd.concat([_frame()] * 200, ignore_index=True)
    for column in ("age", "credit_score", "inquiry_submitted"):
        frame.loc[rng.choice(200, 30, replace=False), column] = -5
    checked = validate(frame)
    assert len(checked.matrix) + checked.rejected_rows == 200
    assert checked.rejected_rows == checked.problems["row"].nunique() > 30


def test_extra_columns_are_kept_as_they_are() -> None:
    frame = _frame().assign(lead_id="00123", note="=SUM(A1)")
    valid = validate(frame).valid
    assert valid.loc[1, "lead_id"] == "00123"
    assert valid.loc[1, "note"] == "=SUM(A1)"


def test_missing_feature_column_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="missing required column: 'Age'"):
        validate(_frame().drop(columns=["age"]))


def test_row_numbers_continue_across_chunks() -> None:
    checked = validate(_frame(age=5), first_row=50_001)
    assert checked.problems["row"].tolist() == [50_001]


cells = st.one_of(
    st.none(), st.integers(-1000, 1_000_000), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", " 12 ", "abc", "yes", "NO", "True", "1e3", "0.5", "-1", "720", " "]),
    # Numbers Python's float() reads but a spreadsheet does not write, and overflows.
    st.sampled_from(["4_5", "４５", "٤٥", "1" + "0" * 400, "inf", "nan", "0x10", "1,000", "+.5", "5."]),
    st.sampled_from([10**400, -(10**400), float("inf"), float("-inf"), 1e300]),
)


@settings(max_examples=100, deadline=None)
@given(changes=st.lists(st.tuples(st.sampled_from(FEATURE_NAMES), cells), min_size=1, max_size=20))
def test_single_value_check_agrees_with_batch_validation(changes: list[tuple[str, object]]) -> None:
    """parse_lead (single leads, no pandas) and parse (batches) apply the same rules: each row of the batch is a
    typical lead with one cell changed, read as a lead of its own and as its row of the batch (one batch per
    example: parsing a batch costs about the same for one row or twenty, so several hundred cells are
    checked in 100 parses, where one cell per parse took 300)."""
    frame = pd.DataFrame([example_lead()] * len(changes)).astype(object)
    for i, (name, cell) in enumerate(changes):
        frame.loc[i, name] = cell
    checked = validate(frame)
    for row, (name, cell) in enumerate(changes, start=1):
        value, reason = check_value(name, cell)
        said = checked.problems.loc[checked.problems["row"] == row, "reason"].tolist()
        if reason is None:
            assert said == [], (name, cell)
            assert checked.matrix.loc[row, name] == value, (name, cell)
        else:
            assert said == [reason], (name, cell)


@pytest.mark.parametrize("cell", ["4_5", "４５", "٤٥", "45\u0660"])
def test_digits_other_than_ascii_are_not_a_number_anywhere(cell: str) -> None:
    assert check_value("age", cell) == (pytest.approx(float("nan"), nan_ok=True), NUMBER_REASON)
    frame = pd.DataFrame([example_lead()]).astype(object)
    frame.loc[0, "age"] = cell
    assert validate(frame).problems["reason"].tolist() == ["not a number"]


def test_an_integer_too_large_for_a_float_is_named_as_such() -> None:
    _, reason = check_value("income", 10**400)
    assert reason == NOT_FINITE == "not a finite number (infinite, or too large)"
    assert check_value("income", -(10**400))[1] == NOT_FINITE
