"""The evidence behind the default preset and the calibration: docs/model-card.md's tables.

    python benchmarks/compare_presets.py

Trains on the built-in data (10,000 synthetic leads, seed 42; stratified
80/20 split) and evaluates on 20,000 fresh leads (seed 2024) that nothing was
trained or tuned on. Prints markdown tables.
"""

from __future__ import annotations

import time

import numpy as np
import xgboost as xgb

from leadscore.data import synth
from leadscore.fields.builtin import BUILTIN_SCHEMA, CLASSES
from leadscore.modeling.three_tiers import train
from leadscore.modeling.three_tiers.evaluate import evaluate_probabilities
from leadscore.modeling.three_tiers.lead_model import LeadModel

CANDIDATES = {
    "default (depth 1, 600 trees, lr 0.2)": train.PRESETS["default"],
    "depth 2, 600 trees, lr 0.1": {**train.SEED_PARAMS, "max_depth": 2, "n_estimators": 600, "learning_rate": 0.1},
    "depth 3 (seed otherwise)": {**train.SEED_PARAMS, "max_depth": 3},
    "seed (depth 6, 300 trees, lr 0.05)": train.PRESETS["seed"],
}


def row(name: str, report: dict, extra: str = "") -> str:
    return (f"| {name} | {report['accuracy']:.3f} | {report['High']['recall']:.3f} | "
            f"{report['High']['precision']:.3f} | {report['macro avg']['recall']:.3f} | "
            f"{report['log_loss']:.3f} | {report.get('probability_mae', float('nan')):.3f} |{extra}")


def main() -> None:
    data = synth.generate(train.DEFAULT_ROWS, seed=train.DEFAULT_SEED)
    x, y, _ = train.labeled_frame(data)
    rng_split = train.train_test_split(np.arange(len(y)), test_size=train.TEST_SIZE, stratify=y,
                                       random_state=train.RANDOM_STATE)
    fit_index = rng_split[0]
    holdout = synth.generate(20_000, seed=2024)
    hx = BUILTIN_SCHEMA.codes(BUILTIN_SCHEMA.parse(holdout).matrix)
    hy = holdout["tier"].map(CLASSES.index).to_numpy()
    truth = synth.truth_columns(holdout)
    print(f"Held-out: 20,000 leads, Bayes accuracy {synth.bayes_accuracy(truth):.3f}\n")
    print("| model | accuracy | High recall | High precision | macro recall | log loss | prob. error | "
          "fit s | SHAP leads/s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, params in CANDIDATES.items():
        started = time.perf_counter()
        model: LeadModel = train.fit_model(x[fit_index], y[fit_index], params=params, progress=lambda *a: None)
        spent = time.perf_counter() - started
        probabilities = model.predict_proba(hx)
        report = evaluate_probabilities(probabilities, model.decide(probabilities), hy, truth)
        matrix = xgb.DMatrix(model.scaled(hx[:5000]))
        started = time.perf_counter()
        model.booster.predict(matrix, pred_contribs=True)
        shap_rate = 5000 / (time.perf_counter() - started)
        print(row(name, report, f" {spent:.1f} | {shap_rate:,.0f} |"))

    print("\nBefore and after SMOTE, and what calibration adds (default hyperparameters, same split):\n")
    print("| model | accuracy | High recall | High precision | macro recall | log loss | prob. error |")
    print("|---|---|---|---|---|---|---|")
    params = train.PRESETS["default"]
    for label, smote in (("XGBoost without SMOTE (argmax)", False), ("XGBoost with SMOTE (argmax, raw)", True)):
        pipeline = train.build_pipeline(params, smote=smote).fit(x[fit_index], y[fit_index])
        probabilities = pipeline.predict_proba(hx)
        print(row(label, evaluate_probabilities(probabilities, probabilities.argmax(axis=1), hy, truth)))
    model = train.fit_model(x[fit_index], y[fit_index], progress=lambda *a: None)
    probabilities = model.predict_proba(hx)
    print(row("SMOTE + calibration (argmax)", evaluate_probabilities(probabilities, probabilities.argmax(1), hy,
                                                                     truth)))
    print(row(f"SMOTE + calibration + High threshold {model.high_threshold:.2f} (shipped)",
              evaluate_probabilities(probabilities, model.decide(probabilities), hy, truth)))
    for name, estimator in {
        "Logistic regression": train.make_pipeline(train.StandardScaler(), train.LogisticRegression(max_iter=1000)),
        "Random forest (200 trees)": train.RandomForestClassifier(n_estimators=200, random_state=42, n_jobs=-1),
    }.items():
        probabilities = estimator.fit(x[fit_index], y[fit_index]).predict_proba(hx)
        print(row(name, evaluate_probabilities(probabilities, probabilities.argmax(1), hy, truth)))


if __name__ == "__main__":
    main()
