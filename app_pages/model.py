"""Model: how good the active model is, its versions, and retraining."""

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from leadscore import charts
from leadscore.fields.builtin import BUILTIN_SCHEMA
from leadscore.modeling import compare, evaluate, seedref
from leadscore.modeling.targets import ThreeTiers, WonLost
from leadscore.scoring.scorer import Scorer
from ui import bands, crm_training, engine, outcome_report, retrain, versions
from ui.text import data_source


def _tiles(report: dict) -> None:
    metrics = compare.headline_metrics(report)
    for column, key in zip(st.columns(4), ("accuracy", "macro_recall", "macro_precision", "weighted_f1"),
                           strict=True):
        label, meaning, _ = compare.HEADLINES[key]
        value = f"{metrics[key]:.2f}" if key == "weighted_f1" else f"{metrics[key]:.1%}"
        seed = f"{seedref.OVERALL[key]:.2f}" if key == "weighted_f1" else f"{seedref.OVERALL[key]:.0%}"
        column.metric(label, value, delta=f"original study: {seed}", delta_color="off", delta_arrow="off",
                      help=meaning, border=True)


def performance(report: dict, meta: dict, high_threshold: float) -> None:
    """Metric tiles and the charts a stakeholder asks for."""
    rows = report.get("rows", {})
    where = evaluate.measured_on(report)
    st.caption(f"Training data: {data_source(meta.get('data_source', 'unknown'))}. The model learned from "
               f"{rows.get('train', 0):,} of these leads; every figure here is measured on {where}. The "
               "original study's figures are shown for reference; they were measured on that study's own data.")
    _tiles(report)
    st.caption(evaluate.accuracy_note(report, compare.REFERENCE_ROWS))
    left, right = st.columns(2)
    with left:
        st.subheader("Where it gets it right and wrong")
        shares = st.radio("Show", ["Counts", "Share of each true tier"], horizontal=True, key="cm_mode")
        st.plotly_chart(charts.matrix_heatmap(report["confusion_matrix"], "True tier", "Model's tier",
                                              normalise=shares != "Counts"), config={"displayModeBar": False})
        st.caption("Rows: the tier the lead really had. Columns: the tier the model gave. The diagonal is right. "
                   f"Counted on {where}.")
    with right:
        st.subheader("Are its probabilities honest?")
        st.plotly_chart(charts.calibration_chart(report["calibration"]), config={"displayModeBar": False})
        st.caption("Leads given a 30% chance of High should be High about 30% of the time: points near the "
                   f"dashed line mean the chances can be taken at face value. Measured on {where}.")
    st.subheader("Per tier: recall, precision and F1, beside the original study's")
    st.plotly_chart(charts.per_class_bars(report, seedref.PER_CLASS), config={"displayModeBar": False})
    st.caption("Recall: of the leads truly in a tier, the share the model put there (a missed High lead is lost "
               "revenue). Precision: of the leads the model put in a tier, the share that belong there. "
               f"Ours measured on {where}.")
    st.subheader("What the model looks at")
    importance = {BUILTIN_SCHEMA.field(n).title: v for n, v in report.get("feature_importance", {}).items()}
    seed = {BUILTIN_SCHEMA.field(n).title: v for n, v in seedref.TOP_FEATURES.items()}
    if importance:
        st.plotly_chart(charts.importance_bars(importance, seed), config={"displayModeBar": False})
        st.caption("Each field's share of the model's decisions (mean absolute SHAP value over the test "
                   "leads), beside the original study's top five.")
    else:
        st.info("This model was saved without feature importance.")
    st.subheader("Against simpler models")
    baselines = report.get("baselines")
    if baselines:
        rows = {**baselines, "This model (calibrated)": {
            "accuracy": report["accuracy"], "macro_recall": report["macro avg"]["recall"],
            "high_recall": report["High"]["recall"], "high_precision": report["High"]["precision"],
            "log_loss": report["log_loss"]}}
        st.plotly_chart(charts.baselines_chart(rows, report.get("bayes_accuracy")),
                        config={"displayModeBar": False})
        st.caption(evaluate.baseline_note(report, high_threshold) + " "
                   + ("The dashed line is the best accuracy any model can reach on this generated data "
                      "(the Bayes accuracy): leads near the tier boundaries are a coin toss. "
                      if "bayes_accuracy" in report else "")
                   + "The original study reported: "
                   + "; ".join(f"{k} {v}" for k, v in seedref.BASELINE_ACCURACY.items()) + ".")
    else:
        st.info("This model was trained without the baseline comparison.")


def crm_panels(scorer: Scorer) -> None:
    """A team's model: its own report, tier bands, no synthetic retrain."""
    # Versions keeps its place in both layouts, so bringing the built-in model back leaves you on it.
    tab_performance, tab_versions, tab_bands, tab_crm = st.tabs(
        ["How good is it", "Versions", "Tier bands", "Train on your CRM history"])
    with tab_performance:
        outcome_report.show(scorer.report)
    with tab_bands:
        bands.panel(scorer)
    common_panels(tab_versions, tab_crm)


def builtin_panels(scorer: Scorer) -> None:
    """The built-in model: the seed's figures, retraining on generated leads."""
    tab_performance, tab_versions, tab_retrain, tab_crm = st.tabs(
        ["How good is it", "Versions", "Retrain", "Train on your CRM history"])
    with tab_performance:
        performance(scorer.report, scorer.metadata, scorer.model.estimator.high_threshold)
    with tab_retrain:
        retrain.panel(scorer)
    common_panels(tab_versions, tab_crm)


def common_panels(tab_versions: DeltaGenerator, tab_crm: DeltaGenerator) -> None:
    """Versions and training on a CRM export, under every model."""
    with tab_versions:
        versions.panel()
    with tab_crm:
        crm_training.panel()


#: The panels of each target: the two trainers and their reports hold different knowledge.
PANELS = {ThreeTiers: builtin_panels, WonLost: crm_panels}

scorer = engine.active_scorer()
st.title("Model")
if "flash" in st.session_state:
    st.success(st.session_state.pop("flash"))
PANELS[type(scorer.model.target)](scorer)
