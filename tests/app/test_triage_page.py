"""Triage a lead list, against both kinds of model: counts and rejections, the list kept for the session, the
file's own headers and spellings, filters a manager uses, sorting, and a missing column named and matched."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from leadscore import plain_words
from leadscore.fields.builtin import BUILTIN_SCHEMA, FEATURE_NAMES
from leadscore.registry import Registry
from leadscore.scoring import triage
from leadscore.scoring.scorer import Scorer
from tests.app.helpers import metric, open_page, shown_tier, texts
from tests.conftest import BANK_SAMPLE
from ui import lead_list

ROWS = 24


def _leads(scorer: Scorer) -> pd.DataFrame:
    """A list as a CRM exports it for this model: an ID, a name, an owner, a lead source, a created date,
    flags written Yes / TRUE, and one value that cannot be read (row 3)."""
    if scorer.schema == BUILTIN_SCHEMA:
        leads = triage.sample_list(ROWS, seed=3).drop(columns=["owner", "email"]).astype(str)
        leads = leads.rename(columns={"lead_id": "Lead ID", "name": "Name", "income": "Annual Income"})
        leads["inquiry_submitted"] = leads["inquiry_submitted"].map({"0": "No", "1": "Yes"})
        leads["budget_disclosed"] = leads["budget_disclosed"].map({"0": "FALSE", "1": "TRUE"})
        bad = "credit_score"
    else:
        leads = pd.read_csv(BANK_SAMPLE, dtype=str, keep_default_na=False).head(ROWS).drop(columns=["y", "duration"])
        leads.insert(0, "Lead ID", [f"B-{i:03d}" for i in range(1, ROWS + 1)])
        leads.insert(1, "Name", [f"Client {i}" for i in range(1, ROWS + 1)])
        leads["housing"] = leads["housing"].map({"yes": "Yes", "no": "No"})
        leads["loan"] = leads["loan"].map({"yes": "TRUE", "no": "FALSE"})
        bad = "age"
    leads["Owner"] = ["Ana", "Ben", "Cy"] * (ROWS // 3)
    leads["Lead Source"] = ["Google", "Referral", "Fair", "Web"] * (ROWS // 4)
    leads["Created Date"] = [f"2025-03-{d:02d}" for d in range(1, ROWS + 1)]
    leads.loc[2, bad] = "lots"
    return leads


def _upload(app: AppTest, frame: pd.DataFrame, name: str = "leads.csv") -> AppTest:
    app.file_uploader(key=_uploader(app)).set_value(
        (name, frame.to_csv(index=False).encode("utf-8"), "text/csv")).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _uploader(app: AppTest) -> str:
    keys = [w.key for w in app.get("file_uploader") if w.key and w.key.startswith("upload.")]
    assert len(keys) == 1, keys
    return keys[0]


def _table(app: AppTest) -> pd.DataFrame:
    return app.dataframe[-1].value


def test_a_list_is_scored_with_its_own_headers_and_spellings(active_models: Registry) -> None:
    scorer = Scorer(active_models.load())
    leads = _leads(scorer)
    app = _upload(open_page("triage"), leads)
    assert (metric(app, "Rows read"), metric(app, "Scored"), metric(app, "Rejected")) == (
        f"{ROWS}", f"{ROWS - 1}", "1")
    problems = app.dataframe[0].value
    assert list(problems.columns) == ["row", "Lead ID", "Name", "column", "value", "reason"]
    assert problems.iloc[0][["row", "Lead ID", "value"]].tolist() == [3, leads.loc[2, "Lead ID"], "lots"]
    table = _table(app)
    assert set(leads.columns) <= set(table.columns)  # the file's own headers, none renamed to a field's name
    by_id = table.set_index("Lead ID")
    kept = leads.drop(index=2).set_index("Lead ID")
    for column in leads.columns.drop("Lead ID"):
        assert by_id.loc[kept.index, column].tolist() == kept[column].tolist(), column  # Yes / TRUE as written
    assert sum(int(metric(app, t)) for t in ("High", "Medium", "Low")) == ROWS - 1
    assert shown_tier(app) == table["tier"].iloc[0]
    assert "Download all 23 scored leads (CSV)" in [b.label for b in app.get("download_button")]


def test_the_list_survives_a_visit_to_another_page(active_models: Registry) -> None:
    scorer = Scorer(active_models.load())
    app = _upload(open_page("triage"), _leads(scorer))
    before = _table(app)
    app.switch_page("app_pages/score.py").run()
    assert not app.exception and "Triage" not in texts(app).split("\n")[0]
    app.switch_page("app_pages/triage.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert "List: **leads.csv**" in texts(app)
    pd.testing.assert_frame_equal(_table(app), before)
    next(b for b in app.button if b.label == "Clear the list").click().run()
    assert not app.dataframe and "Upload a CSV with one row per lead" in texts(app)


def test_filters_are_offered_on_the_columns_a_manager_filters_by(active_models: Registry) -> None:
    scorer = Scorer(active_models.load())
    app = _upload(open_page("triage"), _leads(scorer))
    assert {s.key for s in app.selectbox if s.key.startswith("filter.")} == {"filter.Owner", "filter.Lead Source"}
    app.selectbox(key="filter.Owner").select("Ben").run()
    table = _table(app)
    assert set(table["Owner"]) == {"Ben"} and len(table) == ROWS // 3 - (1 if _leads(scorer).loc[2, "Owner"] == "Ben"
                                                                         else 0)


def test_the_sort_chosen_is_the_order_shown(active_models: Registry) -> None:
    scorer = Scorer(active_models.load())
    app = _upload(open_page("triage"), _leads(scorer))
    app.selectbox(key="sort.by").select("Name").run()
    app.radio(key="sort.order").set_value(lead_list.DESCENDING).run()
    names = _table(app)["Name"].tolist()
    assert names == lead_list.natural_key(pd.Series(names)).sort_values(ascending=False, kind="stable").index.map(
        lambda i: names[i]).tolist()
    assert names.index("Client 10" if "Client 10" in names else "Sample lead 10") < names.index(
        "Client 2" if "Client 2" in names else "Sample lead 2")  # numbers inside the names by value
    app.selectbox(key="sort.by").select("row").run()
    app.radio(key="sort.order").set_value(lead_list.ASCENDING).run()
    assert _table(app)["row"].tolist() == sorted(_table(app)["row"])  # numbers by value: row 10 after row 9
    assert shown_tier(app) == _table(app)["tier"].iloc[0]


def test_without_an_id_column_the_heading_names_the_row_once(active_models: Registry) -> None:
    scorer = Scorer(active_models.load())
    leads = _leads(scorer).drop(columns=["Lead ID", "Name"])
    app = _upload(open_page("triage"), leads)
    first = _table(app)["row"].iloc[0]
    assert f"3. Why this tier: row {first}" in texts(app).split("\n")
    assert f"(row {first})" not in texts(app)


def test_a_missing_column_is_named_as_the_manager_knows_it_and_can_be_matched(active_models: Registry) -> None:
    scorer = Scorer(active_models.load())
    field = scorer.schema.field("credit_score" if scorer.schema == BUILTIN_SCHEMA else "campaign")
    leads = _leads(scorer).rename(columns={field.name: "Column Q"})
    app = _upload(open_page("triage"), leads)
    assert f"'{field.title}'" in texts(app) and "cannot be scored yet" in texts(app)
    choice = app.selectbox(key=f"match.{field.name}")
    assert f"“{field.title}” is not in the file" in choice.label.replace("\\", "")
    assert "Column Q" in choice.options and "Owner" in choice.options
    choice.select("Column Q").run()
    assert not app.exception
    assert (metric(app, "Scored"), metric(app, "Rejected")) == (f"{ROWS - 1}", "1")
    assert "Column Q" in _table(app).columns and field.name not in _table(app).columns


def test_the_sample_list_works_while_a_file_is_loaded_or_says_why_not(active_models: Registry) -> None:
    scorer = Scorer(active_models.load())
    app = _upload(open_page("triage"), _leads(scorer))
    sample = [b for b in app.button if b.label.startswith("Try the sample list")]
    if scorer.schema != BUILTIN_SCHEMA:
        assert not sample and "No sample list for this model" in texts(app)
        return
    sample[0].click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert "Now showing sample-leads.csv instead of leads.csv." in texts(app)
    assert (metric(app, "Rows read"), metric(app, "Scored")) == ("10,000", "10,000")


def test_empty_and_header_only_files_get_clear_messages(models_dir) -> None:
    app = _upload(open_page("triage"), pd.DataFrame(), "empty.csv")
    assert "the file is empty" in texts(app) or "has a header row but no leads" in texts(app)
    app = _upload(open_page("triage"), pd.DataFrame(columns=list(FEATURE_NAMES)), "header.csv")
    assert "has a header row but no leads" in texts(app)


def test_columns_named_row_and_tier_do_not_break_the_page(models_dir) -> None:
    leads = triage.sample_list(8, seed=9)
    leads["row"] = "r"
    leads["tier"] = "old"
    leads["tier_input"] = "older"
    app = _upload(open_page("triage"), leads)
    table = _table(app)
    assert {"row_input", "tier_input", "tier_input_2"} <= set(table.columns)
    assert set(table["tier_input"]) == {"older"} and set(table["tier_input_2"]) == {"old"}
    assert table["row"].tolist() != ["r"] * 8


def test_a_row_with_the_wrong_number_of_cells_is_rejected_and_later_rows_keep_their_numbers(models_dir) -> None:
    leads = triage.sample_list(6, seed=4).astype(str)
    leads.loc[4, "credit_score"] = "lots"  # file row 5
    lines = leads.to_csv(index=False).splitlines()
    lines[3] += ",one cell too many"  # file row 3
    app = open_page("triage")
    app.file_uploader(key=_uploader(app)).set_value(("ragged.csv", "\n".join(lines).encode(), "text/csv")).run()
    assert not app.exception, [e.value for e in app.exception]
    assert (metric(app, "Rows read"), metric(app, "Scored"), metric(app, "Rejected")) == ("6", "4", "2")
    problems = app.dataframe[0].value
    assert problems["row"].tolist() == [3, 5]
    assert problems.loc[1, ["lead_id", "column", "value"]].tolist() == [leads.loc[4, "lead_id"], "credit_score", "lots"]
    assert sorted(_table(app)["row"]) == [1, 2, 4, 6]
    assert sorted(_table(app)["lead_id"]) == sorted(leads.drop(index=[2, 4])["lead_id"])


def test_each_tier_promises_the_mean_chance_of_its_leads_in_the_list(active_models: Registry) -> None:
    scorer = Scorer(active_models.load())
    leads = _leads(scorer)
    app = _upload(open_page("triage"), leads)
    batch = scorer.score(leads.drop(index=2))
    rows = scorer.rows(batch.scored)
    said = texts(app)
    for tier, promise in scorer.model.target.promises(rows.chance, rows.tier).items():
        count = int((rows.tier == tier).sum())
        if count:  # the same figure the store records for these leads, and the Results page will judge
            assert f"These {count:,} leads' chance of conversion: {plain_words.chance(promise)} on average" in said \
                or (count == 1 and f"This lead's chance of conversion: {plain_words.chance(promise)}" in said)
    assert metric(app, "Expected conversions") == f"{rows.chance.sum():,.0f}"
    assert "usually convert" not in said
