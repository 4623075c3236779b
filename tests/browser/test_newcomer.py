"""A sales manager's first hour in a real browser (issue 19's newcomer findings): the first visit to a fresh
clone, the Score page refusing what the model cannot take, a CRM export under the built-in model, a list saved
once after Enter, filters kept across pages, and a server log without Streamlit's stack traces."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from leadscore.registry import Registry
from leadscore.scoring import triage
from leadscore.scoring.scorer import Scorer
from leadscore.settings import ENV_BUILTIN_ROWS
from leadscore.store import Store
from tests.app.test_triage_page import ROWS, _leads
from tests.browser.conftest import (
    SCREENSHOTS,
    act,
    copy_registry,
    finished,
    no_exception,
    open_dashboard,
    screenshot,
    serve_dashboard,
)
from tests.conftest import BANK_SAMPLE

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def dashboard(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(base URL, registry folder): a server of its own over a copy of the built-in registry; its log is
    ``<registry>/../streamlit.log``."""
    models = copy_registry(model_dir, tmp_path_factory, "newcomer")
    with serve_dashboard(models) as url:
        yield url, models


def _quiet(page: Page) -> None:
    page.mouse.move(0, 0)
    page.evaluate("document.activeElement && document.activeElement.blur()")


def _upload(page: Page, path: Path) -> None:
    act(page, lambda: page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(path))


