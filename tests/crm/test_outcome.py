"""Training and scoring an outcome model: minimum data, the split, bands, exact reasons, files, end to end."""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd
import pytest

from leadscore.data.csvio import read_table
from leadscore.modeling.model import model_of
from leadscore.modeling.tiers import Bands
from leadscore.modeling.won_lost.bands import bands_for, with_bands
from leadscore.modeling.won_lost.outcome_model import BOOSTER_FILE, META_FILE, ModelFileError, OutcomeModel
from leadscore.modeling.won_lost.report import WonLostReport
from leadscore.modeling.won_lost.target import WonLost
from leadscore.modeling.won_lost.train import NotEnoughDataError, train_outcome
from leadscore.scoring.scorer import LeadError, Scorer
from tests.conftest import BANK_SAMPLE
from tests.crm.conftest import FAST, FAST_SMOTE, crm_frame


@pytest.fixture(scope="module")
def small() -> tuple[pd.DataFrame, OutcomeModel]:
    frame = crm_frame(n=800, seed=2)
    return frame, train_outcome(frame, "Converted", candidates=FAST).model


def _with_outcomes(converted: int, not_converted: int) -> pd.DataFrame:
    frame = crm_frame(n=converted + not_converted, seed=5)
    frame["Converted"] = ["1"] * converted + ["0"] * not_converted
    return frame


def test_refuses_fewer_than_40_of_either_outcome():
    with pytest.raises(NotEnoughDataError, match="39 converted and 300 not converted; at least 40 of each"):
        train_outcome(_with_outcomes(39, 300), "Converted", candidates=FAST)


def test_warns_below_200_of_either_outcome(caplog):
    with caplog.at_level(logging.WARNING):
        trained = train_outcome(_with_outcomes(60, 400), "Converted", candidates=FAST)
    assert trained.warnings == ["only 60 converted leads: the model will be rough below 200 of each"]
    assert trained.warnings[0] in caplog.text
    assert trained.report.warnings == trained.warnings


def test_open_leads_are_counted_not_trained_on():
    frame = crm_frame(n=600, seed=6)
    frame.loc[:49, "Converted"] = ""
    report = train_outcome(frame, "Converted", candidates=FAST).report
    assert report.open_leads == 50
    assert report.train_rows + report.test_rows == 550


def test_tests_on_the_most_recent_leads_when_a_date_is_found():
    frame = crm_frame(n=600, seed=7)
    dates = pd.date_range("2024-01-01", periods=600, freq="D").strftime("%Y-%m-%d")
    frame["Created On"] = np.random.default_rng(0).permutation(dates)
    trained = train_outcome(frame, "Converted", candidates=FAST)
    assert trained.report.split == ("the most recent 20% of leads by 'Created On' (date): "
                                       "leads from 2025-04-25 to 2025-08-22")
    assert trained.report.test_rows == 120
    stratified = train_outcome(crm_frame(n=600, seed=7).drop(columns=["Lead Number"]), "Converted",
                               candidates=FAST)
    assert stratified.report.split.startswith("a stratified random 20% of leads")


def test_bands_by_share_and_by_probability():
    reference = np.linspace(0, 1, 101)
    bands = Bands.by_share(reference, 0.2, 0.3)
    assert (bands.high, bands.medium) == pytest.approx((0.8, 0.5))
    assert bands.tiers(np.array([0.9, 0.8, 0.6, 0.49])).tolist() == ["High", "High", "Medium", "Low"]
    assert Bands.from_dict(bands.to_dict()) == bands
    with pytest.raises(ValueError, match="medium <= high"):
        Bands.by_probability(0.2, 0.4)
    with pytest.raises(ValueError, match="add up to at most 1"):
        Bands.by_share(reference, 0.7, 0.5)


