"""A team's model's training report, typed (``modeling/report.py``): what it was trained on, how it ranks and
converts on the test part of the team's history, what it left out and why, under the keys ``train_outcome``
writes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import Field

from leadscore import charts
from leadscore.modeling.report import (
    Chart,
    Columns,
    Folded,
    Metric,
    Metrics,
    Part,
    Quality,
    Section,
    Table,
    Text,
    TrainingReport,
    summary_of,
)
from leadscore.plain_words import ANALYST_TERMS, ranking_sentence, test_part_words, tier_sentence

#: A model is ready to guide calls from this held-out ROC AUC (as Dynamics 365 marks a model "ready").
READY_AUC = 0.6
#: A field making more than this share of the decisions (mean |SHAP|) gets a question: is it known in time?
DOMINANT_SHARE = 0.35
#: The parts /v1/model returns, from the report's top and its test part.
_SUMMARY = ("log_loss", "roc_auc", "brier", "base_rate", "split")


class TierRow(Part):
    """One tier on the test leads: its share, its promise (mean chance) and its measured conversion."""

    tier: str
    leads: int = 0
    share: float = 0.0
    promise: float | None = None
    conversion_rate: float | None = None
    conversions: int = 0


class ReliabilityBin(Part):
    """Test leads of one chance bin: their mean chance and how many converted."""

    mean_p: float
    observed: float
    leads: int = 0


class GainPoint(Part):
    """Share of leads called, best first, against share of conversions caught."""

    share_called: float
    share_caught: float


class TestPart(Part):
    """How the model did on the test part (``train.outcome_metrics``, with the fields' importance)."""

    roc_auc: float | None = None
    log_loss: float | None = None
    brier: float | None = None
    base_rate: float | None = None
    mean_p: float | None = None
    calibration: list[ReliabilityBin] = Field(default_factory=list)
    gain: list[GainPoint] = Field(default_factory=list)
    tiers: list[TierRow] = Field(default_factory=list)
    importance: dict[str, float] = Field(default_factory=dict)


class TestScores(Part):
    """Each test lead's chance and outcome (0/1), so bands set later are measured on the same leads."""

    p: list[float] = Field(default_factory=list)
    y: list[int] = Field(default_factory=list)


class LeakField(Part):
    """A field the leakage screen measured (``leakage.FieldPower.to_dict``)."""

    name: str
    auc: float | None = None
    filled_auc: float | None = None
    share: float | None = None
    flagged: bool = False
    reason: str = ""


class Leakage(Part):
    """The leakage screen: its bar, every field it measured, the flagged ones kept on purpose."""

    threshold: float = 0.9
    fields: list[LeakField] = Field(default_factory=list)
    kept_on_purpose: list[str] = Field(default_factory=list)

    @property
    def flagged(self) -> list[LeakField]:
        """The fields it flagged, left out or kept on purpose."""
        return [f for f in self.fields if f.flagged]


class ColumnRow(Part):
    """A column of the file and the role the review gave it (``infer.ColumnReview.to_dict``)."""

    name: str
    role: str = ""
    reason: str = ""


class CandidateRow(Part):
    """A candidate model compared out of fold."""

    name: str
    log_loss: float | None = None
    auc: float | None = None


class WonLostReport(TrainingReport):
    """A team's model's report (module docstring)."""

    kind: str | None = None
    target: str = ""
    positive: list[str] = Field(default_factory=list)
    negative: list[str] = Field(default_factory=list)
    open_values: list[str] = Field(default_factory=list)
    open_by_value: dict[str, int] = Field(default_factory=dict)
    split: str = ""
    rows: int = 0
    open_leads: int = 0
    rejected_rows: int = 0
    empty_rows: int = 0
    train_rows: int = 0
    test_rows: int = 0
    converted: int = 0
    not_converted: int = 0
    warnings: list[str] = Field(default_factory=list)
    columns: list[ColumnRow] = Field(default_factory=list)
    leakage: Leakage = Field(default_factory=Leakage)
    fill_rates: dict[str, float] = Field(default_factory=dict)
    candidates: list[CandidateRow] = Field(default_factory=list)
    chosen: str = ""
    calibration_fit: dict[str, float] = Field(default_factory=dict)
    sampling: str | None = None
    bands: dict[str, Any] = Field(default_factory=dict)
    test: TestPart = Field(default_factory=TestPart)
    test_scores: TestScores | None = None
    seconds: float | None = None
    cpu_seconds: float | None = None

    tools: ClassVar[tuple[str, ...]] = ("Tier bands",)

    # ---- figures ---------------------------------------------------------------------------------------
    @property
    def measured(self) -> bool:
        return self.test.roc_auc is not None

    @property
    def held_out_auc(self) -> float | None:
        return self.test.roc_auc

    @property
    def outcome(self) -> str:
        return self.target.strip()

    @property
    def test_part(self) -> str:
        """Which leads it was tested on: "the newest 20% of leads" or "a random 20% of the leads"."""
        return test_part_words(self.split)

    @property
    def test_rates(self) -> dict[str, float]:
        """Each tier's measured conversion on the test part (tiers with leads only)."""
        return {row.tier: row.conversion_rate for row in self.test.tiers if row.conversion_rate is not None}

    def dominant_field(self) -> tuple[str, float] | None:
        """The field that makes more than DOMINANT_SHARE of the model's decisions, with its share; else None.

        A field recorded after the outcome but not decisive alone (a call's length) escapes the leakage
        screen; a model leaning on one field this much is the second sign, worth a question.
        """
        total = sum(self.test.importance.values())
        if not total:
            return None
        name, value = max(self.test.importance.items(), key=lambda item: item[1])
        return (name, value / total) if value / total > DOMINANT_SHARE else None

    # ---- words ------------------------------------------------------------------------------------------
    @property
    def headline(self) -> str:
        """How well it ranks the test leads, in words (each tier's conversion is the Model page's heading)."""
        return ranking_sentence(self.test.roc_auc)

    def quality(self) -> Quality:
        auc = self.test.roc_auc
        return Quality(
            Metric("Ranks a converting lead higher", f"{auc:.0%} of the time" if auc is not None else "not measured",
                   help="Of a lead that converted and one that did not, how often it scores the converted one "
                        "higher: 50% is a coin toss, 100% perfect (analysts call this the ROC AUC"
                        + (f", here {auc:.2f}" if auc is not None else "") + f"). Measured on {self.test_part}, "
                        "which it never learned from.",
                   note=f"On {self.test_rows:,} test leads, {self.test_part}." if auc is not None else ""),
            ("Predicts", f"{self.target} = {', '.join(self.positive)}"),
            line=f"ranks right {auc:.0%} of the time" if auc is not None else "not measured",
            figure=f"AUC {auc:.3f}" if auc is not None else "AUC unknown", kind=f"CRM: {self.outcome}")

    def _open_values(self) -> str:
        """`` ('Engaging' 1,500, 'Prospecting' 589)``: the open leads by outcome value, when values were left open."""
        by_value = self.open_by_value
        return " (" + ", ".join(f"'{v}' {n:,}" for v, n in by_value.items()) + ")" if by_value else ""

    def training_lines(self) -> list[str]:
        """What was trained on, how it did on the test part, and what was left out and why."""
        test = self.test
        lines = [
            f"outcome '{self.target}' (converted = {', '.join(self.positive)}; "
            + (f"not converted = {', '.join(self.negative)}; " if self.negative else "")
            + "an empty value" + "".join(f", {v}" for v in self.open_values)
            + (" or any other value" if self.negative else "") + " is an open lead): "
            f"{self.converted:,} converted, {self.not_converted:,} not converted, "
            f"{self.open_leads:,} open leads not trained on" + self._open_values(),
            *(f"note: {w}" for w in self.warnings if not w.startswith("only ")),
            f"split: {self.split}; {self.train_rows:,} leads to train, {self.test_rows:,} to test",
            f"held-out ROC AUC {test.roc_auc or 0:.3f}, log loss {test.log_loss or 0:.3f}, "
            f"base rate {test.base_rate or 0:.3f}, mean predicted chance {test.mean_p or 0:.3f}",
            f"model: {self.chosen} (chosen by out-of-fold log loss among "
            + ", ".join(f"{c.name} {c.log_loss or 0:.4f}" for c in self.candidates) + ")",
        ]
        for tier in test.tiers:
            rate = tier.conversion_rate
            lines.append(f"  {tier.tier:<6} {tier.leads:>7,} test leads ({tier.share:.0%}), converted "
                         f"{rate:.1%}" if rate is not None else f"  {tier.tier:<6} no test leads")
        leaks = self.leakage.flagged
        for leak in leaks:
            kept = leak.name in self.leakage.kept_on_purpose
            lines.append(f"{'kept on purpose' if kept else 'left out'}: '{leak.name}' ({leak.reason}); "
                         + ("" if kept else "--keep brings it back"))
        leaked = {leak.name for leak in leaks}
        lines.extend(f"ignored: '{column.name}' ({column.reason})" for column in self.columns
                     if column.role == "ignored" and column.name not in leaked)
        lines.extend(f"warning: {w}" for w in self.warnings)
        dominant = self.dominant_field()
        if dominant:
            lines.append(f"check: '{dominant[0]}' alone makes {dominant[1]:.0%} of the model's decisions; if it is "
                         "filled in after a lead is won or lost (a call's length, say), train again with --exclude")
        return lines

    def evaluation_summary(self) -> dict[str, Any]:
        document = self.to_dict()
        test = document.get("test")
        return summary_of([document, test] if isinstance(test, dict) else [document], _SUMMARY)

    # ---- the Model page ---------------------------------------------------------------------------------
    def sections(self, about: Mapping[str, Any]) -> list[Section]:
        """How it converts and ranks, which leads taught and tested it, what it left out, its charts, and the
        analysts' figures folded away."""
        return [*self._headline(), *self._split(), *self._leakage(), *self._ignored(), *self._charts(),
                Folded("Details for analysts", tuple(self._for_analysts()))]

    def _headline(self) -> list[Section]:
        tiers = tier_sentence([row.to_dict() for row in self.test.tiers], self.test_part)
        auc = self.test.roc_auc
        return [*([Text(tiers, "heading")] if tiers else []), Text(self.headline, "strong"),
                *([Text(f"That is too close to a coin toss to guide calls: a model is ready from {READY_AUC:.0%}.",
                        "warning")] if auc is not None and auc < READY_AUC else [])]

    def _split(self) -> list[Section]:
        """Which leads taught it and which tested it, with the one conversion rate each figure is measured on."""
        test, decided = self.test, self.converted + self.not_converted
        text = (
            f"Predicts **{self.target}** = {', '.join(self.positive)}. It learned from {self.train_rows:,} leads "
            f"and was tested on the other {self.test_rows:,} ({self.test_part}), which it never saw. "
            + (f"In the whole file {self.converted / decided:.1%} of the {decided:,} decided leads converted; in "
               f"the test leads {test.base_rate or 0:.1%}, and the model's average chance for them was "
               f"{test.mean_p or 0:.1%} (close, so its chances are not inflated). " if decided else "")
            + (f"{self.open_leads:,} open leads (empty outcome"
               + "".join(f"; {v} {n:,}" for v, n in self.open_by_value.items())
               + ") were not trained on." if self.open_leads else "")
            + (f" Not converted means {', '.join(self.negative)}." if self.negative else ""))
        return [Text(text, "caption"),
                *(Text(f"{warning[:1].upper()}{warning[1:]}.", "warning") for warning in self.warnings)]

    def _leakage(self) -> list[Section]:
        """The fields left out as filled in after the outcome."""
        flagged = self.leakage.flagged
        title = Text("Fields left out because they give the outcome away", "subheader")
        if not flagged:
            return [title, Text(
                f"None: no field on its own ranks leads right {self.leakage.threshold:.0%} of the time or more, and "
                "none that looks filled in while a lead is worked (by its name, or by being emptier or fuller on "
                "the newest leads, or emptier on open ones) sways the model's decisions.", "caption")]
        kept = set(self.leakage.kept_on_purpose)
        return [title, Text(
            "Two kinds of field are left out. One that alone (or just by being filled in) predicts the outcome "
            "almost perfectly was probably filled in after the sale was won or lost, such as a closing note. One "
            "that the sales team fills in while working a lead (a status, a quality rating, a call's duration, the "
            "last activity: its name says so, or its fill rate moves on the newest leads or falls on the still open "
            "leads) and that sways the model's decisions is not known yet when a new lead arrives. A model using "
            "either looks excellent on paper and is useless on a new lead. Keep one only if you are sure it is "
            "known when the lead arrives.", "caption"),
            Table(tuple({"Field": f.name, "Alone, ranks right": f.auc,
                         "Just being filled in, ranks right": ("never empty" if f.filled_auc is None
                                                               else f"{f.filled_auc:.0%}"),
                         "Share of the decisions": f.share, "Why": f.reason,
                         "Now": "kept on purpose" if f.name in kept else "left out"} for f in flagged),
                  percent=("Alone, ranks right", "Share of the decisions"),
                  help={"Alone, ranks right": "How often the field alone ranks a converted lead above one that "
                                              "was lost",
                        "Share of the decisions": "In a first fit with every field that does not give the outcome "
                                                  "away alone"})]

    def _ignored(self) -> list[Section]:
        leaked = {f.name for f in self.leakage.flagged}
        rows = tuple({"Column": c.name, "Why it is not used": c.reason} for c in self.columns
                     if c.role in ("ignored", "id", "order") and c.name not in leaked)
        return [Text("Other columns not used", "subheader"), Table(rows)] if rows else []

    def _charts(self) -> list[Section]:
        test = self.test
        left: list[Section] = []
        right: list[Section] = []
        if test.gain:
            left = [Chart(charts.gain([g.to_dict() for g in test.gain]), "gain",
                          "Call the leads the model ranks best first: the line shows what share of the conversions "
                          "you reach after calling a given share of the leads. The dashed line is calling at random.")]
        if test.calibration:
            right = [Chart(charts.calibration([b.to_dict() for b in test.calibration]), "calibration",
                           "Test leads in ten groups by the chance the model gave them: points near the dashed line "
                           "mean a 30% chance really converts about 30% of the time.")]
        sections: list[Section] = [Columns((tuple(left), tuple(right)))]
        if test.tiers:
            sections.append(Chart(charts.tier_conversion([t.to_dict() for t in test.tiers], test.base_rate),
                                  "tiers", "Each tier's conversion rate on the test leads (change the tiers on the "
                                           "Tier bands tab)."))
        if test.importance:
            dominant = self.dominant_field()
            if dominant:
                sections.append(Text(
                    f"'{dominant[0]}' alone makes {dominant[1]:.0%} of the model's decisions. Check that it is known "
                    "before a lead is won or lost (the length of the sales call, for example, is not): if it is "
                    "filled in later, untick it in the column review and train again.", "warning"))
            sections.append(Chart(charts.field_importance(test.importance, self.fill_rates), "importance",
                                  "Each field's share of the model's decisions on the test leads, and how often it "
                                  "is filled in; an empty cell is information, not an error."))
        return sections

    def _for_analysts(self) -> list[Section]:
        """The same figures by their data-science names, each with its meaning."""
        test = self.test
        terms = ("ROC AUC", "log loss", "base rate", "out of fold", "SHAP")
        tiles = (("ROC AUC", f"{test.roc_auc or 0:.3f}", ANALYST_TERMS["ROC AUC"]),
                 ("Log loss", f"{test.log_loss or 0:.3f}", ANALYST_TERMS["log loss"]),
                 ("Base rate (test leads)", f"{test.base_rate or 0:.1%}", ANALYST_TERMS["base rate"]),
                 ("Mean predicted chance", f"{test.mean_p or 0:.1%}",
                  "close to the base rate means the chances are not inflated"))
        sections: list[Section] = [
            Text("\n".join(f"**{term}**: {ANALYST_TERMS[term]}." for term in terms), "caption"),
            Metrics(tuple(Metric(label, value, meaning[:1].upper() + meaning[1:] + ".")
                          for label, value, meaning in tiles)),
            Text(f"Test part: {self.split}. Field shares in \"What the model looks at\" are mean absolute SHAP "
                 "values on the test leads.", "caption")]
        rows = tuple({"Model": c.name, "Log loss (out of fold)": c.log_loss, "ROC AUC (out of fold)": c.auc,
                      "Chosen": "✓ chosen" if c.name == self.chosen else ""} for c in self.candidates)
        if rows:
            sections += [Text("Models compared", "subheader"),
                         Table(rows, decimals={"Log loss (out of fold)": 4, "ROC AUC (out of fold)": 3}),
                         Text("Each candidate was trained and tested in turns on the training part (out of fold); "
                              "the one with the lowest log loss, the most honest chances, was chosen.", "caption")]
        return sections
