"""The leakage screen: fields that give the outcome away, alone or because a sales team fills them in.

A field a salesperson fills in while working a lead (a call tag, a quality
rating, the call's duration, the last activity) is known only once the lead
has been worked, and a model that uses it looks excellent on paper and is
useless on a new lead. Two rules, each measured on the file itself; a field
that meets either is left out of the model unless kept by name (``--keep``,
or the "keep it anyway" box on the dashboard), and the report says why.

**Rule 1: it gives the outcome away on its own.** Each field's stand-alone
power is measured as ROC AUC (0.5 = no signal, 1 = perfect), two ways:

- its values: the AUC of the value itself for a number (either direction),
  and the AUC of out-of-fold target rates per level for a category or a
  number cut into quantile bins (out-of-fold, so that a field with many
  levels cannot score well by memorising them); empty is a level;
- its being filled in: the AUC of "is filled in" (a field only filled in
  for won deals gives the outcome away by its emptiness alone).

Either at ``LEAK_AUC`` (0.90) or above flags the field.

**Rule 2: a sign that it is filled in while the lead is worked, and it sways
the outcome.** The signs (``WorkSigns``):

- *its name*: a word or phrase CRMs use for the team's own fields
  (``WORKED_WORDS``: status, stage, quality, rating, grade, tag, disposition,
  duration, score, index, profile, priority, temperature, last activity...),
  matched on whole words of the header, unless the header also has a word of
  something known about the person before any contact (``ARRIVAL_WORDS``:
  a *credit* score, a *marital* status, a *previous* outcome...);
- *its fill rate moves on the most recent leads*: with an order (a date or
  an increasing ID), filled in on the newest ``NEWEST_SHARE`` of leads at
  least ``FILL_DROP`` (10 points) and a fifth less than on the older ones,
  beyond chance (``MIN_Z`` standard errors): filled in as leads are worked;
  or, the other way, a fifth and 10 points *more* on the newest (a field the
  team began to fill in, such as staff-assigned indices filled on 43% of
  older leads and on every new one): what it holds on the older leads is not
  what a new lead arrives with;
- *it is emptier on open leads*: the same test, open leads (no outcome yet)
  against closed ones.

It sways the outcome when it makes at least ``MIN_SHARE`` (3%) of the
model's decisions (mean |SHAP| share in a first fit on the fields that pass
rule 1) or alone gives AUC ``MIN_AUC`` (0.60) or more: a field that the model
barely uses costs nothing when left out, and is not worth a question.

Measured (benchmarks/bench_crm.py, tests/crm/test_leakage.py): on
bank-marketing, ``duration`` (the call's length, 0.81 alone, 38% of the
decisions) is left out by its name, and the fields known before the call
stay in (``poutcome`` "previous outcome", ``contact``, ``month``); a planted
staff rating and "last activity" are left out; the synthetic credit score
(0.79-0.80 alone) stays in. Honest limits: a field with a neutral name, in a
file with neither an order nor open leads, is caught only by rule 1; and a
field named like the team's own (a "Lead Profile" given by a web form) is
left out when it sways the outcome: the reason names the word, and
``--keep`` brings it back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.model_selection import StratifiedKFold

from leadscore.fields.headers import header_words

#: Stand-alone ROC AUC at or above which a field is flagged as probably filled in after the outcome.
LEAK_AUC = 0.90
#: Numbers are also cut into this many quantile bins (a non-monotone field counts fully).
BINS = 20
FOLDS = 5
#: Prior weight of the smoothed per-level rates (pulls rare levels to the base rate).
SMOOTHING = 20.0

#: Words (and phrases, all of whose words must appear) that CRMs use for the fields a sales team fills
#: in while working a lead: Salesforce's Lead Status and Rating, HubSpot's Lead Status and Lifecycle
#: Stage, Dynamics 365's Rating and Status Reason, call Disposition and Duration, tags, quality grades,
#: staff-assigned scores, indices and profiles, the "Last Activity" snapshot.
WORKED_WORDS: tuple[str, ...] = (
    "status", "stage", "lifecycle", "quality", "rating", "rated", "grade", "tag", "tags", "disposition",
    "duration", "score", "scoring", "index", "profile", "priority", "temperature", "reason", "outcome",
    "last activity", "last action", "last contacted", "last touch", "next step", "next action",
)
#: Words that describe the person before any contact: a header with one of them is not read as the team's.
ARRIVAL_WORDS = frozenset({
    "credit", "fico", "marital", "employment", "job", "occupation", "education", "family", "housing",
    "residence", "residential", "citizenship", "previous", "prior", "past",
})
#: The newest share of leads (by the order column) compared with the older ones for a falling fill rate.
NEWEST_SHARE = 0.2
#: A fill rate "falls" by at least this much (absolute) and to at most RATIO of the other group's ...
FILL_DROP = 0.10
FILL_RATIO = 0.8
#: ... beyond chance: a two-proportion z statistic of at least this.
MIN_Z = 3.0
#: Fewest leads in the smaller group (newest, or open) for a fill-rate sign to be measured.
MIN_GROUP = 30
#: Rule 2's "sways the outcome": a share of the model's decisions, or a stand-alone AUC.
MIN_SHARE = 0.03
MIN_AUC = 0.60


def name_sign(name: str) -> str | None:
    """The word or phrase of WORKED_WORDS the header has (None without one, or with an ARRIVAL_WORDS word)."""
    words = header_words(name)
    if set(words) & ARRIVAL_WORDS:
        return None
    for entry in WORKED_WORDS:
        if set(entry.split()) <= set(words):
            return entry
    return None


def emptier(filled: np.ndarray, group: np.ndarray, fuller: bool = False) -> tuple[float, float] | None:
    """Fill rates (others, group) when the ``group`` rows are clearly emptier than the others (``fuller``:
    clearly fuller), else None."""
    n_group, n_other = int(group.sum()), int((~group).sum())
    if min(n_group, n_other) < MIN_GROUP:
        return None
    in_group, in_other = float(filled[group].mean()), float(filled[~group].mean())
    lower, higher = (in_other, in_group) if fuller else (in_group, in_other)
    pooled = float(filled.mean())
    error = np.sqrt(pooled * (1 - pooled) * (1 / n_group + 1 / n_other))
    if error == 0 or higher - lower < FILL_DROP or lower > FILL_RATIO * higher:
        return None
    return (in_other, in_group) if (higher - lower) / error >= MIN_Z else None


def fill_moves(filled: np.ndarray, newest: np.ndarray) -> tuple[float, float] | None:
    """Fill rates (older, newest) when the newest leads are clearly emptier or clearly fuller, else None."""
    return emptier(filled, newest) or emptier(filled, newest, fuller=True)


@dataclass(frozen=True)
class WorkSigns:
    """Signs, measured on the file, that a field is filled in while a lead is worked (rule 2)."""

    #: The word or phrase of WORKED_WORDS in its name.
    name_word: str | None = None
    #: Fill rates on the older leads and on the newest, when it falls or rises on the newest.
    recent_fill: tuple[float, float] | None = None
    #: Fill rates on closed leads and on open ones, when the open ones are emptier.
    open_fill: tuple[float, float] | None = None

    def found(self) -> bool:
        """True when there is any sign."""
        return bool(self.name_word or self.recent_fill or self.open_fill)

    def sentences(self) -> list[str]:
        """The signs in words."""
        said = []
        if self.name_word:
            said.append(f"its name has '{self.name_word}', a word CRMs use for fields a sales team fills in")
        if self.recent_fill:
            said.append(f"filled in on {self.recent_fill[0]:.0%} of older leads but {self.recent_fill[1]:.0%} of "
                        "the newest")
        if self.open_fill:
            said.append(f"filled in on {self.open_fill[0]:.0%} of closed leads but {self.open_fill[1]:.0%} of "
                        "open ones")
        return said

    def to_dict(self) -> dict[str, object]:
        """JSON-safe."""
        return {"name_word": self.name_word,
                "recent_fill": None if self.recent_fill is None else [round(v, 4) for v in self.recent_fill],
                "open_fill": None if self.open_fill is None else [round(v, 4) for v in self.open_fill]}


def work_signs(names: Sequence[str], filled: Mapping[str, np.ndarray], newest: np.ndarray | None,
               is_open: np.ndarray | None) -> dict[str, WorkSigns]:
    """Each field's signs: its name, and (with an order or open leads) how its fill rate moves.

    ``filled[name]``: which rows have the field filled in, over every row of the file (open leads
    too); ``newest``: the newest NEWEST_SHARE of rows by the order column (None without an order);
    ``is_open``: rows without an outcome yet (None or all False without open leads).
    """
    return {name: WorkSigns(name_sign(name),
                            fill_moves(filled[name], newest) if newest is not None else None,
                            emptier(filled[name], is_open) if is_open is not None else None)
            for name in names}


def decision_shares(contributions: np.ndarray, names: Sequence[str]) -> dict[str, float]:
    """Each field's share of the mean absolute contribution (SHAP, bias column excluded), summing to 1."""
    mean = np.abs(np.asarray(contributions, dtype=np.float64)[:, : len(names)]).mean(axis=0)
    total = float(mean.sum())
    return {name: float(v / total) if total > 0 else 0.0 for name, v in zip(names, mean, strict=True)}


