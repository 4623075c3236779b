"""The model registry: round trip, atomic and concurrent publish, crashes, tampering, no pickles."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import stat
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb

from leadscore import registry as registry_module
from leadscore import signing
from leadscore.data import synth
from leadscore.modeling.three_tiers import train
from leadscore.registry import ModelFileError, NoModelError, NotPublishedError, Registry
from leadscore.settings import ENV_BUILTIN_ROWS
from tests.processes import processes

LEADSCORE_DIR = Path(registry_module.__file__).parent


@pytest.fixture(scope="module")
def small() -> train.TrainingResult:
    return train.train(synth.generate(1500, seed=8), with_baselines=False)


def test_published_model_loads_back_with_identical_predictions(
        tmp_path: Path, small: train.TrainingResult) -> None:
    registry = Registry(tmp_path)
    version = registry.publish(small.model, small.report)
    loaded = registry.load()
    features = synth.generate(200, seed=1)[list(synth.FEATURE_NAMES)].to_numpy(float)
    np.testing.assert_allclose(loaded.estimator.predict_proba(features), small.model.predict_proba(features),
                               atol=1e-6)
    np.testing.assert_allclose(loaded.probabilities(features), small.model.predict_proba(features), atol=1e-6)
    assert loaded.target.high_threshold == loaded.estimator.high_threshold == small.model.high_threshold
    meta = loaded.metadata
    assert meta["version"] == version
    assert meta["preset"] == "default"
    assert meta["report"]["accuracy"] == small.report.accuracy  # saved under its key
    assert {"xgboost", "scikit-learn", "imbalanced-learn"} <= set(meta["libraries"])
    assert [f["name"] for f in meta["features"]] == list(synth.FEATURE_NAMES)
    assert re.fullmatch(r"[0-9a-f]{16}", meta["data_fingerprint"])


def test_model_files_are_json_and_ubjson_only(tmp_path: Path, small: train.TrainingResult) -> None:
    registry = Registry(tmp_path)
    folder = tmp_path / "versions" / registry.publish(small.model, small.report)
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "metadata.json", "model.json", "model.ubj"]
    for name in ("manifest.json", "metadata.json", "model.json"):
        json.loads((folder / name).read_text())


def test_no_pickle_anywhere_in_the_engine() -> None:
    for path in LEADSCORE_DIR.glob("*.py"):
        source = path.read_text()
        for forbidden in ("import pickle", "joblib", "cloudpickle", "dill"):
            assert forbidden not in source, f"{path.name} uses {forbidden}"


def test_empty_registry_says_so(tmp_path: Path) -> None:
    with pytest.raises(NoModelError, match="no active model"):
        Registry(tmp_path).load()


def test_earlier_version_can_be_made_active_again(tmp_path: Path, small: train.TrainingResult) -> None:
    registry = Registry(tmp_path)
    first = registry.publish(small.model, small.report)
    second = registry.publish(small.model, small.report)
    assert registry.active_version() == second
    registry.activate(first)
    assert registry.active_version() == first
    assert [v.active for v in registry.versions() if v.version == first] == [True]
    assert {v.version for v in registry.versions()} == {first, second}


def test_crash_while_publishing_leaves_the_active_model_untouched(
        tmp_path: Path, small: train.TrainingResult, monkeypatch: pytest.MonkeyPatch) -> None:
    registry = Registry(tmp_path)
    good = registry.publish(small.model, small.report)

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(registry_module, "_write_json", crash)
    with pytest.raises(OSError, match="disk full"):
        registry.publish(small.model, small.report)
    assert registry.active_version() == good
    assert [p.name for p in (tmp_path / "versions").iterdir()] == [good]
    registry.load()


def test_crash_during_training_publishes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    registry = Registry(tmp_path)

    def crash(*args: object, **kwargs: object) -> None:
        raise MemoryError("killed")

    monkeypatch.setattr(train, "_fit_model_and_pipeline", crash)  # what train() fits with
    with pytest.raises(MemoryError):
        result = train.train(synth.generate(500, seed=1), with_baselines=False)
        registry.publish(result.model, result.report)
    assert registry.active_version() is None


def _publish_in_process(source: str, target: str, results: multiprocessing.Queue) -> None:
    model = Registry(source).load()
    results.put(Registry(target).publish(model, model.metadata["report"]))


def test_concurrent_publishers_all_land_and_the_pointer_stays_valid(
        tmp_path: Path, small: train.TrainingResult) -> None:
    source = tmp_path / "source"
    Registry(source).publish(small.model, small.report)
    tmp_path = tmp_path / "target"
    context = processes()
    results = context.Queue()
    workers = [context.Process(target=_publish_in_process, args=(str(source), str(tmp_path), results))
               for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    published = {results.get(timeout=5) for _ in workers}
    registry = Registry(tmp_path)
    assert {v.version for v in registry.versions()} == published
    assert registry.active_version() in published
    for version in published:
        registry.load(version)
    assert not [p for p in (tmp_path / "versions").iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("name", ["model.ubj", "model.json", "metadata.json"])
def test_tampered_file_is_refused_naming_the_file(tmp_path: Path, small: train.TrainingResult, name: str) -> None:
    registry = Registry(tmp_path)
    version = registry.publish(small.model, small.report)
    target = tmp_path / "versions" / version / name
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match=re.escape(str(target)) + ".*corrupt or was changed"):
        registry.load()


def test_corrupt_metadata_and_pointer_are_refused_naming_the_file(
        tmp_path: Path, small: train.TrainingResult) -> None:
    registry = Registry(tmp_path)
    version = registry.publish(small.model, small.report)
    (tmp_path / "versions" / version / "manifest.json").write_text("{not json")
    with pytest.raises(ModelFileError, match="manifest.json: not valid JSON"):
        registry.load()
    (tmp_path / "active.json").write_text('{"version": "../../etc"}')
    with pytest.raises(ModelFileError, match="no such model version"):
        registry.load()


def test_first_load_of_an_empty_registry_trains_the_default(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """On as many synthetic leads as $LEADSCORE_BUILTIN_ROWS says (unset: train.DEFAULT_ROWS, 10,000)."""
    monkeypatch.setenv(ENV_BUILTIN_ROWS, "800")
    caplog.set_level("INFO", logger="leadscore.registry")
    model = Registry(tmp_path).load_or_train_default()
    assert model.metadata["data_source"] == "synthetic: 800 leads, data variant 42"
    assert "training the default model on 800 synthetic leads" in caplog.text
    assert Registry(tmp_path).load_or_train_default().metadata["version"] == model.metadata["version"]


def _edit(path: Path, **changes: object) -> None:
    """Change keys of a JSON file and rewrite the manifest to match, as a careful tamperer would."""
    document = json.loads(path.read_text())
    document.update(changes)
    path.write_text(json.dumps(document))
    manifest_path = path.parent / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["sha256"][path.name] = registry_module._sha256(path.read_bytes())
    if "signature" in manifest:  # a tamperer who also holds the signing key: the parameter checks remain
        manifest["signature"] = signing.sign(manifest, signing.signing_key())
    manifest_path.write_text(json.dumps(manifest))


def test_metadata_edited_without_the_manifest_is_refused(tmp_path: Path, small: train.TrainingResult) -> None:
    registry = Registry(tmp_path)
    version = registry.publish(small.model, small.report)
    target = tmp_path / "versions" / version / "metadata.json"
    document = json.loads(target.read_text())
    document["report"]["accuracy"] = 0.99
    target.write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match=re.escape(str(target)) + ".*do not match the checksum in manifest.json"):
        registry.load()


def test_manifest_rewritten_to_match_is_refused_by_the_pointer(tmp_path: Path, small: train.TrainingResult) -> None:
    registry = Registry(tmp_path)
    version = registry.publish(small.model, small.report)
    _edit(tmp_path / "versions" / version / "metadata.json", preset="edited")
    with pytest.raises(ModelFileError, match=r"manifest.json: contents do not match the checksum in active.json"):
        registry.load()


@pytest.mark.parametrize(("changes", "message"), [
    ({"high_threshold": 0}, r"model.json: high_threshold: is 0.0; it must be strictly between 0 and 1"),
    ({"high_threshold": 1.5}, r"model.json: high_threshold: is 1.5"),
    ({"scaler_mean": [0]}, r"model.json: scaler_mean: has shape \[1\], expected \[12\]"),
    ({"scaler_scale": [0.0] * 12}, r"model.json: scaler_scale: holds a value that is not above 0"),
    ({"temperature": float("nan")}, r"model.json: temperature: NaN is not a number a model file may hold"),
    ({"temperature": -1}, r"model.json: temperature: is -1.0"),
    ({"bias": [0, 0]}, r"model.json: bias: has shape \[2\], expected \[3\]"),
    ({"bias": [0, float("inf"), 0]}, r"model.json: bias.1: Infinity is not a number"),
    ({"temperature": "hot"}, r"model.json: temperature: input should be a valid number"),
])
def test_impossible_parameters_are_refused_naming_file_and_parameter(
        tmp_path: Path, small: train.TrainingResult, changes: dict, message: str) -> None:
    registry = Registry(tmp_path)
    version = registry.publish(small.model, small.report, activate=False)
    _edit(tmp_path / "versions" / version / "model.json", **changes)
    with pytest.raises(ModelFileError, match=message):
        registry.load(version)


def test_a_booster_of_the_wrong_size_is_never_published(tmp_path: Path, small: train.TrainingResult) -> None:
    registry = Registry(tmp_path)
    four_features = xgb.train({"objective": "multi:softprob", "num_class": 3},
                              xgb.DMatrix(np.zeros((9, 4)), label=[0, 1, 2] * 3), num_boost_round=1)
    with pytest.raises(NotPublishedError, match=r"was not published: read back from disk it does not load "
                                                r"\(.*model.ubj: booster: expects 4 features, the schema has 12\)"):
        registry.publish(replace(small.model, booster=four_features), small.report)
    assert registry.versions() == [] and registry.active_version() is None


def test_a_copied_folder_is_refused_clearly(tmp_path: Path, small: train.TrainingResult) -> None:
    registry = Registry(tmp_path)
    version = registry.publish(small.model, small.report)
    shutil.copytree(tmp_path / "versions" / version, tmp_path / "versions" / "copy")
    with pytest.raises(ModelFileError, match=r"copy/manifest.json: names version '.*' but its folder is 'copy' "
                                             r"\(a copied or renamed folder\)"):
        registry.activate("copy")
    assert registry.active_version() == version


def test_versions_list_every_version_with_its_state_even_when_one_is_damaged(
        tmp_path: Path, small: train.TrainingResult) -> None:
    registry = Registry(tmp_path)
    first = registry.publish(small.model, small.report)
    second = registry.publish(small.model, small.report)
    (tmp_path / "versions" / first / "metadata.json").write_text("{not json")
    rows = {row.version: row for row in registry.versions()}
    assert set(rows) == {first, second}
    assert rows[second].state == "ok" and rows[second].active
    assert rows[first].state.startswith("damaged: ") and "metadata.json" in rows[first].state
    assert not rows[first].active and rows[first].accuracy is None
    assert rows[second].accuracy == small.report.accuracy


def test_files_are_readable_by_other_users(tmp_path: Path, small: train.TrainingResult) -> None:
    registry = Registry(tmp_path)
    version = registry.publish(small.model, small.report)
    assert stat.S_IMODE((tmp_path / "active.json").stat().st_mode) == 0o644
    folder = tmp_path / "versions" / version
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path.name
    registry.activate(version)
    assert stat.S_IMODE((tmp_path / "active.json").stat().st_mode) == 0o644


def test_leftovers_of_a_killed_publish_are_cleaned(tmp_path: Path, small: train.TrainingResult) -> None:
    registry = Registry(tmp_path)
    registry.publish(small.model, small.report)
    old, fresh = tmp_path / "versions" / ".staging-old", tmp_path / "versions" / ".staging-fresh"
    old.mkdir()
    (old / "model.ubj").write_bytes(b"half")
    fresh.mkdir()
    stale_pointer = tmp_path / ".active-old"
    stale_pointer.write_text("{")
    an_hour_ago = time.time() - 3600
    for path in (old, stale_pointer):
        os.utime(path, (an_hour_ago, an_hour_ago))
    registry.publish(small.model, small.report)
    assert not old.exists() and not stale_pointer.exists()
    assert fresh.exists()  # perhaps another publisher's, still being written


def test_each_kind_of_estimator_saves_and_loads_itself_and_one_error_names_a_bad_file(kind) -> None:
    estimator = kind.scorer.model.estimator
    files = estimator.to_files()
    assert set(files) == set(type(estimator).FILES) == set(registry_module.KINDS[
        next(k for k, cls in registry_module.KINDS.items() if isinstance(estimator, cls))].FILES)
    loaded = type(estimator).from_files(files)
    codes = kind.scorer.schema.codes(kind.scorer.schema.parse(kind.leads).matrix)
    np.testing.assert_allclose(loaded.margins(codes), estimator.margins(codes))
    damaged = {**files, type(estimator).FILES[-1]: b'{"nested": ' * 100 + b"1" + b"}" * 100}
    with pytest.raises(ModelFileError, match=re.escape(type(estimator).FILES[-1])):
        type(estimator).from_files(damaged)
