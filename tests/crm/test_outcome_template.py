"""The typical lead of an outcome model is measured on its training rows (the template's scoring: test_template.py)."""

from __future__ import annotations

import pandas as pd

from leadscore.data.csvio import read_table
from leadscore.fields.field import Field, Schema
from leadscore.modeling.won_lost.train import OutcomeTraining
from leadscore.scoring.template import template_frame, typical_lead
from tests.conftest import BANK_SAMPLE


def test_typical_values_are_measured_on_the_training_rows(crm_training: OutcomeTraining) -> None:
    schema = crm_training.model.schema
    lead = typical_lead(schema)
    assert list(lead) == list(schema.names)
    sample = read_table(BANK_SAMPLE)
    # Medians of the whole sample; the training part (80%) gives the same whole numbers.
    assert lead["age"] == str(int(pd.to_numeric(sample["age"]).median())) == "39"
    assert lead["campaign"] == "2" and lead["previous"] == "0"
    assert lead["housing"] == "yes" and lead["loan"] == "no"  # most of the sample has a housing loan
    assert lead["job"] == "blue-collar" and lead["contact"] == "cellular"  # the commonest kept levels
    assert schema.field("age").typical == 39.0
    assert lead["poutcome"] == ""  # 82% of past leads have no previous outcome: the typical lead neither


def test_the_template_of_a_model_without_an_id_column_gets_one(crm_training: OutcomeTraining) -> None:
    schema = crm_training.model.schema
    assert schema.id_column is None  # bank-marketing has no lead ID
    template = template_frame(schema)
    assert list(template.columns) == ["lead_id", *schema.names]
    assert template.iloc[0, 1:].to_dict() == typical_lead(schema)


def test_a_field_without_a_typical_value_is_left_empty() -> None:
    old = Field.from_dict({"name": "visits", "kind": "integer", "low": 0, "high": 9})
    assert old.typical is None
    schema = Schema(fields=(old, Field("source", "category", levels=("other", "Google")),
                            Field("rating", "integer", low=1, high=5, typical=3, fill_rate=0.3),
                            Field("calls", "integer", low=1, high=5, typical=2, fill_rate=0.6)))
    assert typical_lead(schema) == {"visits": "", "source": "Google", "rating": "", "calls": "2"}
    assert Field.from_dict(old.to_dict() | {"typical": 4}).typical == 4.0
