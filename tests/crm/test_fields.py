"""Fields and schema of an outcome model: inference of roles and kinds, placeholders, parsing, JSON."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leadscore.fields.field import ALL_FIELDS, BLANK_LINE_REASON, FLAG_REASON, OTHER, Field, Schema
from leadscore.fields.infer import (
    OutcomeError,
    build_schema,
    infer_columns,
    infer_negative,
    infer_positive,
    missing_mask,
    outcome_labels,
)
from leadscore.fields.numbers import read_number, read_numbers
from leadscore.fields.rejections import SchemaError
from leadscore.modeling.won_lost.outcome_model import Outcome
from tests.crm.conftest import crm_frame


def test_placeholders_are_missing_in_any_case():
    cells = pd.Series(["Select", "", "N/A", "na", "-", "NULL", "None", "Unknown", "?", " ", "Google", "0"])
    assert missing_mask(cells).tolist() == [True] * 10 + [False, False]


def test_roles_and_kinds_of_a_crm_export():
    n = 300
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({
        "Prospect ID": [f"7927b2df-{i:04d}" for i in range(n)],
        "Lead Number": [str(660000 + i) for i in range(n)],
        "Created": [f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(n)],
        "Country": ["India"] * n,
        "Magazine": ["No"] * (n - 1) + ["Yes"],
        "Notes": [f"called on day {i}, asked about the course fees and the schedule" for i in range(n)],
        "Email": [f"person{i}@example.com" for i in range(n)],
        "Visits": rng.integers(0, 20, n).astype(str),
        "Time Spent": (rng.random(n) * 100).round(2).astype(str),
        "Do Not Email": rng.choice(["Yes", "No"], n),
        "Specialization": rng.choice(["Finance", "HR", "Marketing", "Select"], n),
        "Converted": rng.choice(["0", "1"], n),
    }).astype("string")
    review = infer_columns(frame, "converted")
    roles = {c.name: (c.role, c.kind, c.reason) for c in review.columns}
    assert roles["Prospect ID"][:2] == ("id", None)
    assert roles["Lead Number"][:2] == ("id", None)
    assert roles["Created"] == ("order", None, "a date: orders the leads in time")
    assert roles["Country"] == ("ignored", None, "constant")
    assert roles["Magazine"][0] == "ignored" and roles["Magazine"][2].startswith("near-constant")
    assert roles["Notes"] == ("ignored", "category", "free text")
    assert roles["Email"][0] == "id"  # unique per row: an ID, not a field
    assert roles["Visits"][:2] == ("field", "integer")
    assert roles["Time Spent"][:2] == ("field", "number")
    assert roles["Do Not Email"][:2] == ("field", "flag")
    assert roles["Specialization"][:2] == ("field", "category")
    assert set(review.column("Specialization").levels) == {"Finance", "HR", "Marketing"}
    assert roles["Converted"][0] == "outcome"
    assert review.id_column == "Prospect ID" and review.order_column == "Created"
    assert review.order_source == "date"


def test_too_many_levels_exclude_keep_and_increasing_id():
    n = 400
    frame = pd.DataFrame({
        "id": [str(i) for i in range(n)],
        "city": [f"c{i % 300}" for i in range(n)],
        "score": [str(i % 7) for i in range(n)],
        "visits": [str(i % 5) for i in range(n)],
        "won": ["yes", "no"] * (n // 2),
    })
    review = infer_columns(frame, "won", exclude=["Score"])
    assert review.column("city").reason == "too many levels (300)"
    assert review.column("score").reason == "excluded by you"
    assert review.order_column == "id" and review.order_source == "increasing id"
    kept = infer_columns(frame, "won", keep=["city"])
    assert kept.column("city").role == "field"
    assert kept.column("city").levels == (OTHER,)  # every level rarer than the minimum: all grouped


def test_a_named_id_that_is_not_unique_is_refused():
    frame = crm_frame()
    with pytest.raises(SchemaError, match=r"the ID column 'Do Not Email' is not unique per row: '(Yes|No)' appears"):
        infer_columns(frame, "Converted", id_column="do not email")


def test_named_columns_that_do_not_exist_are_refused():
    with pytest.raises(SchemaError, match="no outcome column 'stage'"):
        infer_columns(crm_frame(), "stage")


@pytest.mark.parametrize(("values", "positive"), [
    (["0", "1", "1"], ("1",)),
    (["yes", "no", "No"], ("yes",)),
    (["Won", "Lost", ""], ("Won",)),
    (["converted", "not converted"], ("converted",)),
    (["TRUE", "FALSE"], ("TRUE",)),
])
def test_positive_value_inferred_when_there_is_no_doubt(values, positive):
    assert infer_positive(pd.Series(values)) == positive


def test_positive_value_asked_for_when_in_doubt():
    stages = pd.Series(["Closed Won", "Closed Lost", "Negotiation", "Won"])
    with pytest.raises(OutcomeError, match="values seen: .*'Negotiation'.*--positive"):
        infer_positive(stages)
    stages = stages.iloc[:3]
    assert infer_positive(stages) == ("Closed Won",)
    with pytest.raises(OutcomeError, match=r"'Negotiation' \(1\).*Which of the others mean lost.*--negative"):
        infer_negative(stages, ("Closed Won",))
    assert infer_positive(stages, ["closed won", "Negotiation"]) == ("Closed Won", "Negotiation")
    with pytest.raises(OutcomeError, match="'Won' not in the file"):
        infer_positive(stages, ["Won"])


def test_empty_outcome_is_an_open_lead():
    assert outcome_labels(pd.Series(["yes", "", "no", "Select"]), ("yes",)).tolist() == [1, -1, 0, -1]


def _schema() -> Schema:
    frame = crm_frame()
    return build_schema(frame, infer_columns(frame, "Converted"))


def test_parse_scores_empty_cells_and_unseen_levels_and_rejects_only_impossible_values():
    schema = _schema()
    batch = schema.parse(pd.DataFrame({
        "lead number": ["1", "2", "3", "4"],
        "VISITS": ["3", "", "lots", "N/A"],
        "Do Not Email": ["Yes", "", "no", "maybe"],
        "Lead Source": ["google", "Facebook", "Select", ""],
    }), first_row=11)
    assert batch.rows_read == 4
    assert batch.matrix.index.tolist() == [11, 12]
    assert len(batch.matrix) + batch.rejected_rows == batch.rows_read
    assert batch.problems.to_dict("records") == [
        {"row": 13, "column": "VISITS", "value": "lots", "reason": "not a number"},
        {"row": 14, "column": "Do Not Email", "value": "maybe", "reason": FLAG_REASON},
    ]
    assert batch.matrix["Visits"].tolist()[0] == 3.0 and np.isnan(batch.matrix["Visits"].iloc[1])
    assert np.isnan(batch.matrix["Do Not Email"].iloc[1])
    source = batch.matrix["Lead Source"]
    assert list(source.cat.categories) == [*schema.field("Lead Source").levels, OTHER]
    assert source.tolist() == ["Google", OTHER]  # case-insensitive match; an unseen level is "other"
    assert batch.valid["lead number"].tolist() == ["1", "2"]


def test_a_lead_whose_every_field_is_empty_is_a_lead_and_only_a_blank_line_is_rejected():
    schema = _schema()
    batch = schema.parse(pd.DataFrame({
        "Lead Number": ["1", "2", "3", " ", None], "Visits": ["", "4", "N/A", "", ""],
        "Do Not Email": ["", "", "-", "", None], "Lead Source": ["Select", "", "", "", ""],
    }))
    assert batch.matrix.index.tolist() == [1, 2, 3]  # rows 1 and 3: fields empty or placeholders, an ID: leads
    assert batch.matrix.loc[[1, 3]].isna().all().all()
    assert batch.problems.to_dict("records") == [
        {"row": r, "column": ALL_FIELDS, "value": "", "reason": BLANK_LINE_REASON} for r in (4, 5)]
    assert len(batch.matrix) + batch.rejected_rows == batch.rows_read == 5
    codes, problems = schema.parse_lead({"Lead Number": "1", "Visits": "", "Lead Source": "Select"})
    assert problems == [] and np.isnan(codes).all()


def test_map_columns_conflict_and_missing():
    schema = _schema()
    match = schema.map_columns(["Visits", "visits", "Lead Source"])
    assert match.conflicts == {"Visits": ("Visits", "visits")} or "Visits" in match.headers
    conflict = schema.map_columns(["VISITS", "visits", "Lead Source", "Do Not Email"])
    assert conflict.problem() == "columns 'VISITS', 'visits' all mean 'Visits'; keep one"
    with pytest.raises(SchemaError, match="missing required column: 'Lead Source'"):
        schema.parse(pd.DataFrame({"Visits": ["1"], "Do Not Email": ["no"]}))


def test_describe_in_plain_words():
    assert Field("lead_source", "category", levels=("Google",)).describe("Google") == "Lead source: Google"
    assert Field("balance", "integer", label="Balance").describe(1200.0) == "Balance 1,200"
    assert Field("housing", "flag", label="Housing loan").describe(1.0) == "Housing loan: yes"
    assert Field("contact", "category", levels=("cellular",)).describe(np.nan) == "Contact: unknown"


def test_schema_round_trip_and_refusals():
    schema = _schema()
    assert Schema.from_dict(schema.to_dict()) == schema
    data = schema.to_dict()
    data["fields"][0]["kind"] = "text"
    with pytest.raises(SchemaError, match="kind must be one of"):
        Schema.from_dict(data)
    data = schema.to_dict()
    data["fields"][0]["low"] = float("nan")
    with pytest.raises(SchemaError, match="finite"):
        Schema.from_dict(data)
    outcome = Outcome("Converted", ("1",))
    saved = {**schema.to_dict(), **outcome.to_dict()}  # as an outcome model's file keeps them
    assert Outcome.from_dict(saved, Schema.from_dict(saved)) == outcome
    saved["target"] = saved["fields"][0]["name"]
    with pytest.raises(SchemaError, match="target"):
        Outcome.from_dict(saved, schema)


def test_one_lead_without_pandas_parses_like_a_batch():
    schema = _schema()
    cells = {"Visits": ["3", "", "lots", "N/A", "2.5"], "Do Not Email": ["Yes", "", "no", "maybe", "1"],
             "Lead Source": ["google", "Facebook", "Select", "", "Referral"]}
    batch = schema.parse(pd.DataFrame(cells))
    batch_codes = schema.codes(batch.matrix, fill_in=False)
    for i in range(5):
        codes, problems = schema.parse_lead({"lead source": cells["Lead Source"][i], "extra": "x",
                                             **{k: v[i] for k, v in cells.items() if k != "Lead Source"}})
        rows = batch.problems[batch.problems["row"] == i + 1]
        assert [(c, v, r) for c, v, r in problems] == [(c, v, r) for c, v, r in
                                                        rows[["column", "value", "reason"]].itertuples(index=False)]
        if not problems:
            np.testing.assert_array_equal(codes[0], batch_codes[batch.matrix.index.get_loc(i + 1)])


@pytest.mark.parametrize("decimal", [".", ","])
def test_one_cell_reads_as_a_column_of_it_reads(decimal):
    """``read_number`` (one lead, the API) gives the value ``read_numbers`` (a file) gives, and says why when none."""
    cells = ["720", " -1 ", "+0.5", ".5", "5.", "1e3", "2E-2", "007", "1,291", "1 291,5", "1.291,50", "3,5", "0,25",
             "1,2345", "12,345.67", "1e309", "inf", "-Infinity", "nan", "abc", "4_5", "\uff14\uff15", "1.2.3", "--1",
             "1e", "0x10", "1" * 400]
    for cell in cells:
        value, reason = read_number(cell, decimal)
        column, _ = read_numbers(pd.Series([cell], dtype="string"), decimal)
        assert np.isnan(value) == np.isnan(column[0]) and (np.isnan(value) or value == column[0]), (cell, value)
        assert (reason is None) == bool(np.isfinite(value)), (cell, reason)
