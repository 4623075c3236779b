"""Training: the seed's pipeline, its presets, calibration, the decision rule and baselines.

Pipeline (the seed's): StandardScaler -> SMOTE -> XGBoost, as an imblearn
``Pipeline`` so SMOTE runs only while fitting. The seed also lists
``class_weight='balanced'`` after SMOTE; SMOTE already balances the classes,
so those weights would all be 1 and are left out.

SMOTE trains the booster on a 1/3-1/3-1/3 class mix, so its raw
probabilities overstate High. Calibration maps them back to the data's real
mix: a temperature and per-class biases on the margins, fitted by log loss on
out-of-fold predictions of the training set (never on the test set). The same
out-of-fold predictions choose the High threshold of the decision rule: the
best accuracy whose High recall, less a safety margin from its out-of-fold
spread, reaches ``HIGH_RECALL_FLOOR`` (see ``choose_high_threshold``). When the
training leads come from the generator (they carry their true probabilities),
the bar is chosen instead on a large fresh sample of generated leads
(``decision_rule.py``), free of the label noise of ~850 High leads.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xgboost as xgb
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline
from scipy.optimize import minimize
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from leadscore.data.synth import truth_columns
from leadscore.fields.builtin import BUILTIN_SCHEMA, CLASSES, FEATURE_NAMES, LABEL_COLUMN
from leadscore.fields.headers import header_key
from leadscore.fields.rejections import SchemaError
from leadscore.modeling.drift_reference import drift_reference
from leadscore.modeling.target import softmax
from leadscore.modeling.three_tiers.decision_rule import GRID, choose_on_fresh_leads
from leadscore.modeling.three_tiers.evaluate import evaluate_probabilities
from leadscore.modeling.three_tiers.lead_model import LeadModel
from leadscore.modeling.three_tiers.report import TiersReport
from leadscore.modeling.three_tiers.target import HIGH, ThreeTiers

log = logging.getLogger(__name__)

RANDOM_STATE = 42
TEST_SIZE = 0.2
CALIBRATION_FOLDS = 3
#: The decision rule's promise: at least this share of High leads is put in High.
HIGH_RECALL_FLOOR = 0.82
#: One-sided 99%: the floor must hold for the final model on fresh leads, not just out of fold.
RECALL_MARGIN_Z = 2.326
#: High thresholds the decision rule chooses from.
THRESHOLD_GRID = np.round(np.arange(0.20, 0.5001, 0.005), 3)

#: The seed's hyperparameters, with multi:softprob so probabilities exist.
SEED_PARAMS: dict[str, Any] = {
    "n_estimators": 300, "max_depth": 6, "learning_rate": 0.05, "subsample": 0.8,
    "colsample_bytree": 0.8, "min_child_weight": 3, "gamma": 0.1,
}
PRESETS: dict[str, dict[str, Any]] = {
    "seed": SEED_PARAMS,
    # Chosen on held-out data (docs/model-card.md): single-split trees beat
    # depth 3 and the seed's depth 6 on accuracy, log loss and probability
    # error, and exact SHAP on them is the cheapest.
    "default": {**SEED_PARAMS, "max_depth": 1, "n_estimators": 600, "learning_rate": 0.2},
}
DEFAULT_PRESET = "default"
#: SMOTE makes synthetic leads from each lead's 5 nearest neighbours of the same tier, so every
#: calibration fold must fit on at least 6 leads of each tier: a tier's leads are first cut to
#: the 80% training split, then to 2 of the 3 folds. 15 leads of a tier leave 8 in a fold.
SMOTE_NEIGHBOURS = 5
MIN_PER_TIER = 15
#: The data the built-in model is trained on: the seed's 10,000 synthetic leads.
DEFAULT_ROWS = 10_000
DEFAULT_SEED = 42

Progress = Callable[[str, float], object]


def _quiet_progress(message: str, fraction: float) -> None:
    log.info("%s (%.0f%%)", message, 100 * fraction)


class TrainingRefusedError(SchemaError):
    """The data cannot give a useful model (too small, nothing varies, no better than a guess)."""


@dataclass
class TrainingResult:
    """A trained model with its report, ready for the registry."""

    model: LeadModel
    report: TiersReport


def labeled_frame(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Validate a labeled data set: features matrix, tier indices, and the cleaned frame.

    Training refuses bad rows rather than skipping them: a model trained on a
    silently filtered file would misreport what it was trained on.
    """
    checked = BUILTIN_SCHEMA.parse(frame)  # a missing field's column is named first
    label_columns = [c for c in frame.columns if header_key(c) == header_key(LABEL_COLUMN)]
    if len(label_columns) != 1:
        raise SchemaError(f"training data needs one '{LABEL_COLUMN}' column with Low, Medium or High")
    if len(checked.problems):
        first = checked.problems.iloc[0]
        raise SchemaError(f"{checked.rejected_rows} invalid row(s) in training data; first: row "
                          f"{first['row']}, column '{first['column']}': {first['reason']}")
    labels = checked.valid[label_columns[0]].astype("string").str.strip().str.capitalize()
    unknown = ~labels.isin(CLASSES)
    if unknown.any():
        row = labels.index[unknown.to_numpy()][0]
        raise SchemaError(f"row {row}, column '{LABEL_COLUMN}': {frame[label_columns[0]].iloc[row - 1]!r} "
                          "is not Low, Medium or High")
    counts = labels.value_counts()
    too_few = [f"{t} ({counts.get(t, 0)})" for t in CLASSES if counts.get(t, 0) < MIN_PER_TIER]
    if too_few:
        raise TrainingRefusedError(
            f"training data needs at least {MIN_PER_TIER} leads of each tier (the 80/20 split, the 3 "
            f"calibration folds and SMOTE's {SMOTE_NEIGHBOURS} neighbours need them); too few: {', '.join(too_few)}")
    y = labels.map({t: i for i, t in enumerate(CLASSES)}).to_numpy(dtype=np.int64)
    return BUILTIN_SCHEMA.codes(checked.matrix), y, checked.valid


