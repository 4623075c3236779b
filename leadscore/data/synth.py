"""Synthetic investor leads whose true tier probabilities are known.

Features follow the seed's correlation design: income and credit percentiles
set a lead's engagement propensity, engagement counts are Poisson draws, and
intent flags are probabilistic. A per-lead interest factor (gamma, mean 1)
makes the engagement counts move together, as real engagement does, so rich
but inactive leads exist.

The tier is drawn from an explicit ordered-logit model: a lead's latent
quality ``q`` (a weighted sum of its features) against two cut points gives
P(Low), P(Medium), P(High). Because the model is known, every lead carries its
true probabilities: the mean of the largest one is the Bayes accuracy, the
ceiling no classifier can beat, and they are the truth a model's
probabilities are judged against.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leadscore.fields.builtin import BUILTIN_SCHEMA, CLASSES, FEATURE_NAMES, ID_COLUMN, LABEL_COLUMN

TRUE_PROBABILITY_COLUMNS: tuple[str, ...] = tuple(f"true_p_{t.lower()}" for t in CLASSES)

# Latent quality: weights on centred features. Financial capacity (income,
# credit) matters most, then intent flags, then engagement; tuned so that the
# class mix is 40/50/10 and the Bayes accuracy about 0.88 (tests/test_synth.py).
_QUALITY_WEIGHTS: dict[str, float] = {
    "income": 2.6,            # per doubling of income from $100,000
    "credit_score": 4.2,      # per 100 points above 650
    "engagement": 2.4,        # per quarter of the engagement index above 0.5
    "inquiry_submitted": 1.9,
    "financing_pre_approved": 1.8,
    "budget_disclosed": 1.4,
    "location_preference_set": 1.0,
}
# Age carries no signal: the seed calls it a proxy of buying power, which
# income already measures. A model that leans on age is fitting noise.
_CUT_LOW_MEDIUM = 1.2
_CUT_MEDIUM_HIGH = 11.5


def _engagement_index(frame: pd.DataFrame) -> np.ndarray:
    """Engagement on a common scale: each count as a share of its seed rate, averaged."""
    return (
        frame["website_visits"] / 30
        + frame["email_opens"] / 20
        + frame["property_views"] / 15
        + frame["time_on_site_minutes"] / 60
    ).to_numpy(dtype=float) / 4


def latent_quality(frame: pd.DataFrame) -> np.ndarray:
    """The latent quality q of each lead (higher means a better lead)."""
    w = _QUALITY_WEIGHTS
    q = (
        w["income"] * np.log2(frame["income"].to_numpy(dtype=float) / 100_000)
        + w["credit_score"] * (frame["credit_score"].to_numpy(dtype=float) - 650) / 100
        + w["engagement"] * (_engagement_index(frame) - 0.5) * 4
        + w["inquiry_submitted"] * frame["inquiry_submitted"].to_numpy(dtype=float)
        + w["financing_pre_approved"] * frame["financing_pre_approved"].to_numpy(dtype=float)
        + w["budget_disclosed"] * frame["budget_disclosed"].to_numpy(dtype=float)
        + w["location_preference_set"] * frame["location_preference_set"].to_numpy(dtype=float)
    )
    return q


def true_probabilities(frame: pd.DataFrame) -> np.ndarray:
    """P(Low), P(Medium), P(High) for each lead under the generator's model."""
    q = latent_quality(frame)
    p_low = 1 / (1 + np.exp(q - _CUT_LOW_MEDIUM))
    p_not_high = 1 / (1 + np.exp(q - _CUT_MEDIUM_HIGH))
    return np.column_stack([p_low, p_not_high - p_low, 1 - p_not_high])


def _clipped_poisson(rng: np.random.Generator, rate: np.ndarray, name: str) -> np.ndarray:
    """Poisson counts kept inside the feature's range (the generator's own design choice)."""
    feature = BUILTIN_SCHEMA.field(name)
    return np.clip(rng.poisson(rate), feature.low, feature.high).astype(np.int64)


def generate_features(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """The twelve features for n leads, with the seed's correlations."""
    age = rng.integers(22, 71, n)
    income = np.clip(np.round(rng.lognormal(np.log(90_000), 0.6, n), -2), 30_000, 500_000)
    credit = np.clip(np.round(rng.normal(680, 75, n)), 300, 850).astype(np.int64)
    income_pct = income / 500_000
    credit_pct = credit / 850
    base = (income_pct + credit_pct) / 2
    interest = rng.gamma(2.0, 0.5, n)
    engagement = base * interest
    frame = pd.DataFrame({
        "age": age,
        "income": income.astype(np.int64),
        "credit_score": credit,
        "website_visits": _clipped_poisson(rng, 30 * engagement, "website_visits"),
        "email_opens": _clipped_poisson(rng, 20 * engagement, "email_opens"),
        "property_views": _clipped_poisson(rng, 15 * engagement, "property_views"),
        "contact_attempts": _clipped_poisson(rng, 2 + 3 * base, "contact_attempts"),
        "time_on_site_minutes": np.clip(1 + rng.poisson(60 * engagement), 1, 120).astype(np.int64),
        "inquiry_submitted": (rng.random(n) < 0.15 + 0.5 * engagement.clip(0, 1)).astype(np.int64),
        "financing_pre_approved": (rng.random(n) < 0.3 * credit_pct + 0.3 * credit_pct**4).astype(np.int64),
        "budget_disclosed": (rng.random(n) < 0.2 + 0.4 * income_pct).astype(np.int64),
        "location_preference_set": (rng.random(n) < 0.3 + 0.3 * base).astype(np.int64),
    })
    return frame.loc[:, list(FEATURE_NAMES)]


def generate(n: int = 10_000, seed: int = 42) -> pd.DataFrame:
    """n synthetic leads: lead_id, the twelve features, tier and the true probabilities.

    Deterministic for a given seed.
    """
    rng = np.random.default_rng(seed)
    features = generate_features(n, rng)
    truth = true_probabilities(features)
    draws = rng.random(n)
    tier_index = (draws[:, None] > np.cumsum(truth, axis=1)[:, :2]).sum(axis=1)
    frame = features.assign(**{LABEL_COLUMN: np.asarray(CLASSES)[tier_index]})
    frame[list(TRUE_PROBABILITY_COLUMNS)] = truth
    frame.insert(0, ID_COLUMN, [f"L{seed}-{i:07d}" for i in range(n)])
    return frame


def bayes_accuracy(truth: np.ndarray) -> float:
    """The best accuracy any classifier can expect: the mean of each lead's largest true probability."""
    return float(np.max(truth, axis=1).mean())


def truth_columns(frame: pd.DataFrame) -> np.ndarray | None:
    """The true probabilities a generated file carries, as floats; None for real data.

    Files are read with text columns kept as text, so the numbers are parsed here.
    """
    if not set(TRUE_PROBABILITY_COLUMNS) <= set(frame.columns):
        return None
    return frame.loc[:, list(TRUE_PROBABILITY_COLUMNS)].apply(pd.to_numeric).to_numpy(dtype=float)
