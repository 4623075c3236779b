"""Helpers for triaging a lead list: the template, the sample list, expected conversions."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from leadscore.data import synth
from leadscore.fields.builtin import FEATURE_NAMES, ID_COLUMN, TIER_CONVERSION_RATES, example_lead

_OWNERS = ("Alex Kim", "Bea Moreno", "Chris Patel", "Dana Okafor")


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
