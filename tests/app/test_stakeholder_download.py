""""Download for stakeholders" on the Model and Results pages (the file itself: tests/browser/
test_stakeholder_report.py)."""

from __future__ import annotations

from leadscore.registry import Registry
from tests.app.helpers import open_page
from tests.app.test_results_page import _save
from tests.app.test_triage_page import _leads, _upload
from ui.engine import load_active_scorer

LABEL = "Download for stakeholders (HTML)"


def test_model_and_results_pages_offer_the_report(active_models: Registry) -> None:
    model = open_page("model")
    assert not model.exception, [e.value for e in model.exception]
    assert LABEL in [b.label for b in model.get("download_button")]
    triage = open_page("triage")
    _upload(triage, _leads(load_active_scorer()))
    _save(triage, "May leads")
    results = open_page("results")
    assert not results.exception, [e.value for e in results.exception]
    assert LABEL in [b.label for b in results.get("download_button")]
