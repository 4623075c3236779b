"""The typical lead and CSV template of an outcome model come from its schema."""

from __future__ import annotations

import pandas as pd
from leadscore.scoring.outcome_scorer import OutcomeScorer
from leadscore.scoring.outcome_template import template_frame, typical_lead

from leadscore.data.csvio import read_table
from leadscore.fields.field import Field, OutcomeSchema
from leadscore.modeling.outcome import OutcomeTraining
from tests.conftest import BANK_SAMPLE


def test_typical_values_are_measured_on_the_training_rows(crm_training: OutcomeTraining) -> None:
    schema = crm_training.model.schema
    lead = typical_lead(schema)
    assert list(lead) == list(schema.names)
    sample = read_table(BANK_SAMPLE, as_text=True)
    # Medians of the whole sample; the training part (80%) gives the same whole numbers.
    assert lead["age"] == str(int(pd.to_numeric(sample["age"]).median())) == "39"
    assert lead["campaign"] == "2" and lead["previous"] == "0"
    assert lead["housing"] == "yes" and lead["loan"] == "no"  # most of the sample has a housing loan
    assert lead["job"] == "blue-collar" and lead["contact"] == "cellular"  # the commonest kept levels
    assert schema.field("age").typical == 39.0
    assert lead["poutcome"] == ""  # 82% of past leads have no previous outcome: the typical lead neither


def test_the_template_has_the_fields_as_columns_and_scores(crm_training: OutcomeTraining) -> None:
    schema = crm_training.model.schema
    template = template_frame(schema)
    assert list(template.columns) == ["lead_id", *schema.names]
    assert len(template) == 1 and template.loc[0, "lead_id"] == "L-0001"
    batch = OutcomeScorer(crm_training.model).score(template.astype(str))
    assert batch.rows_read == 1 and len(batch.scored) == 1 and batch.problems.empty
    assert 0 < batch.scored["p_convert"].iloc[0] < 1


def test_a_field_without_a_typical_value_is_left_empty() -> None:
    old = Field.from_dict({"name": "visits", "kind": "integer", "low": 0, "high": 9})
    assert old.typical is None
    schema = OutcomeSchema(fields=(old, Field("source", "category", levels=("other", "Google")),
                                   Field("rating", "integer", low=1, high=5, typical=3, fill_rate=0.3),
                                   Field("calls", "integer", low=1, high=5, typical=2, fill_rate=0.6)),
                           target="won", positive=("yes",))
    assert typical_lead(schema) == {"visits": "", "source": "Google", "rating": "", "calls": "2"}
    assert Field.from_dict(old.to_dict() | {"typical": 4}).typical == 4.0