@dataclass(frozen=True)
class FieldPower:
    """One field's power over the outcome, its signs of being filled in while worked, and the verdict."""

    name: str
    auc: float
    #: AUC of "is filled in"; None when the field is always (or never) filled in.
    filled_auc: float | None
    flagged: bool
    signs: WorkSigns = WorkSigns()
    #: Its share of the first fit's decisions (None when not measured, or left out by rule 1).
    share: float | None = None

    @property
    def alone(self) -> bool:
        """Rule 1: gives the outcome away on its own."""
        return self.auc >= LEAK_AUC or (self.filled_auc is not None and self.filled_auc >= LEAK_AUC)

    @property
    def reason(self) -> str:
        """Why it was flagged, in words (empty when it was not)."""
        if not self.flagged:
            return ""
        if self.alone:
            if self.filled_auc is not None and self.filled_auc >= LEAK_AUC and self.filled_auc >= self.auc:
                return ("probably filled in after the outcome: whether it is filled in alone ranks leads right "
                        f"{self.filled_auc:.0%} of the time")
            return f"probably filled in after the outcome: alone it ranks leads right {self.auc:.0%} of the time"
        sway = ([f"it makes {self.share:.0%} of the model's decisions"] if self.share is not None
                and self.share >= MIN_SHARE else []) + [f"alone it ranks leads right {self.auc:.0%} of the time"]
        return ("probably filled in while the lead is worked: " + "; ".join(self.signs.sentences())
                + "; and it sways the outcome: " + ", ".join(sway))

    def to_dict(self) -> dict[str, object]:
        """JSON-safe."""
        return {"name": self.name, "auc": round(self.auc, 4),
                "filled_auc": None if self.filled_auc is None else round(self.filled_auc, 4),
                "share": None if self.share is None else round(self.share, 4),
                "signs": self.signs.to_dict(), "flagged": self.flagged, "reason": self.reason}


