"""Headers a CRM may write: non-Latin scripts train and load under their own names; names that clash once
case and punctuation are ignored are refused before training, naming the columns; an input column named like
an output column keeps a unique name; a model that would not load back is never published."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import leadscore
from leadscore.cli import main
from leadscore.data.csvio import read_table
from leadscore.fields.headers import header_key
from leadscore.fields.rejections import SchemaError
from leadscore.modeling.model import model_of
from leadscore.modeling.won_lost.target import WonLost
from leadscore.modeling.won_lost.train import train_outcome
from leadscore.registry import NotPublishedError, Registry
from leadscore.scoring.scorer import Scorer
from tests.crm.conftest import FAST, crm_frame


def test_header_keys_keep_letters_of_every_script_and_ascii_keys_are_unchanged() -> None:
    assert header_key("Возраст") == "возраст" and header_key("Работа") == "работа"
    assert header_key("Возраст") != header_key("Работа")
    assert header_key("ＪＯＢ") == header_key("Job ") == header_key("j-o-b") == "job"
    assert header_key(" Lead_Source-2 ") == "leadsource2"


def test_non_latin_headers_train_publish_load_and_score_under_their_own_names(tmp_path: Path) -> None:
    frame = crm_frame().rename(columns={"Visits": "Возраст", "Lead Source": "Работа", "Converted": "Результат"})
    trained = train_outcome(frame, "Результат", candidates=FAST)
    assert {"Возраст", "Работа"} <= set(trained.model.schema.names)
    Registry(tmp_path).publish(trained.model, trained.report, check_rows=frame)
    scorer = leadscore.load(tmp_path)
    assert isinstance(scorer.model.target, WonLost)
    leads = tmp_path / "leads.csv"
    frame.drop(columns=["Результат"]).head(50).to_csv(leads, index=False)
    assert main(["score", str(leads), "-o", str(tmp_path / "out.csv"), "--explain",
                 "--models-dir", str(tmp_path)]) == 0
    scored = read_table(tmp_path / "out.csv")
    assert len(scored) == 50 and scored["reason_1"].str.contains("Возраст|Работа").any()


@pytest.mark.parametrize(("rename", "extra", "named"), [
    ({}, ("VISITS", "Visits"), ["'Visits' and 'VISITS'"]),
    ({"Lead Source": "Job "}, ("j-o-b", "Job "), ["'Job ' and 'j-o-b'"]),
])
def test_columns_equal_once_case_and_punctuation_are_ignored_are_refused_before_training(
        rename: dict[str, str], extra: tuple[str, str], named: list[str]) -> None:
    frame = crm_frame().rename(columns=rename)
    frame[extra[0]] = frame[extra[1]]
    with pytest.raises(SchemaError, match=named[0] + " are the same name once case, spaces and punctuation"):
        train_outcome(frame, "Converted", candidates=FAST)


def test_leaving_one_of_two_clashing_columns_out_trains_and_loads(tmp_path: Path) -> None:
    frame = crm_frame()
    frame["VISITS"] = frame["Visits"]
    trained = train_outcome(frame, "Converted", exclude=["VISITS"], candidates=FAST)
    assert "Visits" in trained.model.schema.names and "VISITS" not in trained.model.schema.names
    Registry(tmp_path).publish(trained.model, trained.report, check_rows=frame)
    assert leadscore.load(tmp_path).version


def test_a_column_named_like_the_outcome_is_refused_naming_both() -> None:
    frame = crm_frame().rename(columns={"Converted": "y"})
    frame["Y "] = frame["Visits"]
    with pytest.raises(SchemaError, match="column 'Y ' and the outcome column 'y' are the same name"):
        train_outcome(frame, "y", candidates=FAST)
    trained = train_outcome(frame, "y", exclude=["Y "], candidates=FAST)
    assert "Y " not in trained.model.schema.names


def test_the_command_line_refuses_clashing_columns_in_one_line(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    frame = crm_frame()
    frame["JOB"], frame["job"] = frame["Lead Source"], frame["Lead Source"]
    data = tmp_path / "crm.csv"
    frame.to_csv(data, index=False)
    assert main(["train", "--data", str(data), "--target", "Converted", "--models-dir", str(tmp_path / "m")]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "'JOB' and 'job'" in error
    assert not (tmp_path / "m" / "active.json").exists()


def test_a_model_that_would_not_load_back_is_not_published(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    trained = train_outcome(crm_frame(), "Converted", candidates=FAST)
    first = registry.publish(trained.model, trained.report)
    fields = list(trained.model.schema.fields)
    fields[1] = replace(fields[1], name=fields[0].name.upper())  # as the old header key let through
    broken = replace(trained.model, schema=replace(trained.model.schema, fields=tuple(fields)))
    with pytest.raises(NotPublishedError, match="was not published: read back from disk it does not load "
                                                r"\(.*two fields have the same name\); the active model is unchanged"):
        registry.publish(broken, trained.report)
    assert registry.active_version() == first and [v.version for v in registry.versions()] == [first]


def test_input_columns_named_like_output_columns_get_unique_names() -> None:
    frame = crm_frame()
    trained = train_outcome(frame, "Converted", candidates=FAST)
    leads = frame.drop(columns=["Converted"]).head(20).assign(
        tier="t", score="s", p_convert="p", reason_1="r", tier_input="ti")
    scored = Scorer(model_of(trained.model)).score(leads, explain=True).scored
    assert scored.columns.is_unique
    assert (scored["tier_input"] == "ti").all() and (scored["tier_input_2"] == "t").all()
    assert (scored["score_input"] == "s").all() and (scored["p_convert_input"] == "p").all()
    assert set(scored["tier"]) <= {"High", "Medium", "Low"}
