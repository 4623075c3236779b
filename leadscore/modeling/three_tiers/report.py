"""The built-in model's training report, typed (``modeling/report.py``): what it got right on leads it did not train
on, under the keys ``evaluate_probabilities`` and the trainer write (sklearn's ``classification_report`` names:
"High", "macro avg", "f1-score" ...).

The same type holds an evaluation on the reference leads (``compare.reference_report``): the figures are the
same, without the training parts (feature importance, baselines, rows).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from pydantic import Field

from leadscore import charts
from leadscore.fields.builtin import BUILTIN_SCHEMA, CLASSES
from leadscore.modeling.report import (
    Chart,
    Choice,
    Columns,
    Folded,
    Metric,
    Metrics,
    Part,
    Quality,
    Section,
    Text,
    TrainingReport,
    summary_of,
)
from leadscore.modeling.three_tiers import seedref
from leadscore.plain_words import ANALYST_TERMS, data_words, percent

#: The reference leads both models are measured on before a new one goes live (``compare.py``).
REFERENCE_ROWS = 5_000

#: Headline metrics in display order: key -> (label, how to read it, higher is better).
HEADLINES: dict[str, tuple[str, str, bool]] = {
    "accuracy": ("Accuracy", "Share of test leads put in the right tier.", True),
    "macro_recall": ("Average recall", "Of each tier's leads, the share caught; averaged over the 3 tiers.", True),
    "macro_precision": ("Average precision", "Of the leads put in a tier, the share right; averaged.", True),
    "weighted_f1": ("Weighted F1", "Recall and precision in one number, weighted by tier size.", True),
    "high_recall": ("High recall", "Share of the truly High leads the model flags as High.", True),
    "high_precision": ("High precision", "Share of leads flagged High that truly are High.", True),
    "log_loss": ("Log loss", "How far the probabilities are from what happened (lower is better).", False),
}


@dataclass(frozen=True)
class Headlines:
    """The numbers a stakeholder asks about first (``HEADLINES`` names and orders them); NaN where not measured."""

    accuracy: float
    macro_recall: float
    macro_precision: float
    weighted_f1: float
    high_recall: float
    high_precision: float
    log_loss: float

    def to_dict(self) -> dict[str, float]:
        """Each figure under its ``HEADLINES`` key, for a table laid out from ``HEADLINES``."""
        return asdict(self)


#: The parts /v1/model returns.
_SUMMARY = ("accuracy", "log_loss", "bayes_accuracy", "probability_mae", "rows_evaluated", "confusion_matrix",
            "High", "Medium", "Low", "macro avg", "weighted avg")


class ClassMetrics(Part):
    """One tier's (or an average's) precision, recall, F1 and number of leads."""

    precision: float | None = None
    recall: float | None = None
    f1_score: float | None = Field(default=None, alias="f1-score")
    support: float = 0.0


class CalibrationBins(Part):
    """One tier's reliability bins: mean predicted chance, observed share, leads in each."""

    predicted: list[float] = Field(default_factory=list)
    observed: list[float] = Field(default_factory=list)
    count: list[int] = Field(default_factory=list)


class SplitRows(Part):
    """Leads trained on and held out."""

    train: int = 0
    test: int = 0


def accuracy_spread(accuracy: float, rows: int) -> float:
    """Half-width of the 95% range an accuracy measured on ``rows`` leads moves by, from the draw alone."""
    return 1.96 * math.sqrt(max(accuracy * (1 - accuracy), 0.0) / max(rows, 1))


