"""``leadscore report``: the active model's version by default; ``--model`` takes an id, a name as ``models list``
prints it, or ``all`` (a section per version); an unknown list, version or name is exit 2 naming what exists."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from leadscore.cli import main
from leadscore.data import synth
from leadscore.registry import Registry


def run(*args: object) -> int:
    return main([str(a) for a in args])


@pytest.fixture
def two_versions(tmp_path: Path, model_dir: Path, small_training: object,
                 monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str, str]:
    """The built-in registry with a second built-in version (active); 300 leads recorded by each, and outcomes."""
    monkeypatch.delenv("LEADSCORE_DATABASE_URL", raising=False)
    models = tmp_path / "models"
    shutil.copytree(model_dir, models, ignore=shutil.ignore_patterns(".lock"))
    registry = Registry(models)
    first = str(registry.active_version())
    leads = synth.generate(600, seed=4)
    leads.head(300).to_csv(tmp_path / "first.csv", index=False)
    leads.tail(300).to_csv(tmp_path / "second.csv", index=False)
    assert run("score", tmp_path / "first.csv", "-o", tmp_path / "a.csv", "--record", "--id", "lead_id", "--list",
               "April", "--models-dir", models) == 0
    second = registry.publish(small_training.model, small_training.report)
    registry.rename(second, "Small seed model")
    assert run("score", tmp_path / "second.csv", "-o", tmp_path / "b.csv", "--record", "--id", "lead_id", "--list",
               "May", "--models-dir", models) == 0
    leads.assign(Stage=["Won" if t == "High" else "Lost" for t in leads["tier"]])[["lead_id", "Stage"]].to_csv(
        tmp_path / "crm.csv", index=False)
    assert run("outcomes", tmp_path / "crm.csv", "--id", "lead_id", "--outcome", "Stage", "--models-dir",
               models) == 0
    return models, first, second


def test_report_covers_the_active_version_unless_asked(two_versions: tuple[Path, str, str],
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    models, first, second = two_versions
    capsys.readouterr()
    assert run("report", "--json", "--models-dir", models) == 0
    active = json.loads(capsys.readouterr().out)
    assert active["model"] == {"version": second, "name": "Small seed model", "active": True}
    assert sum(t["scored"] for t in active["tiers"].values()) == 300  # the active version's leads only
    assert {"tiers", "drift", "ranking", "gain"} <= set(active)
    high = active["tiers"]["High"]
    assert high["open"] == 0 and high["expected_leads"] == high["rate_leads"] == high["with_outcome"]

    assert run("models", "list", "--models-dir", models) == 0
    listed = capsys.readouterr().out
    name = re.search(rf'^{first} .*?"([^"]+)"', listed, re.MULTILINE)[1]  # the name as `models list` prints it
    assert run("report", "--json", "--model", name, "--models-dir", models) == 0
    by_name = json.loads(capsys.readouterr().out)
    assert by_name["model"]["version"] == first and sum(t["scored"] for t in by_name["tiers"].values()) == 300

    assert run("report", "--json", "--model", "all", "--models-dir", models) == 0
    every = json.loads(capsys.readouterr().out)
    assert "tiers" not in every and [v["model"]["version"] for v in every["versions"]] == [second, first]
    assert all(sum(t["scored"] for t in v["tiers"].values()) == 300 for v in every["versions"])

    assert run("report", "--model", "all", "--models-dir", models) == 0
    text = capsys.readouterr().out
    assert f'model "Small seed model" ({second}), active: 300 scored leads' in text and f"({first})" in text


def test_unknown_list_version_or_name_is_exit_2_naming_what_exists(two_versions: tuple[Path, str, str],
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    models, first, second = two_versions
    capsys.readouterr()
    assert run("report", "--list", "Nope", "--models-dir", models) == 2
    assert capsys.readouterr().err.strip() == "leadscore report: no saved list named 'Nope'; lists: May, April"
    assert run("report", "--model", "Nope", "--models-dir", models) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("leadscore report: no model version or name 'Nope'; versions: ")
    assert f'"Small seed model" ({second}), active' in err and first in err and err.endswith("or 'all'")
    assert len(err.splitlines()) == 1


def shape(value: object) -> object:
    """The keys of a JSON value, nested (a list by the union of its items' shapes), and the kind of each leaf."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        shapes = [shape(item) for item in value]
        return [s for i, s in enumerate(shapes) if s not in shapes[:i]]
    return "number" if isinstance(value, int | float) and not isinstance(value, bool) else type(value).__name__


def test_report_json_keeps_its_keys(two_versions: tuple[Path, str, str], capsys: pytest.CaptureFixture[str]) -> None:
    """The JSON ``report --json`` prints keeps the keys and kinds of values it had with the untyped report."""
    models, _, _ = two_versions
    capsys.readouterr()
    assert run("report", "--json", "--by", "owner", "--models-dir", models) == 0
    one = json.loads(capsys.readouterr().out)
    tier = {"scored": "number", "with_outcome": "number", "open": "number", "converted": "number",
            "rate": "number", "interval": ["number"], "expected": "number", "open_expected": "NoneType",
            "rate_leads": "number", "expected_leads": "number"}
    section = {
        "model": {"version": "str", "name": "str", "active": "bool"}, "leads": "number",
        "tiers": {"High": tier, "Medium": tier, "Low": tier},
        "drift": [{"field": "str", "psi": "number", "status": "str", "leads": "number", "reference_leads": "number"}],
        "drift_about": {"model_version": "str", "available": "bool", "leads": "number", "sampled": "number",
                        "min_leads": "number", "thresholds": {"stable_below": "number", "moderate_to": "number"}},
        "ranking": {"auc": "number", "leads": "number", "converted": "number"},
        "gain": [{"leads_share": "number", "converted_share": "number"}],
        "by": {"column": "str", "values_total": "number", "values": [{"value": "str", "tiers": {
            "High": tier, "Medium": tier, "Low": tier}}]}}
    assert shape(one) == {**section, "filters": {"since": "NoneType", "until": "NoneType", "model": "NoneType",
                                                 "list": "NoneType", "owner": "NoneType"}, "notes": ["str"]}
    assert list(one) == [*section, "filters", "notes"]
    assert run("report", "--json", "--list", "May", "--since", "2020-01-01", "--model", "all", "--models-dir",
               models) == 0
    asked = json.loads(capsys.readouterr().out)["filters"]
    assert asked == {"since": "2020-01-01T00:00:00+00:00", "until": None, "model": "all", "list": "May",
                     "owner": None}
    assert run("report", "--json", "--model", "all", "--list", "Nope2", "--models-dir", models) == 2
    capsys.readouterr()
    assert run("report", "--json", "--model", "all", "--models-dir", models) == 0
    every = json.loads(capsys.readouterr().out)
    assert list(every) == ["filters", "notes", "versions"]
    assert all(list(v) == [k for k in section if k != "by"] for v in every["versions"])
    assert run("report", "--json", "--lead", "L4-0000001", "--models-dir", models) == 0
    assert shape(json.loads(capsys.readouterr().out)) == [{
        "scored_at": "str", "model_version": "str", "tier": "str", "chance": "number", "score": "number",
        "list": "str", "owner": "NoneType"}]
