"""Before a version becomes active: does the model read back from disk score as the one just trained?

A model can train and save, and still not load: a schema the loader refuses
(two fields equal but for case), a parameter that does not survive JSON. The
registry therefore loads every new version through the same path every face
uses (``Registry.load`` and the ``Scorer``), scores a few rows with both the
trained model and the loaded one, and refuses to publish when they differ
(``difference`` says how). The rows are a few of the training rows when the
caller has them, else rows made from the model's own fields (``probe_rows``).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from leadscore.fields.field import OTHER, Field, format_number
from leadscore.modeling.model import Estimator, model_of
from leadscore.modeling.target import REASON_COLUMNS
from leadscore.scoring.scorer import Scorer

log = logging.getLogger(__name__)

#: At most this many rows are scored twice (spread over the rows given).
CHECK_ROWS = 200
#: Chances may differ by this much (float32 inside the booster); tiers and reasons must be equal.
TOLERANCE = 1e-6


def probe_rows(model: Estimator, rows: int = 24) -> pd.DataFrame:
    """Rows as a file would hold them: every level of a category, a number's low, high and typical
    value, both answers of a flag, and empty cells."""
    choices = {f.name: _choices(f) for f in model_of(model).schema.fields}
    length = max(rows, *(len(values) for values in choices.values()))
    return pd.DataFrame({name: [values[i % len(values)] for i in range(length)]
                         for name, values in choices.items()}, dtype="string")


def _choices(f: Field) -> list[str]:
    """The cells ``probe_rows`` cycles through for one field."""
    if f.kind == "category":
        return [*f.levels, OTHER, ""]
    if f.kind == "flag":
        return ["yes", "no", ""]
    return [format_number(v).replace(",", "") for v in (f.low, f.high, f.typical) if v is not None] + [""]


def spread(rows: pd.DataFrame, limit: int = CHECK_ROWS) -> pd.DataFrame:
    """At most ``limit`` rows, evenly spread over ``rows`` (the newest and oldest both included)."""
    if len(rows) <= limit:
        return rows
    return rows.iloc[np.unique(np.linspace(0, len(rows) - 1, limit).astype(int))]


def difference(trained: Estimator, loaded: Estimator,
               rows: pd.DataFrame) -> str | None:
    """How the loaded model scores ``rows`` differently from the trained one, or None when it scores the same."""
    if type(trained) is not type(loaded):
        return f"it loads as a {type(loaded).__name__}, not a {type(trained).__name__}"
    before = Scorer(model_of(trained)).score(rows, explain=True)
    after = Scorer(model_of(loaded)).score(rows, explain=True)
    if not before.scored.index.equals(after.scored.index):
        return (f"it accepts {len(after.scored):,} of {len(rows):,} check rows, the trained model "
                f"{len(before.scored):,}")
    # The target's own columns, never the file's: an input column named like an output one (``p_convert``,
    # ``reason_1``) is kept as ``p_convert_input``, a CRM's text, not a chance (fields/field.py).
    target = model_of(trained).target
    numbers = [c for c in target.chance_columns if c.startswith("p_")]
    gap = max((float(np.max(np.abs(before.scored[c].to_numpy(float) - after.scored[c].to_numpy(float)),
                            initial=0.0)) for c in numbers), default=0.0)
    if not gap <= TOLERANCE:
        return f"its chances differ from the trained model's by up to {gap:.3g} on the check rows"
    words = ["tier", *(c for c in REASON_COLUMNS if c in before.scored.columns)]
    for column in words:
        if not before.scored[column].equals(after.scored[column]):
            return f"its {column} differs from the trained model's on the check rows"
    return None
