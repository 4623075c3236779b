"""Words a sales manager reads: plain words everywhere, the analysts' terms only where analysts look.

Every page is rendered with AppTest with each kind of model active (the built-in model, and a CRM model);
the texts a manager sees without opening anything (markdown, captions, alerts, metric labels and values,
widget labels and options, table headers and cells, chart titles and axes, tab names) must not hold a
data-science term. The collapsed "Details for analysts" sections and help tooltips (where each term is
explained) are exempt.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Expander

from leadscore.fields.scenarios import SCENARIOS
from leadscore.modeling.won_lost import train as outcome
from leadscore.plain_words import ANALYST_TERMS
from leadscore.registry import Registry
from leadscore.settings import ENV_MODELS_DIR
from tests.app.helpers import JARGON, open_page, plain, texts
from tests.conftest import BANK_SAMPLE, SMALL_CANDIDATES
from ui import guard
from ui.lead_form import start_key

SEED = re.compile(r"\bseed\b", re.IGNORECASE)
ANALYSTS = "Details for analysts"


@pytest.fixture(autouse=True)
def _local(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Listening on 127.0.0.1 (changes allowed, so every form shows), fast CRM training."""
    before = config.get_option("server.address")
    config.set_option("server.address", "127.0.0.1")
    guard._limiter.clear()
    # train_outcome took the module's CANDIDATES as its default when it was defined: the default itself is set
    monkeypatch.setitem(outcome.train_outcome.__kwdefaults__, "candidates", SMALL_CANDIDATES)
    yield
    config.set_option("server.address", before)


def _chart_words(spec: str) -> list[str]:
    """A chart's visible words: titles, axis titles, legend names, tick and bar texts (hover texts are tooltips)."""
    words: list[str] = []

    def walk(node: object, key: str = "") -> None:
        if isinstance(node, dict):
            for name, value in node.items():
                if name not in ("hovertemplate", "hovertext", "customdata"):
                    walk(value, name)
        elif isinstance(node, list):
            for value in node:
                walk(value, key)
        elif isinstance(node, str) and key in ("text", "name", "title"):
            words.append(node)

    walk(json.loads(spec))
    return words


def _element_words(element: object) -> list[str]:
    kind = getattr(element, "type", "")
    if kind == "plotly_chart":
        return _chart_words(element.proto.spec)
    words = [str(getattr(element, attribute)) for attribute in ("value", "label", "delta")
             if isinstance(getattr(element, attribute, None), str)]
    words += [str(option) for option in getattr(element, "options", None) or []]
    value = getattr(element, "value", None)
    if isinstance(value, pd.DataFrame):
        words += [str(c) for c in value.columns] + [str(v) for v in value.to_numpy().ravel() if isinstance(v, str)]
    return words


def _visible(node: object) -> Iterator[str]:
    """Every word shown outside the analysts' sections; help tooltips are not walked."""
    if isinstance(node, Expander) and node.label == ANALYSTS:
        return
    if isinstance(node, Block):
        label = getattr(node, "label", None)
        if isinstance(label, str):
            yield label
        for child in node.children.values():
            yield from _visible(child)
        return
    yield from _element_words(node)


def _jargon(app: AppTest) -> list[str]:
    assert not app.exception, [e.value for e in app.exception]
    lines = [re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text) for block in (app.main, app.sidebar)
             for text in _visible(block)]
    return [line for line in lines if JARGON.search(line)]


def _crm_trained(app: AppTest) -> AppTest:
    """The CRM training tab with the bank sample (and a call result that gives the outcome away) uploaded and a
    model trained (not published): the report then has its table of left-out fields."""
    frame = pd.read_csv(BANK_SAMPLE, dtype=str, keep_default_na=False)
    flip = np.random.default_rng(7).random(len(frame)) < 0.05
    frame["call_result"] = np.where((frame["y"] == "yes") ^ flip, "interested", "not interested")
    content = frame.to_csv(index=False).encode()
    app.file_uploader(key="crm_upload").set_value(("bank.csv", content, "text/csv")).run()
    app.button(key="crm_train").click().run()
    assert "New model, not yet published" in texts(app)
    assert any("call_result" in d.value.to_string() for d in app.dataframe)
    return app


@pytest.mark.usefixtures("models_dir")
def test_the_model_page_with_the_built_in_model_speaks_plainly() -> None:
    app = open_page("model")
    assert _jargon(app) == []
    app.number_input(key="rt_rows").set_value(2_000)
    app.button(key="rt_train").click().run()  # a candidate and its comparison
    assert "New model, not yet published" in texts(app)
    assert _jargon(app) == []
    assert _jargon(_crm_trained(app)) == []
    analysts = [e for e in app.expander if e.label == ANALYSTS]
    assert analysts and all(not e.proto.expanded for e in analysts)  # collapsed until opened
    shown = plain("\n".join(t for e in analysts for t in _visible_inside(e)))
    for term in ("recall", "SHAP", "SMOTE", "uncalibrated", "Bayes", "original study", "log loss", "ROC AUC"):
        assert f"{term}**: {ANALYST_TERMS[term]}" in shown, term  # each term with its one-line meaning


def _visible_inside(expander: Expander) -> Iterator[str]:
    for child in expander.children.values():
        yield from _visible(child)


def test_the_model_page_with_a_crm_model_speaks_plainly(outcome_registry: Registry,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_MODELS_DIR, str(outcome_registry.root))
    app = open_page("model")
    assert _jargon(app) == []
    assert "It ranks a lead that converts above one that does not" in texts(app)


@pytest.mark.parametrize("page", [None, "triage"])
@pytest.mark.parametrize("kind", ["built-in", "crm"])
def test_the_sidebar_speaks_plainly_on_every_page(page: str | None, kind: str, request: pytest.FixtureRequest,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The Score and Triage pages themselves are being merged (issue 12); their shared sidebar is checked here."""
    if kind == "crm":
        monkeypatch.setenv(ENV_MODELS_DIR, str(request.getfixturevalue("outcome_registry").root))
    else:
        request.getfixturevalue("models_dir")
    app = open_page(page)
    sidebar = [re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text) for text in _visible(app.sidebar)]
    assert [line for line in sidebar if JARGON.search(line)] == []
    assert not any("Preset" in line for line in sidebar)


@pytest.mark.usefixtures("models_dir")
def test_score_page_names_the_original_study(scorer) -> None:
    app = open_page()
    scenario = SCENARIOS[0]
    app.selectbox(key=start_key(scorer.version)).select(scenario.name).run()
    shown = texts(app)
    assert not SEED.findall(shown), [line for line in shown.splitlines() if SEED.search(line)]
    assert f"The original study expects **{scenario.tier}** for this example." in shown
