"""The synthetic generator: the seed's design, the class mix, and a Bayes ceiling of 0.86-0.90."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leadscore.data import synth
from leadscore.fields.builtin import BUILTIN_SCHEMA, CLASSES
from leadscore.fields.scenarios import SCENARIOS


@pytest.fixture(scope="module")
def leads() -> pd.DataFrame:
    return synth.generate(50_000, seed=11)


def test_same_seed_same_leads_other_seed_other_leads() -> None:
    pd.testing.assert_frame_equal(synth.generate(500, seed=9), synth.generate(500, seed=9))
    assert not synth.generate(500, seed=9).equals(synth.generate(500, seed=10))


def test_every_generated_lead_is_valid(leads: pd.DataFrame) -> None:
    checked = BUILTIN_SCHEMA.parse(leads)
    assert checked.problems.empty and len(checked.matrix) == len(leads)
    for feature in BUILTIN_SCHEMA.fields:
        assert leads[feature.name].between(feature.low, feature.high).all()


def test_class_mix_is_40_50_10_within_3_points(leads: pd.DataFrame) -> None:
    mix = leads["tier"].value_counts(normalize=True)
    assert mix["Low"] == pytest.approx(0.40, abs=0.03)
    assert mix["Medium"] == pytest.approx(0.50, abs=0.03)
    assert mix["High"] == pytest.approx(0.10, abs=0.03)


def test_bayes_accuracy_is_between_086_and_090(leads: pd.DataFrame) -> None:
    truth = leads[list(synth.TRUE_PROBABILITY_COLUMNS)].to_numpy()
    assert np.allclose(truth.sum(axis=1), 1)
    assert 0.86 <= synth.bayes_accuracy(truth) <= 0.90


def test_tiers_are_drawn_from_the_true_probabilities(leads: pd.DataFrame) -> None:
    truth = leads[list(synth.TRUE_PROBABILITY_COLUMNS)].to_numpy()
    observed = pd.get_dummies(leads["tier"])[list(CLASSES)].to_numpy().mean(axis=0)
    assert np.allclose(observed, truth.mean(axis=0), atol=0.01)


def test_richer_leads_engage_more_as_the_seed_designs(leads: pd.DataFrame) -> None:
    quartile = pd.qcut(leads["income"], 4, labels=False)
    visits = leads.groupby(quartile)["website_visits"].mean()
    assert visits.is_monotonic_increasing
    assert visits.iloc[-1] > 1.3 * visits.iloc[0]
    assert leads["credit_score"].corr(leads["financing_pre_approved"]) > 0.1
    assert leads["website_visits"].corr(leads["email_opens"]) > 0.4


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_true_probabilities_agree_with_the_seed_scenarios(scenario) -> None:  # noqa: ANN001
    truth = synth.true_probabilities(pd.DataFrame([scenario.lead]))[0]
    assert CLASSES[int(truth.argmax())] == scenario.tier
    low, high = scenario.band
    assert low < truth.max() <= high
