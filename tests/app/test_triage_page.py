"""Triage: uploads give the right counts and messages; mapping, extra columns and the download."""

from __future__ import annotations

import pytest

from leadscore.fields.builtin import FEATURE_NAMES
from leadscore.scoring import triage
from tests.app.helpers import metric, open_page, shown_tier, texts

pytestmark = pytest.mark.usefixtures("models_dir")


def _csv(frame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def _upload(content: bytes, name: str = "leads.csv"):
    app = open_page("triage")
    app.file_uploader(key="upload").set_value((name, content, "text/csv")).run()
    return app


def test_good_file_with_extra_columns_is_scored_and_explained() -> None:
    leads = triage.sample_list(40, seed=3)
    app = _upload(_csv(leads))
    assert not app.exception
    assert (metric(app, "Rows read"), metric(app, "Scored"), metric(app, "Rejected")) == ("40", "40", "0")
    table = app.dataframe[-1].value
    assert {"name", "owner", "email", "tier", "p_high", "reason_1"} <= set(table.columns)
    assert sorted(table["lead_id"]) == sorted(leads["lead_id"])
    counts = sum(int(metric(app, tier)) for tier in ("High", "Medium", "Low"))
    assert counts == 40
    assert "Expected conversions" in texts(app)
    assert shown_tier(app) == table["tier"].iloc[0]  # the explained lead is the first of the list
    labels = [b.label for b in app.get("download_button")]
    assert "Download all 40 scored leads (CSV)" in labels


def test_malformed_rows_are_reported_with_row_column_and_reason() -> None:
    leads = triage.sample_list(10, seed=4).astype({"credit_score": "object", "age": "object"})
    leads.loc[2, "credit_score"] = "900"   # file row 3
    leads.loc[6, "age"] = "forty"          # file row 7
    leads.loc[6, "credit_score"] = ""      # same row, second problem
    app = _upload(_csv(leads))
    assert (metric(app, "Rows read"), metric(app, "Scored"), metric(app, "Rejected")) == ("10", "8", "2")
    problems = app.dataframe[0].value
    assert list(problems.columns) == ["row", "lead_id", "name", "email", "column", "value", "reason"]
    rows = {(r.row, r.column): r.reason for r in problems.itertuples()}
    assert rows[(3, "credit_score")].startswith("above the model's range")
    assert rows[(7, "age")] == "not a number"
    assert rows[(7, "credit_score")] == "missing value"
    assert "2 row(s) were not scored" in texts(app)


def test_empty_file_and_header_only_file_get_clear_messages() -> None:
    app = _upload(b"", "empty.csv")
    assert "the file is empty" in texts(app)
    header_only = ",".join(FEATURE_NAMES).encode() + b"\n"
    app = _upload(header_only, "header.csv")
    assert "has a header row but no leads" in texts(app)
    assert not app.exception


def test_misspelled_column_is_named_and_can_be_mapped() -> None:
    leads = triage.sample_list(12, seed=6).rename(columns={"credit_score": "credit_scor"})
    app = _upload(_csv(leads))
    page = texts(app)
    assert "missing required column: 'credit_score' (is 'credit_scor' it?)" in page
    assert not [m for m in app.metric if m.label == "Scored"]
    app.selectbox(key="map.credit_scor").select("credit_score").run()
    assert not app.exception
    assert (metric(app, "Rows read"), metric(app, "Scored"), metric(app, "Rejected")) == ("12", "12", "0")


def test_crm_spellings_and_semicolons_are_recognised() -> None:
    leads = triage.sample_list(5, seed=8).rename(columns={"income": "Annual Income", "credit_score": "FICO"})
    app = _upload(leads.to_csv(index=False, sep=";").encode("utf-8-sig"))
    assert metric(app, "Scored") == "5"
    assert "Annual Income → income" in texts(app)


def test_sample_list_button_scores_ten_thousand_leads() -> None:
    app = open_page("triage")
    [b for b in app.button if b.label.startswith("Try the sample list")][0].click().run()
    assert not app.exception
    assert (metric(app, "Rows read"), metric(app, "Scored"), metric(app, "Rejected")) == ("10,000", "10,000", "0")


def test_an_all_invalid_upload_shows_the_rejection_list() -> None:
    leads = triage.sample_list(6, seed=5).astype({"income": "object"})
    leads["income"] = "120,000"
    app = _upload(_csv(leads))
    assert not app.exception, [e.value for e in app.exception]
    assert (metric(app, "Rows read"), metric(app, "Scored"), metric(app, "Rejected")) == ("6", "0", "6")
    problems = app.dataframe[0].value
    assert problems["row"].tolist() == [1, 2, 3, 4, 5, 6]
    assert "No row could be scored" in texts(app)


def test_columns_named_row_tier_and_tier_input_do_not_break_the_page() -> None:
    leads = triage.sample_list(8, seed=9)
    leads["row"] = "r"
    leads["tier"] = "old"
    leads["tier_input"] = "older"
    app = _upload(_csv(leads))
    assert not app.exception, [e.value for e in app.exception]
    table = app.dataframe[-1].value
    assert {"row_input", "tier_input", "tier_input_2"} <= set(table.columns)
    assert set(table["tier_input"]) == {"older"} and set(table["tier_input_2"]) == {"old"}
    assert table["row"].tolist() != ["r"] * 8


def test_rejected_rows_show_the_file_headers_and_the_lead() -> None:
    leads = triage.sample_list(5, seed=12).rename(columns={"income": "Annual Income", "lead_id": "Lead ID"})
    leads = leads.astype({"Annual Income": "object"})
    leads.loc[1, "Annual Income"] = "lots"
    app = _upload(_csv(leads))
    problems = app.dataframe[0].value
    assert list(problems.columns) == ["row", "Lead ID", "name", "email", "column", "value", "reason"]
    assert problems.iloc[0][["row", "Lead ID", "column", "value"]].tolist() == [
        2, leads.loc[1, "Lead ID"], "Annual Income", "lots"]


def test_owner_filter_and_the_lead_columns_come_first() -> None:
    leads = triage.sample_list(40, seed=3)
    app = _upload(_csv(leads))
    owner = leads["owner"].iloc[0]
    app.selectbox(key="filter.owner").select(owner).run()
    assert not app.exception
    table = app.dataframe[-1].value
    assert set(table["owner"]) == {owner}
    assert len(table) == int((leads["owner"] == owner).sum())
    order = app.dataframe[-1].proto.column_order
    assert list(order[:6]) == ["row", "lead_id", "name", "email", "tier", "confidence"]
