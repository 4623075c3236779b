"""Helpers for triaging a lead list: call order, the sample list, expected conversions."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from leadscore.data import synth
from leadscore.fields.builtin import FEATURE_NAMES, ID_COLUMN
from leadscore.modeling.target import Target
from leadscore.modeling.tiers import TIERS

_OWNERS = ("Alex Kim", "Bea Moreno", "Chris Patel", "Dana Okafor")
#: Call order of the tiers.
TIER_RANK: dict[str, int] = {tier: rank for rank, tier in enumerate(TIERS)}


def call_order(scored: pd.DataFrame, target: Target) -> pd.DataFrame:
    """The scored list in call order: High first, then Medium, then Low; within a tier by the target's headline
    chance (``Target.headline_column``), highest first. The row number (the index) becomes a column."""
    table = scored.reset_index()
    key = table["tier"].map(TIER_RANK) * 2 - table[target.headline_column]
    return table.iloc[key.argsort(kind="stable").to_numpy()].reset_index(drop=True)


def sample_list(n: int = 10_000, seed: int = 11) -> pd.DataFrame:
    """A generated list of the built-in world's leads as a CRM would export it: id, name, owner, email, the
    fields; no tiers."""
    frame = synth.generate(n, seed=seed).loc[:, [ID_COLUMN, *FEATURE_NAMES]]
    numbers = np.arange(1, n + 1)
    frame.insert(1, "name", [f"Sample lead {i}" for i in numbers])
    frame.insert(2, "owner", [_OWNERS[i % len(_OWNERS)] for i in numbers])
    frame.insert(3, "email", [f"lead{i}@example.com" for i in numbers])
    return frame


def expected_conversions(counts: Mapping[str, int], target: Target) -> tuple[float, float] | None:
    """The range of conversions to expect: each tier's count times the conversion it promises
    (None when a tier with leads has no promise)."""
    low = high = 0.0
    for tier, count in counts.items():
        if not count:
            continue
        promise = target.promise(tier)
        if promise is None:
            return None
        low, high = low + count * promise[0], high + count * promise[1]
    return low, high
