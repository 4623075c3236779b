"""The evaluation report: what a model got right on data it did not train on.

Saved with every model as JSON, shown on the dashboard's model page and by
``leadscore evaluate``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, log_loss

from leadscore.schema import TIERS
from leadscore.synth import bayes_accuracy

#: Bins of the reliability chart.
CALIBRATION_BINS = 10


def calibration_table(probabilities: np.ndarray, labels: np.ndarray) -> dict[str, dict[str, list[float]]]:
    """Per tier: mean predicted probability vs observed frequency in equal-width bins."""
    edges = np.linspace(0, 1, CALIBRATION_BINS + 1)
    table = {}
    for k, tier in enumerate(TIERS):
        bins = np.clip(np.digitize(probabilities[:, k], edges) - 1, 0, CALIBRATION_BINS - 1)
        predicted, observed, count = [], [], []
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
        labels, predicted, labels=range(len(TIERS)), target_names=list(TIERS),
        output_dict=True, zero_division=0)
    report["accuracy"] = float(accuracy_score(labels, predicted))
    report["confusion_matrix"] = confusion_matrix(labels, predicted, labels=range(len(TIERS))).tolist()
    report["log_loss"] = float(log_loss(labels, np.clip(probabilities, 1e-15, 1), labels=range(len(TIERS))))
    report["calibration"] = calibration_table(probabilities, labels)
    report["tiers"] = list(TIERS)
    report["rows_evaluated"] = int(len(labels))
    if truth is not None:
        report["bayes_accuracy"] = bayes_accuracy(truth)
        report["probability_mae"] = float(np.abs(probabilities - truth).mean())
    return report
