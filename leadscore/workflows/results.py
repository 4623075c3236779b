"""The results report: each tier's promise against what really happened, ranking, drift; one model version at a
time, never blended.

Which leads: each lead once, with its latest scoring, if that scoring is within the filters (period, saved
list) and was made by the version reported on. By default the active model's version; ``model`` names a
version by its id or its name (as ``leadscore models list`` prints them), or ``all``: then every version with
leads in the filters gets its own section (tiers, promises, verdicts, ranking, drift), as does each version a
name matches when several share it. An unknown list, version or name is a ``ResultsError`` naming what exists.

A tier's promise and its real rate stand on the same leads, those with an outcome: the promise is the mean
chance of conversion the model recorded for them (``promise``); the leads still open are counted apart
(``open``, and their mean chance, ``open_expected``).

JSON (``Results.to_dict``): one version gives the documented top-level keys
``{"model", "filters", "leads", "tiers": {"High": {"scored", "with_outcome", "open", "converted", "rate",
"interval", "expected", ...}}, "drift", "drift_about", "ranking", "gain", "by", "notes"}``; several give
``{"filters", "notes", "versions": [<one version's keys>, ...]}``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from leadscore.fields.lead_id import check_list_name
from leadscore.modeling.tiers import TIERS, promise
from leadscore.monitoring import drift
from leadscore.monitoring.drift import DriftEntry
from leadscore.registry import Registry
from leadscore.store import Store
from leadscore.store import report as queries
from leadscore.store.report import Scope, TierCounts

ALL = "all"
#: A breakdown shows at most this many values of the chosen column (the most scored); by owner, this many owners.
BY_VALUES = 20
BY_OWNERS = 200
#: How many versions or lists an error message names at most.
NAMED = 12
Z95 = 1.959963984540054
NOTES = (
    "expected (the promise): the mean chance of conversion the model gave the tier's leads with an outcome, the "
    "same leads the rate stands on; open: the tier's leads with no outcome yet, counted apart (open_expected: "
    "their mean chance)",
    "each lead counts once, with its latest scoring (if that scoring is within the filters); one model version "
    "per section, never blended",
    "interval: 95% Wilson interval of the rate; rate_leads/expected_leads: the leads each stands on",
)


class ResultsError(ValueError):
    """The report cannot be made as asked (an unknown list, version or name); the message names what exists."""


def wilson(converted: int, n: int) -> list[float] | None:
    """The 95% Wilson score interval of a rate (honest near 0 and 1 and for small n)."""
    if n == 0:
        return None
    p = converted / n
    centre = (p + Z95 ** 2 / (2 * n)) / (1 + Z95 ** 2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n)) / (1 + Z95 ** 2 / n)
    return [round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@dataclass(frozen=True)
class TierResult:
    """One tier of one version: leads scored, with an outcome, still open, converted; the real rate with its 95%
    range and the promise, both on the leads with an outcome."""

    scored: int
    with_outcome: int
    converted: int
    rate: float | None
    interval: list[float] | None
    expected: float | None
    open_expected: float | None

    @property
    def open(self) -> int:
        """Leads with no outcome yet: counted apart, in neither the rate nor the promise."""
        return self.scored - self.with_outcome

    @classmethod
    def of(cls, counts: TierCounts) -> TierResult:
        """From the database's counts."""
        k = counts.with_outcome
        return cls(counts.scored, k, counts.converted, _round(counts.converted / k) if k else None,
                   wilson(counts.converted, k), _round(promise(counts.chance_with_outcome, k)),
                   _round(promise(counts.chance_open, counts.scored - k)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, the documented keys."""
        return {"scored": self.scored, "with_outcome": self.with_outcome, "open": self.open,
                "converted": self.converted, "rate": self.rate, "interval": self.interval,
                "expected": self.expected, "open_expected": self.open_expected,
                "rate_leads": self.with_outcome, "expected_leads": self.with_outcome}


def _tiers(counts: dict[str, TierCounts]) -> dict[str, TierResult]:
    return {tier: TierResult.of(counts.get(tier, TierCounts())) for tier in TIERS}


@dataclass(frozen=True)
class Ranking:
    """How well the version ordered the leads with an outcome: ROC AUC (None without both kinds of outcome), on
    how many leads, how many of them converted."""

    auc: float | None
    leads: int
    converted: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, the documented keys."""
        return {"auc": self.auc, "leads": self.leads, "converted": self.converted}


@dataclass(frozen=True)
class GainPoint:
    """A point of the gain chart: calling this share of the leads (best first) reaches this share of conversions."""

    leads_share: float
    converted_share: float

    def to_dict(self) -> dict[str, float]:
        """JSON-safe, the documented keys."""
        return {"leads_share": self.leads_share, "converted_share": self.converted_share}


@dataclass(frozen=True)
class DriftAbout:
    """What the drift entries stand on: available or not (and why not), the leads in the period, how many were
    sampled, and the thresholds."""

    model_version: str
    available: bool
    reason: str = ""
    leads: int = 0
    sampled: int = 0
    min_leads: int = drift.MIN_LEADS
    stable_below: float = drift.STABLE_BELOW
    moderate_to: float = drift.MODERATE_TO

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, the documented keys (``reason`` when unavailable, the counts and thresholds when available)."""
        if not self.available:
            return {"model_version": self.model_version, "available": False, "reason": self.reason}
        return {"model_version": self.model_version, "available": True, "leads": self.leads, "sampled": self.sampled,
                "min_leads": self.min_leads,
                "thresholds": {"stable_below": self.stable_below, "moderate_to": self.moderate_to}}


@dataclass(frozen=True)
class ModelVersion:
    """A model version as the report names it: its id, the name a manager reads, and whether it is active."""

    version: str
    name: str = ""
    active: bool = False

    @property
    def label(self) -> str:
        """``"Bank calls (y)" (20260601T...)``, or the id alone when it has no name."""
        words = f'"{self.name}" ({self.version})' if self.name else self.version
        return words + (", active" if self.active else "")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe."""
        return {"version": self.version, "name": self.name, "active": self.active}


@dataclass(frozen=True)
class Breakdown:
    """The tiers per value of an input column (owner, lead source), the most scored values first."""

    column: str
    values: list[tuple[str, dict[str, TierResult]]]
    values_total: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe."""
        return {"column": self.column, "values_total": self.values_total,
                "values": [{"value": value, "tiers": {t: r.to_dict() for t, r in tiers.items()}}
                           for value, tiers in self.values]}


@dataclass(frozen=True)
class VersionResults:
    """The results of one model version: its tiers, ranking, gain, drift and an optional breakdown."""

    model: ModelVersion
    tiers: dict[str, TierResult]
    ranking: Ranking
    gain: list[GainPoint]
    drift: list[DriftEntry]
    drift_about: DriftAbout
    by: Breakdown | None = None

    @property
    def leads(self) -> int:
        """Leads scored by this version in the filters."""
        return sum(t.scored for t in self.tiers.values())

    @property
    def with_outcome(self) -> int:
        """Of them, those with an outcome."""
        return sum(t.with_outcome for t in self.tiers.values())

    def shares(self) -> tuple[float, float] | None:
        """The share of its leads in High and in Medium (None without leads): tier bands to carry over."""
        return (self.tiers["High"].scored / self.leads, self.tiers["Medium"].scored / self.leads) if self.leads \
            else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: the documented keys of one version's report."""
        out: dict[str, Any] = {"model": self.model.to_dict(), "leads": self.leads,
                               "tiers": {t: r.to_dict() for t, r in self.tiers.items()},
                               "drift": [e.to_dict() for e in self.drift], "drift_about": self.drift_about.to_dict(),
                               "ranking": self.ranking.to_dict(), "gain": [p.to_dict() for p in self.gain]}
        if self.by is not None:
            out["by"] = self.by.to_dict()
        return out


@dataclass(frozen=True)
class Filters:
    """What the report was asked for: the period [since, until), the model (None: the active one; a version, a
    name, ``all``, or several), the saved list and the owner."""

    since: datetime | None = None
    until: datetime | None = None
    model: str | list[str] | None = None
    list: str | None = None
    owner: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, the documented keys (the dates in ISO form)."""
        return {"since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None, "model": self.model, "list": self.list,
                "owner": self.owner}


@dataclass(frozen=True)
class Results:
    """The report: one section per model version asked for. ``single``: one version was asked for (by default
    the active one), and the JSON keeps the documented top-level keys."""

    versions: list[VersionResults]
    single: bool
    filters: Filters = field(default_factory=Filters)
    notes: tuple[str, ...] = NOTES

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe (module docstring)."""
        if self.single and len(self.versions) == 1:
            return {**self.versions[0].to_dict(), "filters": self.filters.to_dict(), "notes": list(self.notes)}
        return {"filters": self.filters.to_dict(), "notes": list(self.notes),
                "versions": [v.to_dict() for v in self.versions]}


# ---- figures ------------------------------------------------------------------------------------------------
def _ranking(buckets: list[tuple[int, int, int]]) -> tuple[Ranking, list[GainPoint]]:
    """ROC AUC and gain points from (bucket, converted, not converted) counts."""
    if not buckets:
        return Ranking(None, 0, 0), []
    table = np.array(sorted(buckets, reverse=True), dtype=float)  # highest chance first
    pos, neg = table[:, 1], table[:, 2]
    n_pos, n_neg = pos.sum(), neg.sum()
    auc = None
    if n_pos and n_neg:
        negatives_below = n_neg - np.cumsum(neg)
        auc = float((pos * (negatives_below + neg / 2)).sum() / (n_pos * n_neg))
    leads = pos + neg
    share = np.cumsum(leads) / leads.sum()
    captured = np.cumsum(pos) / n_pos if n_pos else np.zeros_like(share)
    points = [GainPoint(0.0, 0.0)]
    for target in np.linspace(0.1, 1.0, 10):
        k = int(np.searchsorted(share, target - 1e-9))
        points.append(GainPoint(round(float(share[k]), 4), round(float(captured[k]), 4)))
    return Ranking(round(auc, 4) if auc is not None else None, int(leads.sum()), int(n_pos)), points


def _drift(store: Store, scope: Scope) -> tuple[list[DriftEntry], DriftAbout]:
    version = str(scope.version)
    reference = store.drift_reference(version)
    if reference is None:
        return [], DriftAbout(version, False, f"model {version} has no drift reference (trained before references "
                                              "were kept)")
    with store.reading("build the results report") as connection:
        leads, fields, chances = queries.drift_sample(connection, scope)
    if not leads:
        return [], DriftAbout(version, False, "no scored leads in the period")
    entries = drift.compare(reference, pd.DataFrame(fields), np.array(chances, dtype=float))
    return entries, DriftAbout(version, True, leads=leads, sampled=len(fields))


def _breakdown(store: Store, scope: Scope, column: str) -> Breakdown:
    with store.reading("build the results report") as connection:
        groups = queries.breakdown_counts(connection, scope, column)
    by_owner = column.strip().lower() == queries.BY_OWNER
    empty = "(no owner)" if by_owner else "(empty)"
    rows = {empty if value is None else value: _tiers(counts) for value, counts in groups.items()}
    top = sorted(rows, key=lambda value: -sum(t.scored for t in rows[value].values()))[
        :BY_OWNERS if by_owner else BY_VALUES]
    return Breakdown(column, [(value, rows[value]) for value in top], len(rows))


def version_results(store: Store, model: ModelVersion | str, since: datetime | None = None,
                    until: datetime | None = None, list_name: str | None = None, by: str | None = None,
                    owner: str | None = None) -> VersionResults:
    """The results of one model version in the filters (no check that the version or list exists); ``owner``:
    only that owner's leads (a rep's results); ``by="owner"``: a breakdown per owner."""
    model = model if isinstance(model, ModelVersion) else ModelVersion(model)
    scope = Scope(model.version, since, until, list_name, owner)
    with store.reading("build the results report") as connection:
        counts = queries.tier_counts(connection, scope)
        ranking, gain = _ranking(queries.ranking_buckets(connection, scope))
    entries, about = _drift(store, scope)
    return VersionResults(model, _tiers(counts), ranking, gain, entries, about,
                          _breakdown(store, scope, by) if by else None)


def tier_counts(store: Store, version: str) -> dict[str, int]:
    """Leads per tier that ``version`` scored (each lead once, its latest scoring), any time, any list."""
    with store.reading("build the results report") as connection:
        return {tier: counts.scored for tier, counts in queries.tier_counts(connection, Scope(version)).items()}


# ---- which versions -----------------------------------------------------------------------------------------
def _named(items: Sequence[str]) -> str:
    shown = ", ".join(items[:NAMED])
    return shown + (f" and {len(items) - NAMED} more" if len(items) > NAMED else "") if items else "none"


def known_versions(store: Store, registry: Registry | None) -> list[ModelVersion]:
    """Every version the report can name: the registry's (with their names, the active one marked), then any
    version with recorded leads the registry no longer holds."""
    listed = registry.versions() if registry is not None else []
    out = [ModelVersion(v.version, v.name, v.active) for v in listed]
    seen = {v.version for v in out}
    with store.reading("build the results report") as connection:
        out += [ModelVersion(v) for v in queries.recorded_versions(connection) if v not in seen]
    return out


def with_leads(store: Store, registry: Registry | None, since: datetime | None = None,
               until: datetime | None = None, list_name: str | None = None, owner: str | None = None
               ) -> list[ModelVersion]:
    """The versions whose leads are in the filters, the active one first, then the most recently scored."""
    known = {v.version: v for v in known_versions(store, registry)}
    with store.reading("build the results report") as connection:
        found = [known.get(v, ModelVersion(v)) for v, _, _ in
                 queries.versions(connection, Scope(None, since, until, list_name, owner))]
    return sorted(found, key=lambda v: not v.active)


def choose(store: Store, registry: Registry | None, model: str | Sequence[str] | None, since: datetime | None = None,
           until: datetime | None = None, list_name: str | None = None, owner: str | None = None
           ) -> tuple[list[ModelVersion], bool]:
    """The versions to report on, and whether one was asked for (``Results.single``).

    ``model``: None (the active version), ``all``, or version ids or names (a name several versions share
    gives each). Raises ResultsError naming what exists.
    """
    known = known_versions(store, registry)
    if model is None:
        active = [v for v in known if v.active]
        if not active:
            raise ResultsError("there is no active model: name a version with --model (versions: "
                               + _named([v.label for v in known]) + ")")
        return active, True
    asked = [model] if isinstance(model, str) else list(model)
    if any(a.strip().lower() == ALL for a in asked):
        return with_leads(store, registry, since, until, list_name, owner), False
    chosen: list[ModelVersion] = []
    for wanted in asked:
        text = wanted.strip()
        matches = ([v for v in known if v.version == text] or [v for v in known if v.name == text]
                   or [v for v in known if v.name.casefold() == text.casefold()])
        if not matches:
            raise ResultsError(f"no model version or name {wanted!r}; versions: "
                               + _named([v.label for v in known]) + f", or '{ALL}'")
        chosen += [v for v in matches if v not in chosen]
    return chosen, len(asked) == 1 and len(chosen) == 1


def check_list(store: Store, list_name: str | None) -> None:
    """ResultsError naming the saved lists when ``list_name`` is not one of them."""
    if list_name is None:
        return
    check_list_name(list_name)  # LeadIdError: a name no store could hold (the same rule on every database)
    with store.reading("build the results report") as connection:
        names = queries.list_names(connection)
    if list_name not in names:
        raise ResultsError(f"no saved list named {list_name!r}; lists: {_named(names)}")


def results_report(store: Store, registry: Registry | None, model: str | Sequence[str] | None = None,
                   since: datetime | None = None, until: datetime | None = None, list_name: str | None = None,
                   by: str | None = None, owner: str | None = None) -> Results:
    """The report the command line prints and the Results page shows (module docstring); ``owner``: only that
    owner's leads (a rep's results)."""
    check_list(store, list_name)
    versions, single = choose(store, registry, model, since, until, list_name, owner)
    filters = Filters(since, until, model if isinstance(model, str) or model is None else list(model), list_name,
                      owner)
    return Results([version_results(store, v, since, until, list_name, by, owner) for v in versions], single,
                   filters)
