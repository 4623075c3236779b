"""What would move a lead up a tier, for an outcome model: the smallest change a salesperson can make.

Only the fields the manager marked ``actionable`` in the schema may change
(for example how the lead is contacted or how often it was called); who the
lead is never changes. Each such field is tried at every other value it can
take: a category's kept levels (never "other" or "unknown": nobody sets a
lead to those), a flag's other answer, and a number on a grid over its
observed range (every whole value when there are few, else ``GRID_POINTS``
evenly spaced). When no single field reaches a higher tier, every pair of
actionable fields is tried too, if that is at most ``MAX_PAIR_ROWS`` leads.

"Smallest" means fewest fields changed first, then the smallest change: a
number's move as a share of its observed range, a category or flag switched,
or an empty field filled in, counts as 1; among equal changes the higher
chance of conversion wins. All candidates are scored in one call.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from leadscore.fields.field import OTHER, Field, format_number
from leadscore.modeling.tiers import OUTCOME_TIERS
from leadscore.scoring.outcome_scorer import OutcomeScorer

#: Points of the grid over a number's observed range (a whole-number field with fewer values gets each).
GRID_POINTS = 41
#: Pairs of fields are searched only when they make at most this many candidate leads.
MAX_PAIR_ROWS = 20_000
#: Tier -> rank, higher is better.
RANK: dict[str, int] = {tier: rank for rank, tier in enumerate(reversed(OUTCOME_TIERS))}


@dataclass(frozen=True)
class FieldChange:
    """One field's suggested new value (as the model holds it: a category's code, a number, 0/1)."""

    field: Field
    old: float
    new: float

    def _words(self, code: float) -> str:
        if math.isnan(code):
            return "unknown"
        if self.field.kind == "category":
            return self.field.categories[int(code)]
        if self.field.kind == "flag":
            return "yes" if code >= 0.5 else "no"
        return format_number(code)

    @property
    def new_value(self) -> str:
        """The new value written as in a file (a level, yes/no, a plain number)."""
        if self.field.kind in ("number", "integer"):
            return f"{self.new:g}" if self.field.kind == "number" else str(int(self.new))
        return self._words(self.new)

    def __str__(self) -> str:
        return f"{self.field.title}: {self._words(self.old)} → {self._words(self.new)}"


@dataclass(frozen=True)
class OutcomeMoveUp:
    """The answer to "what would move this lead up a tier" for an outcome model."""

    current_tier: str
    p_convert: float
    #: Names of the fields the search could change (the schema's actionable fields).
    searched: tuple[str, ...]
    #: The tier the change reaches, or None when nothing allowed reaches a higher tier.
    new_tier: str | None = None
    new_p_convert: float | None = None
    changes: tuple[FieldChange, ...] = ()

    @property
    def found(self) -> bool:
        """Whether a change reaching a higher tier was found."""
        return self.new_tier is not None


def _options(f: Field, code: float) -> list[float]:
    """Every other value the field can be given, as model codes."""
    if f.kind == "category":
        values = [float(i) for i, level in enumerate(f.categories) if level != OTHER]
    elif f.kind == "flag":
        values = [0.0, 1.0]
    elif f.low is None or f.high is None:
        values = []
    elif f.kind == "integer" and f.high - f.low + 1 <= GRID_POINTS:
        values = list(np.arange(f.low, f.high + 1))
    else:
        grid = np.linspace(f.low, f.high, GRID_POINTS)
        values = list(np.unique(np.round(grid)) if f.kind == "integer" else grid)
    return [float(v) for v in values if math.isnan(code) or v != code]


def _cost(f: Field, old: float, new: float) -> float:
    if f.kind in ("category", "flag") or math.isnan(old) or f.low is None or f.high is None or f.high == f.low:
        return 1.0
    return abs(new - old) / (f.high - f.low)


def move_up(scorer: OutcomeScorer, lead: Mapping[str, object]) -> OutcomeMoveUp:
    """The smallest change of actionable fields that moves the lead to a higher tier, if any.

    ``lead`` is as ``OutcomeScorer.score_lead`` takes it (file column names, values as in the file).
    """
    model = scorer.model
    fields = model.schema.fields
    start, _ = model.schema.parse_lead(lead)
    p_start = float(model.predict(start)[0])
    tier = str(model.bands.tiers(np.array([p_start]))[0])
    actionable = [j for j, f in enumerate(fields) if f.actionable]
    answer = OutcomeMoveUp(tier, p_start, tuple(fields[j].name for j in actionable))
    if RANK[tier] == len(OUTCOME_TIERS) - 1 or not actionable:
        return answer
    options = {j: _options(fields[j], start[0, j]) for j in actionable}
    singles = [((j, v),) for j in actionable for v in options[j]]
    best = _cheapest(scorer, start, singles, tier)
    if best is None:
        pairs = [((i, a), (j, b)) for i, j in itertools.combinations(actionable, 2)
                 for a in options[i] for b in options[j]]
        if 0 < len(pairs) <= MAX_PAIR_ROWS:
            best = _cheapest(scorer, start, pairs, tier)
    if best is None:
        return answer
    combination, p_new = best
    changes = tuple(FieldChange(fields[j], float(start[0, j]), v) for j, v in combination)
    new_tier = str(model.bands.tiers(np.array([p_new]))[0])
    return OutcomeMoveUp(tier, p_start, answer.searched, new_tier, p_new, changes)


def _cheapest(scorer: OutcomeScorer, start: np.ndarray, combinations: list[tuple[tuple[int, float], ...]],
              tier: str) -> tuple[tuple[tuple[int, float], ...], float] | None:
    """The cheapest combination whose lead reaches a higher tier than ``tier``, with its chance; or None."""
    if not combinations:
        return None
    fields = scorer.model.schema.fields
    trial = np.repeat(start, len(combinations), axis=0)
    for row, combination in enumerate(combinations):
        for j, value in combination:
            trial[row, j] = value
    p = scorer.model.predict(trial)
    ranks = np.array([RANK[t] for t in scorer.model.bands.tiers(p)])
    reached = np.flatnonzero(ranks > RANK[tier])
    if len(reached) == 0:
        return None
    costs = np.array([sum(_cost(fields[j], start[0, j], v) for j, v in combinations[i]) for i in reached])
    winner = reached[np.lexsort((-p[reached], costs))[0]]
    return combinations[winner], float(p[winner])