def test_the_first_visit_to_a_fresh_clone_shows_the_page_and_a_word_then_the_model(
        page: Page, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty registry: the Score page's title and "Preparing the built-in model" at once (the model is
    trained in the background), then the scored lead without a reload. The server trains it on 1,500 leads
    ($LEADSCORE_BUILTIN_ROWS) rather than the shipped 10,000: the same path, sooner."""
    monkeypatch.setenv(ENV_BUILTIN_ROWS, "1500")
    models = tmp_path_factory.mktemp("fresh-clone") / "models"
    with serve_dashboard(models) as url:
        page.goto(url)
        expect(page.get_by_role("heading", name="Score a lead")).to_be_visible()
        preparing = page.get_by_text("Preparing the built-in model, about 15 seconds")
        expect(preparing.or_(page.locator(".tier-badge")).first).to_be_visible()
        if preparing.count():
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "newcomer-first-visit-preparing.png"), full_page=True)
        expect(page.locator(".tier-badge")).to_be_visible(timeout=300_000)
        expect(preparing).to_have_count(0)
        assert Registry(models).load().metadata["data_source"] == "synthetic: 1500 leads, data variant 42"
        no_exception(page)
        _quiet(page)
        screenshot(page, "newcomer-first-visit-ready")


def test_the_score_page_refuses_what_the_model_cannot_take(page: Page, dashboard: tuple[str, Path]) -> None:
    url, _ = dashboard
    open_dashboard(page, url)
    expect(page.get_by_text("This model needs every field")).to_be_visible()
    expect(page.locator(".tier-badge")).to_be_visible()
    credit = page.get_by_label("Credit score", exact=True)
    act(page, lambda: (credit.fill("900"), credit.press("Tab")))
    expect(page.locator(".tier-badge")).to_have_count(0)  # no result describing 690 any more
    expect(page.get_by_text("Credit score: 900 is not accepted (above the model's range 300–850).")).to_be_visible()
    assert credit.input_value() == "900"
    no_exception(page)
    _quiet(page)
    screenshot(page, "newcomer-score-credit-900")
    act(page, lambda: (credit.fill("690"), credit.press("Tab")))
    expect(page.locator(".tier-badge")).to_be_visible()
    visits = page.get_by_label("Website visits", exact=True)
    act(page, lambda: (visits.fill("2.5"), visits.press("Tab")))
    expect(page.get_by_text("Website visits: 2.5 is not accepted (must be a whole number).")).to_be_visible()
    assert visits.input_value() == "2.5"  # kept as typed, never silently 2
    expect(page.locator(".tier-badge")).to_have_count(0)
    _quiet(page)
    screenshot(page, "newcomer-score-visits-2-5")
    act(page, lambda: (visits.fill("12"), visits.press("Tab")))
    expect(page.locator(".tier-badge")).to_be_visible()
    # The typical lead: no round of work reaches High, and the steps that bring it closest are round ones.
    expect(page.get_by_text("What brings it closest to a higher tier")).to_be_visible()
    expect(page.get_by_text("Time on site (minutes): 25 → 50")).to_be_visible()
    assert not page.get_by_text(re.compile(r"→ \d+\.\d")).count()
    expect(page.get_by_text("times as likely to be Medium as Low")).to_be_visible()
    _quiet(page)
    screenshot(page, "newcomer-score-closest-steps")


def test_a_crm_export_under_the_built_in_model_points_to_training(page: Page, dashboard: tuple[str, Path],
                                                                 tmp_path: Path) -> None:
    url, _ = dashboard
    path = tmp_path / "crm-export.csv"
    pd.read_csv(BANK_SAMPLE, dtype=str, keep_default_na=False).head(200).to_csv(path, index=False)
    open_dashboard(page, f"{url}/triage")
    _upload(page, path)
    expect(page.get_by_text("This file does not fit the built-in model")).to_be_visible()
    prompts = page.get_by_text("is not in the file")
    for i in range(prompts.count()):  # the matching is folded away under one expander
        expect(prompts.nth(i)).to_be_hidden()
    link = page.get_by_role("link", name=re.compile("Train on your CRM history"))
    expect(link).to_be_visible()
    no_exception(page)
    _quiet(page)
    screenshot(page, "newcomer-triage-crm-export")
    act(page, lambda: link.click())
    expect(page.get_by_role("heading", name="Model", exact=True)).to_be_visible()
    expect(page.get_by_role("tab", name="Train on your CRM history")).to_be_visible()


def test_enter_then_save_saves_once_and_filters_stay(page: Page, dashboard: tuple[str, Path],
                                                    tmp_path: Path) -> None:
    url, models = dashboard
    scorer = Scorer(Registry(models).load())
    leads = _leads(scorer)
    path = tmp_path / "leads.csv"
    leads.to_csv(path, index=False)
    open_dashboard(page, f"{url}/triage")
    _upload(page, path)
    expect(page.get_by_text("2. Scored leads")).to_be_visible()
    finished(page)
    name = page.get_by_label("List name")
    act(page, lambda: (name.fill("First hour"), name.press("Enter")))  # Enter submits the form
    expect(page.get_by_text("Saved 23 leads as “First hour”.")).to_be_visible()
    act(page, lambda: page.get_by_role("button", name="Save this list").click())  # ...and the click after it
    expect(page.get_by_text("It is saved once")).to_be_visible()
    rows = next(e.leads for e in Store.open(models_dir=models).saved_lists() if e.name == "First hour")
    assert rows == ROWS - 1
    _quiet(page)
    screenshot(page, "newcomer-triage-saved-once")

    # Filters and the order, then another page and back: they stay.
    page.get_by_test_id("stSelectbox").filter(has_text="Owner").first.click()
    act(page, lambda: page.get_by_role("option", name="Ben", exact=True).click())
    page.get_by_test_id("stSelectbox").filter(has_text="Sort by").first.click()
    act(page, lambda: page.get_by_role("option", name="Name", exact=True).click())
    act(page, lambda: page.get_by_text("Z→A, highest first").click())
    shown = ROWS // 3 - (1 if leads.loc[2, "Owner"] == "Ben" else 0)
    expect(page.get_by_text(f"Showing {shown} of 23 leads, by Name")).to_be_visible()
    act(page, lambda: page.get_by_test_id("stSidebarNav").get_by_text("Score a lead").click())
    expect(page.locator(".tier-badge")).to_be_visible()
    act(page, lambda: page.get_by_test_id("stSidebarNav").get_by_text("Triage a lead list").click())
    expect(page.get_by_text(f"Showing {shown} of 23 leads, by Name")).to_be_visible()
    expect(page.get_by_role("combobox", name="Owner")).to_have_value("Ben")
    no_exception(page)
    _quiet(page)
    screenshot(page, "newcomer-triage-kept-after-a-visit")


def test_a_column_without_a_header_leaves_the_log_clean(page: Page, dashboard: tuple[str, Path],
                                                       tmp_path: Path) -> None:
    """Streamlit logged a stack trace on every run for a widget whose label was an empty header."""
    url, models = dashboard
    leads = triage.sample_list(40, seed=6).astype(str)
    leads.insert(3, "", ["x", "y", "z", "w"] * 10)
    path = tmp_path / "unnamed.csv"
    leads.to_csv(path, index=False)
    open_dashboard(page, f"{url}/triage")
    _upload(page, path)
    expect(page.get_by_text("2. Scored leads")).to_be_visible()
    expect(page.get_by_test_id("stSelectbox").filter(has_text="(the column without a header)")).to_be_visible()
    act(page, lambda: page.get_by_test_id("stSidebarNav").get_by_text("Score a lead").click())
    act(page, lambda: page.get_by_test_id("stSidebarNav").get_by_text("Triage a lead list").click())
    expect(page.get_by_text("2. Scored leads")).to_be_visible()
    no_exception(page)
    log = (models.parent / "streamlit.log").read_text()
    assert "got an empty value" not in log and "Traceback" not in log, log[-3000:]
    assert "Stack (most recent call last)" not in log, log[-3000:]
