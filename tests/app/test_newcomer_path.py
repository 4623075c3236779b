"""A new user's first hour on Triage and Results (issue 19): a list saved once, repeats and rows without an ID
said plainly, filters and order kept across pages, a CRM export that does not fit the built-in model, one way
of writing a chance, counts with thousands separators, no ID column to break results down by, a label for
every widget."""

from __future__ import annotations

import pandas as pd

from leadscore import plain_words
from leadscore.registry import Registry
from leadscore.scoring import triage
from leadscore.scoring.scorer import Scorer
from leadscore.store import Store
from tests.app.helpers import open_page, texts
from tests.app.test_results_page import _save
from tests.app.test_triage_page import ROWS, _leads, _table, _upload
from tests.conftest import BANK_SAMPLE
from ui import lead_list


def _saved_rows(models: Registry, name: str) -> int:
    return next(e.leads for e in Store.open(models_dir=models.root).saved_lists() if e.name == name)


def test_enter_then_save_saves_the_list_once(active_models: Registry) -> None:
    """Enter in the name box submits the form; a click on Save after it must not save the list a second time."""
    app = _upload(open_page("triage"), _leads(Scorer(active_models.load())))
    _save(app, "May leads")  # the first submit (Enter does the same as the button in a form)
    assert "Saved 23 leads as “May leads”." in texts(app)
    _save(app, "May leads")  # the click that follows
    assert "It is saved once: saving it again would count its leads twice." in texts(app)
    assert _saved_rows(active_models, "May leads") == ROWS - 1
    app.run()
    assert "Saved 23 leads as “May leads”." in texts(app)  # still said on the next run


def test_a_name_already_used_is_refused(active_models: Registry) -> None:
    scorer = Scorer(active_models.load())
    _save(_upload(open_page("triage"), _leads(scorer)), "May leads")
    other = _leads(scorer).head(10)
    app = _save(_upload(open_page("triage"), other, "other.csv"), "May leads")
    assert "A list named “May leads” is already saved" in texts(app)
    assert _saved_rows(active_models, "May leads") == ROWS - 1


def test_repeated_ids_are_counted_once_and_the_page_says_so(active_models: Registry) -> None:
    leads = _leads(Scorer(active_models.load()))
    leads.loc[[5, 6, 7], "Lead ID"] = leads.loc[4, "Lead ID"]  # four rows of one lead
    app = _save(_upload(open_page("triage"), leads), "Repeats")
    page = texts(app)
    assert "Saved 23 rows as “Repeats”, 20 different leads: 3 rows repeat a lead ID already in the list" in page
    assert "The Results page counts 20 leads." in page
    results = open_page("results")
    results.selectbox(key="results_list").set_value("Repeats").run()
    assert "“Repeats” holds 23 rows for 20 different leads" in texts(results)


def test_rows_without_an_id_that_repeat_their_fields_get_a_note(active_models: Registry) -> None:
    leads = _leads(Scorer(active_models.load())).drop(columns=["Lead ID", "Name"])
    leads = pd.concat([leads, leads.iloc[[0, 1]]], ignore_index=True)  # two rows exactly as two others
    app = _save(_upload(open_page("triage"), leads), "No IDs", "(none: a fingerprint of the row)")
    page = texts(app)
    assert "Saved 25 rows as “No IDs”, 23 different leads: the list has no lead ID column" in page
    assert "2 rows have exactly the same fields as another row" in page
    assert "the CRM's won/lost export cannot be matched to these leads later" in page


