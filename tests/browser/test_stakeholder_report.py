"""`leadscore report --html FILE`: one self-contained file, opened in headless Chromium with every request to a
host recorded and refused; the charts draw offline."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import Browser

from leadscore.cli import main
from leadscore.data import synth
from leadscore.registry import Registry
from tests.browser.conftest import SCREENSHOTS

#: An address on a host (http(s) or protocol-relative).
HOSTED = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)


class Addresses(HTMLParser):
    """Every src and href of the document's elements (a script's own text is not markup: plotly.js holds
    addresses of map tiles it never loads here)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [value or "" for name, value in attrs if name in ("src", "href", "srcset", "action")]


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory, small_training) -> Path:  # noqa: ANN001
    """A registry with one version, 600 recorded leads of which 450 have an outcome, and the report on them."""
    folder = tmp_path_factory.mktemp("stakeholders")
    Registry(folder / "models").publish(small_training.model, small_training.report)
    leads = synth.generate(600, seed=31)
    leads.drop(columns=["tier", *synth.TRUE_PROBABILITY_COLUMNS]).to_csv(folder / "leads.csv", index=False)
    common = ["--models-dir", str(folder / "models")]
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("LEADSCORE_DATABASE_URL", f"sqlite:///{folder / 'store.sqlite3'}")
    try:
        assert main(["score", str(folder / "leads.csv"), "-o", str(folder / "scored.csv"), "--record", "--id",
                     "lead_id", "--list", "May <leads>", *common]) == 0
        rng = np.random.default_rng(3)
        known = leads.head(450)
        rate = known["tier"].map({"High": 0.375, "Medium": 0.175, "Low": 0.035}).to_numpy()
        pd.DataFrame({"Lead": known["lead_id"], "Stage": np.where(rng.random(450) < rate, "Won", "Lost")}).to_csv(
            folder / "won-lost.csv", index=False)
        assert main(["outcomes", str(folder / "won-lost.csv"), "--id", "Lead", "--outcome", "Stage", "--positive",
                     "Won", *common]) == 0
        assert main(["report", "--html", str(folder / "report.html"), *common]) == 0
    finally:
        monkeypatch.undo()
    return folder / "report.html"


def test_the_file_tells_the_story_in_plain_words_and_loads_nothing_from_a_host(report_file: Path) -> None:
    document = report_file.read_text(encoding="utf-8")
    for heading in ("What the model does", "How good it is on real outcomes", "Who to call first", "What moved",
                    "What changed between versions"):
        assert f">{heading}<" in document
    assert "600 leads were scored and recorded; the real outcome (won or lost) is known for 450" in document
    assert "High</b>, <b>Medium</b> or <b>Low</b> priority" in document and "Likely range (95%)" in document
    assert "Built-in model" in document and "(in use)" in document
    parser = Addresses()
    parser.feed(document)
    assert [a for a in parser.found if HOSTED.match(a)] == []
    assert "<link" not in document.split("<script>")[0] and "@import" not in document
    assert document.count("Plotly.newPlot") >= 2  # the tiers' chart and the gain chart


def test_it_opens_offline_in_chromium_and_draws_its_charts(report_file: Path, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, offline=True)
    requested: list[str] = []

    def refuse_hosts(route) -> None:  # noqa: ANN001 (playwright's Route)
        if route.request.url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            requested.append(route.request.url)
            route.abort()

    context.route("**/*", refuse_hosts)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(report_file.resolve().as_uri())
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
    assert page.locator(".js-plotly-plot").count() >= 2
    assert page.get_by_text("Each tier: promised and really converted").count() >= 1
    addresses = page.eval_on_selector_all("[src],[href]", "els => els.map(e => e.getAttribute('src') || "
                                          "e.getAttribute('href'))")
    assert [a for a in addresses if HOSTED.match(a or "")] == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "stakeholder-report.png"), full_page=True)
    context.close()
    assert requested == [] and errors == []


def test_with_nothing_recorded_it_says_so_in_words(tmp_path: Path, small_training) -> None:  # noqa: ANN001
    from leadscore.reports.html import stakeholder_report
    from leadscore.store import Store
    from leadscore.workflows.stakeholders import stakeholder_material

    registry = Registry(tmp_path / "models")
    version = registry.publish(small_training.model, small_training.report)
    store = Store.open(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    try:
        material = stakeholder_material(store, registry)
        document = stakeholder_report(material)
    finally:
        store.close()
    assert list(material.about) == [version]  # nothing recorded: the active version is still described
    assert "No scored lead has been recorded yet" in document and "above" not in document.split("<body>")[1]