class TiersReport(TrainingReport):
    """The built-in model's report (module docstring)."""

    low: ClassMetrics = Field(default_factory=ClassMetrics, alias="Low")
    medium: ClassMetrics = Field(default_factory=ClassMetrics, alias="Medium")
    high: ClassMetrics = Field(default_factory=ClassMetrics, alias="High")
    accuracy: float | None = None
    macro_avg: ClassMetrics = Field(default_factory=ClassMetrics, alias="macro avg")
    weighted_avg: ClassMetrics = Field(default_factory=ClassMetrics, alias="weighted avg")
    confusion_matrix: list[list[int]] = Field(default_factory=list)
    log_loss: float | None = None
    calibration: dict[str, CalibrationBins] = Field(default_factory=dict)
    tiers: list[str] = Field(default_factory=list)
    rows_evaluated: int | None = None
    #: With generated leads: the best accuracy any model can reach, and the chances' error against the truth.
    bayes_accuracy: float | None = None
    probability_mae: float | None = None
    feature_importance: dict[str, float] = Field(default_factory=dict)
    #: Simpler models on the same split: name -> accuracy, macro_recall, high_recall, high_precision, log_loss.
    baselines: dict[str, dict[str, float | None]] = Field(default_factory=dict)
    rows: SplitRows = Field(default_factory=SplitRows)

    tools: ClassVar[tuple[str, ...]] = ("Retrain",)

    # ---- figures ---------------------------------------------------------------------------------------
    @property
    def measured(self) -> bool:
        return self.accuracy is not None

    @property
    def held_out_accuracy(self) -> float | None:
        return self.accuracy

    @property
    def held_out(self) -> int:
        """How many leads the figures stand on."""
        return self.rows_evaluated if self.rows_evaluated is not None else self.rows.test

    def headline_metrics(self) -> Headlines:
        """The numbers a stakeholder asks about first (``HEADLINES``)."""
        def number(value: float | None) -> float:
            return float(value) if value is not None else math.nan

        return Headlines(accuracy=number(self.accuracy), macro_recall=number(self.macro_avg.recall),
                         macro_precision=number(self.macro_avg.precision),
                         weighted_f1=number(self.weighted_avg.f1_score), high_recall=number(self.high.recall),
                         high_precision=number(self.high.precision), log_loss=number(self.log_loss))

    def by_class(self) -> dict[str, ClassMetrics]:
        """Each tier's and each average's metrics under its saved name."""
        return {"Low": self.low, "Medium": self.medium, "High": self.high, "macro avg": self.macro_avg,
                "weighted avg": self.weighted_avg}

    # ---- words ------------------------------------------------------------------------------------------
    @property
    def measured_on(self) -> str:
        """Which leads the figures were measured on, in words."""
        held_out = self.held_out
        total = held_out + self.rows.train
        share = f"the {held_out / total:.0%} of its training data" if total else "part of its training data"
        return f"its {held_out:,} held-out leads ({share} it never learned from)"

    @property
    def headline(self) -> str:
        """The accuracy and the High tier in words (no recall or precision by name)."""
        if self.accuracy is None:
            return "How often it is right was not measured."
        text = f"It puts {self.accuracy * 100:.0f} of every 100 test leads in their true tier."
        if self.high.precision is not None and self.high.recall is not None:
            text += (f" Of the leads it calls High, {percent(self.high.precision)} really are High, and it finds "
                     f"{percent(self.high.recall)} of the leads that truly are High.")
        return text

    def accuracy_note(self, reference_rows: int = REFERENCE_ROWS) -> str:
        """Why the same model shows different accuracies on the sidebar, the Retrain tab and the README."""
        accuracy = self.accuracy or 0.0
        return (f"Accuracy {accuracy:.1%} is measured on {self.measured_on}; give or take "
                f"{accuracy_spread(accuracy, self.rows_evaluated or 0):.1%} from which leads happened to be drawn. "
                f"The Retrain tab measures both models on the same {reference_rows:,} reference leads, and the "
                "README and docs/model-card.md on 20,000 fresh leads per data variant, so those figures differ a "
                "little: same model, different leads.")

    def baseline_note(self, high_threshold: float) -> str:
        """Why this model's High recall differs from the simpler models' beside it."""
        recall, highs = self.high.recall, int(self.high.support)
        raw = self.baselines.get("XGBoost with SMOTE (uncalibrated)", {}).get("high_recall")
        figures = (f" (High recall {recall:.2f} here against {raw:.2f} for the uncalibrated one; on {highs:,} High "
                   f"leads a recall moves by about ±{accuracy_spread(recall, highs):.2f} from the draw alone)"
                   if recall is not None and raw is not None and highs else "")
        return ("The simpler models put each lead in its likeliest tier, using their raw probabilities. This "
                f"model calibrates its probabilities and calls a lead High from a {high_threshold:.0%} chance of "
                "High: the rule with the best accuracy that still catches at least 82% of High leads on fresh "
                "leads. The uncalibrated SMOTE model overstates every lead's chance of High, so it calls more "
                f"leads High: more High leads caught, but more wasted calls and lower accuracy{figures}. All are "
                f"measured on {self.measured_on}.")

    def quality(self) -> Quality:
        accuracy = self.accuracy
        return Quality(
            Metric("Right tier", f"{accuracy:.0%} of leads" if accuracy is not None else "not measured",
                   help="The share of test leads it put in their true tier (analysts call this accuracy"
                        + (f", here {accuracy:.1%}" if accuracy is not None else "")
                        + f"). Measured on {self.measured_on}."),
            ("Kind", "built-in (generated real estate leads)"),
            line=f"right tier for {accuracy:.0%} of leads" if accuracy is not None else "not measured",
            figure=f"accuracy {accuracy:.3f}" if accuracy is not None else "accuracy unknown", kind="built-in")

    def training_lines(self) -> list[str]:
        bayes = f", Bayes accuracy {self.bayes_accuracy:.3f}" if self.bayes_accuracy is not None else ""
        return [f"accuracy {self.accuracy or 0:.3f}, High recall {self.high.recall or 0:.3f}, High precision "
                f"{self.high.precision or 0:.3f}{bayes} on its {self.held_out:,} held-out leads"]

    def evaluation_summary(self) -> dict[str, Any]:
        return summary_of([self.to_dict()], _SUMMARY)

    # ---- the Model page ---------------------------------------------------------------------------------
    def _importance(self) -> dict[str, float]:
        return {BUILTIN_SCHEMA.field(n).title: v for n, v in self.feature_importance.items()
                if n in BUILTIN_SCHEMA.names}

    def sections(self, about: Mapping[str, Any]) -> list[Section]:
        """What a manager asks first, in words and numbers; then the charts; the analysts' figures folded away."""
        where = self.measured_on
        if not self.measured or not self.confusion_matrix:
            return [Text(self.headline, "heading")]
        matrix = {shown: (Chart(charts.matrix_heatmap(self.confusion_matrix, "True tier", "Model's tier",
                                                      normalise=shown != "Counts"), f"matrix_{index}"),)
                  for index, shown in enumerate(("Counts", "Share of each true tier"))}
        sections: list[Section] = [
            Text(self.headline, "heading"),
            Text(f"It learned from {self.rows.train:,} of {data_words(about.get('data_source', 'unknown'))} and "
                 f"every figure here is measured on {where}.", "caption"),
            Columns((
                (Text("Where it gets it right and wrong", "subheader"), Choice("Show", "cm_mode", matrix),
                 Text("Rows: the tier the lead really had. Columns: the tier the model gave. The diagonal is "
                      "right.", "caption")),
                (Text("Are its chances honest?", "subheader"),
                 Chart(charts.calibration_chart({t: b.to_dict() for t, b in self.calibration.items()}),
                       "calibration"),
                 Text("Leads given a 30% chance of High should be High about 30% of the time: points near the "
                      "dashed line mean the chances can be taken at face value.", "caption"))
                if set(CLASSES) <= set(self.calibration) else ())),
        ]
        if self._importance():
            sections += [Text("What the model looks at", "subheader"),
                         Chart(charts.importance_bars(self._importance()), "importance",
                               "Each field's share of the model's decisions on the test leads.")]
        sections.append(Folded("Details for analysts", tuple(self._for_analysts(about))))
        return sections

    def _for_analysts(self, about: Mapping[str, Any]) -> list[Section]:
        """Everything with a data-science name, each name with its one-line meaning."""
        terms = ("recall", "precision", "F1", "SHAP", "SMOTE", "uncalibrated", "Bayes", "original study",
                 "data variant", "preset", "log loss")
        metrics = self.headline_metrics().to_dict()
        tiles = []
        for key in ("accuracy", "macro_recall", "macro_precision", "weighted_f1"):
            label, meaning, _ = HEADLINES[key]
            value = f"{metrics[key]:.2f}" if key == "weighted_f1" else f"{metrics[key]:.1%}"
            theirs = f"{seedref.OVERALL[key]:.2f}" if key == "weighted_f1" else f"{seedref.OVERALL[key]:.0%}"
            tiles.append(Metric(label, value, meaning, f"original study: {theirs}"))
        trained_on = data_words(about.get("data_source", "unknown"))
        sections: list[Section] = [
            Text("\n".join(f"**{term}**: {ANALYST_TERMS[term]}." for term in terms), "caption"),
            Text(f"**Training data**: {trained_on}; preset {about.get('preset', 'unknown')}. The original study's "
                 "figures beside ours were measured on that study's own data, so they are a reference point, not "
                 "a target."),
            Metrics(tuple(tiles)),
            Text(self.accuracy_note(REFERENCE_ROWS), "caption"),
            Text("Per tier: recall, precision and F1, beside the original study's", "subheader"),
            Chart(charts.per_class_bars({t: m.to_dict() for t, m in self.by_class().items()}, seedref.PER_CLASS),
                  "per_class", f"Ours measured on {self.measured_on}."),
        ]
        if self._importance():
            seed = {BUILTIN_SCHEMA.field(n).title: v for n, v in seedref.TOP_FEATURES.items()}
            sections += [Text("What the model looks at, beside the original study's top five", "subheader"),
                         Chart(charts.importance_bars(self._importance(), seed), "importance_seed",
                               "Each field's share is its mean absolute SHAP value over the test leads.")]
        sections.append(Text("Against simpler models", "subheader"))
        if not self.baselines:
            return [*sections, Text("This model was trained without the comparison with simpler models.", "info")]
        rows: dict[str, dict[str, float | None]] = {**self.baselines, "This model (calibrated)": {
            "accuracy": self.accuracy, "macro_recall": self.macro_avg.recall, "high_recall": self.high.recall,
            "high_precision": self.high.precision, "log_loss": self.log_loss}}
        threshold = float((about.get("decision_rule") or {}).get("high_threshold", 0.0))
        caption = (self.baseline_note(threshold) + " "
                   + ("The dashed line is the best accuracy any model can reach on this generated data "
                      "(the Bayes accuracy): leads near the tier boundaries are a coin toss. "
                      if self.bayes_accuracy is not None else "")
                   + "Why a simple logistic regression scores so much higher here than in the original study ("
                   + seedref.BASELINE_ACCURACY.get("Logistic regression", "")
                   + "): the generated leads follow smooth rules that a straight-line model can learn almost as "
                   "well as XGBoost, while the study's data did not. The study reported: "
                   + "; ".join(f"{k} {v}" for k, v in seedref.BASELINE_ACCURACY.items()) + ".")
        figures = {name: {key: math.nan if value is None else value for key, value in row.items()}
                   for name, row in rows.items()}
        return [*sections, Chart(charts.baselines_chart(figures, self.bayes_accuracy), "baselines", caption)]
