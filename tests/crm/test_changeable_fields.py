"""What-if never suggests reversing a consent: no field is changeable by its name alone (the command line and
the dashboard share the default: none), a consent or opt-out field can never be marked changeable, and the
what-if never moves one even in a model that marked it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leadscore.fields.headers import consent_word
from leadscore.fields.infer import default_changeable, infer_columns
from leadscore.fields.rejections import SchemaError
from leadscore.modeling.model import model_of
from leadscore.modeling.won_lost.train import train_outcome
from leadscore.registry import Registry
from leadscore.scoring.scorer import Scorer
from leadscore.scoring.whatif import move_up
from tests.cli_run import run_cli
from tests.crm.conftest import FAST


@pytest.mark.parametrize(("header", "word"), [
    ("Do Not Email", "do not email"), ("Do Not Call", "do not call"), ("DoNotEmail", "do not email"),
    ("unsubscribed", "unsubscribed"), ("Email Opt-Out", "opt out"), ("emailOptOut", "opt out"),
    ("GDPR consent given", "consent"), ("Marketing permission", "permission"),
    ("Receive More Updates About Our Courses", "receive updates"), ("dnc_flag", "dnc"),
    ("Lead Source", None), ("Last Contact", None), ("campaign", None), ("email_count", None),
    ("Email Opened", None), ("TotalVisits", None),
])
def test_consent_and_opt_out_fields_are_known_by_their_words(header: str, word: str | None) -> None:
    assert consent_word(header) == word


def _education_export(n: int = 800, seed: int = 2) -> pd.DataFrame:
    """An export where an opt-out sways the outcome strongly, beside fields a salesperson really works on."""
    rng = np.random.default_rng(seed)
    opted_out = rng.random(n) < 0.3
    calls = rng.integers(0, 6, n)
    won = rng.random(n) < 1 / (1 + np.exp(-(-0.5 + 0.5 * calls - 2.5 * opted_out)))
    return pd.DataFrame({
        "Lead Number": [str(700000 + i) for i in range(n)],
        "Do Not Email": np.where(opted_out, "Yes", "No"),
        "Calls Made": calls.astype(str),
        "Last Contact": rng.choice(["Phone", "Email", "Chat"], n),
        "Converted": np.where(won, "1", "0"),
    }).astype("string")


def test_no_field_is_changeable_by_default_on_any_face() -> None:
    frame = _education_export()
    review = infer_columns(frame, "Converted")
    assert default_changeable(review) == ()  # the dashboard's review starts from this too
    trained = train_outcome(frame, "Converted", candidates=FAST)
    assert [f.name for f in trained.model.schema.actionable] == []


def test_a_consent_field_cannot_be_marked_changeable(tmp_path: Path) -> None:
    frame = _education_export()
    with pytest.raises(SchemaError, match=r"--actionable 'Do Not Email': a consent or opt-out field"):
        train_outcome(frame, "Converted", actionable=["Calls Made", "Do Not Email"], candidates=FAST)
    data = tmp_path / "export.csv"
    frame.to_csv(data, index=False)
    result = run_cli("train", "--data", data, "--target", "Converted", "--actionable", "do not email",
                     "--models-dir", tmp_path / "m")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "leadscore train: --actionable 'do not email': a consent or opt-out field" in result.stderr
    assert not (tmp_path / "m" / "versions").exists() or not any((tmp_path / "m" / "versions").iterdir())


def test_the_what_if_never_moves_an_opt_out_even_in_a_model_that_marked_it(tmp_path: Path) -> None:
    frame = _education_export()
    trained = train_outcome(frame, "Converted", actionable=["Calls Made"], candidates=FAST)
    schema = trained.model.schema
    # as a model saved before this rule might have it: the opt-out marked changeable too
    marked = dataclasses.replace(schema, fields=tuple(
        dataclasses.replace(f, actionable=True) if f.name in ("Do Not Email", "Calls Made") else f
        for f in schema.fields))
    model = dataclasses.replace(trained.model, schema=marked)
    version = Registry(tmp_path).publish(model, trained.report, check_rows=frame)
    scorer = Scorer(Registry(tmp_path).load(version))
    assert {f.name for f in scorer.schema.actionable} == {"Do Not Email", "Calls Made"}
    opted_out = frame[(frame["Do Not Email"] == "Yes") & (frame["Calls Made"] == "0")].drop(columns=["Converted"])
    assert len(opted_out)
    for _, row in opted_out.head(5).iterrows():
        lead = row.to_dict()
        assert scorer.score_lead(lead).tier != "High"
        answer = move_up(scorer, lead)
        assert answer.searched == ("Calls Made",)
        assert all(c.field.name != "Do Not Email" for c in (*answer.changes, *answer.closest))
    plain = Scorer(model_of(trained.model))
    assert all(f.name != "Do Not Email" for f in plain.schema.actionable)
