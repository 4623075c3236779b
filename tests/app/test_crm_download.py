"""Triage's saved lists: "Download for the CRM" beside the chosen list (Excel and CSV), as `leadscore export`."""

from __future__ import annotations

from leadscore.registry import Registry
from tests.app.helpers import open_page
from tests.app.test_results_page import _by_label, _save
from tests.app.test_triage_page import _leads, _upload
from ui.engine import load_active_scorer


def test_a_saved_list_offers_its_scores_for_the_crm(active_models: Registry) -> None:
    app = open_page("triage")
    _upload(app, _leads(load_active_scorer()))
    _save(app, "May leads")
    app.run()
    choice = _by_label(app.selectbox, "Saved list")
    choice.set_value(next(o for o in choice.options if o.startswith("May leads"))).run()
    assert not app.exception, [e.value for e in app.exception]
    labels = [b.label for b in app.get("download_button")]
    assert "Download for the CRM (Excel)" in labels and "Download for the CRM (CSV)" in labels
