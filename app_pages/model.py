"""Model: how good the active model is (its training report's sections), its versions, its own tools, and
training on a CRM export."""

import streamlit as st

from ui import bands, crm_training, engine, guard, retrain, sections, stakeholders, versions

#: The tools a kind of model offers (its report's ``tools``), by the tab's title.
TOOLS = {"Retrain": retrain.panel, "Tier bands": bands.panel}

scorer = engine.active_scorer()
st.title("Model")
guard.show_change()
stakeholders.download_button("model_stakeholders")
report = scorer.report
# Versions keeps its place in every layout, so bringing the built-in model back leaves you on it.
tab_performance, tab_versions, *tabs_tools, tab_crm = st.tabs(
    ["How good is it", "Versions", *report.tools, "Train on your CRM history"])
with tab_performance:
    sections.render(report.sections(scorer.metadata), "active")
with tab_versions:
    versions.panel()
for tab, tool in zip(tabs_tools, report.tools, strict=True):
    with tab:
        TOOLS[tool](scorer)
with tab_crm:
    crm_training.panel()
