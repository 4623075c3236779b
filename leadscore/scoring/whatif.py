"""What would move a lead up a tier: the smallest steps a salesperson can take.

Only the fields marked ``actionable`` in the schema may change (for the
built-in model the engagement counts and intent flags, never age, income or
credit score; for a team's model the fields the manager marked). Who the lead
is never changes. Each such field is tried at the values a salesperson can
bring about in one round of work: a flag's other answer, a category's other
kept levels (never "other" or "unknown": nobody sets a lead to those), and a
number moved by at most ``REACH`` of its range either way (a few more visits,
a few more minutes; not 25 -> 105 minutes on site), on a grid of round values
(multiples of the field's step: whole visits, 5 minutes, never 54.75), at
most ``GRID_POINTS`` of them. When no single field reaches a higher tier,
every pair of actionable fields is tried, then every three (numbers on a
coarser grid of ``COARSE_POINTS``), each round only when it is at most
``MAX_ROWS`` leads. When no three fields are enough (the built-in model's
tiers are wide: a typical lead needs an inquiry, a disclosed budget and more
engagement at once), the search takes the best single step again and again
from the lead it has reached, on every actionable field, then drops the steps
that were not needed and shrinks the numbers to the smallest that still reach
the tier. When even every field together cannot reach a higher tier, the
answer keeps those steps as the ones that bring the lead closest.

"Smallest" means fewest fields changed first, then the smallest change: a
number's move as a share of its range, a category or flag switched, or an
empty field filled in, counts as 1; among equal changes the higher chance
wins. All candidates are scored in one call per round.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

import numpy as np

from leadscore.fields.builtin import CLASSES
from leadscore.fields.field import OTHER, Field
from leadscore.modeling.tiers import TIERS
from leadscore.scoring.scorer import LeadError, Scorer

#: The farthest a number moves, as a share of its range: what one round of a salesperson's work can do.
REACH = 0.25
#: Values tried per number field, at the most.
GRID_POINTS = 21
#: A grid's spacing is the field's step times one of these, or ten, a hundred... times them: 1, 2, 5, 10, 20...
NICE = (1, 2, 5)
#: A round (pairs, threes) is searched only when it makes at most this many candidate leads.
MAX_ROWS = 60_000
#: Values per number field when three fields change together.
COARSE_POINTS = 5
#: Tier -> rank, higher is better.
RANK: dict[str, int] = {tier: rank for rank, tier in enumerate(reversed(TIERS))}


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
        return self.field.value_words(code)

    @property
    def new_value(self) -> str:
        """The new value written as in a file (a level, yes/no, a plain number)."""
        if self.field.kind == "category":
            return self.field.categories[int(self.new)]
        if self.field.kind == "flag":
            return "yes" if self.new >= 0.5 else "no"
        return str(int(self.new)) if float(self.new).is_integer() else f"{self.new:g}"

    @property
    def cost(self) -> float:
        """How big a step it is: a number's move as a share of its range; a switch, or a field filled in, 1."""
        return _cost(self.field, self.old, self.new)

    def __str__(self) -> str:
        return f"{self.field.title}: {self._words(self.old)} → {self._words(self.new)}"


@dataclass(frozen=True)
class MoveUp:
    """The answer to "what would move this lead up a tier"."""

    current_tier: str
    #: The lead's chance shown with its tier (``LeadScore.chance``).
    chance: float
    #: Names of the fields the search could change (the schema's actionable fields).
    searched: tuple[str, ...]
    #: The tier the change reaches, or None when nothing allowed reaches a higher tier.
    new_tier: str | None = None
    #: The chance shown with the new tier.
    new_chance: float | None = None
    changes: tuple[FieldChange, ...] = ()
    #: When nothing reaches a higher tier: the steps that bring the lead closest to one (none when no step
    #: helps at all), and how close (``towards``' chance before and after them).
    closest: tuple[FieldChange, ...] = ()
    progress: tuple[float, float] | None = None
    #: What the lead moves towards, in words: "High", "Medium or High", "conversion".
    towards: str = ""

    @property
    def found(self) -> bool:
        """Whether a change reaching a higher tier was found."""
        return self.new_tier is not None


def _spacings(f: Field) -> Iterator[float]:
    """Round spacings, smallest first: the field's step times 1, 2, 5, 10, 20, 50..."""
    factor = 1
    while True:
        for nice in NICE:
            yield f.step * nice * factor
        factor *= 10


