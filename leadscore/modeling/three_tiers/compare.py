"""Comparing two models before the new one goes live: their reports on the same reference leads, tier changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from leadscore.data import synth
from leadscore.fields.builtin import CLASSES, FEATURE_NAMES, LABEL_COLUMN
from leadscore.modeling.three_tiers.evaluate import evaluate_probabilities
from leadscore.modeling.three_tiers.report import HEADLINES, REFERENCE_ROWS, TiersReport


class Decides(Protocol):
    """What a comparison needs of a model: chances and tiers of leads given as codes (``Scorer.decide``)."""

    def decide(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


#: The reference leads both models are measured on and the tier-change matrix is counted on: fixed and
#: labeled, so every comparison uses the same leads and a difference is the models', not the test sets'.
#: (``REFERENCE_ROWS`` of them, defined with the report that names them; ``HEADLINES``: its figures.)
REFERENCE_SEED = 7
__all__ = ["HEADLINES", "REFERENCE_ROWS", "REFERENCE_SEED", "ReferenceLeads", "reference_leads", "reference_report",
           "tier_changes"]


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


def reference_report(scorer: Decides, leads: ReferenceLeads) -> TiersReport:
    """A model's evaluation report on the reference leads."""
    probabilities, tiers = scorer.decide(leads.features)
    return TiersReport.model_validate(evaluate_probabilities(probabilities, _class_index(tiers), leads.labels,
                                                             leads.truth))


def tier_changes(current: Decides, candidate: Decides, features: np.ndarray) -> np.ndarray:
    """Counts (3, 3): row = tier under the current model, column = tier under the candidate (CLASSES order)."""
    before, after = (_class_index(scorer.decide(features)[1]) for scorer in (current, candidate))
    matrix = np.zeros((len(CLASSES), len(CLASSES)), dtype=np.int64)
    np.add.at(matrix, (before, after), 1)
    return matrix


def _class_index(tiers: np.ndarray) -> np.ndarray:
    """Tier names as the built-in model's class indices (CLASSES order)."""
    return np.array([CLASSES.index(t) for t in tiers], dtype=np.int64)
