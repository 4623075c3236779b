"""Comparing two models before the new one goes live: headline metrics and tier changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from leadscore.data import synth
from leadscore.fields.builtin import CLASSES, FEATURE_NAMES, LABEL_COLUMN
from leadscore.modeling.three_tiers.evaluate import evaluate_probabilities


class Decides(Protocol):
    """What a comparison needs of a model: chances and tiers of leads given as codes (``Scorer.decide``)."""

    def decide(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


#: The reference leads both models are measured on and the tier-change matrix is counted on: fixed and
#: labeled, so every comparison uses the same leads and a difference is the models', not the test sets'.
REFERENCE_ROWS = 5_000
REFERENCE_SEED = 7

#: Headline metrics in display order: key -> (label, how to read it, higher is better).
HEADLINES: dict[str, tuple[str, str, bool]] = {
    "accuracy": ("Accuracy", "Share of test leads put in the right tier.", True),
    "macro_recall": ("Average recall", "Of each tier's leads, the share caught; averaged over the 3 tiers.", True),
    "macro_precision": ("Average precision", "Of the leads put in a tier, the share right; averaged.", True),
    "weighted_f1": ("Weighted F1", "Recall and precision in one number, weighted by tier size.", True),
    "high_recall": ("High recall", "Share of the truly High leads the model flags as High.", True),
    "high_precision": ("High precision", "Share of leads flagged High that truly are High.", True),
    "log_loss": ("Log loss", "How far the probabilities are from what happened (lower is better).", False),
}


def headline_metrics(report: dict[str, Any]) -> dict[str, float]:
    """The numbers a stakeholder asks about first, from an evaluation report."""
    return {
        "accuracy": float(report["accuracy"]),
        "macro_recall": float(report["macro avg"]["recall"]),
        "macro_precision": float(report["macro avg"]["precision"]),
        "weighted_f1": float(report["weighted avg"]["f1-score"]),
        "high_recall": float(report["High"]["recall"]),
        "high_precision": float(report["High"]["precision"]),
        "log_loss": float(report["log_loss"]),
    }


@dataclass(frozen=True)
class ReferenceLeads:
    """The fixed reference leads: features, true tiers (indices) and true probabilities."""

    features: np.ndarray
    labels: np.ndarray
    truth: np.ndarray | None


def reference_leads() -> ReferenceLeads:
    """The fixed, generated reference leads (no model is trained on them)."""
    frame = synth.generate(REFERENCE_ROWS, seed=REFERENCE_SEED)
    return ReferenceLeads(
        features=frame.loc[:, list(FEATURE_NAMES)].to_numpy(dtype=float),
        labels=frame[LABEL_COLUMN].map(CLASSES.index).to_numpy(dtype=np.int64),
        truth=synth.truth_columns(frame),
    )


def reference_report(scorer: Decides, leads: ReferenceLeads) -> dict[str, Any]:
    """A model's evaluation report on the reference leads."""
    probabilities, tiers = scorer.decide(leads.features)
    return evaluate_probabilities(probabilities, _class_index(tiers), leads.labels, leads.truth)


def tier_changes(current: Decides, candidate: Decides, features: np.ndarray) -> np.ndarray:
    """Counts (3, 3): row = tier under the current model, column = tier under the candidate (CLASSES order)."""
    before, after = (_class_index(scorer.decide(features)[1]) for scorer in (current, candidate))
    matrix = np.zeros((len(CLASSES), len(CLASSES)), dtype=np.int64)
    np.add.at(matrix, (before, after), 1)
    return matrix


def _class_index(tiers: np.ndarray) -> np.ndarray:
    """Tier names as the built-in model's class indices (CLASSES order)."""
    return np.array([CLASSES.index(t) for t in tiers], dtype=np.int64)
