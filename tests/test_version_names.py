"""Version names a manager reads: given at publish, renamed without touching the version's files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from leadscore.cli import main
from leadscore.modeling.won_lost.train import OutcomeTraining
from leadscore.registry import ModelFileError, Registry
from leadscore.version_names import MAX_NAME, VersionNameError


@pytest.fixture
def registry(model_dir: Path, tmp_path: Path) -> Registry:
    root = tmp_path / "models"
    shutil.copytree(model_dir, root, ignore=shutil.ignore_patterns(".lock"))
    return Registry(root)


def test_published_versions_get_a_default_name_and_say_what_they_changed(
        outcome_registry: Registry) -> None:
    rows = {row.kind: row for row in outcome_registry.versions()}
    crm, builtin = rows["outcome"], rows["builtin"]
    assert (builtin.name, crm.name) == ("Built-in model", "Bank marketing sample (y)")
    assert builtin.change == "trained on 10,000 generated leads"
    assert crm.change == "trained on bank-marketing-sample.csv"
    assert outcome_registry.load(crm.version).metadata["name"] == "Bank marketing sample (y)"


def test_a_renamed_active_version_still_loads_and_keeps_its_files(registry: Registry) -> None:
    version = registry.active_version()
    assert version is not None
    folder = registry.root / "versions" / version
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    assert registry.rename(version, "  Bank calls,\n top 20% High ") == "Bank calls, top 20% High"

    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert registry.load().metadata["version"] == version  # the manifest and pointer checks still pass
    [row] = registry.versions()
    assert (row.name, row.state) == ("Bank calls, top 20% High", "ok")
    assert registry.name(version, registry.load().metadata) == "Bank calls, top 20% High"


def test_a_damaged_names_file_costs_only_the_renames(registry: Registry) -> None:
    version = registry.active_version()
    assert version is not None
    registry.rename(version, "Spring campaign")
    (registry.root / "names.json").write_text(json.dumps({version: "x" * 500, "../evil": "y"}))

    [row] = registry.versions()
    assert (row.name, row.state) == ("Built-in model", "ok")
    (registry.root / "names.json").write_text("{not json")
    assert registry.versions()[0].name == "Built-in model"
    assert registry.load().metadata["version"] == version


@pytest.mark.parametrize("name", ["", "   ", "x" * (MAX_NAME + 1), "tab\x07bell"])
def test_bad_names_are_refused_with_the_reason(registry: Registry, name: str) -> None:
    version = registry.active_version()
    assert version is not None
    with pytest.raises(VersionNameError):
        registry.rename(version, name)
    assert not (registry.root / "names.json").exists()


def test_renaming_an_unknown_version_is_refused(registry: Registry) -> None:
    with pytest.raises(ModelFileError, match="no such model version"):
        registry.rename("20990101T000000Z-abcdef", "Nope")


def test_cli_renames_and_lists_the_name(registry: Registry, capsys: pytest.CaptureFixture[str]) -> None:
    version = registry.active_version()
    assert main(["models", "rename", str(version), "Bank calls, top 20% High",
                 "--models-dir", str(registry.root)]) == 0
    assert f'version {version} is now called "Bank calls, top 20% High"' in capsys.readouterr().out
    assert main(["models", "list", "--models-dir", str(registry.root)]) == 0
    assert '"Bank calls, top 20% High" (trained' in capsys.readouterr().out
    assert main(["models", "rename", str(version), "", "--models-dir", str(registry.root)]) != 0
    assert "cannot be empty" in capsys.readouterr().err


def test_a_new_bands_version_is_named_for_its_bands(crm_training: OutcomeTraining, tmp_path: Path) -> None:
    from leadscore.modeling.won_lost.bands import bands_for
    from leadscore.scoring.scorer import Scorer
    from leadscore.workflows import train

    registry = Registry(tmp_path / "models")
    first = registry.publish(crm_training.model, crm_training.report)
    bands = bands_for(crm_training.model, "share", 0.25, 0.30)
    candidate = train.rebanded(registry, Scorer(registry.load(first)), bands)  # what the Model page's bands tab saves
    assert candidate.verdict.passed and candidate.verdict.rule == "bands"
    second = train.publish(registry, candidate).version
    names = {row.version: (row.name, row.change) for row in registry.versions()}
    assert names[first] == ("Bank marketing sample (y)", "trained on bank-marketing-sample.csv")
    assert names[second] == ("Bank marketing sample (y), top 25% High",
                             "new tier bands: top 25% High, next 30% Medium")


def test_tier_bands_are_not_set_on_the_built_in_model(model_dir: Path) -> None:
    from leadscore.modeling.tiers import Bands
    from leadscore.scoring.scorer import Scorer
    from leadscore.workflows import train

    registry = Registry(model_dir)
    with pytest.raises(train.TrainingError, match="a model of a team's history"):
        train.rebanded(registry, Scorer(registry.load()), Bands.by_probability(0.5, 0.2))