def test_the_target_cuts_tiers_by_the_models_bands(small):
    frame, model = small
    scorer = Scorer(model_of(model))
    assert isinstance(scorer.model.target, WonLost) and scorer.model.target.bands == model.bands
    assert model.bands.kind == "share" and model.bands.shares == (0.2, 0.3)
    scored = scorer.score(frame, explain=False).scored
    assert scored["tier"].value_counts(normalize=True)["High"] == pytest.approx(0.2, abs=0.07)
    by_chance, _ = with_bands(model, WonLostReport.read(model.metadata.get("report")),
                              bands_for(model, "probability", 0.9, 0.5))
    tiers = Scorer(model_of(by_chance)).score(frame, explain=False).scored
    assert (tiers["tier"] == "High").tolist() == (tiers["p_convert"] >= 0.9).tolist()
    assert ((tiers["tier"] == "Medium") == tiers["p_convert"].between(0.5, 0.9, inclusive="left")).all()
    by_share = bands_for(model, "share", high=0.1, medium=0.2)
    assert by_share.kind == "share" and by_share.high == pytest.approx(np.quantile(model.reference, 0.9))


@pytest.mark.parametrize("candidates", [FAST, FAST_SMOTE], ids=["native", "onehot-smote"])
def test_contributions_are_exact_per_original_field(candidates):
    frame = crm_frame(n=600, seed=8)
    model = train_outcome(frame, "Converted", candidates=candidates).model
    matrix = model.schema.parse(frame).matrix
    contributions = model.contributions(matrix)
    assert contributions.shape == (len(frame), len(model.schema.fields) + 1)
    logit = np.log(model.predict(matrix) / (1 - model.predict(matrix)))
    np.testing.assert_allclose(contributions.sum(axis=1), logit, atol=1e-6)


def test_files_round_trip(small):
    frame, model = small
    files = model.to_files()
    assert set(files) == {BOOSTER_FILE, META_FILE}
    loaded = OutcomeModel.from_files(files)
    matrix = model.schema.parse(frame).matrix
    np.testing.assert_array_equal(loaded.predict(matrix), model.predict(matrix))
    assert loaded.schema == model.schema and loaded.bands == model.bands


def _damaged(files: dict[str, bytes], change) -> dict[str, bytes]:
    meta = json.loads(files[META_FILE])
    change(meta)
    return {**files, META_FILE: json.dumps(meta).encode()}


@pytest.mark.parametrize(("change", "message"), [
    (lambda m: m["calibration"].update(slope=-1.0), "slope"),
    (lambda m: m["bands"].update(high=1.5), "medium <= high"),
    (lambda m: m["schema"]["fields"].pop(), "the booster takes"),
    (lambda m: m["schema"]["fields"][0].update(kind="category"), "levels"),
    (lambda m: m["schema"]["fields"][0].update(kind="category", levels=["a"], low=None, high=None),
     "categorical inputs"),
    (lambda m: m["schema"]["fields"].reverse(), "feature names"),
    (lambda m: m.update(booster_sha256="0" * 64), "checksum"),
    (lambda m: m.update(reference=[0.5, 0.1]), "sorted"),
])
def test_damaged_files_are_refused(small, change, message):
    _, model = small
    with pytest.raises(ModelFileError, match=message):
        OutcomeModel.from_files(_damaged(model.to_files(), change))


def test_a_broken_booster_and_a_non_json_file_are_refused(small):
    _, model = small
    files = model.to_files()
    with pytest.raises(ModelFileError, match="checksum"):
        OutcomeModel.from_files({**files, BOOSTER_FILE: files[BOOSTER_FILE][:100]})
    with pytest.raises(ModelFileError, match="not valid JSON"):
        OutcomeModel.from_files({**files, META_FILE: b"\x80\x04K\x01."})  # a pickle
    with pytest.raises(ModelFileError, match="NaN"):
        OutcomeModel.from_files({**files, META_FILE: files[META_FILE].replace(b'"slope": ', b'"slope": NaN, "x": ')})