def fingerprint(features: np.ndarray, labels: np.ndarray) -> str:
    """A short hash of the training data, to tell which data a model saw."""
    digest = hashlib.sha256(np.ascontiguousarray(features, dtype=np.float64).tobytes())
    digest.update(np.ascontiguousarray(labels, dtype=np.int64).tobytes())
    return digest.hexdigest()[:16]


#: Threads XGBoost trains with. The seed says all cores (n_jobs=-1); measured on
#: 2 cores, two threads fit the default preset only ~20% faster than one
#: (1.9 s vs 2.4 s), but 10-20x slower when another process keeps the cores
#: busy (OpenMP threads wait for each other), as a dashboard retrain beside a
#: serving API does. One thread is the robust choice.
TRAINING_THREADS = 1


def build_pipeline(params: dict[str, Any], smote: bool = True, n_jobs: int = TRAINING_THREADS) -> Pipeline:
    """The seed's pipeline with the given XGBoost hyperparameters."""
    booster = xgb.XGBClassifier(
        **params, objective="multi:softprob", eval_metric="mlogloss",
        random_state=RANDOM_STATE, n_jobs=n_jobs, tree_method="hist",
    )
    steps: list[tuple[str, Any]] = [("scale", StandardScaler())]
    if smote:
        steps.append(("smote", SMOTE(random_state=RANDOM_STATE)))
    steps.append(("xgb", booster))
    return Pipeline(steps)


def _raw_margins(pipeline: Pipeline, features: np.ndarray) -> np.ndarray:
    scaled = pipeline.named_steps["scale"].transform(features)
    booster = pipeline.named_steps["xgb"].get_booster()
    return np.asarray(booster.inplace_predict(scaled.astype(np.float32), predict_type="margin"),
                      dtype=np.float64).reshape(len(features), len(CLASSES))


