"""The evaluation report: what a model got right on data it did not train on.

Saved with every model as JSON (read as ``report.TiersReport``), shown on the dashboard's model page, and made
by ``leadscore evaluate`` on labeled leads (``evaluate_leads``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, log_loss

from leadscore.data import synth
from leadscore.data.synth import bayes_accuracy
from leadscore.fields.builtin import CLASSES, LABEL_COLUMN, PROBABILITY_COLUMNS
from leadscore.modeling.report import Evaluation, EvaluationError, Scores
from leadscore.modeling.three_tiers.report import TiersReport

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
    document: dict[str, Any] = classification_report(
        labels, predicted, labels=range(len(CLASSES)), target_names=list(CLASSES),
        output_dict=True, zero_division=0)
    document["accuracy"] = float(accuracy_score(labels, predicted))
    document["confusion_matrix"] = confusion_matrix(labels, predicted, labels=range(len(CLASSES))).tolist()
    document["log_loss"] = float(log_loss(labels, np.clip(probabilities, 1e-15, 1), labels=range(len(CLASSES))))
    document["calibration"] = calibration_table(probabilities, labels)
    document["tiers"] = list(CLASSES)
    document["rows_evaluated"] = int(len(labels))
    if truth is not None:
        document["bayes_accuracy"] = bayes_accuracy(truth)
        document["probability_mae"] = float(np.abs(probabilities - truth).mean())
    return document


def format_report(report: TiersReport, version: str) -> str:
    """An evaluation report as a short table for a terminal."""
    lines = [f"model {version} on {report.held_out} leads",
             f"accuracy {report.accuracy or 0:.3f}   log loss {report.log_loss or 0:.3f}"]
    if report.bayes_accuracy is not None:
        lines.append(f"Bayes accuracy (ceiling) {report.bayes_accuracy:.3f}   "
                     f"probability error vs truth {report.probability_mae or 0:.3f}")
    lines.append(f"{'tier':<14}{'precision':>10}{'recall':>10}{'f1':>10}{'leads':>8}")
    for name, row in report.by_class().items():
        lines.append(f"{name:<14}{row.precision or 0:>10.3f}{row.recall or 0:>10.3f}"
                     f"{row.f1_score or 0:>10.3f}{int(row.support):>8}")
    lines.append("confusion matrix (rows true, columns predicted: " + ", ".join(CLASSES) + ")")
    lines.extend("  " + " ".join(f"{v:>7}" for v in row) for row in report.confusion_matrix)
    return "\n".join(lines)


def evaluate_leads(scorer: Scores, data: pd.DataFrame | None, source: str, rows: int, seed: int) -> Evaluation:
    """The built-in model on labeled leads with a 'tier' column (without ``data``: ``rows`` fresh generated
    leads of data variant ``seed``); see ``Target.evaluate``."""
    frame = data if data is not None else synth.generate(rows, seed=seed)
    batch = scorer.score(frame)
    if f"{LABEL_COLUMN}_input" not in batch.scored.columns:
        raise EvaluationError(f"{source}: needs a '{LABEL_COLUMN}' column to evaluate against")
    if batch.rejected_rows:
        first = batch.problems.iloc[0]
        raise EvaluationError(f"{batch.rejected_rows} invalid row(s); first: row {first['row']}, "
                              f"column '{first['column']}': {first['reason']}")
    scored = batch.scored
    labels = scored[f"{LABEL_COLUMN}_input"].astype("string").str.strip().str.capitalize()
    if not labels.isin(CLASSES).all():
        raise EvaluationError(f"column '{LABEL_COLUMN}' must hold only Low, Medium or High")
    document = {**evaluate_probabilities(
        scored[list(PROBABILITY_COLUMNS)].to_numpy(),
        scored["tier"].map({t: i for i, t in enumerate(CLASSES)}).to_numpy(),
        labels.map({t: i for i, t in enumerate(CLASSES)}).to_numpy(dtype=np.int64),
        synth.truth_columns(scored),
    ), "model_version": scorer.version}
    lines = format_report(TiersReport.model_validate(document), scorer.version)
    return Evaluation(tuple(lines.split("\n")), document)
