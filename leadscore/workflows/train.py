"""Training, once for every face: the built-in model, a model of a team's history, a model of the recorded results.

Each trainer returns a ``Candidate``: the fitted estimator with its report and the one publish gate's ``Verdict``
(``workflows/gate.py``) already measured. ``publish`` applies the verdict: a candidate below its rule is
published only when asked (``force``), and the result says so. The command line and the dashboard call the
same functions and only render, so ``leadscore train --from-results`` runs exactly what the Results page runs:
the same split by time, the same comparison with the active model on the same newest outcomes, the same rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from leadscore import roundtrip
from leadscore.fields.builtin import FEATURE_NAMES
from leadscore.fields.infer import OutcomeError
from leadscore.fields.rejections import SchemaError
from leadscore.modeling.model import Estimator, Model, model_of
from leadscore.modeling.report import TrainingReport
from leadscore.modeling.three_tiers.report import TiersReport
from leadscore.modeling.tiers import DEFAULT_SHARES, Bands
from leadscore.registry import ModelFileError, Registry
from leadscore.scoring.scorer import Scorer
from leadscore.workflows import gate
from leadscore.workflows.gate import Verdict

if TYPE_CHECKING:  # the store's libraries load only when a store is opened
    from leadscore.store import Store

#: The outcome column of a training set made of the recorded results.
RESULTS_TARGET = "converted"
#: Tier shares of a model of the results when the active model has no leads of its own to carry them from.


Progress = Callable[[str, float], object]


class TrainingError(ValueError):
    """No model was trained; the message says why in one line (not enough outcomes, a column problem...)."""


@dataclass
class Candidate:
    """A trained model not yet published: its estimator, training report, the gate's verdict, and the rows the
    published version must score as it does (``Registry.publish``'s ``check_rows``)."""

    estimator: Estimator
    report: TrainingReport
    verdict: Verdict
    check_rows: pd.DataFrame | None = None
    #: What it was trained on, in words ("results: 300 recorded leads with outcomes"); kept in its metadata.
    source: str = ""
    #: Details a face may show beside the verdict (the built-in comparison's reports, the training review).
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def model(self) -> Model:
        """The candidate as a ``Model`` (schema, target, estimator)."""
        return model_of(self.estimator)


@dataclass(frozen=True)
class Published:
    """What ``publish`` did."""

    version: str
    active: bool
    #: Published although the verdict did not pass (``force``).
    forced: bool

    def sentence(self) -> str:
        """One line: the version, active or not, and whether the gate was overruled."""
        if self.forced:
            return (f"version {self.version}: published with --force although below the rule"
                    + (" and active" if self.active else ""))
        return f"version {self.version}: {'published and active' if self.active else 'published'}"


class NotPublishedError(ValueError):
    """The candidate is below its rule and publishing was not forced; the message is the verdict's refusal."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.refusal())
        self.verdict = verdict


def publish(registry: Registry, candidate: Candidate, *, force: bool = False, activate: bool = True,
            source: str = "command line") -> Published:
    """Publish the candidate when its verdict passes, or when ``force``; NotPublishedError otherwise.

    Registry errors (a version that does not read back as trained) propagate: nothing changes then.
    """
    if not candidate.verdict.passed and not force:
        raise NotPublishedError(candidate.verdict)
    version = registry.publish(candidate.estimator, candidate.report, activate=activate, source=source,
                               check_rows=candidate.check_rows)
    return Published(version, activate, forced=not candidate.verdict.passed)


# ---- the built-in model ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BuiltinComparison:
    """The built-in rule's verdict and both evaluation reports on the reference leads (None: no active model)."""

    verdict: Verdict
    active_report: TiersReport | None
    candidate_report: TiersReport


def compare_builtin(active: Scorer | None, candidate: Scorer, leads: Any = None) -> BuiltinComparison:
    """The candidate against the active model on the same fixed reference leads (``compare.reference_leads``).

    An active model reading other fields (a team's model) cannot be measured on them: the candidate passes and
    the sentence says why.
    """
    from leadscore.modeling.three_tiers import compare

    leads = leads if leads is not None else compare.reference_leads()
    candidate_report = compare.reference_report(candidate, leads)
    if active is None:
        return BuiltinComparison(gate.builtin_verdict(None, candidate_report), None, candidate_report)
    if active.schema.names != FEATURE_NAMES:
        return BuiltinComparison(gate.no_comparison("The active model reads other fields than the reference leads "
                                                    "carry; nothing to compare on"), None, candidate_report)
    active_report = compare.reference_report(active, leads)
    return BuiltinComparison(gate.builtin_verdict(active_report, candidate_report), active_report, candidate_report)


def active_scorer(registry: Registry) -> Scorer | None:
    """The active model's scorer, None when there is none; ModelFileError when it cannot be loaded."""
    return Scorer(registry.load()) if registry.active_version() is not None else None


def train_builtin(frame: pd.DataFrame, source: str, registry: Registry, preset: str = "default",
                  with_baselines: bool = True, progress: Progress | None = None) -> Candidate:
    """Train the built-in kind of model on labeled leads and measure it against the registry's active model.

    Raises SchemaError / ValueError (the data), with one line. An active model that cannot be loaded gives a
    refusing verdict (publishing blind could make scoring worse).
    """
    from leadscore.modeling.three_tiers import train

    kwargs = {"progress": progress} if progress is not None else {}
    result = train.train(frame, preset=preset, with_baselines=with_baselines, **kwargs)
    result.model.metadata["data_source"] = source
    candidate_scorer = Scorer(model_of(result.model))
    try:
        comparison = compare_builtin(active_scorer(registry), candidate_scorer)
        verdict, extra = comparison.verdict, {"comparison": comparison}
    except ModelFileError as error:
        verdict, extra = gate.cannot_compare(error), {}
    return Candidate(result.model, result.report, verdict, check_rows=frame, source=source, extra=extra)


# ---- a team's history --------------------------------------------------------------------------------------
def train_history(frame: pd.DataFrame, target: str, source: str, *, positive: Sequence[str] | None = None,
                  negative: Sequence[str] | None = None, open_values: Sequence[str] = (),
                  id_column: str | None = None, order_by: str | None = None, exclude: Sequence[str] = (),
                  keep: Sequence[str] = (), actionable: Sequence[str] | None = None,
                  rejected_rows: Sequence[tuple[int, str, str, str]] = (), progress: Progress | None = None,
                  **options: Any) -> Candidate:
    """Train a model of a CRM export with a won/lost column; its verdict is the history rule (``READY_AUC``).

    Raises SchemaError (the file's columns) or TrainingError (outcome values, too few outcomes), with one line.
    ``options`` go to the trainer as they are (``candidates``, ``sample_rows``: tests and benchmarks).
    """
    from leadscore.modeling.won_lost.train import NotEnoughDataError, train_outcome

    if progress is not None:
        options["progress"] = progress
    try:
        result = train_outcome(frame, target, positive=positive, id_column=id_column, order_by=order_by,
                               exclude=exclude, keep=keep, actionable=actionable, open_values=open_values,
                               negative=negative, rejected_rows=rejected_rows, **options)
    except (OutcomeError, NotEnoughDataError) as error:
        raise TrainingError(str(error)) from error
    result.model.metadata["data_source"] = source
    return Candidate(result.model, result.report, gate.history_verdict(result.report),
                     check_rows=roundtrip.spread(frame), source=source, extra={"review": result.review})


# ---- the recorded results ----------------------------------------------------------------------------------
def _chances(scorer: Scorer, leads: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each scorable lead's chance of conversion (the target's, as recorded), and its position (0-based) among
    ``leads``."""
    rows = scorer.rows(scorer.score(leads).scored)
    return np.asarray(rows.chance, dtype=np.float64), rows.fields.index.to_numpy(dtype=int) - 1


def carried_shares(store: Store, version: str | None) -> tuple[float, float] | None:
    """The shares of High and Medium among the leads ``version`` scored (its own leads, each once): the tier
    bands a model of the results carries over. None when that version has no recorded lead."""
    from leadscore.workflows import results

    if version is None:
        return None
    counts = results.tier_counts(store, version)
    total = sum(counts.values())
    if not total:
        return None
    return counts.get("High", 0) / total, counts.get("Medium", 0) / total


def outcomes_to_learn_from(store: Store) -> int:
    """How many recorded leads have an outcome (each lead once, whichever version scored it)."""
    from leadscore.store import report as queries

    with store.reading("read the recorded results") as connection:
        return queries.leads_with_outcome(connection)


def train_from_results(store: Store, active: Scorer, shares: tuple[float, float] | None = None,
                       target: str = RESULTS_TARGET, **options: Any) -> Candidate:
    """A model of the recorded leads with outcomes, trained on the older 75% and compared with the active model
    on the newest 25% (``gate.results_verdict``).

    ``shares`` (High, Medium) are its tier bands by share of leads; default: carried over from the active
    model's own leads (``carried_shares``), else ``tiers.DEFAULT_SHARES``. Raises TrainingError with one line.
    ``options`` go to the trainer as they are (``candidates``: tests).
    """
    from leadscore.modeling.won_lost.bands import with_bands
    from leadscore.modeling.won_lost.train import NotEnoughDataError, train_outcome

    try:
        frame = store.training_frame(target=target)
    except ValueError as error:
        raise TrainingError(str(error)) from error
    # Over the active model's own fields: a recorded file's other columns (its pass-through columns, an answer
    # column such as the input's own tier) would train a model that then asks every file for them.
    fields = [f.name for f in active.schema.fields if f.name in frame.columns]
    if len(frame) and not fields:
        raise TrainingError("the recorded leads hold none of the active model's fields: record leads scored by "
                            "it first")
    frame = frame[[*fields, target]]
    if len(frame) < 2:
        raise TrainingError(f"only {len(frame)} recorded lead(s) have an outcome: import the CRM's won/lost "
                            "export first")
    high, medium = shares or carried_shares(store, active.version) or DEFAULT_SHARES
    cut = gate.split_by_time(len(frame))
    older, newest = frame.iloc[:cut].reset_index(drop=True), frame.iloc[cut:].reset_index(drop=True)
    try:
        result = train_outcome(older, target, positive=["yes"], negative=["no"], **options)
    except (SchemaError, OutcomeError, NotEnoughDataError) as error:
        raise TrainingError(str(error)) from error
    reference, _ = _chances(Scorer(model_of(result.model)), older.drop(columns=target))
    model, report = with_bands(result.model, result.report, Bands.by_share(reference, high, medium))
    source = f"results: {len(older):,} recorded leads with outcomes"
    model.metadata["data_source"] = source
    leads = newest.drop(columns=target)
    labels = (newest[target] == "yes").to_numpy(dtype=int)
    active_p, active_at = _chances(active, leads)
    new_p, new_at = _chances(Scorer(model_of(model)), leads)
    both = np.intersect1d(active_at, new_at)
    verdict = gate.results_verdict(labels[both], active_p[np.searchsorted(active_at, both)],
                                   new_p[np.searchsorted(new_at, both)])
    return Candidate(model, report, verdict, check_rows=older, source=source,
                     extra={"trained_on": len(older), "shares": (high, medium)})