def fit_calibration(margins: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Temperature and per-class bias minimising log loss of ``softmax(m / T + b)``."""
    rows = np.arange(len(labels))

    def loss(theta: np.ndarray) -> float:
        log_t, b1, b2 = theta
        logits = margins / np.exp(log_t) + np.array([0.0, b1, b2])
        logits -= logits.max(axis=1, keepdims=True)
        log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        # Each lead's log chance of its own tier (the same numbers a one-hot product summed per row gives).
        return float(-log_p[rows, labels].mean())

    best = minimize(loss, x0=np.zeros(3), method="Nelder-Mead",
                    options={"xatol": 1e-4, "fatol": 1e-7, "maxiter": 2000})
    log_t, b1, b2 = best.x
    return float(np.exp(log_t)), np.array([0.0, b1, b2])


def choose_high_threshold(probabilities: np.ndarray, labels: np.ndarray,
                          folds: np.ndarray) -> tuple[float, dict[str, Any]]:
    """The decision rule's High threshold from out-of-fold probabilities, and how it was chosen.

    For every threshold on a grid: the out-of-fold accuracy and High recall, and
    a safety margin on the recall of ``RECALL_MARGIN_Z`` standard deviations, where
    the deviation combines the sampling error of the recall (its bootstrap
    variance, ``r(1-r)/n_high``) with its spread across the calibration folds:
    each fold's recall is that of one model on leads it did not see, so their
    spread is how far one new model's recall on new leads may stray.
    A threshold is eligible when recall minus margin reaches ``HIGH_RECALL_FLOOR``.
    Among eligible thresholds the best accuracy wins; thresholds whose accuracy
    is within one standard error of that best (a tie: the difference is noise)
    are tied, and the tie goes to the lowest threshold, which catches the most
    High leads. With no eligible threshold, the one with the highest recall
    lower bound is used and the rule says so.
    """
    is_high = labels == HIGH
    n_high = int(is_high.sum())
    fold_ids = np.unique(folds)
    rows = []
    for threshold in THRESHOLD_GRID:
        decided = np.where(probabilities[:, HIGH] >= threshold, HIGH, probabilities[:, :HIGH].argmax(axis=1))
        correct = decided == labels
        recall = float((decided[is_high] == HIGH).mean()) if n_high else 0.0
        fold_recalls = [float((decided[is_high & (folds == k)] == HIGH).mean())
                        for k in fold_ids if (is_high & (folds == k)).any()]
        spread = float(np.var(fold_recalls, ddof=1)) if len(fold_recalls) > 1 else 0.0
        error = np.sqrt(recall * (1 - recall) / max(n_high, 1) + spread)
        rows.append((float(threshold), correct, recall, float(RECALL_MARGIN_Z * error)))
    eligible = [r for r in rows if r[2] - r[3] >= HIGH_RECALL_FLOOR]
    floor_met = bool(eligible)
    if not eligible:
        best_bound = max(r[2] - r[3] for r in rows)
        eligible = [r for r in rows if r[2] - r[3] == best_bound]
    best = max(eligible, key=lambda r: r[1].mean())
    tied = [r for r in eligible
            if best[1].mean() - r[1].mean() <= np.sqrt((r[1] != best[1]).mean() / len(labels))]
    threshold, correct, recall, margin = min(tied, key=lambda r: r[0])
    return threshold, {
        "high_threshold": threshold, "recall_floor": HIGH_RECALL_FLOOR, "floor_met": floor_met,
        "out_of_fold_accuracy": float(correct.mean()), "out_of_fold_high_recall": recall,
        "recall_margin": margin, "best_out_of_fold_accuracy": float(best[1].mean()),
    }


def _out_of_fold_margins(features: np.ndarray, labels: np.ndarray, params: dict[str, Any],
                         progress: Progress) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold raw margins and the fold each row was held out in."""
    folds = StratifiedKFold(CALIBRATION_FOLDS, shuffle=True, random_state=RANDOM_STATE)
    margins = np.zeros((len(labels), len(CLASSES)))
    fold_of = np.zeros(len(labels), dtype=np.int64)
    for i, (fit_index, held_index) in enumerate(folds.split(features, labels)):
        progress(f"Checking its chances, step {i + 1} of {CALIBRATION_FOLDS}", 0.1 + 0.5 * i / CALIBRATION_FOLDS)
        pipeline = build_pipeline(params).fit(features[fit_index], labels[fit_index])
        margins[held_index] = _raw_margins(pipeline, features[held_index])
        fold_of[held_index] = i
    return margins, fold_of


def fit_model(features: np.ndarray, labels: np.ndarray, preset: str = DEFAULT_PRESET,
              progress: Progress = _quiet_progress, params: dict[str, Any] | None = None) -> LeadModel:
    """Fit the pipeline on all given rows and wrap it, calibrated, as a LeadModel.

    ``params`` overrides the preset's hyperparameters (for comparisons such as
    benchmarks/compare_presets.py); ``preset`` then only names the result.
    """
    return _fit_model_and_pipeline(features, labels, preset, progress, params)[0]


def _fit_model_and_pipeline(features: np.ndarray, labels: np.ndarray, preset: str, progress: Progress,
                            params: dict[str, Any] | None = None) -> tuple[LeadModel, Pipeline]:
    """``fit_model``'s model, and the fitted pipeline it wraps (the baselines' uncalibrated SMOTE model)."""
    params = params or PRESETS[preset]
    oof, fold_of = _out_of_fold_margins(features, labels, params, progress)
    temperature, bias = fit_calibration(oof, labels)
    threshold, rule = choose_high_threshold(softmax(oof / temperature + bias), labels, fold_of)
    progress("Fitting the final model", 0.65)
    pipeline = build_pipeline(params).fit(features, labels)
    scaler = pipeline.named_steps["scale"]
    return LeadModel(
        booster=pipeline.named_steps["xgb"].get_booster(),
        mean=scaler.mean_.copy(), scale=scaler.scale_.copy(),
        temperature=temperature, bias=bias, high_threshold=threshold,
        metadata={"preset": preset, "params": params, "decision_rule": rule},
    ), pipeline


def baselines(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray,
              preset: str, fitted_smote: Pipeline | None = None) -> dict[str, dict[str, float]]:
    """The seed's comparison on the same split: simpler models, and XGBoost without SMOTE.

    ``fitted_smote``: the preset's SMOTE pipeline already fitted on ``x_train`` (the final model before
    calibration: ``build_pipeline`` is deterministic, so a second fit would give the same booster).
    """
    smote = fitted_smote if fitted_smote is not None else build_pipeline(PRESETS[preset])
    candidates = {
        "Logistic regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        "Random forest": RandomForestClassifier(n_estimators=200, random_state=RANDOM_STATE, n_jobs=-1),
        "XGBoost without SMOTE": build_pipeline(PRESETS[preset], smote=False),
        "XGBoost with SMOTE (uncalibrated)": smote,
    }
    results = {}
    for name, estimator in candidates.items():
        if estimator is not fitted_smote:
            estimator.fit(x_train, y_train)
        probabilities = estimator.predict_proba(x_test)
        metrics = TiersReport.model_validate(
            evaluate_probabilities(probabilities, probabilities.argmax(axis=1), y_test)).headline_metrics()
        results[name] = {key: metrics[key] for key in
                         ("accuracy", "macro_recall", "high_recall", "high_precision", "log_loss")}
    return results


def feature_importance(model: LeadModel, features: np.ndarray) -> dict[str, float]:
    """Each feature's share of the mean absolute SHAP contribution (all tiers), summing to 1."""
    contributions = np.abs(model.contributions(features)[:, :, :-1]).mean(axis=(0, 1))
    total = contributions.sum()
    shares = contributions / total if total > 0 else np.zeros_like(contributions)
    return dict(zip(FEATURE_NAMES, shares.round(4).tolist(), strict=True))


def finite(document: Any) -> Any:
    """The document with every NaN or infinite number replaced by None, so it is valid JSON."""
    if isinstance(document, dict):
        return {key: finite(value) for key, value in document.items()}
    if isinstance(document, (list, tuple)):
        return [finite(value) for value in document]
    if isinstance(document, (float, np.floating)):
        return float(document) if math.isfinite(document) else None
    if isinstance(document, np.integer):
        return int(document)
    return document


def refuse_if_unlearnable(features: np.ndarray) -> None:
    """Refuse data whose fields never vary: no model can tell the tiers apart on it."""
    if len(features) and float(np.ptp(features, axis=0).max()) == 0.0:
        raise TrainingRefusedError(f"all {len(features):,} leads have the same value in every field, so nothing "
                              "tells the tiers apart; a model trained on them would put every lead in one tier")


def refuse_if_no_better_than_majority(accuracy: float, rule: dict[str, Any], train_labels: np.ndarray,
                                      test_labels: np.ndarray) -> None:
    """Refuse a model that is no more accurate than putting every lead in the most common tier.

    Checked on the held-out 20% and on the out-of-fold predictions of the 80%.
    """
    majority = int(np.bincount(train_labels, minlength=len(CLASSES)).argmax())
    checks = (("held-out", accuracy, float((test_labels == majority).mean()), len(test_labels)),
              ("out-of-fold", rule["out_of_fold_accuracy"], float((train_labels == majority).mean()),
               len(train_labels)))
    for name, accuracy, guess, rows in checks:
        if accuracy <= guess:
            raise TrainingRefusedError(
                f"on {rows:,} {name} leads the model is right for {accuracy:.1%}, no better than putting "
                f"every lead in {CLASSES[majority]} ({guess:.1%}); the data does not tell the tiers apart")


def train(frame: pd.DataFrame, preset: str = DEFAULT_PRESET, with_baselines: bool = True,
          progress: Progress = _quiet_progress) -> TrainingResult:
    """Split 80/20 (stratified), fit on the 80, evaluate on the 20."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    started = time.perf_counter()
    features, labels, clean = labeled_frame(frame)
    refuse_if_unlearnable(features)
    truth = truth_columns(clean)
    indices = np.arange(len(labels))
    train_index, test_index = train_test_split(
        indices, test_size=TEST_SIZE, stratify=labels, random_state=RANDOM_STATE)
    model, pipeline = _fit_model_and_pipeline(features[train_index], labels[train_index], preset, progress)
    if truth is not None:
        # Generated leads: the bar is chosen on a large fresh sample of the same world (decision_rule.py),
        # not on the ~850 High labels of the out-of-fold predictions.
        progress("Choosing the bar for High on fresh generated leads", 0.75)
        model.high_threshold, fresh = choose_on_fresh_leads(lambda x: model.probabilities_to_decide(x, GRID))
        model.metadata["decision_rule"] = {**model.metadata["decision_rule"], **fresh}
    progress("Testing it on leads it never saw", 0.8)
    probabilities = model.predict_proba(features[test_index])
    evaluation = evaluate_probabilities(
        probabilities, model.decide(probabilities), labels[test_index],
        truth[test_index] if truth is not None else None)
    refuse_if_no_better_than_majority(float(evaluation["accuracy"]), model.metadata["decision_rule"],
                                      labels[train_index], labels[test_index])
    # The saved keys, in the order older versions wrote them: the evaluation, then the training's parts.
    document = {**evaluation, "feature_importance": feature_importance(model, features[test_index])}
    if with_baselines:
        progress("Training simpler models to compare with", 0.85)
        document["baselines"] = baselines(features[train_index], labels[train_index],
                                          features[test_index], labels[test_index], preset, pipeline)
    document["rows"] = {"train": int(len(train_index)), "test": int(len(test_index))}
    model.metadata.update({
        "data_fingerprint": fingerprint(features, labels),
        "training_seconds": round(time.perf_counter() - started, 2),
        # What incoming leads are compared with (the store's drift): training fields, held-out chances.
        "drift_reference": drift_reference(pd.DataFrame(features[train_index], columns=FEATURE_NAMES),
                                           dict.fromkeys(FEATURE_NAMES, "number"),
                                           ThreeTiers(model.high_threshold).conversion(probabilities)),
    })
    model.metadata = finite(model.metadata)
    report = TiersReport.model_validate(finite(document))
    progress("Done", 1.0)
    log.info("trained preset %s on %d rows: accuracy %.3f", preset, len(train_index), report.accuracy)
    return TrainingResult(model=model, report=report)

