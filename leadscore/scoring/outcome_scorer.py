"""Scoring leads with an outcome model: chance of conversion, score, tier and reasons in words.

Reasons answer "why this tier": each field's exact SHAP contribution to the
calibrated log-odds of conversion (``OutcomeModel.contributions``), the
strongest for the tier first: for High the fields that raise the chance most,
for Low those that lower it most, for Medium the largest either way. Each
reads as the field's own name and value: "Lead source: Google (raises)".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from leadscore.fields.builtin import CountsRejections, input_renames
from leadscore.fields.field import ALL_FIELDS, ParsedBatch
from leadscore.modeling.outcome_model import OutcomeModel, sigmoid
from leadscore.modeling.tiers import Bands
from leadscore.scoring.model_info import ModelInfo

P_COLUMN = "p_convert"
REASON_COLUMNS: tuple[str, ...] = ("reason_1", "reason_2", "reason_3")
OUTPUT_COLUMNS: tuple[str, ...] = (P_COLUMN, "score", "tier", *REASON_COLUMNS)


@dataclass(frozen=True)
class OutcomeBatch(CountsRejections):
    """Scored rows (input columns kept, output columns added; index = 1-based row), problems, rows read."""

    scored: pd.DataFrame
    problems: pd.DataFrame
    rows_read: int


@dataclass(frozen=True)
class OutcomeLead:
    """One lead's score and its SHAP waterfall (base + contributions = logit of p_convert)."""

    p_convert: float
    score: int
    tier: str
    reasons: list[str]
    base_value: float
    contributions: dict[str, float]
    problems: list[str]


def to_score(p: np.ndarray) -> np.ndarray:
    """The chance as a whole score 0-100."""
    return np.rint(np.asarray(p) * 100).astype(np.int64)


class OutcomeScorer(ModelInfo):
    """An outcome model plus what it takes to score and explain leads in words."""

    def __init__(self, model: OutcomeModel) -> None:
        self.model = model

    @property
    def report(self) -> dict[str, Any]:
        """The training report (empty before the model is published)."""
        report = self.model.metadata.get("report")
        return report if isinstance(report, dict) else {}

    def set_bands(self, by: Literal["share", "probability"], high: float, medium: float) -> Bands:
        """Set the tier bands: by share of leads (high=0.2 means the top 20%) or by chance of conversion."""
        if by == "share":
            if not self.model.reference:
                raise ValueError("this model has no reference chances; set bands by probability")
            bands = Bands.by_share(np.asarray(self.model.reference), high, medium)
        elif by == "probability":
            bands = Bands.by_probability(high, medium)
        else:
            raise ValueError("bands are set by 'share' or 'probability'")
        self.model.bands = bands
        return bands

    # ---- words ----------------------------------------------------------------------------------
    def _reasons(self, codes: np.ndarray, contributions: np.ndarray, tiers: np.ndarray,
                 empty: np.ndarray) -> list[list[str]]:
        """Reason words per lead; ``empty`` marks the cells left empty (a filled-in typical value says so)."""
        sign = np.where(tiers == "High", -1.0, np.where(tiers == "Low", 1.0, 0.0))[:, None]
        key = np.where(sign == 0, -np.abs(contributions), sign * contributions)
        top = np.argsort(key, axis=1, kind="stable")[:, : len(REASON_COLUMNS)]
        out = []
        for i, row in enumerate(top):
            words = [f"{self._words(j, codes[i, j], bool(empty[i, j]))} "
                     f"({'raises' if contributions[i, j] > 0 else 'lowers'})" for j in row if contributions[i, j] != 0]
            out.append(words + [""] * (len(REASON_COLUMNS) - len(words)))
        return out

    def _words(self, j: int, code: float, empty: bool) -> str:
        schema = self.model.schema
        field, value = schema.fields[j], schema.value(j, code)
        if empty and field.fill_in is not None:
            return f"{field.title}: empty, taken as {field.value_words(value)}"
        return field.describe(value)

    # ---- batches --------------------------------------------------------------------------------
    def score_parsed(self, batch: ParsedBatch, explain: bool = True) -> OutcomeBatch:
        """Add the output columns to the valid rows of a parsed batch."""
        empty = self.model.schema.codes(batch.matrix, fill_in=False)
        codes = self.model.schema.fill_in(empty)
        out = batch.valid.rename(columns=input_renames(batch.valid.columns, OUTPUT_COLUMNS))
        if explain:
            contributions = self.model.contributions(codes)
            p = sigmoid(contributions.sum(axis=1))
        else:
            p = self.model.predict(codes)
        tiers = self.model.bands.tiers(p)
        out[P_COLUMN] = p
        out["score"] = to_score(p)
        out["tier"] = tiers
        if explain:
            reasons = self._reasons(codes, contributions[:, :-1], tiers, np.isnan(empty))
            for k, column in enumerate(REASON_COLUMNS):
                out[column] = pd.Series([row[k] for row in reasons], index=out.index, dtype=object)
        return OutcomeBatch(scored=out, problems=batch.problems, rows_read=batch.rows_read)

    def score(self, frame: pd.DataFrame, explain: bool = True, first_row: int = 1) -> OutcomeBatch:
        """Parse and score a batch (headers as in the file); raises SchemaError when a field's column is absent."""
        return self.score_parsed(self.model.schema.parse(frame, first_row), explain)

    def score_lead(self, lead: Mapping[str, Any]) -> OutcomeLead:
        """One lead: keys are the file's column names (any case), values as in the file; extra keys allowed.

        A value that cannot be what its field is (text in a number field) is
        reported in ``problems`` and scored as empty, so one bad cell does not
        lose the lead; the API may refuse it instead. No pandas on this path.
        """
        schema = self.model.schema
        empty, bad = schema.parse_lead(lead)
        codes = schema.fill_in(empty)
        contributions = self.model.contributions(codes)
        p = float(sigmoid(contributions[0].sum()))
        tier = str(self.model.bands.tiers(np.array([p]))[0])
        reasons = [r for r in self._reasons(codes, contributions[:, :-1], np.array([tier]), np.isnan(empty))[0]
                   if r]
        return OutcomeLead(p_convert=p, score=int(to_score(np.array([p]))[0]), tier=tier, reasons=reasons,
                           base_value=float(contributions[0, -1]),
                           contributions=dict(zip(schema.names, contributions[0, :-1].tolist(), strict=True)),
                           problems=[self._problem(name, value, reason) for name, value, reason in bad])

    def _problem(self, name: str, value: str, reason: str) -> str:
        """One refused cell in words; a lead with no field filled in is told which keys the model reads."""
        if name == ALL_FIELDS:
            return f"{reason}; the model reads {', '.join(repr(n) for n in self.model.schema.names)}"
        return f"{name}: {reason} ({value!r})"
