"""The command line of the store: score --record, outcomes, report --json; retrain from results."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leadscore.cli import main
from leadscore.data import synth
from leadscore.modeling.won_lost.train import train_outcome
from leadscore.store import Store
from tests.conftest import SMALL_CANDIDATES


def run(*args: object) -> int:
    return main([str(a) for a in args])


@pytest.fixture
def recorded(tmp_path: Path, model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the registry, 600 leads scored with --record into the store beside it, and their CRM outcomes."""
    monkeypatch.delenv("LEADSCORE_DATABASE_URL", raising=False)
    models = tmp_path / "models"
    shutil.copytree(model_dir, models)
    leads = synth.generate(600, seed=11)
    leads.to_csv(tmp_path / "leads.csv", index=False)
    assert run("score", tmp_path / "leads.csv", "-o", tmp_path / "scored.csv", "--explain", "--record",
               "--id", "lead_id", "--list", "June", "--models-dir", models) == 0
    rng = np.random.default_rng(0)
    won = rng.random(600) < leads["tier"].map({"High": 0.5, "Medium": 0.2, "Low": 0.03}).to_numpy()
    crm = pd.DataFrame({"Lead ID": leads["lead_id"], "Stage": np.where(won, "Closed Won", "Closed Lost")})
    crm.loc[::10, "Stage"] = "Negotiation"
    crm.loc[len(crm)] = ["NOT-SCORED-1", "Closed Won"]
    crm.to_csv(tmp_path / "crm.csv", index=False)
    return models


def test_score_record_outcomes_report(recorded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (recorded / "store.sqlite3").exists()
    capsys.readouterr()
    crm = ("outcomes", tmp_path / "crm.csv", "--id", "Lead ID", "--outcome", "Stage", "--positive", "Closed Won",
           "--negative", "Closed Lost", "--models-dir", recorded)
    assert run(*crm) == 0
    first = capsys.readouterr().out
    assert "540 new outcomes" in first and "1 IDs were never scored" in first and "NOT-SCORED-1" in first
    assert run(*crm, "--json") == 0
    second = json.loads(capsys.readouterr().out)
    assert (second["new"], second["unchanged"], second["open_leads"]) == (0, 540, 60)

    assert run("report", "--json", "--list", "June", "--by", "financing_pre_approved", "--models-dir", recorded) == 0
    report = json.loads(capsys.readouterr().out)
    assert list(report["tiers"]) == ["High", "Medium", "Low"]
    for row in report["tiers"].values():
        assert {"scored", "with_outcome", "converted", "rate", "expected"} <= set(row)
    assert sum(row["scored"] for row in report["tiers"].values()) == 600
    assert sum(row["with_outcome"] for row in report["tiers"].values()) == 540
    psis = [d["psi"] for d in report["drift"]]
    assert len(psis) == 13 and psis == sorted(psis, reverse=True)  # 12 fields and the score, largest first
    assert all({"field", "psi", "status", "leads"} <= set(d) for d in report["drift"])
    assert report["ranking"]["auc"] > 0.6 and {v["value"] for v in report["by"]["values"]} == {"0", "1"}

    assert run("report", "--models-dir", recorded) == 0
    text = capsys.readouterr().out
    assert "High" in text and "ROC AUC" in text and "95% interval" in text
    assert run("report", "--lead", "L11-0000001", "--models-dir", recorded) == 0
    assert "list June" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "message"), [
    (("score", "{leads}", "-o", "{out}", "--id", "lead_id"), "--id, --no-id, --list and --owner need --record"),
    (("score", "{leads}", "-o", "{out}", "--no-id"), "--id, --no-id, --list and --owner need --record"),
    (("score", "{leads}", "-o", "{out}", "--record", "--id", "lead_id", "--no-id"), "give one of them"),
    (("score", "{leads}", "-o", "{out}", "--record", "--id", "owner"), "ID column 'owner' is not in the file"),
    (("outcomes", "{crm}", "--id", "lead", "--outcome", "Stage"), "ID column 'lead' is not in the file"),
    (("outcomes", "{crm}", "--id", "Lead ID", "--outcome", "Stage"), "Which of the others mean lost"),
    (("report", "--lead", "nobody"), "lead 'nobody' was never recorded"),
])
def test_bad_input_is_one_line_and_exit_2(recorded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          args: tuple[str, ...], message: str) -> None:
    paths = {"leads": tmp_path / "leads.csv", "out": tmp_path / "again.csv", "crm": tmp_path / "crm.csv"}
    capsys.readouterr()
    assert run(*(a.format(**paths) for a in args), "--models-dir", recorded) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert message in err[-1] and "Traceback" not in "\n".join(err)


def test_an_unreachable_database_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LEADSCORE_DATABASE_URL", "postgresql+psycopg://nobody:secret@127.0.0.1:1/none")
    assert run("report", "--models-dir", tmp_path) == 2
    err = capsys.readouterr().err
    assert "cannot be opened" in err and "secret" not in err and "Traceback" not in err


def test_retrain_from_results_with_the_normal_trainer(recorded: Path, tmp_path: Path) -> None:
    assert run("outcomes", tmp_path / "crm.csv", "--id", "Lead ID", "--outcome", "Stage", "--positive",
               "Closed Won", "--negative", "Closed Lost", "--models-dir", recorded) == 0
    store = Store.open(models_dir=recorded)
    frame = store.training_frame()
    store.close()
    # Every 10th lead is still in Negotiation: an open lead, not a loss, so it is not trained on
    assert len(frame) == 540 and set(frame["converted"]) == {"yes", "no"}
    result = train_outcome(frame, "converted", id_column="lead_id", candidates=SMALL_CANDIDATES)
    assert result.report.rows == 540 and "income" in result.model.schema.names
    assert "drift_reference" in result.model.metadata
