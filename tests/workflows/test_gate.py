"""The one publish gate: each rule's verdict, its figures and its refusal, as every face reads them."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from leadscore.modeling.three_tiers.report import TiersReport
from leadscore.modeling.won_lost.report import WonLostReport
from leadscore.workflows import gate


def _on_reference(accuracy: float) -> TiersReport:
    return TiersReport.read({"accuracy": accuracy, "rows_evaluated": 5000})


def test_builtin_rule_compares_accuracy_on_the_same_reference_leads() -> None:
    worse = gate.builtin_verdict(_on_reference(0.87), _on_reference(0.86))
    assert not worse.passed and (worse.candidate, worse.active, worse.leads) == (0.86, 0.87, 5000)
    assert worse.sentence == ("The new model is worse than the current one: accuracy 0.860 vs 0.870 on the same "
                              "5,000 reference leads (generated leads neither model was trained on)")
    assert worse.refusal().endswith("; nothing was published (use --force to publish anyway)")
    assert gate.builtin_verdict(_on_reference(0.86), _on_reference(0.86)).passed
    better = gate.builtin_verdict(_on_reference(0.85), _on_reference(0.86))
    assert better.passed and better.sentence.startswith("The new model is better than the current one")
    first = gate.builtin_verdict(None, TiersReport.read({"accuracy": 0.86, "rows_evaluated": 5000}))
    assert first.passed and first.sentence == "No active model to compare with" and first.active is None
    assert not gate.cannot_compare("the file is damaged").passed


def test_history_rule_is_the_held_out_ranking_against_the_bar() -> None:
    ready = gate.history_verdict(WonLostReport.read({"test": {"roc_auc": 0.81}, "test_rows": 900}))
    assert ready.passed and (ready.candidate, ready.active, ready.leads) == (0.81, gate.READY_AUC, 900)
    assert ready.sentence.startswith("Ready: it ranks a converting lead above a lost one 81% of the time")
    not_ready = gate.history_verdict(WonLostReport.read({"test": {"roc_auc": 0.55}, "test_rows": 900}))
    assert not not_ready.passed and not_ready.sentence.startswith("Not ready: it ranks a converting lead above a "
                                                                  "lost one only 55% of the time")
    assert gate.history_verdict(WonLostReport.read({"test": {"roc_auc": 0.6}})).passed  # the bar itself is ready
    assert not gate.history_verdict(WonLostReport.read({})).passed


def test_results_rule_is_95_percent_of_the_active_models_ranking_on_the_same_leads() -> None:
    rng = np.random.default_rng(4)
    labels = rng.random(400) < 0.3
    active = labels + rng.normal(0, 0.6, 400)
    for noise, passes in ((0.6, True), (3.0, False)):
        candidate = labels + rng.normal(0, noise, 400)
        verdict = gate.results_verdict(labels, active, candidate)
        assert verdict.candidate == pytest.approx(roc_auc_score(labels, candidate))
        assert verdict.active == pytest.approx(roc_auc_score(labels, active))
        assert verdict.passed is passes is (verdict.candidate >= gate.SHARE_OF_ACTIVE * verdict.active)
        assert verdict.leads == 400 and f"{verdict.candidate:.0%}" in verdict.sentence
        assert f"the active model {verdict.active:.0%}" in verdict.sentence
    same = gate.results_verdict(np.ones(10), np.linspace(0, 1, 10), np.linspace(0, 1, 10))
    assert not same.passed and same.candidate is None and "cannot be compared" in same.sentence


def test_split_by_time_keeps_the_newest_quarter_and_both_parts_non_empty() -> None:
    assert gate.split_by_time(400) == 300
    assert gate.split_by_time(2) == 1 and gate.split_by_time(3) == 2
