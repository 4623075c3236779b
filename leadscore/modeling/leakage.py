"""The leakage screen: fields that give the outcome away on their own.

A field a salesperson fills in after talking to the lead (a call tag, a
quality rating, the call's duration) can predict the outcome almost perfectly,
and a model that uses it is useless on a new lead. Each field's stand-alone
power is measured two ways, as ROC AUC (0.5 = no signal, 1 = perfect):

- its values: the AUC of the value itself for a number (either direction),
  and the AUC of out-of-fold target rates per level for a category or a
  number cut into quantile bins (out-of-fold, so that a field with many
  levels cannot score well by memorising them); empty is a level;
- its being filled in: the AUC of "is filled in" (a field only filled in
  for won deals gives the outcome away by its emptiness alone).

A field is flagged when either reaches ``LEAK_AUC`` (0.90). Measured
(benchmarks/bench_crm.py, tests/crm/test_leakage.py): bank-marketing's fields
known before the call reach 0.65 alone at most (``month``); the synthetic
credit score against a won/lost outcome derived from the tier 0.79-0.80;
fields a sales team fills in after talking to the lead reach 0.92 alone in a
public education-company export, and a planted noisy copy of the outcome
0.95. The threshold sits between. Two honest limits, measured: when the
synthetic outcome is "High tier only", the engagement fields reach 0.90-0.91
alone and would be flagged (``--keep`` brings them back); bank-marketing's
``duration`` (known only after the call) reaches only 0.81 alone, so the
screen does not flag it and it must be excluded by name
(``--exclude duration``): it gives the outcome away together with the other
fields (held-out AUC 0.93 with it, 0.81 without), not on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

#: Stand-alone ROC AUC at or above which a field is flagged as probably filled in after the outcome.
LEAK_AUC = 0.90
#: Numbers are also cut into this many quantile bins (a non-monotone field counts fully).
BINS = 20
FOLDS = 5
#: Prior weight of the smoothed per-level rates (pulls rare levels to the base rate).
SMOOTHING = 20.0


@dataclass(frozen=True)
class FieldPower:
    """One field's stand-alone power over the outcome."""

    name: str
    auc: float
    #: AUC of "is filled in"; None when the field is always (or never) filled in.
    filled_auc: float | None
    flagged: bool

    @property
    def reason(self) -> str:
        """Why it was flagged, in words (empty when it was not)."""
        if not self.flagged:
            return ""
        if self.filled_auc is not None and self.filled_auc >= LEAK_AUC and self.filled_auc >= self.auc:
            return ("probably filled in after the outcome: whether it is filled in alone ranks leads right "
                    f"{self.filled_auc:.0%} of the time")
        return f"probably filled in after the outcome: alone it ranks leads right {self.auc:.0%} of the time"

    def to_dict(self) -> dict[str, object]:
        """JSON-safe."""
        return {"name": self.name, "auc": round(self.auc, 4),
                "filled_auc": None if self.filled_auc is None else round(self.filled_auc, 4),
                "flagged": self.flagged, "reason": self.reason}


def _symmetric_auc(y: np.ndarray, score: np.ndarray) -> float:
    auc = float(roc_auc_score(y, score))
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


def out_of_fold_rate_auc(codes: np.ndarray, y: np.ndarray, seed: int = 0) -> float:
    """AUC of each row's level target rate, learnt without the row's own fold."""
    shifted = codes - codes.min()
    rates = np.zeros(len(y))
    for fit, held in StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(codes, y):
        prior = y[fit].mean()
        hits = np.bincount(shifted[fit], weights=y[fit], minlength=shifted.max() + 1)
        counts = np.bincount(shifted[fit], minlength=shifted.max() + 1)
        rates[held] = ((hits + SMOOTHING * prior) / (counts + SMOOTHING))[shifted[held]]
    return float(roc_auc_score(y, rates))


def field_power(column: pd.Series, y: np.ndarray, threshold: float = LEAK_AUC) -> FieldPower:
    """The stand-alone power of one field of the model matrix (y: 1 converted, 0 not)."""
    is_category = isinstance(column.dtype, pd.CategoricalDtype)
    filled = column.notna().to_numpy()
    auc = out_of_fold_rate_auc(_levels(column), y) if len(np.unique(_levels(column))) > 1 else 0.5
    if not is_category:
        values = column.to_numpy(dtype=np.float64)
        if filled.sum() > 1 and len(np.unique(y[filled])) == 2:
            auc = max(auc, _symmetric_auc(y[filled], values[filled]) if filled.all() else auc)
    filled_auc = _symmetric_auc(y, filled.astype(float)) if 0 < filled.sum() < len(filled) else None
    flagged = auc >= threshold or (filled_auc is not None and filled_auc >= threshold)
    return FieldPower(str(column.name), auc, filled_auc, flagged)


def screen(matrix: pd.DataFrame, y: np.ndarray, threshold: float = LEAK_AUC) -> list[FieldPower]:
    """Every field's stand-alone power, strongest first."""
    powers = [field_power(matrix[name], y, threshold) for name in matrix.columns]
    return sorted(powers, key=lambda p: -max(p.auc, p.filled_auc or 0.0))
