"""What a model predicts and how it becomes a tier: the ``Target`` every model has, and what targets share.

A ``Target`` turns the booster's calibrated margins into chances, the chances
into tiers, and the exact SHAP contributions into "support": how much each
field argues for the tier the lead got. It also owns the numbers a manager
reads: each lead's chance of conversion (``conversion``) and score, the
promise of a tier for a set of leads (``promise``: their mean chance), the
columns a scored file shows. Everything else in the product (scorer, what-if,
store, API, pages, command line) asks the target and never which kind of model
it has. Two targets implement it, each in the folder of its model:

- ``three_tiers.target.ThreeTiers`` (the built-in model): softmax over
  Low/Medium/High; High when P(High) reaches the bar, otherwise the likelier of
  Low and Medium; a field's contribution is measured against the runner-up
  tier, as log(P(tier) / P(runner-up)) (the difference of two classes'
  contributions, so it stays exact and adds up).
- ``won_lost.target.WonLost`` (a team's history): the calibrated chance of
  conversion, a score 0-100, tiers cut by the bands the manager set;
  contributions are to the log-odds of conversion.

"Support" puts both on one scale so one rule picks the reasons: positive
argues for the tier. For three tiers it is the contrast with the runner-up;
for won/lost it is the contribution for High, its opposite for Low, and its
size for Medium (a reason either way explains a middle tier).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from leadscore.modeling.report import Evaluation, Scores, TrainingReport
from leadscore.modeling.tiers import TIERS, promise

REASON_COLUMNS: tuple[str, ...] = ("reason_1", "reason_2", "reason_3")
#: A chance between 0 and 1 in the API's JSON Schema.
PROBABILITY: dict[str, Any] = {"type": "number", "minimum": 0, "maximum": 1}


def softmax(margins: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (n, k) margins."""
    shifted = margins - margins.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function, stable for large |z|."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))


def to_score(p: np.ndarray) -> np.ndarray:
    """A chance as a whole score 0-100."""
    return np.rint(np.asarray(p) * 100).astype(np.int64)


@dataclass(frozen=True)
class Framing:
    """How the faces frame one lead of this target: what the chance beside its tier is a chance of, the title of
    its chances' chart, how to read its waterfall (``explains`` picks the waterfall: the odds of the tier over
    its runner-up, or the chance of conversion)."""

    #: The chance shown with the tier ({chance}, {tier}): "The model is 85% sure this lead is Medium".
    chance_words: str
    #: The lead's chance of conversion ({chance}) when the chance above is not it; "" when it is.
    conversion_words: str
    chances_title: str
    chart_note: str


@dataclass(frozen=True)
class ScoreColumn:
    """A column a target adds to a scored table, as a file and a screen show it."""

    name: str
    #: What the column is called on screen ("Chance of High").
    title: str
    #: A chance 0-1: written with 4 decimals in a file, shown as a percent.
    chance: bool = True
    #: Shown in the dashboard's table (a file always has it).
    shown: bool = True


@dataclass(frozen=True)
class Support:
    """The contributions of a batch seen from each lead's tier.

    ``base_value + values.sum(axis=1)`` is the explained quantity exactly (log(P(tier) / P(runner-up))
    for three tiers, the log-odds of conversion for won/lost); ``support`` is ``values`` oriented so
    that positive argues for the tier; ``raises`` says a field moves the lead towards a higher tier
    (or conversion).
    """

    base_value: np.ndarray      # (n,)
    values: np.ndarray          # (n, fields)
    support: np.ndarray         # (n, fields)
    raises: np.ndarray          # (n, fields) bool
    runner_up: np.ndarray | None  # (n,) tier names, three tiers only


