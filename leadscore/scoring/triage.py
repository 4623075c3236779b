"""Helpers for triaging a lead list: call order, the template, the sample list, expected conversions."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from leadscore.data import synth
from leadscore.fields.builtin import FEATURE_NAMES, ID_COLUMN, TIER_CONVERSION_RATES, example_lead

_OWNERS = ("Alex Kim", "Bea Moreno", "Chris Patel", "Dana Okafor")
#: Call order of the tiers, for both kinds of model.
TIER_RANK: dict[str, int] = {"High": 0, "Medium": 1, "Low": 2}


def call_order(scored: pd.DataFrame, chance_column: str) -> pd.DataFrame:
    """The scored list in call order: High first, then Medium, then Low; within a tier by ``chance_column``
    (``p_high`` for the built-in model, ``p_convert`` for an outcome model), highest first. The row number
    (the index) becomes a column."""
    table = scored.reset_index()
    key = table["tier"].map(TIER_RANK) * 2 - table[chance_column]
    return table.iloc[key.argsort(kind="stable").to_numpy()].reset_index(drop=True)


def template_frame() -> pd.DataFrame:
    """The CSV template: an id column and every feature, with one typical lead as the example row."""
    return pd.DataFrame([{ID_COLUMN: "L-0001", **example_lead()}], columns=[ID_COLUMN, *FEATURE_NAMES])


def sample_list(n: int = 10_000, seed: int = 11) -> pd.DataFrame:
    """A generated lead list as a CRM would export it: id, name, owner, email, the features; no tiers."""
    frame = synth.generate(n, seed=seed).loc[:, [ID_COLUMN, *FEATURE_NAMES]]
    numbers = np.arange(1, n + 1)
    frame.insert(1, "name", [f"Sample lead {i}" for i in numbers])
    frame.insert(2, "owner", [_OWNERS[i % len(_OWNERS)] for i in numbers])
    frame.insert(3, "email", [f"lead{i}@example.com" for i in numbers])
    return frame


def expected_conversions(counts: Mapping[str, int]) -> tuple[float, float]:
    """The range of conversions to expect, using the seed's conversion rates per tier."""
    low = sum(counts.get(tier, 0) * rates[0] for tier, rates in TIER_CONVERSION_RATES.items())
    high = sum(counts.get(tier, 0) * rates[1] for tier, rates in TIER_CONVERSION_RATES.items())
    return low, high
