"""Words a sales manager reads: 'the original study' and 'data variant', never 'the seed'."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from leadscore.data.scenarios import SCENARIOS
from tests.app.helpers import open_page, texts
from ui.lead_form import start_key

pytestmark = pytest.mark.usefixtures("models_dir")

SEED = re.compile(r"\bseed\b", re.IGNORECASE)


def _everything(app: AppTest) -> str:
    """The page's texts plus metric deltas, widget labels and help texts."""
    parts = [texts(app)]
    parts += [str(m.proto.delta) for m in app.metric]
    widgets = (*app.selectbox, *app.number_input, *app.slider, *app.radio, *app.text_input, *app.button)
    parts += [f"{w.label} {w.help or ''}" for w in widgets]
    return "\n".join(parts)


def test_model_page_names_the_original_study_and_the_data_variant() -> None:
    app = open_page("model")
    shown = _everything(app)
    assert not SEED.findall(shown), [line for line in shown.splitlines() if SEED.search(line)]
    assert "original study: 85%" in [str(m.proto.delta) for m in app.metric]
    assert "Data variant" in [n.label for n in app.number_input]
    assert "synthetic: 10,000 leads, data variant 42" in texts(app)  # stored by older versions as "seed 42"


def test_score_page_names_the_original_study(scorer) -> None:
    app = open_page()
    scenario = SCENARIOS[0]
    app.selectbox(key=start_key(scorer.version)).select(scenario.name).run()
    shown = _everything(app)
    assert not SEED.findall(shown), [line for line in shown.splitlines() if SEED.search(line)]
    assert f"The original study expects **{scenario.tier}** for this example." in texts(app)