def test_filters_and_order_stay_after_a_visit_to_another_page(active_models: Registry) -> None:
    scorer = Scorer(active_models.load())
    app = _upload(open_page("triage"), _leads(scorer))
    app.selectbox(key="filter.Owner").select("Ben").run()
    app.multiselect(key="tiers").set_value(["Low", "Medium", "High"]).run()  # all, in another order
    app.slider(key="chance").set_value((0, 99)).run()
    app.selectbox(key="sort.by").select("Name").run()
    app.radio(key="sort.order").set_value(lead_list.DESCENDING).run()
    before = _table(app)
    for page in ("score", "results", "model"):
        app.switch_page(f"app_pages/{page}.py").run()
        assert not app.exception, [e.value for e in app.exception]
    app.switch_page("app_pages/triage.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.multiselect(key="tiers").value == ["Low", "Medium", "High"]
    assert app.slider(key="chance").value == (0, 99)
    assert app.selectbox(key="filter.Owner").value == "Ben"
    assert app.selectbox(key="sort.by").value == "Name"
    assert app.radio(key="sort.order").value == lead_list.DESCENDING
    pd.testing.assert_frame_equal(_table(app), before)


def test_results_choices_stay_after_a_visit_to_another_page(active_models: Registry) -> None:
    scorer = Scorer(active_models.load())
    _save(_upload(open_page("triage"), _leads(scorer)), "May leads")
    app = open_page("results")
    app.selectbox(key="results_list").set_value("May leads").run()
    app.selectbox(key="results_by").set_value("Owner").run()
    app.text_input(key="results_lead").set_value("L-1").run()
    app.switch_page("app_pages/score.py").run()
    app.switch_page("app_pages/results.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.selectbox(key="results_list").value == "May leads"
    assert app.selectbox(key="results_by").value == "Owner"
    assert app.text_input(key="results_lead").value == "L-1"


def test_a_crm_export_under_the_built_in_model_points_to_training_on_it(models_dir) -> None:
    """Not twelve "'Age' is not in the file" prompts: one message, and a link to train a model on the file."""
    app = _upload(open_page("triage"), pd.read_csv(BANK_SAMPLE, dtype=str, keep_default_na=False).head(50),
                  "crm-export.csv")
    warning = " ".join(w.value for w in app.warning).replace("\\", "")
    assert "This file does not fit the built-in model: it reads 12 fields" in warning
    assert "only 1 of them (Age) is among the file's 17 columns" in warning
    assert "train a model on it first" in warning
    links = [link.proto for link in app.get("page_link")]
    assert any("Train on your CRM history" in link.label and link.page.endswith("model") for link in links), links
    assert not app.error  # no "cannot be scored yet" besides it
    (matching,) = [e for e in app.expander if e.label == "Match the columns by hand anyway"]
    assert not matching.proto.expanded
    assert "2. Scored leads" not in texts(app)


def test_a_list_that_fits_still_gets_its_matching_open(models_dir) -> None:
    leads = triage.sample_list(12, seed=2).drop(columns=["credit_score"])
    app = _upload(open_page("triage"), leads)
    assert not app.warning or "does not fit" not in " ".join(w.value for w in app.warning)
    (matching,) = [e for e in app.expander if e.label == "Columns and matching"]
    assert matching.proto.expanded
    assert "cannot be scored yet" in " ".join(e.value for e in app.error)


def test_the_table_writes_a_chance_as_the_explanation_does(active_models: Registry) -> None:
    """One lead "100%" in the table and "over 99%" in its explanation: never; both use plain_words.chance."""
    scorer = Scorer(active_models.load())
    leads = _leads(scorer)
    app = _upload(open_page("triage"), leads)
    table = _table(app)
    scored = scorer.score(leads.drop(index=2)).scored
    for column in scorer.model.target.chance_columns:
        if column in table.columns and column != "score":
            assert set(table[column]) <= {plain_words.chance(v) for v in scored[column]}, column
            assert not any(v in ("100%", "0%") and v != plain_words.chance(float(v[:-1]) / 100)
                           for v in table[column])


def test_results_tables_show_thousands_separators(active_models: Registry) -> None:
    scorer = Scorer(active_models.load())
    _save(_upload(open_page("triage"), _leads(scorer)), "May leads")
    app = open_page("results")
    for frame in app.dataframe:
        config = frame.proto.columns
        for column in ("Leads scored", "With an outcome", "Converted", "Leads"):
            if column in frame.value.columns:
                assert '"localized"' in config, (column, config)


def test_no_id_column_is_offered_to_break_results_down_by(active_models: Registry) -> None:
    scorer = Scorer(active_models.load())
    leads = _leads(scorer)
    leads.insert(1, "Prospect ID", [f"P-{i}" for i in range(len(leads))])
    leads.insert(2, "Email", [f"lead{i}@example.com" for i in range(len(leads))])
    _save(_upload(open_page("triage"), leads), "May leads")
    app = open_page("results")
    options = app.selectbox(key="results_by").options
    assert "Owner" in options and "Lead Source" in options
    assert not {"Lead ID", "Prospect ID", "Email", "Name", "lead_id"} & set(options)


def test_the_drift_table_speaks_plainly(models_dir) -> None:
    app = _upload(open_page("triage"), triage.sample_list(300, seed=1))
    drift = next(d.value for d in app.dataframe if "Change" in d.value.columns)
    assert list(drift.columns) == ["Field", "Change", "Leads"]


def test_every_widget_has_a_label_even_for_a_column_without_a_header(models_dir) -> None:
    """An unnamed column once gave Streamlit an empty label, logged with a stack trace on every run."""
    leads = triage.sample_list(30, seed=6).astype(str)
    leads.insert(3, "", ["x", "y", "z"] * 10)  # a filterable column without a header
    app = _upload(open_page("triage"), leads)
    labels = [w.label for kind in ("selectbox", "multiselect", "slider", "radio", "text_input", "number_input",
                                   "file_uploader", "checkbox") for w in app.get(kind)]
    assert labels and all(str(label).strip() for label in labels), labels
    assert lead_list.NO_HEADER in labels
