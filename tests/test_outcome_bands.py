"""Tier bands set after training: measured on the report's test leads, saved as a copy with the same booster."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from leadscore import charts
from leadscore.modeling.tiers import Bands, tier_report
from leadscore.modeling.won_lost.bands import bands_for, measured_tiers, scored_test_leads, with_bands
from leadscore.modeling.won_lost.report import WonLostReport
from leadscore.modeling.won_lost.train import OutcomeTraining
from leadscore.registry import Registry


def test_the_report_keeps_each_test_lead_chance_and_outcome(crm_training: OutcomeTraining) -> None:
    report = crm_training.report
    p, y = scored_test_leads(report)
    assert len(p) == len(y) == report.test_rows
    assert set(np.unique(y)) == {0, 1}
    assert y.mean() == pytest.approx(report.test.base_rate)
    assert roc_auc_score(y, p) == pytest.approx(report.test.roc_auc, abs=1e-3)
    # The same tiers on the same leads (the kept chances have 5 decimals: the promise agrees to about that).
    assert [row.to_dict() for row in measured_tiers(report, crm_training.model.bands)] == [
        pytest.approx(row.to_dict(), abs=1e-5) for row in report.test.tiers]
    for row in report.test.tiers:  # each tier's promise: the mean chance of its test leads
        mask = crm_training.model.bands.tiers(p) == row.tier
        assert row.promise == pytest.approx(p[mask].mean(), abs=1e-5)


def test_bands_by_share_cut_the_reference_and_by_chance_take_the_cut_points(crm_training: OutcomeTraining) -> None:
    model = crm_training.model
    by_share = bands_for(model, "share", 0.1, 0.3)
    assert by_share.shares == (0.1, 0.3)
    assert by_share.high == pytest.approx(np.quantile(model.reference, 0.9))
    assert bands_for(model, "probability", 0.4, 0.1) == Bands("probability", 0.4, 0.1)
    with pytest.raises(ValueError):
        bands_for(model, "share", 0.7, 0.5)


def test_with_bands_copies_the_model_and_updates_the_report(crm_training: OutcomeTraining) -> None:
    model, report = crm_training.model, crm_training.report
    original_tiers = [t.to_dict() for t in report.test.tiers]
    bands = Bands.by_probability(0.3, 0.1)
    new_model, new_report = with_bands(model, report, bands)
    assert new_model.booster is model.booster and new_model.bands == bands
    assert model.bands != bands and [t.to_dict() for t in report.test.tiers] == original_tiers  # untouched
    p, y = scored_test_leads(report)
    assert new_report.bands == bands.to_dict()
    assert [t.to_dict() for t in new_report.test.tiers] == tier_report(p, y, bands)
    assert new_report.test.tiers[0].leads == int((p >= 0.3).sum())
    assert new_report.to_dict()["test"]["tiers"] == tier_report(p, y, bands)  # saved under the same keys


def test_a_report_without_test_scores_measures_nothing(crm_training: OutcomeTraining) -> None:
    report = WonLostReport.read({k: v for k, v in crm_training.report.to_dict().items() if k != "test_scores"})
    assert scored_test_leads(report) is None and measured_tiers(report, crm_training.model.bands) is None
    _, new_report = with_bands(crm_training.model, report, Bands.by_probability(0.5, 0.2))
    assert new_report.test.tiers == crm_training.report.test.tiers  # left as trained


def test_charts_show_the_cut_points_and_each_tier_rate(crm_training: OutcomeTraining) -> None:
    test = crm_training.report.to_dict()["test"]  # the charts take the report's rows as saved
    figure = charts.gain(test["gain"], [("High", 0.2), ("Medium", 0.5)])
    assert [shape.x0 for shape in figure.layout.shapes] == [0.2, 0.5]
    bars = charts.tier_conversion(test["tiers"], test["base_rate"])
    assert list(bars.data[0].y) == [t["conversion_rate"] or 0.0 for t in test["tiers"]]
    assert list(bars.data[1].y) == [test["base_rate"]] * 3
    importance = charts.field_importance(test["importance"], crm_training.report.fill_rates)
    assert sum(importance.data[0].x) == pytest.approx(1.0)
    calibration = charts.calibration(test["calibration"])
    assert list(calibration.data[1].x) == [b["mean_p"] for b in test["calibration"]]


def test_a_model_offers_tier_bands_when_its_tiers_can_be_moved(outcome_registry: Registry) -> None:
    """The Model page's "Tier bands" asks the model for its bands (``Model.tier_bands``), never its class."""
    model = outcome_registry.load()
    tool = model.tier_bands
    assert tool is not None and tool.current == model.estimator.bands
    assert tool.report is model.report  # the report as loaded, read once
    assert [(t.tier, t.leads, t.conversions) for t in tool.measured(tool.current)] == [
        (t.tier, t.leads, t.conversions) for t in tool.report.test.tiers]  # the bands in use, as trained
    assert tool.with_bands(tool.current)[0].bands == tool.current
    assert outcome_registry.load(outcome_registry.builtin_versions()[0].version).tier_bands is None  # fixed bar
