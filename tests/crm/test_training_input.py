"""Training input says what is wrong and trains what it can: a value cannot be both won and lost; a CRM export
with columns named like the scored output trains and publishes; `evaluate` gives the true reason when no closed
lead can be scored."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leadscore.fields.infer import OutcomeError
from leadscore.modeling.model import model_of
from leadscore.modeling.won_lost.train import train_outcome
from leadscore.registry import Registry
from leadscore.scoring.scorer import Scorer
from leadscore.store import read_outcomes
from tests.cli_run import run_cli
from tests.crm.conftest import FAST, crm_frame


def _process(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """`python -m leadscore.cli ARGS` in a process of its own (the other tests run it in this one:
    tests/cli_run.py)."""
    return subprocess.run([sys.executable, "-m", "leadscore.cli", *map(str, args)], capture_output=True, text=True,
                          env=dict(os.environ), timeout=600)


def _one_line(result: subprocess.CompletedProcess[str], command: str) -> str:
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith(f"leadscore {command}: ")]
    return line


def _won_lost(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(Converted=frame["Converted"].map({"1": "Won", "0": "Lost"}))


def test_a_value_named_both_won_and_lost_is_refused_in_training_and_in_outcomes(tmp_path: Path) -> None:
    crm = tmp_path / "crm.csv"
    _won_lost(crm_frame()).to_csv(crm, index=False)

    line = _one_line(_process("train", "--data", crm, "--target", "Converted", "--positive", "Won", "--negative",
                          " won ", "--models-dir", tmp_path / "m"), "train")
    assert "outcome value 'won' is named both converted and lost: a value cannot mean both" in line
    assert not (tmp_path / "m" / "active.json").exists()

    line = _one_line(run_cli("outcomes", crm, "--id", "Lead Number", "--outcome", "Converted", "--positive", "Won",
                         "--negative", "Won", "--models-dir", tmp_path / "m"), "outcomes")
    assert "'Won' is named both converted and lost" in line
    with pytest.raises(OutcomeError, match="named both"):
        read_outcomes(_won_lost(crm_frame()), "Lead Number", "Converted", positive=["WON"], negative=["Lost", "won"])


def _with_output_names(frame: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    """A CRM's own columns named like the scored output: a tier, a score, a chance as text, a reason."""
    rng = np.random.default_rng(seed)
    n = len(frame)
    return frame.assign(tier=rng.choice(["Gold", "Silver", "Bronze"], n),
                        score=rng.choice(["Hot", "Warm", "Cold"], n),
                        p_convert=rng.choice(["likely", "unlikely", "n/a"], n),
                        reason_1=rng.choice(["Price", "Timing", "Other"], n),
                        tier_input=rng.choice(["A", "B"], n)).astype("string")


def test_an_export_with_columns_named_like_the_output_trains_and_publishes(tmp_path: Path) -> None:
    crm = tmp_path / "crm.csv"
    _with_output_names(crm_frame()).to_csv(crm, index=False)

    result = run_cli("train", "--data", crm, "--target", "Converted", "--keep", "score", "reason_1", "--models-dir",
                  tmp_path / "m")

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "published and active" in result.stdout
    model = Registry(tmp_path / "m").load()
    assert {"tier", "score", "p_convert", "reason_1", "tier_input"} <= set(model.schema.names)
    scored = run_cli("score", crm, "-o", tmp_path / "scored.csv", "--explain", "--models-dir", tmp_path / "m")
    assert scored.returncode == 0, scored.stderr
    table = pd.read_csv(tmp_path / "scored.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert table.columns.is_unique and {"p_convert_input", "tier_input_2", "tier_input"} <= set(table.columns)
    assert set(table["p_convert_input"]) == {"likely", "unlikely", "n/a"}


def test_the_publish_check_compares_the_models_columns_never_the_files(tmp_path: Path) -> None:
    frame = _with_output_names(crm_frame())
    trained = train_outcome(frame, "Converted", candidates=FAST, keep=["score", "reason_1"])
    assert "p_convert" in trained.model.schema.names
    version = Registry(tmp_path).publish(trained.model, trained.report, check_rows=frame)
    scored = Scorer(Registry(tmp_path).load(version)).score(frame.head(30), explain=True).scored
    expected = Scorer(model_of(trained.model)).score(frame.head(30), explain=True).scored
    np.testing.assert_allclose(scored["p_convert"].to_numpy(float), expected["p_convert"].to_numpy(float), atol=1e-6)


@pytest.fixture(scope="module")
def won_lost_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A team's model whose training file spelled its outcomes Won and Lost."""
    root = tmp_path_factory.mktemp("evaluate")
    trained = train_outcome(_won_lost(crm_frame()), "Converted", candidates=FAST)
    Registry(root).publish(trained.model, trained.report)
    return root


def test_evaluate_on_outcomes_spelled_otherwise_names_the_values(won_lost_models: Path, tmp_path: Path) -> None:
    data = tmp_path / "closed.csv"
    crm_frame(seed=5).to_csv(data, index=False)  # 1/0 where the model learned Won/Lost

    line = _one_line(run_cli("evaluate", "--data", data, "--models-dir", won_lost_models), "evaluate")

    assert "column 'Converted' holds no closed lead" in line
    assert "reads 'Won' as converted and 'Lost' as not converted" in line and "values seen: '0' (" in line
    assert "must include converted and not converted" not in line


def test_evaluate_on_a_file_whose_every_row_is_invalid_names_the_first(won_lost_models: Path,
                                                                       tmp_path: Path) -> None:
    data = tmp_path / "closed.csv"
    frame = _won_lost(crm_frame(seed=5))
    frame.loc[:, "Visits"] = "lots"
    frame.loc[0, "Converted"] = ""  # an open lead first: rows are numbered as in the file
    frame.to_csv(data, index=False)

    line = _one_line(run_cli("evaluate", "--data", data, "--models-dir", won_lost_models), "evaluate")

    assert f"every one of the {len(frame) - 1:,} closed leads was rejected" in line
    assert "first: row 2, column 'Visits', value 'lots': not a number" in line


def test_evaluate_on_closed_leads_of_one_outcome_says_which(won_lost_models: Path, tmp_path: Path) -> None:
    data = tmp_path / "closed.csv"
    frame = _won_lost(crm_frame(seed=5))
    frame[frame["Converted"] == "Won"].to_csv(data, index=False)

    line = _one_line(run_cli("evaluate", "--data", data, "--models-dir", won_lost_models), "evaluate")

    assert "scored closed leads are converted" in line
