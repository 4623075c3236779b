"""The leakage screen flags fields that give the outcome away, and leaves honest strong fields alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leadscore.data import synth
from leadscore.fields.infer import infer_columns, outcome_labels
from leadscore.modeling.explain.tree_shap import TreeExplainer
from leadscore.modeling.won_lost.leakage import (
    LEAK_AUC,
    WorkSigns,
    emptier,
    field_power,
    fill_moves,
    judge,
    name_sign,
    screen,
)
from leadscore.modeling.won_lost.train import _first_fit_shares, train_outcome
from tests.crm.conftest import FAST, crm_frame


def _synthetic_won_lost(n: int = 3000) -> tuple[pd.DataFrame, np.ndarray]:
    leads = synth.generate(n, seed=3)
    won = (leads["tier"] != "Low").to_numpy(dtype=np.int64)  # a won/lost outcome derived from the tier
    return leads.loc[:, list(synth.FEATURE_NAMES)].astype(np.float64), won


def test_credit_score_known_before_the_outcome_is_not_flagged():
    features, won = _synthetic_won_lost()
    power = field_power(features["credit_score"], won)
    assert 0.7 < power.auc < LEAK_AUC  # strong, yet not flagged
    assert not power.flagged
    assert not any(p.flagged for p in screen(features, won))


def test_a_planted_leaked_field_is_flagged():
    features, won = _synthetic_won_lost()
    rng = np.random.default_rng(0)
    noisy_copy = np.where(rng.random(len(won)) < 0.05, 1 - won, won)  # a rating filled in after the deal
    features["deal_rating"] = pd.Categorical(np.where(noisy_copy == 1, "hot", "cold"))
    power = field_power(features["deal_rating"], won)
    assert power.flagged and power.auc >= 0.94
    assert power.reason == ("probably filled in after the outcome: alone it ranks leads right "
                            f"{power.auc:.0%} of the time")


def test_a_field_filled_in_only_after_winning_is_flagged_by_its_emptiness():
    features, won = _synthetic_won_lost()
    rng = np.random.default_rng(1)
    contract = np.where((won == 1) & (rng.random(len(won)) < 0.95), rng.normal(100, 30, len(won)), np.nan)
    power = field_power(pd.Series(contract, name="contract_value"), won)
    assert power.flagged and power.filled_auc is not None and power.filled_auc >= 0.9
    assert "whether it is filled in alone" in power.reason


def test_training_leaves_flagged_fields_out_unless_kept():
    frame = crm_frame(n=800, seed=4)
    frame["Tags"] = np.where(frame["Converted"] == "1", "Closed by Horizzon", "Ringing")
    trained = train_outcome(frame, "Converted", candidates=FAST)
    assert "Tags" not in trained.model.schema.names
    assert trained.review.column("Tags").reason.startswith("probably filled in after the outcome")
    flagged = next(p.to_dict() for p in trained.report.leakage.fields if p.name == "Tags")
    assert flagged["flagged"] and flagged["auc"] == 1.0
    kept = train_outcome(frame, "Converted", keep=["tags"], candidates=FAST)
    assert "Tags" in kept.model.schema.names
    assert kept.report.leakage.kept_on_purpose == ["Tags"]


# ---- rule 2: fields filled in while a lead is worked -------------------------------------------------
@pytest.mark.parametrize(("header", "word"), [
    ("duration", "duration"), ("Lead Quality", "quality"), ("Last Notable Activity", "last activity"),
    ("Tags", "tags"), ("leadStatus", "status"), ("Asymmetrique Activity Index", "index"),
    ("staff_rating", "rating"), ("Lead Profile", "profile"),
    ("credit_score", None), ("Marital Status", None), ("poutcome", None), ("previous_outcome", None),
    ("contact", None), ("month", None), ("Lead Source", None), ("time_on_site_minutes", None),
])
def test_names_crms_use_for_worked_fields_are_a_sign(header, word):
    assert name_sign(header) == word


def test_a_fill_rate_falling_or_rising_on_the_newest_or_falling_on_open_leads_is_a_sign():
    rng = np.random.default_rng(5)
    newest = np.arange(1000) >= 800
    falls = np.where(newest, rng.random(1000) < 0.3, rng.random(1000) < 0.9)
    steady = rng.random(1000) < 0.6
    assert emptier(falls, newest) == pytest.approx((0.9, 0.3), abs=0.05)
    assert emptier(steady, newest) is None
    rising = np.where(newest, rng.random(1000) < 0.95, rng.random(1000) < 0.5)  # the team began to fill it in
    assert emptier(rising, newest) is None  # not emptier...
    assert fill_moves(rising, newest) == pytest.approx((0.5, 0.95), abs=0.05)  # ... but it moves: a sign
    assert fill_moves(falls, newest) == emptier(falls, newest)
    assert fill_moves(steady, newest) is None
    assert fill_moves(rising[:820], newest[:820]) is None  # 20 newest leads: too few to tell
    assert emptier(falls[:820], newest[:820]) is None


def _bank_with_planted_fields(bank: pd.DataFrame) -> pd.DataFrame:
    """Bank-marketing with a staff rating and a 'last activity' that follow the outcome, filled in on older leads."""
    rng = np.random.default_rng(11)
    frame = bank.copy()
    n = len(frame)
    won = (frame["y"] == "yes").to_numpy()
    older = np.arange(n) < 0.8 * n
    stars = np.clip(np.round(2.5 + 1.2 * won + rng.normal(0, 1.0, n)), 1, 5).astype(int).astype(str)
    frame["staff_rating"] = np.where(rng.random(n) < np.where(older, 0.9, 0.4), stars, "")
    activity = np.where(rng.random(n) < np.where(won, 0.45, 0.15), "Call Back Requested",
                        rng.choice(["Email Opened", "Page Visited", "Olark Chat"], n))
    frame["Last Activity"] = np.where(rng.random(n) < np.where(older, 0.95, 0.6), activity, "")
    return frame


def test_bank_marketing_leaves_out_duration_and_planted_staff_fields_and_keeps_fields_known_at_arrival(bank):
    trained = train_outcome(_bank_with_planted_fields(bank), "y", candidates=FAST)
    leakage = {f.name: f.to_dict() for f in trained.report.leakage.fields}
    for name, word in (("duration", "duration"), ("staff_rating", "rating"), ("Last Activity", "last activity")):
        assert leakage[name]["flagged"], name
        assert name not in trained.model.schema.names
        assert f"its name has '{word}'" in trained.review.column(name).reason
        assert "probably filled in while the lead is worked" in leakage[name]["reason"]
    assert leakage["duration"]["share"] > 0.2  # the first fit leans on it
    for name in ("poutcome", "contact", "month"):
        assert not leakage[name]["flagged"] and name in trained.model.schema.names
    lines = trained.report.training_lines()
    assert any(line.startswith("left out: 'duration' (probably filled in while the lead is worked") for line in lines)
    kept = train_outcome(_bank_with_planted_fields(bank), "y", keep=["Duration"], candidates=FAST)
    assert "duration" in kept.model.schema.names
    assert kept.report.leakage.kept_on_purpose == ["duration"]


def test_a_neutral_name_is_caught_by_its_fill_rate_on_the_newest_and_on_open_leads():
    frame = crm_frame(n=1500, seed=6)
    rng = np.random.default_rng(3)
    n = len(frame)
    won = (frame["Converted"] == "1").to_numpy()
    newest = np.arange(n) >= 0.8 * n  # "Lead Number" increases: it orders the leads
    grade = np.where(won, rng.choice(["A", "B", "C"], n, p=[0.5, 0.3, 0.2]), rng.choice(["A", "B", "C"], n,
                                                                                            p=[0.2, 0.3, 0.5]))
    frame["field_7"] = np.where(rng.random(n) < np.where(newest, 0.3, 0.9), grade, "")
    honest = np.where(rng.random(n) < 0.7, frame["Visits"].to_numpy(), "")
    frame["field_8"] = honest  # emptier at random: no sign
    trained = train_outcome(frame, "Converted", candidates=FAST)
    leakage = {f.name: f.to_dict() for f in trained.report.leakage.fields}
    assert leakage["field_7"]["flagged"]
    assert leakage["field_7"]["signs"]["name_word"] is None and leakage["field_7"]["signs"]["recent_fill"]
    assert "of older leads but" in leakage["field_7"]["reason"]
    assert not leakage["field_8"]["flagged"]
    # Open leads (no outcome yet) where the field is rarely filled in
    opened = frame.copy()
    opened.loc[newest, "Converted"] = ""
    trained = train_outcome(opened, "Converted", candidates=FAST)
    signs = next(f.to_dict() for f in trained.report.leakage.fields if f.name == "field_7")["signs"]
    assert signs["open_fill"] is not None and signs["open_fill"][1] < 0.4


def test_a_field_that_fills_in_over_time_is_caught_too():
    """Staff-assigned indices, filled on 43% of older leads and on every new one (a field the team began to fill
    in): what the model would learn from the older leads is not what a new lead arrives with."""
    frame = crm_frame(n=1500, seed=6)
    rng = np.random.default_rng(4)
    n = len(frame)
    won = (frame["Converted"] == "1").to_numpy()
    newest = np.arange(n) >= 0.8 * n
    points = np.where(won, rng.choice(["14", "15", "16"], n, p=[0.2, 0.3, 0.5]),
                      rng.choice(["14", "15", "16"], n, p=[0.5, 0.3, 0.2]))
    frame["field_9"] = np.where(rng.random(n) < np.where(newest, 1.0, 0.43), points, "")
    trained = train_outcome(frame, "Converted", candidates=FAST)
    field = next(f.to_dict() for f in trained.report.leakage.fields if f.name == "field_9")
    assert field["flagged"] and field["signs"]["name_word"] is None
    older, newer = field["signs"]["recent_fill"]
    assert older == pytest.approx(0.43, abs=0.05) and newer == 1.0
    assert "filled in on 43% of older leads but 100% of the newest" in field["reason"]
    assert "field_9" not in trained.model.schema.names


def test_a_worked_sign_without_sway_and_a_strong_field_without_a_sign_stay_in():
    features, won = _synthetic_won_lost()
    powers = screen(features, won)
    signs = {"credit_score": WorkSigns(name_sign("credit_score")), "age": WorkSigns(name_word="status")}
    judged = {p.name: p for p in judge(powers, signs, {"credit_score": 0.4, "age": 0.01})}
    assert not judged["credit_score"].flagged  # strong, but known when the lead arrives
    assert not judged["age"].flagged  # a sign, but the model barely uses it and alone AUC ~0.5
    judged = {p.name: p for p in judge(powers, {"age": WorkSigns(name_word="status")}, {"age": 0.05})}
    assert judged["age"].flagged and "5% of the model's decisions" in judged["age"].reason


def test_synthetic_world_trained_as_a_crm_export_keeps_the_credit_score():
    leads = synth.generate(1500, seed=9)
    frame = leads.loc[:, [*synth.FEATURE_NAMES]].astype(str)
    frame["won"] = np.where(leads["tier"] != "Low", "yes", "no")
    trained = train_outcome(frame, "won", candidates=FAST)
    assert "credit_score" in trained.model.schema.names
    assert not any(f.flagged for f in trained.report.leakage.fields)


# ---- large files ------------------------------------------------------------------------------------
def test_a_large_file_compares_models_on_a_sample_and_says_so(bank):
    trained = train_outcome(bank, "y", exclude=["duration"], candidates=FAST, sample_rows=800)
    sampling = trained.report.sampling
    assert sampling.startswith("a large file: 2,400 training leads, so the models were compared on a random 800")
    assert "fitted on 1,600" in sampling and "calibrated on 800 others" in sampling
    assert trained.report.test.roc_auc > 0.7
    full = train_outcome(bank, "y", exclude=["duration"], candidates=FAST, sample_rows=None)
    assert full.report.sampling is None
    assert abs(full.report.test.roc_auc - trained.report.test.roc_auc) < 0.05


def test_the_first_fits_shares_are_xgboosts_own_exact_contributions(bank, monkeypatch):
    # The screen's first fit is explained by numpy TreeSHAP; its shares of the decisions (which decide what is
    # left out) are those XGBoost's pred_contribs gives on the same fit.
    review = infer_columns(bank, "y")
    labels = outcome_labels(bank["y"], ["yes"], negative=["no"])
    shares = _first_fit_shares(bank, labels, review, seed=0, nthread=1)
    monkeypatch.setattr(TreeExplainer, "build", classmethod(lambda cls, booster, probe: None))  # pred_contribs
    by_xgboost = _first_fit_shares(bank, labels, review, seed=0, nthread=1)
    assert shares.keys() == by_xgboost.keys() and shares["duration"] > 0.2
    assert all(abs(shares[name] - by_xgboost[name]) < 1e-6 for name in shares)
