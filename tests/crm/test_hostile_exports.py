"""Hostile CRM exports (tests/crm/hostile_exports.py): read right and trained honestly, or refused by name."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leadscore.cli import main
from leadscore.data.csvio import WHOLE_ROW, read_table
from leadscore.fields.dates import date_order, to_utc
from leadscore.fields.infer import OutcomeError, build_schema, infer_columns, order_key
from leadscore.fields.numbers import read_number
from leadscore.fields.rejections import SchemaError
from leadscore.modeling.model import model_of
from leadscore.modeling.won_lost.train import train_outcome
from leadscore.registry import Registry
from leadscore.scoring.scorer import Scorer
from tests.crm import hostile_exports as hostile
from tests.crm.conftest import FAST, FAST_SMOTE


def _read(content: bytes, rejected: list | None = None) -> pd.DataFrame:
    source = io.BytesIO(content)
    source.name = "export.csv"
    return read_table(source, rejected=rejected)


# ---- dates --------------------------------------------------------------------------------------
def test_dates_across_daylight_saving_and_z_are_read_to_utc_and_order_the_test_part():
    frame = hostile.dates_across_daylight_saving()
    utc = to_utc(frame["Created"])
    assert utc.notna().all()
    assert str(utc.dt.tz) == "UTC"
    trained = train_outcome(frame, "Converted", candidates=FAST)
    newest = utc.sort_values().iloc[-int(0.2 * len(frame)):]
    assert trained.report.split == (
        "the most recent 20% of leads by 'Created' (date): leads from "
        f"{newest.iloc[0]:%Y-%m-%d} to {newest.iloc[-1]:%Y-%m-%d}")


def test_mixed_date_formats_are_one_date_column():
    frame = hostile.mixed_date_formats()
    review = infer_columns(frame, "Converted")
    assert review.order_column == "Created" and review.order_source == "date"
    assert order_key(frame, review).notna().all()


def test_day_first_dates_are_recognised_and_split_on_the_true_newest_leads():
    frame, true = hostile.day_first_dates()
    review = infer_columns(frame, "Converted")
    assert review.column("Lead Date").reason == "a date (day first): orders the leads in time"
    key = order_key(frame, review)
    assert (key.dt.tz_localize(None) == true).all()
    trained = train_outcome(frame, "Converted", candidates=FAST)
    newest = true.sort_values().iloc[-120:]
    assert trained.report.split.endswith(f"leads from {newest.iloc[0]:%Y-%m-%d} to 2018-08-23")


def test_a_column_whose_day_and_month_cannot_be_told_is_reported():
    frame = hostile.ambiguous_dates()
    assert date_order(frame["Lead Date"]).ambiguous
    reason = infer_columns(frame, "Converted").column("Lead Date").reason
    assert "day or month first cannot be told from the data: read month first" in reason


# ---- numbers ------------------------------------------------------------------------------------
def test_thousands_separators_keep_a_number_field_read_alike_when_scoring():
    frame = hostile.thousands_separators()
    review = infer_columns(frame, "Converted")
    column = review.column("Revenue")
    assert (column.role, column.kind) == ("field", "integer")
    schema = build_schema(frame, review)
    batch = schema.parse(pd.DataFrame({"Lead Number": ["1"], "Visits": ["3"], "Do Not Email": ["No"],
                                       "Lead Source": ["Google"], "Revenue": ["1,291"]}))
    assert batch.matrix["Revenue"].tolist() == [1291.0]
    codes, problems = schema.parse_lead({"Revenue": "1,291", "Visits": "3"})
    assert problems == [] and codes[0, schema.names.index("Revenue")] == 1291.0


def test_decimal_commas_in_a_semicolon_file_are_numbers_and_stay_so_for_scoring():
    frame = _read(hostile.semicolon_decimal_commas())
    review = infer_columns(frame, "Converted")
    column = review.column("Score")
    assert (column.role, column.kind, column.decimal) == ("field", "number", ",")
    schema = build_schema(frame, review)
    assert schema.field("Score").decimal == ","
    assert read_number("1.133,83", ",") == (1133.83, None)
    assert schema.field("Score").parse_cell("861,49", frozenset()) == (861.49, None)
    saved = type(schema).from_dict(schema.to_dict())
    assert saved.field("Score").decimal == ","


@pytest.mark.parametrize("cell", ["inf", "1e309", "-Infinity"])
def test_one_infinite_cell_keeps_the_number_field_and_is_said(cell):
    frame = hostile.one_infinite_cell(cell=cell)
    column = infer_columns(frame, "Converted").column("Visits")
    assert (column.role, column.kind) == ("field", "integer")
    assert f"{cell!r} in row 6" in column.note and "read as empty" in column.note
    trained = train_outcome(frame, "Converted", candidates=FAST)
    assert any(cell in w and "Visits" in w for w in trained.warnings)


def test_huge_numbers_never_crash_training_even_with_smote():
    frame = hostile.huge_numbers()
    assert infer_columns(frame, "Converted").column("Balance").kind == "integer"
    trained = train_outcome(frame, "Converted", candidates=FAST_SMOTE)
    assert 0 <= trained.report.test.roc_auc <= 1


# ---- rows ---------------------------------------------------------------------------------------
def test_rows_with_more_or_fewer_cells_are_rejected_with_their_line_in_training():
    rejected: list = []
    frame = _read(hostile.ragged_rows(), rejected)
    assert [(r[0], r[1]) for r in rejected] == [(7, WHOLE_ROW), (12, WHOLE_ROW)]
    assert rejected[0][3].startswith("line 8 has 2 cells, the header 5")
    assert rejected[1][3].startswith("line 13 has 6 cells, the header 5")
    assert len(frame) == 600 - 1
    trained = train_outcome(frame, "Converted", candidates=FAST, rejected_rows=rejected)
    report = trained.report
    assert report.rows == 601 and report.rejected_rows == 2 and report.open_leads == 0
    assert report.rows == report.train_rows + report.test_rows + report.open_leads + \
        report.empty_rows + report.rejected_rows
    assert any("row 7: line 8 has 2 cells" in w for w in trained.warnings)


def test_a_ragged_row_refuses_the_file_when_no_one_collects_rejections():
    with pytest.raises(Exception, match="line 8 has 2 cells, the header 5"):
        _read(hostile.ragged_rows())


def test_a_bare_carriage_return_never_splits_a_lead():
    frame = _read(hostile.bare_carriage_returns())
    assert len(frame) == 600
    assert frame.loc[0, "Notes"] == "called\rno answer"
    assert frame.loc[0, "Converted"] in {"0", "1"}


def test_leads_whose_every_field_is_empty_stay_in_training_and_in_the_test_part():
    frame = hostile.rows_with_every_field_empty()
    trained = train_outcome(frame, "Converted", candidates=FAST)
    report = trained.report
    assert report.empty_rows == 0 and not any("left out, with their" in w for w in trained.warnings)
    assert report.train_rows + report.test_rows == 600
    assert report.test_rows == 120 and "most recent 20%" in report.split  # still the newest leads
    # the model learned what such leads convert at (80%, against about 30% for the others)
    scorer = Scorer(model_of(trained.model))
    empty = scorer.score_lead({"Lead Number": "999999", "Lead Source": "Select"})
    typical = scorer.score(frame.drop(columns=["Converted"])).scored["p_convert"].to_numpy(float)
    assert empty.chance > 0.6 > float(np.median(typical))
    batch = scorer.score(frame.assign(Visits="", **{"Do Not Email": "", "Lead Source": ""}).head(10))
    assert len(batch.scored) == 10 and batch.rejected_rows == 0  # scored, not rejected


# ---- outcome values -----------------------------------------------------------------------------
def test_stages_beyond_won_and_lost_stop_training_and_list_every_value_with_its_count():
    frame = hostile.stage_outcomes()
    counts = frame["Stage"].value_counts()
    with pytest.raises(OutcomeError, match="Which of the others mean lost") as error:
        train_outcome(frame, "Stage", positive=["Won"], candidates=FAST)
    for value, count in counts.items():
        assert f"'{value}' ({count:,})" in str(error.value)


def test_named_lost_values_train_and_the_rest_are_open_leads_counted():
    frame = hostile.stage_outcomes()
    counts = frame["Stage"].value_counts()
    report = train_outcome(frame, "Stage", positive=["Won"], negative=["lost"], candidates=FAST).report
    assert report.negative == ["Lost"]
    assert report.open_leads == counts["Engaging"] + counts["Prospecting"]
    assert report.open_by_value == {"Engaging": int(counts["Engaging"]),
                                       "Prospecting": int(counts["Prospecting"])}
    assert report.converted + report.not_converted == counts["Won"] + counts["Lost"]


def test_cli_asks_for_negative_and_trains_with_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    source = tmp_path / "opportunities.csv"
    hostile.stage_outcomes().to_csv(source, index=False)
    models = tmp_path / "models"
    common = ["train", "--data", str(source), "--target", "Stage", "--models-dir", str(models), "--force"]
    assert main([*common, "--positive", "Won"]) == 2
    assert "--negative" in capsys.readouterr().err
    assert main([*common, "--positive", "Won", "--negative", "Lost"]) == 0
    out = capsys.readouterr().out
    assert "not converted = Lost" in out and "'Engaging'" in out
    model = Registry(models).load()
    assert model.target.negative == ("Lost",)


# ---- IDs, order, flags --------------------------------------------------------------------------
def test_an_increasing_lead_number_with_repeats_is_an_id_that_orders_never_a_field():
    frame = hostile.lead_number_with_repeats()
    review = infer_columns(frame, "Converted")
    column = review.column("Lead No")
    assert column.role == "id" and column.reason == "an ID: an increasing number (3 repeated)"
    assert review.order_column == "Lead No" and review.order_source == "increasing id"
    trained = train_outcome(frame, "Converted", candidates=FAST)
    assert "Lead No" not in trained.model.schema.names
    assert trained.report.split.endswith("leads from 6,280 to 6,598")


def test_an_order_column_that_cannot_order_is_refused_by_name():
    frame = hostile.thousands_separators()
    frame["Created"] = np.where(np.arange(len(frame)) < 100, "2024-01-05", "")
    with pytest.raises(SchemaError, match="the order column 'Created' cannot order the leads: only 17%"):
        train_outcome(frame, "Converted", order_by="created", candidates=FAST)
    frame["Created"] = "2024-01-05"
    with pytest.raises(SchemaError, match="'Created' cannot order the leads: every lead has the same value"):
        infer_columns(frame, "Converted", order_by="Created")


@pytest.mark.parametrize(("flag", "message"), [
    ({"exclude": ["converted"]}, "--exclude 'converted': that is the outcome column, not a field"),
    ({"keep": ["Converted"]}, "--keep 'Converted': that is the outcome column, not a field"),
    ({"actionable": ["no_such_field"]}, "--actionable 'no_such_field': no such column in the file"),
    ({"actionable": ["Lead Number"]}, "--actionable 'Lead Number': that is the ID column, not a field"),
])
def test_flags_naming_a_column_that_is_not_a_field_are_refused_by_name(flag, message):
    with pytest.raises(SchemaError, match=message):
        train_outcome(hostile.thousands_separators(), "Converted", candidates=FAST, **flag)


def test_a_kept_column_with_a_level_per_lead_is_said_to_be_useless():
    frame = hostile.many_levels()
    assert infer_columns(frame, "Converted").column("Landing Page").role == "ignored"
    trained = train_outcome(frame, "Converted", keep=["Landing Page"], candidates=FAST)
    assert any("'Landing Page': kept, but none of its 400 levels appears 10 times" in w for w in trained.warnings)


def test_a_file_whose_lines_end_in_carriage_returns_only_is_still_read_line_by_line():
    content = hostile.bare_carriage_returns().replace(b"called\rno", b"called no").replace(b"\r\n", b"\r")
    frame = _read(content)
    assert len(frame) == 600 and frame.loc[0, "Notes"] == "called no answer"
