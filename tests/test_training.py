"""Training: the seed's pipeline, the quality targets on held-out data, the nine scenarios."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leadscore import synth, train
from leadscore.evaluate import evaluate_probabilities
from leadscore.scenarios import SCENARIOS
from leadscore.schema import TIERS, SchemaError
from leadscore.scorer import Scorer


@pytest.fixture(scope="module")
def holdout_report(scorer: Scorer, holdout: pd.DataFrame) -> dict:
    batch = scorer.score(holdout)
    assert batch.rejected_rows == 0
    scored = batch.scored
    labels = scored["tier_input"].map({t: i for i, t in enumerate(TIERS)}).to_numpy()
    predicted = scored["tier"].map({t: i for i, t in enumerate(TIERS)}).to_numpy()
    return evaluate_probabilities(
        scored[["p_low", "p_medium", "p_high"]].to_numpy(), predicted, labels,
        scored[list(synth.TRUE_PROBABILITY_COLUMNS)].to_numpy())


def test_accuracy_within_one_point_of_the_bayes_ceiling(holdout_report: dict) -> None:
    assert holdout_report["accuracy"] >= holdout_report["bayes_accuracy"] - 0.010
    assert holdout_report["accuracy"] >= 0.85  # the seed's figure


def test_high_recall_and_precision_together(holdout_report: dict) -> None:
    assert holdout_report["High"]["recall"] >= 0.82
    assert holdout_report["High"]["precision"] >= 0.75


def test_probabilities_are_within_003_of_the_truth(holdout_report: dict) -> None:
    assert holdout_report["probability_mae"] <= 0.03


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_seed_scenario_tier_and_confidence_band(scorer: Scorer, scenario) -> None:  # noqa: ANN001
    result = scorer.score_lead(scenario.lead)
    assert result.tier == scenario.tier
    low, high = scenario.band
    assert low < result.confidence <= high


def test_report_holds_what_the_dashboard_and_model_card_show(default_training: train.TrainingResult) -> None:
    report = default_training.report
    for key in ("accuracy", "log_loss", "confusion_matrix", "calibration", "bayes_accuracy",
                "probability_mae", "macro avg", "weighted avg", "feature_importance", "baselines"):
        assert key in report
    assert np.asarray(report["confusion_matrix"]).sum() == report["rows"]["test"] == 2000
    assert set(report["baselines"]) == {"Logistic regression", "Random forest", "XGBoost without SMOTE",
                                        "XGBoost with SMOTE (uncalibrated)"}
    assert sum(report["feature_importance"].values()) == pytest.approx(1, abs=1e-3)
    top_two = sorted(report["feature_importance"], key=report["feature_importance"].get)[-2:]
    assert set(top_two) == {"income", "credit_score"}  # the seed's "can they afford it?"


def test_smote_runs_only_while_fitting() -> None:
    pipeline = train.build_pipeline(train.PRESETS["default"])
    frame = synth.generate(1500, seed=4)
    x, y, _ = train.labeled_frame(frame)
    pipeline.fit(x, y)
    assert pipeline.predict_proba(x).shape == (1500, 3)  # no resampling at prediction time
    assert pipeline.named_steps["xgb"].get_booster().num_boosted_rounds() == 600


def test_seed_preset_uses_the_seed_hyperparameters() -> None:
    assert train.PRESETS["seed"] == {
        "n_estimators": 300, "max_depth": 6, "learning_rate": 0.05, "subsample": 0.8,
        "colsample_bytree": 0.8, "min_child_weight": 3, "gamma": 0.1}
    result = train.train(synth.generate(600, seed=5), preset="seed", with_baselines=False)
    assert result.model.metadata["preset"] == "seed"
    assert result.model.booster.num_boosted_rounds() == 300


def test_labeled_data_without_tier_or_with_bad_rows_is_refused() -> None:
    frame = synth.generate(300, seed=6)
    with pytest.raises(SchemaError, match="'tier' column"):
        train.train(frame.drop(columns=["tier"]))
    broken = frame.astype({"credit_score": object})
    broken.loc[7, "credit_score"] = "n/a"
    with pytest.raises(SchemaError, match="row 8, column 'credit_score': not a number"):
        train.train(broken)
    relabeled = frame.astype({"tier": object})
    relabeled.loc[3, "tier"] = "Hot"
    with pytest.raises(SchemaError, match="row 4, column 'tier': 'Hot' is not Low, Medium or High"):
        train.train(relabeled)