def test_end_to_end_on_bank_marketing_sample(bank):
    trained = train_outcome(bank, "y", exclude=["duration"], candidates=FAST + FAST_SMOTE)
    report = trained.report
    assert report.positive == ["yes"] and report.rows == 3000
    assert {c.name for c in report.candidates} == {"small-native", "small-smote"}
    assert report.chosen in {"small-native", "small-smote"}
    assert report.test.roc_auc > 0.7
    assert trained.review.column("duration").reason == "excluded by you"
    assert "duration" not in trained.model.schema.names
    assert trained.model.schema.field("contact").fill_rate < 0.8  # "unknown" is bank-marketing's empty
    tiers = {t.tier: t.to_dict() for t in report.test.tiers}
    assert tiers["High"]["conversion_rate"] > tiers["Low"]["conversion_rate"]
    json.dumps(report.to_dict())  # the report is JSON-safe

    new_leads = bank.head(5).copy()
    new_leads.loc[0, "job"] = "astronaut"  # a level never seen in training
    new_leads.loc[1, "contact"] = ""  # an empty cell
    new_leads.loc[2, "balance"] = "lots"  # cannot be a number
    batch = Scorer(model_of(trained.model)).score(new_leads, explain=True)
    assert batch.rows_read == 5 and len(batch.scored) + batch.rejected_rows == 5
    assert batch.problems.to_dict("records") == [
        {"row": 3, "column": "balance", "value": "lots", "reason": "not a number"}]
    scored = batch.scored
    assert scored.index.tolist() == [1, 2, 4, 5]
    assert list(scored.columns[: len(bank.columns)]) == list(bank.columns)  # input columns kept
    assert scored["p_convert"].between(0, 1).all()
    assert (scored["score"] == np.rint(scored["p_convert"] * 100)).all()
    assert set(scored["tier"]) <= {"High", "Medium", "Low"}
    assert scored["reason_1"].str.fullmatch(r".+ \((raises|lowers)\)").all()

    scorer = Scorer(model_of(trained.model))
    lead = {k: v for k, v in bank.iloc[0].items()}
    lead["JOB"] = lead.pop("job")  # keys matched like headers
    lead["customer_name"] = "Ana"  # extra keys are allowed
    lead["contact"] = ""
    one = scorer.score_lead(lead)
    same_row = bank.head(1).copy()
    same_row.loc[0, "contact"] = ""
    assert one.chance == pytest.approx(scorer.score(same_row, explain=True).scored["p_convert"].iloc[0],
                                     abs=1e-12)
    logit = np.log(one.chance / (1 - one.chance))
    assert one.base_value + sum(one.contributions.values()) == pytest.approx(logit, abs=1e-6)
    assert one.chances == {"p_convert": round(one.chance, 4), "score": round(one.chance * 100)}
    assert one.tier in {"High", "Medium", "Low"}
    with pytest.raises(LeadError) as bad:
        scorer.score_lead({**lead, "age": "old"})
    assert bad.value.problems == [("age", "old", "not a number")]


def test_a_batch_with_every_row_rejected_scores_nothing_and_says_why(small):
    frame, model = small
    bad = frame.head(2).copy()
    bad["Visits"] = "many"
    batch = Scorer(model_of(model)).score(bad, explain=True)
    assert (len(batch.scored), batch.rows_read, batch.rejected_rows) == (0, 2, 2)
    assert {"p_convert", "score", "tier", "reason_1"} <= set(batch.scored.columns)


def test_an_empty_cell_of_an_always_filled_field_is_taken_as_its_typical_value(crm_training) -> None:
    """The model never saw "month" empty: an empty month must not send a lead to High (it did, p 0.73)."""
    schema = crm_training.model.schema
    month, contact = schema.field("month"), schema.field("contact")
    assert not month.allow_empty and month.fill_in == 0.0 and month.levels[0] == "may"
    assert contact.allow_empty and contact.fill_in is None  # empty for 29% of leads: emptiness is information
    scorer = Scorer(model_of(crm_training.model))
    leads = read_table(BANK_SAMPLE).tail(300).drop(columns=["y"])
    blank = scorer.score(leads.assign(month=""), explain=True).scored
    as_may = scorer.score(leads.assign(month="may"), explain=True).scored
    np.testing.assert_allclose(blank["p_convert"], as_may["p_convert"], atol=1e-12)
    reasons = blank[["reason_1", "reason_2", "reason_3"]].stack()
    assert reasons.str.startswith("Month: empty, taken as may (").any()
    assert not reasons.str.startswith("Month: unknown").any()
    one = scorer.score_lead({**leads.iloc[0].to_dict(), "month": ""})
    assert one.chance == pytest.approx(as_may["p_convert"].iloc[0], abs=1e-6)
    assert one.labels["month"] == "Month: empty, taken as may"  # one lead: pred_contribs, float32