def rank_auc(y: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC of ``score`` for ``y`` (1 or 0, both present), ties counted half: the Mann-Whitney statistic over
    average ranks, the value of scikit-learn's ``roc_auc_score`` without its input checks (which took most of
    the screen's time, once per field and fold)."""
    positive = np.asarray(y) == 1
    n1 = int(positive.sum())
    n0 = len(positive) - n1
    ranks = rankdata(score)
    return float((ranks[positive].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def _symmetric_auc(y: np.ndarray, score: np.ndarray) -> float:
    auc = rank_auc(y, score)
    return max(auc, 1 - auc)


def _levels(column: pd.Series) -> np.ndarray:
    """Integer level codes; numbers are cut into quantile bins; empty is its own level (-1)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return np.asarray(column.cat.codes, dtype=np.int64)
    values = column.to_numpy(dtype=np.float64)
    filled = ~np.isnan(values)
    codes = np.full(len(values), -1, dtype=np.int64)
    if filled.any():
        edges = np.unique(np.quantile(values[filled], np.linspace(0, 1, BINS + 1)[1:-1]))
        codes[filled] = np.searchsorted(edges, values[filled], side="right")
    return codes


Folds = list[tuple[np.ndarray, np.ndarray]]


def rate_folds(y: np.ndarray, seed: int = 0) -> Folds:
    """The stratified folds (fit rows, held rows) the level rates are learnt in: they depend on ``y`` alone, so
    one screen makes them once for every field."""
    return list(StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))


def out_of_fold_rate_auc(codes: np.ndarray, y: np.ndarray, folds: Folds) -> float:
    """AUC of each row's level target rate, learnt without the row's own fold (``rate_folds``)."""
    shifted = codes - codes.min()
    rates = np.zeros(len(y))
    for fit, held in folds:
        prior = y[fit].mean()
        hits = np.bincount(shifted[fit], weights=y[fit], minlength=shifted.max() + 1)
        counts = np.bincount(shifted[fit], minlength=shifted.max() + 1)
        rates[held] = ((hits + SMOOTHING * prior) / (counts + SMOOTHING))[shifted[held]]
    return rank_auc(y, rates)


def field_power(column: pd.Series, y: np.ndarray, threshold: float = LEAK_AUC, folds: Folds | None = None
                ) -> FieldPower:
    """The stand-alone power of one field of the model matrix (y: 1 converted, 0 not); rule 1's verdict.
    ``folds``: ``rate_folds(y)``, made here when not given."""
    is_category = isinstance(column.dtype, pd.CategoricalDtype)
    filled = column.notna().to_numpy()
    levels = _levels(column)
    auc = out_of_fold_rate_auc(levels, y, rate_folds(y) if folds is None else folds) \
        if len(np.unique(levels)) > 1 else 0.5
    if not is_category:
        values = column.to_numpy(dtype=np.float64)
        if filled.sum() > 1 and len(np.unique(y[filled])) == 2:
            auc = max(auc, _symmetric_auc(y[filled], values[filled]) if filled.all() else auc)
    filled_auc = _symmetric_auc(y, filled.astype(float)) if 0 < filled.sum() < len(filled) else None
    flagged = auc >= threshold or (filled_auc is not None and filled_auc >= threshold)
    return FieldPower(str(column.name), auc, filled_auc, flagged)


def screen(matrix: pd.DataFrame, y: np.ndarray, threshold: float = LEAK_AUC) -> list[FieldPower]:
    """Every field's stand-alone power (rule 1), strongest first."""
    folds = rate_folds(y)
    powers = [field_power(matrix[name], y, threshold, folds) for name in matrix.columns]
    return sorted(powers, key=lambda p: -max(p.auc, p.filled_auc or 0.0))


def worked(power: FieldPower) -> bool:
    """Rule 2: a sign of being filled in while worked, and it sways the outcome."""
    sways = (power.share is not None and power.share >= MIN_SHARE) or power.auc >= MIN_AUC
    return power.signs.found() and sways


def judge(powers: Sequence[FieldPower], signs: Mapping[str, WorkSigns],
          shares: Mapping[str, float]) -> list[FieldPower]:
    """Rule 1's verdicts with each field's signs and share added, and rule 2 applied."""
    judged = []
    for power in powers:
        power = replace(power, signs=signs.get(power.name, WorkSigns()), share=shares.get(power.name))
        judged.append(replace(power, flagged=power.flagged or worked(power)))
    return judged
