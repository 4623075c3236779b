"""Save this list on Triage, then the Results page: outcomes imported, each tier's real conversion against a hand
count, the ranking sentence, drift, one lead's history; against both kinds of model."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from leadscore.registry import Registry
from leadscore.store import Store
from tests.app.helpers import metric, open_page, texts
from tests.app.test_triage_page import _leads, _upload
from ui.engine import load_active_scorer


def _save(app: AppTest, name: str, id_column: str = "Lead ID") -> AppTest:
    app.text_input[[t.label for t in app.text_input].index("List name")].set_value(name)
    app.selectbox[[s.label for s in app.selectbox].index("Lead ID column")].set_value(id_column)
    next(b for b in app.button if b.label == "Save this list").click().run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _by_label(widgets, label: str):  # noqa: ANN001, ANN202 (AppTest's widget lists)
    return next(w for w in widgets if w.label == label)


def test_save_a_list_then_see_how_each_tier_converted(active_models: Registry) -> None:
    app = open_page("triage")
    leads = _leads(load_active_scorer())  # 24 rows, row 3 unreadable, Lead ID, Owner, Lead Source
    _upload(app, leads)
    assert "look like the ones the model learned from" in "\n".join(e.label for e in app.expander)
    assert "Too few leads to judge drift: 23 scored, at least 200" in texts(app)
    _save(app, "May leads")
    assert "Saved 23 leads as “May leads”" in texts(app)

    store = Store.open(models_dir=active_models.root)
    saved = store.list_rows("May leads")
    assert len(saved) == 23 and set(saved["lead_id"]) == set(leads["Lead ID"].drop(index=2))

    # The CRM's export: every third lead won, the others lost, one open, one ID never scored.
    ids = list(saved["lead_id"])
    stage = ["Won" if i % 3 == 0 else "Lost" for i in range(len(ids))]
    stage[-1] = "Engaging"
    export = pd.DataFrame({"Lead ID": [*ids, "NEVER-1"], "Stage": [*stage, "Won"]})
    results = open_page("results")
    results.file_uploader(key="outcomes_file").set_value(
        ("won-lost.csv", export.to_csv(index=False).encode(), "text/csv")).run()
    _by_label(results.selectbox, "Lead ID column").set_value("Lead ID")
    _by_label(results.selectbox, "Outcome column (won/lost)").set_value("Stage").run()
    _by_label(results.multiselect, "Values that mean won").set_value(["Won"]).run()
    _by_label(results.multiselect, "Values that mean lost").set_value(["Lost"]).run()
    _by_label(results.button, "Import outcomes").click().run()
    assert not results.exception, [e.value for e in results.exception]
    assert metric(results, "New outcomes") == "22"
    assert metric(results, "Never scored") == "1"
    assert "NEVER-1" in texts(results)

    # Hand count per tier, from the saved list and the export.
    known = {i: s for i, s in zip(ids, stage, strict=True) if s != "Engaging"}
    table = next(d.value for d in results.dataframe if "Real conversion" in d.value.columns)
    for tier, row in table.set_index("Tier").iterrows():
        in_tier = saved.loc[saved["tier"] == tier, "lead_id"]
        assert row["Leads scored"] == len(in_tier)
        assert row["With an outcome"] == sum(i in known for i in in_tier)
        assert row["Still open"] == len(in_tier) - row["With an outcome"]  # counted apart from the promise's leads
        assert row["Converted"] == sum(known.get(i) == "Won" for i in in_tier)
    assert "on 22 leads with a known outcome (8 converted)" in texts(results)

    # Twice the same file counts nothing twice.
    _by_label(results.button, "Import outcomes").click().run()
    assert metric(results, "New outcomes") == "0"

    # One lead over time; a breakdown by owner.
    results.text_input(key="results_lead").set_value(ids[0]).run()
    assert "Scored 1 time(s)" in texts(results)
    results.selectbox(key="results_by").set_value("Owner").run()
    owners = next(d.value for d in results.dataframe if "Owner" in d.value.columns)
    assert owners["Leads scored"].sum() == 23
    assert not results.exception


def test_saved_list_reopens_and_a_missing_id_is_named(active_models: Registry) -> None:
    app = open_page("triage")
    leads = _leads(load_active_scorer())
    leads.loc[5, "Lead ID"] = ""
    _upload(app, leads)
    _save(app, "Broken")
    assert "The list was not saved" in texts(app) and "'Lead ID'" in texts(app)
    _save(app, "By fingerprint", "(none: a fingerprint of the row)")
    assert "Saved 23 leads" in texts(app)
    app.run()  # the saved lists are listed at the top of the page, on the next run
    _by_label(app.selectbox, "Saved list").set_value(next(o for o in _by_label(app.selectbox, "Saved list").options
                                                           if o.startswith("By fingerprint"))).run()
    assert any(len(d.value) == 23 and "tier" in d.value.columns for d in app.dataframe)
