"""Typed training reports: each kind reads back exactly what it saved, and reports as older versions wrote them
(fewer keys, keys this code does not know) load with no migration, keep every key, and still say how good the
model is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leadscore.modeling.report import Chart, EvaluationError, Folded, Quality, Text, TrainingReport
from leadscore.modeling.three_tiers import train
from leadscore.modeling.three_tiers.report import TiersReport
from leadscore.modeling.tiers import Bands
from leadscore.modeling.won_lost.bands import with_bands
from leadscore.modeling.won_lost.report import WonLostReport
from leadscore.modeling.won_lost.train import OutcomeTraining
from leadscore.registry import Registry

#: A built-in report as the first versions wrote it: no baselines, no feature importance, no Bayes accuracy,
#: no split counts, and a key this code no longer writes.
OLD_TIERS = {
    "Low": {"precision": 0.9, "recall": 0.88, "f1-score": 0.89, "support": 700.0},
    "Medium": {"precision": 0.8, "recall": 0.82, "f1-score": 0.81, "support": 500.0},
    "High": {"precision": 0.77, "recall": 0.85, "f1-score": 0.81, "support": 300.0},
    "accuracy": 0.86,
    "macro avg": {"precision": 0.82, "recall": 0.85, "f1-score": 0.84, "support": 1500.0},
    "weighted avg": {"precision": 0.86, "recall": 0.86, "f1-score": 0.86, "support": 1500.0},
    "confusion_matrix": [[616, 80, 4], [60, 410, 30], [0, 45, 255]],
    "log_loss": 0.35,
    "rows_evaluated": 1500,
    "seed_note": "an older key: kept as it was",
}

#: A won/lost report as the first versions wrote it: no test scores (bands cannot be measured again), tiers
#: without a promise or conversions, no open values, rejected rows or sampling, and an unknown key.
OLD_WON_LOST = {
    "kind": "outcome", "target": "Converted", "positive": ["1"], "split": "a stratified random 20% of leads (no "
    "order column, date or increasing ID found)", "rows": 1000, "open_leads": 0, "train_rows": 800,
    "test_rows": 200, "converted": 300, "not_converted": 700, "warnings": [],
    "columns": [{"name": "Notes", "role": "ignored", "reason": "free text", "kind": "text"}],
    "leakage": {"threshold": 0.9, "fields": [], "kept_on_purpose": []},
    "candidates": [{"name": "xgboost-depth2", "log_loss": 0.41, "auc": 0.8, "seconds": 1.2}],
    "chosen": "xgboost-depth2", "bands": {"kind": "share", "high": 0.6, "medium": 0.3, "shares": [0.2, 0.3]},
    "test": {"roc_auc": 0.81, "log_loss": 0.42, "brier": 0.14, "base_rate": 0.3, "mean_p": 0.31,
             "calibration": [{"mean_p": 0.1, "observed": 0.12, "leads": 100}],
             "gain": [{"share_called": 0.0, "share_caught": 0.0}, {"share_called": 1.0, "share_caught": 1.0}],
             "tiers": [{"tier": "High", "leads": 40, "share": 0.2, "conversion_rate": 0.6},
                       {"tier": "Medium", "leads": 60, "share": 0.3, "conversion_rate": 0.3},
                       {"tier": "Low", "leads": 100, "share": 0.5, "conversion_rate": 0.12}],
             "importance": {"Visits": 0.5}},
    "seconds": 3.1, "an_old_key": {"kept": True},
}


def _round_trip(report: TrainingReport) -> None:
    """Saved as JSON and read back: the same document, to the last key and number type."""
    saved = json.dumps(report.to_dict(), sort_keys=True)
    again = type(report).read(json.loads(saved))
    assert json.dumps(again.to_dict(), sort_keys=True) == saved


def _says_how_good(report: TrainingReport) -> None:
    assert report.headline and report.training_lines()
    quality = report.quality()
    assert isinstance(quality, Quality) and quality.metric.value != "not measured"
    sections = report.sections({"data_source": "file: leads.csv"})
    assert isinstance(sections[0], Text) and sections[0].text
    assert any(isinstance(s, Folded) for s in sections)


def test_a_trained_built_in_report_reads_back_as_saved(small_training: train.TrainingResult) -> None:
    report = small_training.report
    assert isinstance(report, TiersReport) and report.accuracy is not None
    _round_trip(report)
    _says_how_good(report)
    assert report.to_dict()["macro avg"]["f1-score"] == report.macro_avg.f1_score  # sklearn's names, as saved


def test_a_trained_won_lost_report_reads_back_as_saved(crm_training: OutcomeTraining) -> None:
    report = crm_training.report
    assert isinstance(report, WonLostReport) and report.test.roc_auc is not None
    _round_trip(report)
    _says_how_good(report)
    assert any(isinstance(s, Chart) and s.key == "gain" for s in _flat(report.sections({})))


def _flat(sections: list) -> list:
    out = []
    for section in sections:
        out.append(section)
        inner = getattr(section, "sections", None) or [s for column in getattr(section, "columns", ()) for s in column]
        out.extend(_flat(list(inner)))
    return out


@pytest.mark.parametrize("document", [OLD_TIERS, {}], ids=["older keys", "no report"])
def test_an_older_built_in_report_loads_with_its_keys_kept(document: dict) -> None:
    report = TiersReport.read(document)
    assert report.to_dict() == document  # nothing added, nothing lost
    _round_trip(report)
    if document:
        _says_how_good(report)
        assert report.measured_on == "its 1,500 held-out leads (the 100% of its training data it never learned from)"
        assert "Bayes" not in report.training_lines()[0] and report.baselines == {}
        assert report.evaluation_summary()["accuracy"] == 0.86
    else:
        assert report.headline == "How often it is right was not measured." and not report.measured


def test_an_older_won_lost_report_loads_with_its_keys_kept() -> None:
    report = WonLostReport.read(OLD_WON_LOST)
    assert report.to_dict() == OLD_WON_LOST
    _round_trip(report)
    _says_how_good(report)
    assert report.test_rates == {"High": 0.6, "Medium": 0.3, "Low": 0.12}
    assert report.test.tiers[0].promise is None  # older tiers had no promise: shown as not known
    assert report.evaluation_summary() == {"log_loss": 0.42, "roc_auc": 0.81, "brier": 0.14, "base_rate": 0.3,
                                           "split": OLD_WON_LOST["split"]}
    assert "ignored: 'Notes' (free text)" in report.training_lines()


def test_a_damaged_report_reads_as_not_measured(caplog: pytest.LogCaptureFixture) -> None:
    assert not TiersReport.read({"accuracy": "most of them"}).measured
    assert not WonLostReport.read({"test": ["not", "a", "part"]}).measured
    assert "could not be read" in caplog.text


def test_new_bands_on_an_older_report_keep_its_keys(crm_training: OutcomeTraining) -> None:
    """A report without test scores cannot measure new bands: only the bands change, every other key stays."""
    report = WonLostReport.read(OLD_WON_LOST)
    _, banded = with_bands(crm_training.model, report, Bands.by_probability(0.5, 0.2))
    assert banded.to_dict() == {**OLD_WON_LOST, "bands": Bands.by_probability(0.5, 0.2).to_dict()}
    assert report.to_dict() == OLD_WON_LOST  # the original is untouched


@pytest.mark.parametrize("kind", ["built-in", "won/lost"])
def test_a_version_published_with_an_older_report_loads_it_typed(kind: str, tmp_path: Path,
                                                                 small_training: train.TrainingResult,
                                                                 crm_training: OutcomeTraining) -> None:
    model, document = ((small_training.model, OLD_TIERS) if kind == "built-in"
                       else (crm_training.model, OLD_WON_LOST))
    registry = Registry(tmp_path / "models")
    version = registry.publish(model, document)  # a report as saved, as a version published again
    saved = json.loads((tmp_path / "models" / "versions" / version / "metadata.json").read_text())["report"]
    assert saved == document
    loaded = registry.load(version)
    assert type(loaded.report) is type(loaded.target).report_type and loaded.report.to_dict() == document
    [row] = registry.versions()
    assert (row.accuracy, row.auc) == ((0.86, None) if kind == "built-in" else (None, 0.81))
    # how good it is, once, from the report: the Model page's and the stakeholders' words, the command line's figure
    quality = row.quality
    assert (quality.kind, quality.line, quality.figure) == (
        ("built-in", "right tier for 86% of leads", "accuracy 0.860") if kind == "built-in"
        else (f"CRM: {OLD_WON_LOST['target']}", "ranks right 81% of the time", "AUC 0.810"))
    assert TiersReport.read(None).quality().line == WonLostReport.read(None).quality().line == "not measured"


def test_each_target_evaluates_its_own_way(scorer, crm_scorer) -> None:  # noqa: ANN001
    """``leadscore evaluate`` asks the target: the built-in model on generated leads with their tiers, a team's
    model only on a file of its closed leads."""
    evaluation = scorer.model.target.evaluate(scorer, None, "None", 300, 5)
    assert evaluation.lines[0] == f"model {scorer.version} on 300 leads"
    assert evaluation.document["rows_evaluated"] == 300 and evaluation.document["model_version"] == scorer.version
    assert {"accuracy", "High", "macro avg", "confusion_matrix", "bayes_accuracy"} <= set(evaluation.document)
    with pytest.raises(EvaluationError, match=r"trained on a CRM export: evaluate it on a file of closed leads "
                                              r"with its outcome column 'y' \(--data FILE\)"):
        crm_scorer.model.target.evaluate(crm_scorer, None, "None", 300, 5)
