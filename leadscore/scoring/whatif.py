"""What would move a lead up a tier: the smallest change a salesperson can make.

Only the features marked ``actionable`` in the schema may change (the intent
flags and the engagement counts; never age, income or credit score), and
only upwards: a flag from 0 to 1, a count towards its maximum.

"Smallest" means fewest fields changed first, then the smallest total change
measured as a share of each field's range (a flag switched on counts as 1).

The search is vectorised: every combination of the actionable fields on a
coarse grid (unchanged, a third, two thirds, or all of the way to the
maximum) is scored in one call, and the cheapest few combinations that reach
a higher tier are then refined field by field to the smallest value that
still does (one call per field, every step in between).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from leadscore.fields.builtin import FEATURES, TIERS, Feature, format_value
from leadscore.scoring.scorer import Scorer

#: Fractions of the way from the current value to the maximum on the coarse grid.
GRID_FRACTIONS: tuple[float, ...] = (1 / 3, 2 / 3, 1.0)
#: How many of the cheapest coarse answers get refined.
REFINE_CANDIDATES = 8


@dataclass(frozen=True)
class Change:
    """One field's suggested new value."""

    feature: Feature
    old: float
    new: float

    def __str__(self) -> str:
        if self.feature.kind == "flag":
            return f"{self.feature.label}: yes"
        return (f"{self.feature.label}: {format_value(self.feature, self.old)} → "
                f"{format_value(self.feature, self.new)}")


@dataclass(frozen=True)
class MoveUp:
    """The answer to "what would move this lead up a tier"."""

    current_tier: str
    #: The tier the change reaches, or None when no allowed change reaches a higher tier.
    new_tier: str | None
    changes: tuple[Change, ...]
    probabilities: dict[str, float]

    @property
    def found(self) -> bool:
        """Whether a change reaching a higher tier was found."""
        return self.new_tier is not None


def step(feature: Feature) -> float:
    """The unit a field moves by: 1, or a hundredth of the range's order of magnitude ($1,000 of income)."""
    if feature.kind != "number":
        return 1.0
    span = feature.high - feature.low
    return max(1.0, 10.0 ** np.floor(np.log10(span)) / 100)


def _options(feature: Feature, value: float) -> list[float]:
    """The coarse grid of new values for one field, unchanged first."""
    if value >= feature.high:
        return [value]
    if feature.kind == "flag":
        return [value, 1.0]
    unit = step(feature)
    levels = {float(min(feature.high, np.ceil((value + f * (feature.high - value)) / unit) * unit))
              for f in GRID_FRACTIONS}
    return [value, *sorted(v for v in levels if v > value)]


def _costs(candidates: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fields changed and total change as a share of each range, per candidate."""
    spans = np.array([f.high - f.low for f in FEATURES])
    delta = np.abs(candidates - start)
    return (delta > 0).sum(axis=1), (delta / spans).sum(axis=1)


def _refine(scorer: Scorer, start: np.ndarray, candidate: np.ndarray, target: int) -> np.ndarray:
    """Lower each changed count of a successful candidate to the smallest value that still succeeds."""
    best = candidate.copy()
    for j, feature in enumerate(FEATURES):
        if feature.kind == "flag" or best[j] == start[j]:
            continue
        values = np.arange(start[j], best[j] + 1e-9, step(feature))
        values = np.append(values[values < best[j]], best[j])
        trial = np.repeat(best[None, :], len(values), axis=0)
        trial[:, j] = values
        _, tiers = scorer.probabilities(trial)
        best[j] = values[np.flatnonzero(tiers >= target)[0]]
    return best


def move_up(scorer: Scorer, lead: Mapping[str, float]) -> MoveUp:
    """The smallest allowed change that moves a valid lead to a higher tier, if any."""
    start = np.array([float(lead[f.name]) for f in FEATURES])
    probabilities, tier_index = scorer.probabilities(start[None, :])
    current = int(tier_index[0])
    if current == len(TIERS) - 1:
        return MoveUp(TIERS[current], None, (), dict(zip(TIERS, probabilities[0].tolist(), strict=True)))
    options = [_options(f, v) if f.actionable else [v] for f, v in zip(FEATURES, start, strict=True)]
    grid = np.array(list(itertools.product(*options)), dtype=np.float64)
    grid_probabilities, grid_tiers = scorer.probabilities(grid)
    reached = np.flatnonzero(grid_tiers > current)
    if len(reached) == 0:
        return MoveUp(TIERS[current], None, (), dict(zip(TIERS, probabilities[0].tolist(), strict=True)))
    fields, size = _costs(grid[reached], start)
    cheapest = reached[np.lexsort((size, fields))[:REFINE_CANDIDATES]]
    refined = np.array([_refine(scorer, start, grid[i], current + 1) for i in cheapest])
    fields, size = _costs(refined, start)
    best = refined[np.lexsort((size, fields))[0]]
    best_probabilities, best_tier = scorer.probabilities(best[None, :])
    changes = tuple(Change(f, start[j], best[j]) for j, f in enumerate(FEATURES) if best[j] != start[j])
    return MoveUp(TIERS[current], TIERS[int(best_tier[0])], changes,
                  dict(zip(TIERS, best_probabilities[0].tolist(), strict=True)))
