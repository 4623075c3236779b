"""A sales manager's walk with a model of their own CRM history active: score one lead, triage a list."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from leadscore.registry import Registry
from leadscore.scoring.outcome_scorer import OutcomeScorer
from leadscore.scoring.outcome_template import typical_lead
from leadscore.scoring.outcome_whatif import move_up
from tests.browser.conftest import (
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
def crm_models(tmp_path_factory: pytest.TempPathFactory, _crm_registry: Path) -> Path:
    """A copy of the registry holding the built-in model and, active, the bank-marketing outcome model."""
    return copy_registry(_crm_registry, tmp_path_factory, "crm-browser")


@pytest.fixture(scope="module")
def crm_server(crm_models: Path) -> Iterator[str]:
    """The dashboard serving the outcome registry."""
    with serve_dashboard(crm_models) as url:
        yield url


def _choose(page: Page, label: str, option: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text=label).first.click()
    page.get_by_role("option", name=option, exact=True).click()


def test_score_a_lead_from_the_crm_schema(page: Page, crm_server: str, crm_models: Path) -> None:
    open_dashboard(page, crm_server)
    expect(page.get_by_text("What your team can change")).to_be_visible()
    expect(page.locator(".tier-badge")).to_be_visible()
    _choose(page, "Job", "retired")
    _choose(page, "Contact", "unknown")
    age = page.get_by_label("Age", exact=True)
    age.fill("67")
    age.press("Tab")
    act(page, lambda: page.get_by_role("button", name="Score this lead").click())
    scorer = OutcomeScorer(Registry(crm_models).load())
    lead = {**typical_lead(scorer.model.schema), "job": "retired", "contact": "", "age": "67"}
    expected = scorer.score_lead(lead)
    expect(page.locator(f'.tier-badge[data-tier="{expected.tier}"]')).to_be_visible()
    expect(page.locator(".tier-badge")).to_contain_text(f"Chance of conversion: {expected.p_convert:.0%}")
    for reason in expected.reasons:
        expect(page.get_by_text(reason, exact=True).first).to_be_visible()
    expect(page.get_by_text("What would move this lead up a tier?")).to_be_visible()
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    no_exception(page)
    screenshot(page, "crm-1-score-a-lead")
    act(page, lambda: page.get_by_role("button", name="Start again from a typical lead").click())
    typical = scorer.score_lead(typical_lead(scorer.model.schema))
    expect(page.locator(f'.tier-badge[data-tier="{typical.tier}"]')).to_be_visible()
    expect(page.get_by_text("The smallest change that reaches")).to_be_visible()
    act(page, lambda: page.get_by_role("button", name="Try this in the what-if above").click())
    answer = move_up(scorer, typical_lead(scorer.model.schema))
    assert answer.found and answer.new_tier != typical.tier
    expect(page.get_by_test_id("stMetric").filter(has_text="Tier after the change")).to_contain_text(
        f"{answer.new_tier}from {typical.tier}")
    expect(page.get_by_test_id("stMetric").filter(has_text="Chance of conversion after")).to_contain_text(
        f"{answer.new_p_convert:.0%}")
    no_exception(page)
    screenshot(page, "crm-3-move-up")


def test_triage_a_crm_lead_list(page: Page, crm_server: str, tmp_path: Path) -> None:
    leads = pd.read_csv(BANK_SAMPLE, dtype=str, keep_default_na=False).iloc[100:300].drop(columns=["y", "duration"])
    leads.insert(0, "Lead ID", [f"B-{i:04d}" for i in range(1, len(leads) + 1)])
    leads.insert(1, "Name", [f"Client {i}" for i in range(1, len(leads) + 1)])
    leads["Owner"] = (["Ana", "Ben", "Cy", "Dee"] * 50)[: len(leads)]
    leads.iloc[4, leads.columns.get_loc("age")] = "forty"
    leads.iloc[9, leads.columns.get_loc("job")] = "astronaut"
    path = tmp_path / "crm-leads.csv"
    leads.to_csv(path, index=False)
    open_dashboard(page, f"{crm_server}/triage")
    expect(page.get_by_text("The model reads these columns")).to_be_visible()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(path)
    expect(page.get_by_text("2. Scored leads")).to_be_visible()
    finished(page)
    metrics = page.get_by_test_id("stMetric")
    expect(metrics.filter(has_text="Rows read")).to_contain_text("200")
    expect(metrics.filter(has_text="Scored")).to_contain_text("199")
    expect(metrics.filter(has_text="Rejected")).to_contain_text("1")
    expect(page.get_by_text("1 row(s) were not scored")).to_be_visible()
    expect(page.get_by_text("3. Why this tier")).to_be_visible()
    expect(page.get_by_text("Top reasons")).to_be_visible()
    expect(page.get_by_text("(raises)", exact=False).first).to_be_visible()
    no_exception(page)
    screenshot(page, "crm-2-triage")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download all 199 scored leads (CSV)").click()
    saved = tmp_path / "scored.csv"
    download.value.save_as(saved)
    scored = pd.read_csv(saved, encoding="utf-8-sig", keep_default_na=False)
    assert list(scored.columns[:8]) == ["row", "Lead ID", "Name", "tier", "score", "p_convert", "reason_1",
                                        "reason_2"]
    assert len(scored) == 199 and "B-0005" not in set(scored["Lead ID"])
    assert scored["p_convert"].between(0, 1).all() and scored["reason_1"].str.contains(r"\((?:raises|lowers)\)").all()
    assert scored.loc[scored["Lead ID"] == "B-0010", "job"].tolist() == ["astronaut"]  # kept as in the file