def _grid(f: Field, code: float) -> list[float]:
    """Round values within ``REACH`` of ``code`` (of the middle of the range when empty), at most
    ``GRID_POINTS`` of them: the multiples of the smallest round spacing that leaves no more, written with
    the step's decimals, and the range's own ends when they are within reach (one call, no visits)."""
    assert f.low is not None and f.high is not None
    reach = REACH * (f.high - f.low)
    centre = (f.low + f.high) / 2 if math.isnan(code) else code
    low, high = max(f.low, centre - reach), min(f.high, centre + reach)
    decimals = max(0, -math.floor(math.log10(f.step)))
    for spacing in _spacings(f):
        first, last = math.ceil(low / spacing - 1e-9), math.floor(high / spacing + 1e-9)
        if last - first + 1 <= GRID_POINTS:
            break
    values = {round(k * spacing, decimals) for k in range(first, last + 1)}
    return sorted(values | {end for end in (f.low, f.high) if low <= end <= high})


def _options(f: Field, code: float) -> list[float]:
    """The other values a salesperson can give the field in one round of work, as model codes."""
    if f.kind == "category":
        values = [float(i) for i, level in enumerate(f.categories) if level != OTHER]
    elif f.kind == "flag":
        values = [0.0, 1.0]
    elif f.low is None or f.high is None or f.high == f.low:
        values = []
    else:
        values = _grid(f, code)
    return [float(v) for v in values if math.isnan(code) or v != code]


def _cost(f: Field, old: float, new: float) -> float:
    if f.kind in ("category", "flag") or math.isnan(old) or f.low is None or f.high is None or f.high == f.low:
        return 1.0
    return abs(new - old) / (f.high - f.low)


def _cheapest(scorer: Scorer, start: np.ndarray, combinations: list[tuple[tuple[int, float], ...]],
              tier: str) -> tuple[tuple[tuple[int, float], ...], float, str] | None:
    """The cheapest combination whose lead reaches a higher tier than ``tier``, with its chance and tier."""
    if not combinations:
        return None
    fields = scorer.schema.fields
    trial = np.repeat(start, len(combinations), axis=0)
    for row, combination in enumerate(combinations):
        for j, value in combination:
            trial[row, j] = value
    probabilities, tiers = scorer.decide(trial)
    ranks = np.array([RANK[t] for t in tiers])
    reached = np.flatnonzero(ranks > RANK[tier])
    if len(reached) == 0:
        return None
    chances = np.array([scorer.model.target.chance(probabilities[i], tiers[i]) for i in reached])
    costs = np.array([sum(_cost(fields[j], start[0, j], v) for j, v in combinations[i]) for i in reached])
    size = np.array([len(combinations[i]) for i in reached])
    best = np.lexsort((-chances, costs, size))[0]
    winner = reached[best]
    return combinations[winner], float(chances[best]), str(tiers[winner])


def _progress(probabilities: np.ndarray, tier: str) -> np.ndarray:
    """How near each lead is to a tier above ``tier``: the chance of the tiers above it (three tiers: the
    columns run Low, Medium, High), or the chance of conversion (a team's model: one column)."""
    if probabilities.shape[1] == 1:
        return probabilities[:, 0]
    return probabilities[:, CLASSES.index(tier) + 1:].sum(axis=1)


def _towards(probabilities: np.ndarray, tier: str) -> str:
    """What ``_progress`` is the chance of, in words: "High", "Medium or High", "conversion"."""
    if probabilities.shape[1] == 1:
        return "conversion"
    return " or ".join(CLASSES[CLASSES.index(tier) + 1:])


def _trial(start: np.ndarray, combinations: list[dict[int, float]]) -> np.ndarray:
    trial = np.repeat(start, len(combinations), axis=0)
    for row, combination in enumerate(combinations):
        for j, value in combination.items():
            trial[row, j] = value
    return trial


