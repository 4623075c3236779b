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


def test_an_excel_upload_reads_like_the_csv(active_models: Registry) -> None:
    import io

    from tests.app.helpers import metric
    from tests.app.test_triage_page import _table, _uploader

    leads = _leads(load_active_scorer())
    from_csv = _upload(open_page("triage"), leads)
    workbook = io.BytesIO()
    leads.to_excel(workbook, index=False, engine="openpyxl")  # every cell text, as the CRM's export holds it
    app = open_page("triage")
    app.file_uploader(key=_uploader(app)).set_value(
        ("leads.xlsx", workbook.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    ).run()
    assert not app.exception, [e.value for e in app.exception]
    for label in ("Rows read", "Scored", "Rejected"):
        assert metric(app, label) == metric(from_csv, label)
    assert _table(app).equals(_table(from_csv))
