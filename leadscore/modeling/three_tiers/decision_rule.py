"""The built-in model's bar for High, chosen on a large fresh sample of the generator's leads.

The decision rule puts a lead in High when its chance of High reaches a bar
(below one half: High leads are rare and worth a call), else in the likelier
of Low and Medium. The bar trades accuracy for High recall. Chosen on the ~850
High leads of the training part's out-of-fold predictions (``train.
choose_high_threshold``), the noise of those labels needs a wide safety margin
and the bar overshoots: on fresh data recall 0.87 where 0.82 is promised, and
accuracy 1.2-1.3 points below the Bayes ceiling.

The built-in world can generate as many fresh leads as needed, each with its
true tier probabilities. So, when the model is trained on generated leads, the
bar is chosen on ``FRESH_ROWS`` fresh ones: for each bar on the grid, the
trained model decides every fresh lead, and the *expected* accuracy (the mean
true probability of the decided tier) and *expected* High recall (the share of
the true High probability that lands in High) are computed from the true
probabilities, which have no label noise. The bar is the highest one (the
most accurate: below one half, accuracy rises with the bar) whose expected
recall reaches ``HIGH_RECALL_FLOOR + RECALL_MARGIN``.

``RECALL_MARGIN`` is what a finite check needs: on 20,000 fresh leads (about
2,000 of them High) a recall's standard error is about 0.008, so 0.02 keeps the
promised 0.82 on such a sample about 99% of the time. Measured in
``benchmarks/decision_rule.py`` on five data variants that took no part in
choosing the margin.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from leadscore.data import synth

#: Fresh generated leads the bar is chosen on (a few seconds of scoring).
FRESH_ROWS = 100_000
#: The generator's seed for them: not the default training data (42) nor any evaluation variant.
FRESH_SEED = 7_919
#: The promise: at least this share of High leads is put in High.
HIGH_RECALL_FLOOR = 0.82
#: Expected recall aimed above the floor, so that a check on 20,000 fresh leads meets it (see above).
RECALL_MARGIN = 0.02
#: Bars the rule chooses from.
GRID = np.round(np.arange(0.20, 0.5001, 0.005), 3)
HIGH = 2


def expected_outcomes(decided: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    """Expected accuracy, High recall and High precision of decisions, from the true probabilities."""
    return _expected(decided == HIGH, truth[np.arange(len(decided)), decided], truth[:, HIGH])


def _expected(in_high: np.ndarray, decided_truth: np.ndarray, high_truth: np.ndarray) -> tuple[float, float, float]:
    """``expected_outcomes`` from the leads put in High, each lead's true chance of its decided tier and of High."""
    caught = high_truth[in_high]
    precision = float(caught.mean()) if len(caught) else 0.0
    return float(decided_truth.mean()), float(caught.sum() / high_truth.sum()), precision


def choose_on_fresh_leads(predict_proba: Callable[[np.ndarray], np.ndarray], rows: int = FRESH_ROWS,
                          seed: int = FRESH_SEED) -> tuple[float, dict[str, Any]]:
    """The bar for High and how it was chosen, for a model of the generator's world.

    ``predict_proba`` maps the built-in fields (n, 12) to calibrated P(Low, Medium, High), or to values that
    decide every lead the same way under each bar of ``GRID`` (``LeadModel.probabilities_to_decide``).
    """
    features = synth.generate_features(rows, np.random.default_rng(seed))
    truth = synth.true_probabilities(features)
    probabilities = predict_proba(features.to_numpy(dtype=np.float64))
    low_or_medium = probabilities[:, :HIGH].argmax(axis=1)
    # Per lead, once: the true chance of the likelier of Low and Medium, and of High; a bar only picks between them.
    low_or_medium_truth, high_truth = truth[np.arange(len(truth)), low_or_medium], truth[:, HIGH]
    wanted = HIGH_RECALL_FLOOR + RECALL_MARGIN
    table = []
    for bar in GRID:
        in_high = probabilities[:, HIGH] >= bar
        table.append((float(bar), *_expected(in_high, np.where(in_high, high_truth, low_or_medium_truth),
                                             high_truth)))
    eligible = [row for row in table if row[2] >= wanted]
    floor_met = bool(eligible)
    bar, accuracy, recall, precision = max(eligible, key=lambda r: r[0]) if eligible else max(
        table, key=lambda r: r[2])
    return bar, {
        "method": f"expected recall and accuracy on {rows:,} fresh generated leads (seed {seed}) from their "
                  "true probabilities",
        "high_threshold": bar, "recall_floor": HIGH_RECALL_FLOOR, "recall_aimed": wanted, "floor_met": floor_met,
        "fresh_rows": rows, "expected_accuracy": accuracy, "expected_high_recall": recall,
        "expected_high_precision": precision, "bayes_accuracy": synth.bayes_accuracy(truth),
    }
