"""The evaluation report: what a model got right on data it did not train on.

Saved with every model as JSON, shown on the dashboard's model page and by
``leadscore evaluate``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, log_loss

from leadscore.data.synth import bayes_accuracy
from leadscore.fields.builtin import CLASSES

#: Bins of the reliability chart.
CALIBRATION_BINS = 10


def calibration_table(probabilities: np.ndarray, labels: np.ndarray) -> dict[str, dict[str, list[float]]]:
    """Per tier: mean predicted probability vs observed frequency in equal-width bins (and each bin's count)."""
    edges = np.linspace(0, 1, CALIBRATION_BINS + 1)
    table: dict[str, dict[str, list[float]]] = {}
    for k, tier in enumerate(CLASSES):
        bins = np.clip(np.digitize(probabilities[:, k], edges) - 1, 0, CALIBRATION_BINS - 1)
        predicted: list[float] = []
        observed: list[float] = []
        count: list[float] = []
        for b in range(CALIBRATION_BINS):
            inside = bins == b
            if inside.any():
                predicted.append(float(probabilities[inside, k].mean()))
                observed.append(float((labels[inside] == k).mean()))
                count.append(int(inside.sum()))
        table[tier] = {"predicted": predicted, "observed": observed, "count": count}
    return table


def evaluate_probabilities(probabilities: np.ndarray, predicted: np.ndarray, labels: np.ndarray,
                           truth: np.ndarray | None = None) -> dict[str, Any]:
    """Accuracy, per-class and averaged precision/recall/F1, confusion matrix, log loss.

    With ``truth`` (the generator's true probabilities): the Bayes accuracy and
    the mean absolute error of the probabilities against the truth.
    """
    report: dict[str, Any] = classification_report(
        labels, predicted, labels=range(len(CLASSES)), target_names=list(CLASSES),
        output_dict=True, zero_division=0)
    report["accuracy"] = float(accuracy_score(labels, predicted))
    report["confusion_matrix"] = confusion_matrix(labels, predicted, labels=range(len(CLASSES))).tolist()
    report["log_loss"] = float(log_loss(labels, np.clip(probabilities, 1e-15, 1), labels=range(len(CLASSES))))
    report["calibration"] = calibration_table(probabilities, labels)
    report["tiers"] = list(CLASSES)
    report["rows_evaluated"] = int(len(labels))
    if truth is not None:
        report["bayes_accuracy"] = bayes_accuracy(truth)
        report["probability_mae"] = float(np.abs(probabilities - truth).mean())
    return report


def measured_on(report: dict[str, Any]) -> str:
    """Which leads a training report's figures were measured on, in words."""
    rows = report.get("rows", {})
    held_out = int(report.get("rows_evaluated", rows.get("test", 0)))
    total = held_out + int(rows.get("train", 0))
    share = f"the {held_out / total:.0%} of its training data" if total else "part of its training data"
    return f"its {held_out:,} held-out leads ({share} it never learned from)"


def accuracy_spread(accuracy: float, rows: int) -> float:
    """Half-width of the 95% range an accuracy measured on ``rows`` leads moves by, from the draw alone."""
    return 1.96 * math.sqrt(max(accuracy * (1 - accuracy), 0.0) / max(rows, 1))


def accuracy_note(report: dict[str, Any], reference_rows: int) -> str:
    """Why the same model shows different accuracies on the sidebar, the Retrain tab and the README."""
    rows = int(report.get("rows_evaluated", 0))
    accuracy = float(report.get("accuracy", 0.0))
    return (f"Accuracy {accuracy:.1%} is measured on {measured_on(report)}; give or take "
            f"{accuracy_spread(accuracy, rows):.1%} from which leads happened to be drawn. The Retrain tab "
            f"measures both models on the same {reference_rows:,} reference leads, and the README and "
            "docs/model-card.md on 20,000 fresh leads per data variant, so those figures differ a little: "
            "same model, different leads.")


def baseline_note(report: dict[str, Any], high_threshold: float) -> str:
    """Why this model's High recall differs from the simpler models' beside it."""
    recall = report.get("High", {}).get("recall")
    highs = int(report.get("High", {}).get("support", 0))
    baselines = report.get("baselines", {})
    raw = baselines.get("XGBoost with SMOTE (uncalibrated)", {}).get("high_recall")
    figures = (f" (High recall {recall:.2f} here against {raw:.2f} for the uncalibrated one; on {highs:,} High "
               f"leads a recall moves by about ±{accuracy_spread(recall, highs):.2f} from the draw alone)"
               if recall is not None and raw is not None and highs else "")
    return ("The simpler models put each lead in its likeliest tier, using their raw probabilities. This "
            f"model calibrates its probabilities and calls a lead High from a {high_threshold:.0%} chance of "
            "High: the rule with the best accuracy that still catches at least 82% of High leads on fresh "
            "leads. The uncalibrated SMOTE model overstates every lead's chance of High, so it calls more "
            f"leads High: more High leads caught, but more wasted calls and lower accuracy{figures}. All are "
            f"measured on {measured_on(report)}.")
