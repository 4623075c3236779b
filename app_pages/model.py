"""Model: how good the active model is, its versions, and retraining."""

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from leadscore import charts, plain_words
from leadscore.fields.builtin import BUILTIN_SCHEMA
from leadscore.modeling.three_tiers import compare, evaluate, seedref
from leadscore.modeling.three_tiers.target import ThreeTiers
from leadscore.modeling.won_lost.target import WonLost
from leadscore.plain_words import data_words
from leadscore.scoring.scorer import Scorer
from ui import bands, crm_training, engine, outcome_report, retrain, stakeholders, versions
from ui.outcome_report import NO_BAR
from ui.text import data_source, md_escape


def _tiles(report: dict) -> None:
    """The four headline figures beside the original study's (for analysts: the names need their meanings)."""
    metrics = compare.headline_metrics(report)
    for column, key in zip(st.columns(4), ("accuracy", "macro_recall", "macro_precision", "weighted_f1"),
                           strict=True):
        label, meaning, _ = compare.HEADLINES[key]
        value = f"{metrics[key]:.2f}" if key == "weighted_f1" else f"{metrics[key]:.1%}"
        seed = f"{seedref.OVERALL[key]:.2f}" if key == "weighted_f1" else f"{seedref.OVERALL[key]:.0%}"
        column.metric(label, value, delta=f"original study: {seed}", delta_color="off", delta_arrow="off",
                      help=meaning, border=True)


def _glossary(terms: tuple[str, ...]) -> None:
    st.caption("  \n".join(f"**{term}**: {plain_words.ANALYST_TERMS[term]}." for term in terms))


def _for_analysts(report: dict, meta: dict, high_threshold: float, where: str) -> None:
    """Everything with a data-science name, each name with its one-line meaning."""
    _glossary(("recall", "precision", "F1", "SHAP", "SMOTE", "uncalibrated", "Bayes", "original study",
               "data variant", "preset", "log loss"))
    st.markdown(f"**Training data**: {data_source(meta.get('data_source', 'unknown'))}; preset "
                f"{md_escape(str(meta.get('preset', 'unknown')))}. The original study's figures beside ours were "
                "measured on that study's own data, so they are a reference point, not a target.")
    _tiles(report)
    st.caption(evaluate.accuracy_note(report, compare.REFERENCE_ROWS))
    st.subheader("Per tier: recall, precision and F1, beside the original study's")
    st.plotly_chart(charts.per_class_bars(report, seedref.PER_CLASS), config=NO_BAR)
    st.caption(f"Ours measured on {where}.")
    importance = {BUILTIN_SCHEMA.field(n).title: v for n, v in report.get("feature_importance", {}).items()}
    if importance:
        st.subheader("What the model looks at, beside the original study's top five")
        seed = {BUILTIN_SCHEMA.field(n).title: v for n, v in seedref.TOP_FEATURES.items()}
        st.plotly_chart(charts.importance_bars(importance, seed), config=NO_BAR, key="importance_seed")
        st.caption("Each field's share is its mean absolute SHAP value over the test leads.")
    st.subheader("Against simpler models")
    baselines = report.get("baselines")
    if not baselines:
        st.info("This model was trained without the comparison with simpler models.")
        return
    rows = {**baselines, "This model (calibrated)": {
        "accuracy": report["accuracy"], "macro_recall": report["macro avg"]["recall"],
        "high_recall": report["High"]["recall"], "high_precision": report["High"]["precision"],
        "log_loss": report["log_loss"]}}
    st.plotly_chart(charts.baselines_chart(rows, report.get("bayes_accuracy")), config=NO_BAR)
    st.caption(evaluate.baseline_note(report, high_threshold) + " "
               + ("The dashed line is the best accuracy any model can reach on this generated data "
                  "(the Bayes accuracy): leads near the tier boundaries are a coin toss. "
                  if "bayes_accuracy" in report else "")
               + "Why a simple logistic regression scores so much higher here than in the original study ("
               + seedref.BASELINE_ACCURACY.get("Logistic regression", "")
               + "): the generated leads follow smooth rules that a straight-line model can learn almost as well "
               "as XGBoost, while the study's data did not. The study reported: "
               + "; ".join(f"{k} {v}" for k, v in seedref.BASELINE_ACCURACY.items()) + ".")


def performance(report: dict, meta: dict, high_threshold: float) -> None:
    """What a manager asks first, in words and numbers; then the charts; the analysts' figures folded away."""
    rows = report.get("rows", {})
    where = evaluate.measured_on(report)
    st.markdown(f"#### {plain_words.builtin_sentence(report)}")
    st.caption(f"It learned from {rows.get('train', 0):,} of {data_words(meta.get('data_source', 'unknown'))} and "
               f"every figure here is measured on {where}.")
    left, right = st.columns(2)
    with left:
        st.subheader("Where it gets it right and wrong")
        shares = st.radio("Show", ["Counts", "Share of each true tier"], horizontal=True, key="cm_mode")
        st.plotly_chart(charts.matrix_heatmap(report["confusion_matrix"], "True tier", "Model's tier",
                                              normalise=shares != "Counts"), config=NO_BAR)
        st.caption("Rows: the tier the lead really had. Columns: the tier the model gave. The diagonal is right.")
    with right:
        st.subheader("Are its chances honest?")
        st.plotly_chart(charts.calibration_chart(report["calibration"]), config=NO_BAR)
        st.caption("Leads given a 30% chance of High should be High about 30% of the time: points near the "
                   "dashed line mean the chances can be taken at face value.")
    importance = {BUILTIN_SCHEMA.field(n).title: v for n, v in report.get("feature_importance", {}).items()}
    if importance:
        st.subheader("What the model looks at")
        st.plotly_chart(charts.importance_bars(importance), config=NO_BAR)
        st.caption("Each field's share of the model's decisions on the test leads.")
    with st.expander("Details for analysts", expanded=False):
        _for_analysts(report, meta, high_threshold, where)


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
stakeholders.download_button("model_stakeholders")
PANELS[type(scorer.model.target)](scorer)
