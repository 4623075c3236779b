"""Setting an outcome model's tier bands after training, measured on the same test leads as the report.

The training report keeps each test lead's chance and outcome (``WonLostReport.test_scores``),
so any bands can be measured there: what share of test leads each tier gets and how
many of them really converted. New bands make a new version: same booster, new
bands, the report's ``bands`` and ``test.tiers`` updated (a published version is
checksummed and never edited in place).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

import numpy as np

from leadscore.modeling.tiers import Bands, tier_report
from leadscore.modeling.won_lost.outcome_model import OutcomeModel
from leadscore.modeling.won_lost.report import TierRow, WonLostReport

BandsBy = Literal["share", "probability"]


def scored_test_leads(report: WonLostReport) -> tuple[np.ndarray, np.ndarray] | None:
    """The test leads' chances and outcomes (0/1) from a training report; None when it has none."""
    scores = report.test_scores
    if scores is None:
        return None
    p, y = np.asarray(scores.p, dtype=np.float64), np.asarray(scores.y, dtype=np.int64)
    if not len(p) or len(p) != len(y):
        return None
    return p, y


def bands_for(model: OutcomeModel, by: BandsBy, high: float, medium: float) -> Bands:
    """Bands by share of leads (``high=0.2``: the top 20% are High, ``medium`` the next share) or by chance.

    Shares are cut on the model's reference chances (its training leads, out of fold), so new
    leads split about the same way; a model without them is cut on chances directly.
    """
    if by == "share":
        if not model.reference:
            raise ValueError("this model has no reference chances; set bands by chance of conversion")
        return Bands.by_share(np.asarray(model.reference), high, medium)
    return Bands.by_probability(high, medium)


def measured_tiers(report: WonLostReport, bands: Bands) -> list[TierRow] | None:
    """Each tier's share of the test leads and its measured conversion rate under ``bands`` (None: no scores)."""
    scores = scored_test_leads(report)
    return None if scores is None else [TierRow.model_validate(row) for row in tier_report(scores[0], scores[1], bands)]


def with_bands(model: OutcomeModel, report: WonLostReport, bands: Bands) -> tuple[OutcomeModel, WonLostReport]:
    """A copy of the model with new bands (same booster) and its report updated to match, ready to publish."""
    new_model = dataclasses.replace(model, bands=bands, metadata=dict(model.metadata))
    new_report = report.model_copy(deep=True)
    new_report.bands = bands.to_dict()
    tiers = measured_tiers(report, bands)
    if tiers is not None:
        test = new_report.test
        test.tiers = tiers
        new_report.test = test  # set: saved even when an old report had no test part
    return new_model, new_report


@dataclass(frozen=True)
class TierBands:
    """A won/lost model's tier bands as a manager moves them (the Model page's "Tier bands"): the bands in use,
    other bands measured on the report's test leads, and a copy of the model with new bands to publish.

    A model offers it when its tiers can be moved (``Model.tier_bands``); the built-in model's bar for High is
    fixed, so it offers none."""

    estimator: OutcomeModel
    report: WonLostReport

    @property
    def current(self) -> Bands:
        """The bands the model uses."""
        return self.estimator.bands

    def bands_for(self, by: BandsBy, high: float, medium: float) -> Bands:
        """Bands by share of leads or by chance (``bands_for``)."""
        return bands_for(self.estimator, by, high, medium)

    def measured(self, bands: Bands) -> list[TierRow] | None:
        """Each tier under ``bands`` on the test leads (``measured_tiers``)."""
        return measured_tiers(self.report, bands)

    def with_bands(self, bands: Bands) -> tuple[OutcomeModel, WonLostReport]:
        """The model and its report with ``bands``, ready to publish (``with_bands``)."""
        return with_bands(self.estimator, self.report, bands)