class Target(ABC):
    """What every target supplies (module docstring)."""

    #: What the target is called where a program reads it (the API's ``/v1/model``).
    kind: ClassVar[str]
    #: What is predicted: the label column of the training data.
    column: str
    #: The columns the scorer adds besides the tier and the reasons, in the order the scorer adds them.
    chance_columns: tuple[str, ...]
    #: What the chart of one lead explains, in words ("odds of High over Medium", "chance of conversion").
    explains: str
    #: The target's columns in the order a scored file shows them, after the tier.
    file_columns: tuple[ScoreColumn, ...]
    #: The chance column that orders leads within a tier (call order) and filters a list: P(High) or p_convert.
    headline_column: str
    framing: Framing
    #: The type of its training report (``modeling/report.py``), in the target's folder.
    report_type: ClassVar[type[TrainingReport]]

    def read_report(self, document: object) -> TrainingReport:
        """Its training report from the JSON object saved with a version (missing keys: defaults)."""
        return self.report_type.read(document)

    @abstractmethod
    def evaluate(self, scorer: Scores, data: pd.DataFrame | None, source: str, rows: int, seed: int) -> Evaluation:
        """The model measured on labeled leads: ``data`` read from ``source`` (a file name, for messages), or
        without data what the target can make (``rows`` generated leads of data variant ``seed``). Raises
        ``EvaluationError`` with one line when the leads cannot evaluate it."""

    def promise(self, chances: np.ndarray) -> float | None:
        """What a tier promises for these leads of it: the mean of their chances of conversion (``conversion``);
        None for no leads (``tiers.promise``, the one definition)."""
        chances = np.asarray(chances, dtype=np.float64)
        return promise(float(chances.sum()), len(chances))

    def promises(self, chances: np.ndarray, tiers: np.ndarray) -> dict[str, float | None]:
        """Each tier's promise for its leads among these (``chances`` of conversion and ``tiers``, one per lead)."""
        chances, tiers = np.asarray(chances, dtype=np.float64), np.asarray(tiers, dtype=object)
        return {tier: self.promise(chances[tiers == tier]) for tier in TIERS}

    def score(self, probabilities: np.ndarray) -> np.ndarray:
        """(n,) each lead's score 0-100: its chance of conversion (``conversion``) as a whole number; the one
        score every face shows and the store records."""
        return to_score(self.conversion(probabilities))

    @abstractmethod
    def probabilities(self, margins: np.ndarray) -> np.ndarray:
        """(n, k) chances from (n, k) calibrated margins."""

    @abstractmethod
    def decide(self, probabilities: np.ndarray) -> np.ndarray:
        """(n,) tier names."""

    @abstractmethod
    def columns(self, probabilities: np.ndarray, tiers: np.ndarray) -> dict[str, np.ndarray]:
        """The chance columns of a scored table."""

    @abstractmethod
    def probabilities_of(self, columns: Mapping[str, np.ndarray]) -> np.ndarray:
        """(n, k) chances read back from the chance columns of a scored table (``columns``' inverse)."""

    @abstractmethod
    def conversion(self, probabilities: np.ndarray) -> np.ndarray:
        """(n,) each lead's calibrated chance of conversion: the one the store records and results judge."""

    @abstractmethod
    def chances(self, probabilities: np.ndarray, tier: str) -> dict[str, Any]:
        """One lead's chance fields as the API answers them (numbers rounded to 4 decimals)."""

    @abstractmethod
    def chance_schema(self) -> dict[str, dict[str, Any]]:
        """The JSON Schema of each field of ``chances``, for the API's generated document."""

    @abstractmethod
    def chance(self, probabilities: np.ndarray, tier: str) -> float:
        """The one chance shown beside a lead's tier: P(tier), or the chance of conversion."""

    @abstractmethod
    def bars(self, probabilities: np.ndarray) -> dict[str, float]:
        """One lead's chances by label ("Chance of High"), for charts."""

    @abstractmethod
    def support(self, contributions: np.ndarray, probabilities: np.ndarray, tiers: np.ndarray) -> Support:
        """Each lead's contributions seen from its tier; ``contributions`` is (n, k, fields + 1)."""

    @abstractmethod
    def decision_words(self, probabilities: np.ndarray, tier: str) -> str:
        """Why the rule chose ``tier`` when another tier is likelier; "" otherwise."""

    @abstractmethod
    def history(self, tier: str) -> str:
        """What the tier's leads did, or were expected to do, when the model was made, in words that say so
        ("When it was trained, 31% of its test leads in this tier converted"); "" when nothing is known.

        Not the promise: that stands on the leads in hand (``promise``)."""

    @abstractmethod
    def cleared_bar(self, probabilities: np.ndarray, tier: str) -> tuple[float, str] | None:
        """When the rule chose a tier that is not the likeliest: where its bar lies on the explained quantity's
        scale for this lead, and the bar in words; None otherwise (the chart then needs no bar)."""
