"""Score a lead: income can be typed exactly, and is shown with thousands separators."""

from __future__ import annotations

import pytest

from tests.app.helpers import open_page, texts

pytestmark = pytest.mark.usefixtures("models_dir")


def test_income_can_be_typed_exactly_and_follows_the_slider() -> None:
    app = open_page()
    slider, typed = app.slider(key="lead.income"), app.number_input(key="lead.income.typed")
    assert typed.value == slider.value
    assert slider.proto.format == "localized"  # 95,000, not $95000
    assert slider.label == "Annual income ($)"
    typed.set_value(123_456).run()
    assert not app.exception
    assert app.slider(key="lead.income").value == 123_456
    assert "Compared with the starting lead" in texts(app)
    app.slider(key="lead.income").set_value(250_000).run()
    assert app.number_input(key="lead.income.typed").value == 250_000
    app.selectbox(key="preset").select("Ultra high-value ($350K, engaged)").run()
    assert app.slider(key="lead.income").value == app.number_input(key="lead.income.typed").value == 350_000
