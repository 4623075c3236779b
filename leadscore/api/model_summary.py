"""What GET /v1/model says of the active model: one shape for every model, read from its schema and target.

The kind and what is predicted come from the target, the fields from the
schema, the evaluation from the report saved with the version: its headline
numbers as the report's type picks them (``TrainingReport.evaluation_summary``),
never the curves or the baselines.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from leadscore.scoring.scorer import Scorer


class FieldSummary(BaseModel):
    """One input of the active model, as a lead's key."""

    name: str = Field(description="The key in a lead: the column name in the model's files.")
    label: str
    kind: str = Field(description="number, integer, flag (yes/no) or category.")
    levels: list[str] | None = Field(description="A category's levels (other values are scored as 'other').")
    low: float | None = Field(description="Lowest value: the accepted range when strict_range, else the range "
                                          "seen in training (not a limit).")
    high: float | None
    required: bool = Field(description="An empty value is refused (missing value) instead of scored as unknown.")
    strict_range: bool = Field(description="low-high are limits: a value outside is refused.")
    aliases: list[str] = Field(description="Other keys that mean this field (CRM spellings), matched like headers.")
    actionable: bool = Field(description="Whether a salesperson's work can change it.")
    help: str


class ModelInfo(BaseModel):
    """The active model, the fields a lead carries, and its evaluation on held-out data."""

    version: str
    kind: str = Field(description="What the model predicts, which decides the chance fields of a score: "
                                  "three_tiers (probabilities and confidence) or won_lost (p_convert and score).")
    target: str | None = Field(description="The column the model was trained to predict.")
    signature: str = Field(description="signed (its signature checked under the signing key), unsigned (published "
                                       "before signing existed, or its signature was removed: worth a look), or "
                                       "'signed, not checked' (no signing key where the API runs: set "
                                       "LEADSCORE_SIGNING_KEY).")
    created_at: str | None
    preset: str | None
    data_source: str | None
    fields: list[FieldSummary] = Field(description="The fields a lead carries, in model order.")
    evaluation: dict[str, Any] = Field(description="The headline results on held-out leads: accuracy, per-tier "
                                                   "precision, recall and f1, log loss and the Bayes accuracy "
                                                   "(three tiers); ROC AUC, log loss, Brier score, base rate and "
                                                   "how the test part was chosen (won/lost).")


def model_info(scorer: Scorer, signature: str) -> ModelInfo:
    """The active model's identity, its signature state (``signing.py``), its fields and the summary of its
    evaluation report."""
    meta, target = scorer.metadata, scorer.model.target
    evaluation = scorer.report.evaluation_summary()
    fields = [FieldSummary(name=f.name, label=f.title, kind=f.kind, levels=list(f.levels) or None, low=f.low,
                           high=f.high, required=f.required, strict_range=f.strict_range, aliases=list(f.aliases),
                           actionable=f.actionable, help=f.help) for f in scorer.schema.fields]
    return ModelInfo(version=scorer.version, kind=target.kind, target=target.column, signature=signature,
                     created_at=meta.get("created_at"), preset=meta.get("preset"),
                     data_source=meta.get("data_source"), fields=fields, evaluation=evaluation)