def _stepwise(scorer: Scorer, start: np.ndarray, options: dict[int, list[float]], tier: str
              ) -> tuple[dict[int, float], bool, float, float]:
    """Best single steps taken one after another from the lead reached, each field once, until a higher tier
    is reached or no step helps; then the steps not needed are dropped and each number shrunk to the smallest
    move that still reaches it. Returns (changes, reached, progress before, progress after)."""
    probabilities, _ = scorer.decide(start)
    before = current = float(_progress(probabilities, tier)[0])
    chosen: dict[int, float] = {}
    reached = False
    while not reached and len(chosen) < len(options):
        candidates = [{**chosen, j: v} for j, values in options.items() if j not in chosen for v in values]
        if not candidates:
            break
        probabilities, tiers = scorer.decide(_trial(start, candidates))
        ranks = np.array([RANK[t] for t in tiers])
        progress = _progress(probabilities, tier)
        best = int(np.lexsort((-progress, -ranks))[0])
        if ranks[best] <= RANK[tier] and progress[best] <= current:
            break
        chosen, current, reached = candidates[best], float(progress[best]), bool(ranks[best] > RANK[tier])
    if reached:
        chosen = _trim(scorer, start, chosen, options, tier)
        probabilities, _ = scorer.decide(_trial(start, [chosen]))
        current = float(_progress(probabilities, tier)[0])
    return chosen, reached, before, current


def _reaches(scorer: Scorer, start: np.ndarray, combinations: list[dict[int, float]], tier: str) -> np.ndarray:
    _, tiers = scorer.decide(_trial(start, combinations))
    return np.array([RANK[t] > RANK[tier] for t in tiers])


def _trim(scorer: Scorer, start: np.ndarray, chosen: dict[int, float], options: dict[int, list[float]],
          tier: str) -> dict[int, float]:
    """``chosen`` without the steps that are not needed, each number moved as little as still reaches."""
    for j in list(chosen):
        without = {k: v for k, v in chosen.items() if k != j}
        if without and _reaches(scorer, start, [without], tier)[0]:
            chosen = without
    for j, value in list(chosen.items()):
        old = start[0, j]
        smaller = sorted((v for v in options[j] if math.isnan(old) or abs(v - old) < abs(value - old)),
                         key=lambda v: abs(v - old) if not math.isnan(old) else 0.0)
        if smaller:
            ok = _reaches(scorer, start, [{**chosen, j: v} for v in smaller], tier)
            if ok.any():
                chosen = {**chosen, j: smaller[int(np.flatnonzero(ok)[0])]}
    return chosen


def move_up(scorer: Scorer, lead: Mapping[str, object]) -> MoveUp:
    """The smallest change of actionable fields that moves the lead to a higher tier, if any.

    ``lead`` is as ``Scorer.score_lead`` takes it (column names, values as in a file); raises
    LeadError when it cannot be scored.
    """
    schema = scorer.schema
    start, problems = schema.parse_lead(lead)
    if problems:
        raise LeadError(problems)
    probabilities, tiers = scorer.decide(start)
    tier = str(tiers[0])
    actionable = [j for j, f in enumerate(schema.fields) if f.actionable]
    answer = MoveUp(tier, scorer.model.target.chance(probabilities[0], tier),
                    tuple(schema.fields[j].name for j in actionable))
    if RANK[tier] == len(TIERS) - 1 or not actionable:
        return answer
    options = {j: _options(schema.fields[j], start[0, j]) for j in actionable}
    coarse = {j: values if len(values) <= COARSE_POINTS else
              [values[round(i)] for i in np.linspace(0, len(values) - 1, COARSE_POINTS)]
              for j, values in options.items()}
    best = None
    for size, grid in ((1, options), (2, options), (3, coarse)):
        groups = list(itertools.combinations(actionable, size))
        if sum(math.prod(len(grid[j]) for j in group) for group in groups) > MAX_ROWS:
            break
        combinations = [tuple(zip(group, values, strict=True)) for group in groups
                        for values in itertools.product(*(grid[j] for j in group))]
        best = _cheapest(scorer, start, combinations, tier)
        if best is not None:
            break
    if best is None:
        chosen, reached, before, after = _stepwise(scorer, start, options, tier)
        steps = tuple(FieldChange(schema.fields[j], float(start[0, j]), v) for j, v in sorted(chosen.items()))
        if not reached:
            return replace(answer, closest=steps if after > before else (), progress=(before, after),
                           towards=_towards(probabilities, tier))
        trial = _trial(start, [chosen])
        reached_probabilities, reached_tiers = scorer.decide(trial)
        new_tier = str(reached_tiers[0])
        return replace(answer, new_tier=new_tier, changes=steps,
                       new_chance=scorer.model.target.chance(reached_probabilities[0], new_tier))
    combination, chance, new_tier = best
    changes = tuple(FieldChange(schema.fields[j], float(start[0, j]), v) for j, v in combination)
    return MoveUp(tier, answer.chance, answer.searched, new_tier, chance, changes)
