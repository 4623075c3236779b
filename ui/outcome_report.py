"""An outcome model's training report on the Model page: how well it ranks, what it left out and why.

Shown twice: for a model just trained on a CRM export (with a "keep it anyway"
box on each field the leakage guard left out), and for the active outcome
model (read-only, from its metadata['report']).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from leadscore import charts
from leadscore.modeling.won_lost.summary import dominant_field
from leadscore.plain_words import ANALYST_TERMS, ranking_sentence, test_part_words, tier_sentence
from leadscore.workflows.gate import READY_AUC
from ui.text import md_escape

NO_BAR = {"displayModeBar": False}


def _headline(report: dict) -> None:
    """What a manager asks first: how each tier converted, and how well it ranks, in words."""
    test = report.get("test", {})
    where = test_part_words(str(report.get("split", "")))
    tiers = tier_sentence(test.get("tiers", []), where)
    if tiers:
        st.markdown(f"#### {tiers}")
    st.markdown(f"**{ranking_sentence(test.get('roc_auc'))}**")
    if test.get("roc_auc") is not None and test["roc_auc"] < READY_AUC:
        st.warning(f"That is too close to a coin toss to guide calls: a model is ready from {READY_AUC:.0%}.")


def _split(report: dict) -> None:
    """Which leads taught it and which tested it, with the one conversion rate each figure is measured on."""
    positive = ", ".join(map(str, report.get("positive", [])))
    test = report.get("test", {})
    decided = report.get("converted", 0) + report.get("not_converted", 0)
    where = test_part_words(str(report.get("split", "")))
    st.caption(
        f"Predicts **{md_escape(report.get('target', ''))}** = {md_escape(positive)}. It learned from "
        f"{report.get('train_rows', 0):,} leads and was tested on the other {report.get('test_rows', 0):,} "
        f"({where}), which it never saw. "
        + (f"In the whole file {report.get('converted', 0) / decided:.1%} of the {decided:,} decided leads "
           f"converted; in the test leads {test.get('base_rate', 0):.1%}, and the model's average chance for "
           f"them was {test.get('mean_p', 0):.1%} (close, so its chances are not inflated). "
           if decided else "")
        + (f"{report['open_leads']:,} open leads (empty outcome"
           + "".join(f"; {md_escape(v)} {n:,}" for v, n in report.get("open_by_value", {}).items())
           + ") were not trained on." if report.get("open_leads") else "")
        + (f" Not converted means {md_escape(', '.join(report['negative']))}." if report.get("negative") else ""))
    for warning in report.get("warnings", []):
        st.warning(f"{md_escape(warning)[:1].upper()}{md_escape(warning)[1:]}.")


def _for_analysts(report: dict) -> None:
    """The same figures by their data-science names, each with its meaning."""
    test = report.get("test", {})
    terms = ("ROC AUC", "log loss", "base rate", "out of fold", "SHAP")
    st.caption("  \n".join(f"**{term}**: {ANALYST_TERMS[term]}." for term in terms))
    tiles = (("ROC AUC", f"{test.get('roc_auc', 0):.3f}", ANALYST_TERMS["ROC AUC"]),
             ("Log loss", f"{test.get('log_loss', 0):.3f}", ANALYST_TERMS["log loss"]),
             ("Base rate (test leads)", f"{test.get('base_rate', 0):.1%}", ANALYST_TERMS["base rate"]),
             ("Mean predicted chance", f"{test.get('mean_p', 0):.1%}",
              "close to the base rate means the chances are not inflated"))
    for column, (label, value, meaning) in zip(st.columns(4), tiles, strict=True):
        column.metric(label, value, help=meaning[:1].upper() + meaning[1:] + ".", border=True)
    st.caption(f"Test part: {md_escape(report.get('split', ''))}. Field shares in \"What the model looks at\" are "
               "mean absolute SHAP values on the test leads.")
    _candidates(report)


def _leakage(report: dict, choose: bool) -> list[str]:
    """The fields left out as filled in after the outcome; with ``choose``, the ones ticked to keep anyway."""
    leakage = report.get("leakage", {})
    flagged = [f for f in leakage.get("fields", []) if f.get("flagged")]
    kept_before = set(leakage.get("kept_on_purpose", []))
    st.subheader("Fields left out because they give the outcome away")
    if not flagged:
        st.caption(f"None: no field on its own ranks leads right {leakage.get('threshold', 0.9):.0%} of the time or "
                   "more, and none that looks filled in while a lead is worked (by its name, or by being "
                   "emptier or fuller on the newest leads, or emptier on open ones) sways the model's decisions.")
        return []
    st.caption("Two kinds of field are left out. One that alone (or just by being filled in) predicts the outcome "
               "almost perfectly was probably filled in after the sale was won or lost, such as a closing note. "
               "One that the sales team fills in while working a lead (a status, a quality rating, a call's "
               "duration, the last activity: its name says so, or its fill rate moves on the newest leads or "
               "falls on the still open leads) and that sways the model's decisions is not known yet when a new "
               "lead arrives. A model using either looks excellent on paper and is useless on a new lead. Keep "
               "one only if you are sure it is known when the lead arrives.")
    st.dataframe(pd.DataFrame([{
        "Field": f["name"], "Alone, ranks right": f.get("auc"),
        "Just being filled in, ranks right": "never empty" if f.get("filled_auc") is None else f"{f['filled_auc']:.0%}",
        "Share of the decisions": f.get("share"),
        "Why": f.get("reason", ""), "Now": "kept on purpose" if f["name"] in kept_before else "left out"}
        for f in flagged]), hide_index=True,
        column_config={"Alone, ranks right": st.column_config.NumberColumn(
            format="percent", help="How often the field alone ranks a converted lead above one that was lost"),
                       "Share of the decisions": st.column_config.NumberColumn(
                           format="percent", help="In a first fit with every field that does not give the "
                                                  "outcome away alone")})
    if not choose:
        return sorted(kept_before)
    return [f["name"] for index, f in enumerate(flagged)
            if st.checkbox(f"Keep '{md_escape(f['name'])}' anyway", value=f["name"] in kept_before,
                           key=f"crm_keep_{index}")]


def _ignored(report: dict) -> None:
    leaked = {f["name"] for f in report.get("leakage", {}).get("fields", []) if f.get("flagged")}
    rows = [{"Column": c["name"], "Why it is not used": c.get("reason", "")}
            for c in report.get("columns", []) if c.get("role") in ("ignored", "id", "order")
            and c["name"] not in leaked]
    if rows:
        st.subheader("Other columns not used")
        st.dataframe(pd.DataFrame(rows), hide_index=True)


def _candidates(report: dict) -> None:
    rows = [{"Model": c["name"], "Log loss (out of fold)": c.get("log_loss"), "ROC AUC (out of fold)": c.get("auc"),
             "Chosen": "✓ chosen" if c["name"] == report.get("chosen") else ""} for c in report.get("candidates", [])]
    if rows:
        st.subheader("Models compared")
        st.dataframe(pd.DataFrame(rows), hide_index=True,
                     column_config={"Log loss (out of fold)": st.column_config.NumberColumn(format="%.4f"),
                                    "ROC AUC (out of fold)": st.column_config.NumberColumn(format="%.3f")})
        st.caption("Each candidate was trained and tested in turns on the training part (out of fold); the one "
                   "with the lowest log loss, the most honest chances, was chosen.")


def _dominant_field(report: dict) -> None:
    dominant = dominant_field(report)
    if dominant:
        name, share = dominant
        st.warning(f"'{md_escape(name)}' alone makes {share:.0%} of the model's decisions. Check that it "
                   "is known before a lead is won or lost (the length of the sales call, for example, is not): if "
                   "it is filled in later, untick it in the column review and train again.")


def _charts(report: dict, key: str) -> None:
    test = report.get("test", {})
    left, right = st.columns(2)
    with left:
        if test.get("gain"):
            st.plotly_chart(charts.gain(test["gain"]), config=NO_BAR, key=f"{key}_gain")
            st.caption("Call the leads the model ranks best first: the line shows what share of the conversions "
                       "you reach after calling a given share of the leads. The dashed line is calling at random.")
    with right:
        if test.get("calibration"):
            st.plotly_chart(charts.calibration(test["calibration"]), config=NO_BAR,
                            key=f"{key}_calibration")
            st.caption("Test leads in ten groups by the chance the model gave them: points near the dashed line "
                       "mean a 30% chance really converts about 30% of the time.")
    if test.get("tiers"):
        st.plotly_chart(charts.tier_conversion(test["tiers"], test.get("base_rate")), config=NO_BAR,
                        key=f"{key}_tiers")
        st.caption("Each tier's conversion rate on the test leads (change the tiers on the Tier bands tab).")
    if test.get("importance"):
        _dominant_field(report)
        st.plotly_chart(charts.field_importance(test["importance"], report.get("fill_rates", {})),
                        config=NO_BAR, key=f"{key}_importance")
        st.caption("Each field's share of the model's decisions on the test leads, and how often it is filled in; "
                   "an empty cell is information, not an error.")


def show(report: dict, choose_kept: bool = False, key: str = "active") -> list[str]:
    """The whole report; returns the flagged fields to keep (ticked when ``choose_kept``, else as trained).

    ``key`` tells its charts apart from the same report's shown elsewhere on the page.
    """
    _headline(report)
    _split(report)
    kept = _leakage(report, choose_kept)
    _ignored(report)
    _charts(report, key)
    with st.expander("Details for analysts", expanded=False):
        _for_analysts(report)
    return kept
