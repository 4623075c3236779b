"""Score a lead and Triage with an outcome model (the bank-marketing sample) active: all from its schema."""

from __future__ import annotations

import dataclasses
import io

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from leadscore.registry import ENV_MODELS_DIR, Registry
from leadscore.scoring.outcome_scorer import OutcomeScorer
from leadscore.scoring.outcome_template import typical_lead
from tests.app.helpers import metric, open_page, shown_tier, texts
from tests.conftest import BANK_SAMPLE


@pytest.fixture
def crm_app(outcome_registry: Registry, monkeypatch: pytest.MonkeyPatch) -> Registry:
    """The outcome registry (bank-marketing model active) as the dashboard's registry."""
    monkeypatch.setenv(ENV_MODELS_DIR, str(outcome_registry.root))
    for name in ("LEADSCORE_RETRAIN_ENABLED", "LEADSCORE_RETRAIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return outcome_registry


def _key(app: AppTest, name: str) -> str:
    keys = [w.key for w in (*app.selectbox, *app.number_input)
            if w.key and w.key.startswith("outcome.") and w.key.endswith(f".{name}")]
    assert len(keys) == 1, keys
    return keys[0]


def _submit(app: AppTest) -> None:
    next(b for b in app.button if b.label == "Score this lead").click().run()
    assert not app.exception, [e.value for e in app.exception]


def test_score_form_comes_from_the_schema(crm_app: Registry) -> None:
    app = open_page()
    schema = crm_app.load().schema
    keys = {w.key for w in (*app.selectbox, *app.number_input) if w.key.startswith("outcome.")}
    assert {k.rsplit(".", 1)[1] for k in keys} == set(schema.names)
    job = app.selectbox(key=_key(app, "job"))
    assert job.label == "Job" and job.value == "blue-collar"  # the commonest job in the history
    assert list(job.options) == [*schema.field("job").levels, "other (any value not listed)", "unknown"]
    age = app.number_input(key=_key(app, "age"))
    assert age.value == 39 and "Seen in your history: 19 to 92." in age.help
    assert list(app.selectbox(key=_key(app, "housing")).options) == ["yes", "no", "unknown"]
    page = texts(app)
    assert "What your team can change" in page and "Top reasons" in page
    assert shown_tier(app) in ("High", "Medium", "Low")


def test_submitting_a_lead_gives_its_tier_chance_and_reasons(crm_app: Registry) -> None:
    app = open_page()
    lead = pd.read_csv(BANK_SAMPLE, dtype=str, keep_default_na=False).iloc[4].to_dict()  # contact unknown: Low
    expected = OutcomeScorer(crm_app.load()).score_lead(lead)
    for name in ("job", "marital", "education", "month", "poutcome", "contact"):
        value = lead[name]
        app.selectbox(key=_key(app, name)).set_value(value if value != "unknown" else "unknown")
    for name in ("age", "balance", "day", "campaign", "pdays", "previous"):
        app.number_input(key=_key(app, name)).set_value(int(lead[name]))
    for name in ("default", "housing", "loan"):
        app.selectbox(key=_key(app, name)).set_value(lead[name])
    _submit(app)
    assert shown_tier(app) == expected.tier == "Low"
    badge = next(h.proto.body for h in app.get("html") if "tier-badge" in h.proto.body)
    assert f"Chance of conversion: {expected.p_convert:.0%}" in badge and f"score {expected.score} of 100" in badge
    page = texts(app)
    for i, reason in enumerate(expected.reasons, 1):
        assert f"{i}. {reason}" in page
    # The move-up answer changes only an actionable field, and trying it moves the what-if to a higher tier.
    assert "The smallest change that reaches **High**" in page and "- Contact: unknown → cellular" in page
    next(b for b in app.button if b.label == "Try this in the what-if above").click().run()
    assert metric(app, "Tier after the change") == "High"
    assert metric(app, "Chance of conversion after the change") == "15%"


def test_an_empty_field_is_scored_as_unknown(crm_app: Registry) -> None:
    app = open_page()
    app.number_input(key=_key(app, "age")).set_value(None)  # always filled in the history
    app.selectbox(key=_key(app, "contact")).set_value("unknown")  # empty for 29% of the history
    _submit(app)
    model = crm_app.load()
    expected = OutcomeScorer(model).score_lead({**typical_lead(model.schema), "age": "", "contact": ""})
    typical = OutcomeScorer(model).score_lead(typical_lead(model.schema))
    # An unknown contact channel is information; an unknown age is taken as the typical age.
    assert expected.p_convert != typical.p_convert
    typical_age = OutcomeScorer(model).score_lead({**typical_lead(model.schema), "contact": ""})
    assert expected.p_convert == pytest.approx(typical_age.p_convert, abs=1e-12)
    assert shown_tier(app) == expected.tier
    badge = next(h.proto.body for h in app.get("html") if "tier-badge" in h.proto.body)
    assert f"Chance of conversion: {expected.p_convert:.0%}" in badge


def test_a_lead_with_every_field_unknown_asks_for_one_instead_of_a_score(crm_app: Registry) -> None:
    app = open_page()
    for widget in (*app.selectbox, *app.number_input):
        if widget.key and widget.key.startswith("outcome."):
            widget.set_value("unknown" if widget in app.selectbox else None)
    _submit(app)
    assert "Fill in at least one field" in texts(app)
    assert not [h for h in app.get("html") if "tier-badge" in h.proto.body]


def test_no_actionable_field_is_said_plainly(crm_app: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    original = OutcomeScorer.__init__

    def without_actionable(self: OutcomeScorer, model) -> None:
        model.schema = dataclasses.replace(model.schema, fields=tuple(
            dataclasses.replace(f, actionable=False) for f in model.schema.fields))
        original(self, model)

    monkeypatch.setattr(OutcomeScorer, "__init__", without_actionable)
    app = open_page()
    infos = [i.value for i in app.info]
    assert infos.count("No field is marked as one a salesperson can change; mark them when training on the "
                       "Model page.") == 2


def _lead_list() -> bytes:
    """Twelve leads of the sample as a CRM writes them: an ID, a name, an owner, and three awkward cells."""
    leads = pd.read_csv(BANK_SAMPLE, dtype=str, keep_default_na=False).head(12).drop(columns=["y", "duration"])
    leads.insert(0, "Lead ID", [f"B-{i:03d}" for i in range(1, 13)])
    leads.insert(1, "Name", [f"Client {i}" for i in range(1, 13)])
    leads["Owner"] = ["Ana", "Ben", "Cy"] * 4
    leads.loc[2, "age"] = "forty"        # file row 3: not a number, rejected
    leads.loc[5, "education"] = ""       # file row 6: empty, scored as unknown
    leads.loc[7, "job"] = "astronaut"    # file row 8: never seen, scored as other
    return leads.to_csv(index=False).encode()


def test_triage_scores_from_the_schema_and_names_the_rejected_row(crm_app: Registry) -> None:
    app = open_page("triage")
    assert "The model reads these columns: age, job, marital" in texts(app)
    app.file_uploader(key="upload").set_value(("leads.csv", _lead_list(), "text/csv")).run()
    assert not app.exception, [e.value for e in app.exception]
    assert (metric(app, "Rows read"), metric(app, "Scored"), metric(app, "Rejected")) == ("12", "11", "1")
    assert "Rows read 12 = scored 11 + rejected 1." in texts(app)
    problems = app.dataframe[0].value
    assert list(problems.columns) == ["row", "Lead ID", "Name", "column", "value", "reason"]
    assert problems.iloc[0].tolist() == [3, "B-003", "Client 3", "age", "forty", "not a number"]
    assert sum(int(metric(app, t)) for t in ("High", "Medium", "Low")) == 11
    table = app.dataframe[-1].value
    assert len(table) == 11 and {"Lead ID", "Name", "Owner", "tier", "score", "p_convert", "reason_1",
                                 "reason_2", "reason_3"} <= set(table.columns)
    by_id = table.set_index("Lead ID")
    assert "B-003" not in by_id.index
    scorer = OutcomeScorer(crm_app.load())
    lead = pd.read_csv(io.BytesIO(_lead_list()), dtype=str, keep_default_na=False).iloc[7].to_dict()
    assert by_id.loc["B-008", "p_convert"] == pytest.approx(scorer.score_lead(lead).p_convert, abs=1e-6)
    assert scorer.score_lead({**lead, "job": "other"}).p_convert == pytest.approx(by_id.loc["B-008", "p_convert"])
    assert by_id.loc["B-006", "education"] == "" and by_id.loc["B-006", "reason_1"]
    assert shown_tier(app) == table["tier"].iloc[0]
    labels = [b.label for b in app.get("download_button")]
    assert "Download all 11 scored leads (CSV)" in labels and "Download the CSV template" in labels


def test_a_missing_column_can_be_scored_as_unknown(crm_app: Registry) -> None:
    leads = pd.read_csv(io.BytesIO(_lead_list()), dtype=str, keep_default_na=False).drop(columns=["poutcome"])
    app = open_page("triage")
    app.file_uploader(key="upload").set_value(("leads.csv", leads.to_csv(index=False).encode(), "text/csv")).run()
    assert "missing column: 'poutcome'" in texts(app)
    app.selectbox(key="match.poutcome").set_value("(not in this file: score it as unknown for every lead)").run()
    assert not app.exception, [e.value for e in app.exception]
    assert (metric(app, "Rows read"), metric(app, "Scored"), metric(app, "Rejected")) == ("12", "11", "1")


def test_a_renamed_column_can_be_matched_to_its_field(crm_app: Registry) -> None:
    leads = pd.read_csv(io.BytesIO(_lead_list()), dtype=str, keep_default_na=False)
    leads = leads.rename(columns={"campaign": "Calls this campaign"})
    app = open_page("triage")
    app.file_uploader(key="upload").set_value(("leads.csv", leads.to_csv(index=False).encode(), "text/csv")).run()
    choice = app.selectbox(key="match.campaign")
    assert choice.value is None and "Calls this campaign" in choice.options
    choice.set_value("Calls this campaign").run()
    assert (metric(app, "Rows read"), metric(app, "Scored"), metric(app, "Rejected")) == ("12", "11", "1")
    table = app.dataframe[-1].value
    scorer = OutcomeScorer(crm_app.load())
    first = leads.set_index("Lead ID").loc[table["Lead ID"].iloc[0]].to_dict()
    assert "Calls this campaign" in table.columns and "campaign" not in table.columns
    assert table["p_convert"].iloc[0] == pytest.approx(scorer.score_lead(first | {"campaign": first[
        "Calls this campaign"]}).p_convert, abs=1e-6)


def test_the_pages_follow_the_active_model_both_ways(crm_app: Registry) -> None:
    app = open_page()
    assert "What your team can change" in texts(app) and not app.slider
    crm_app.activate_builtin()
    app.run()
    assert not app.exception and {s.key for s in app.slider} >= {"lead.income", "lead.credit_score"}
    assert "What your team can change" not in texts(app)
    app.switch_page("app_pages/triage.py").run()
    assert "Try the sample list (10,000 generated leads)" in [b.label for b in app.button]
