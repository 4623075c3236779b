"""Hostile model folders (tests/hostile_models.py): every face lists, refuses or loads them, and never
crashes, hangs or loops; signatures catch a version resealed without the key."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from leadscore import signing
from leadscore.api.current_model import ModelHolder
from leadscore.cli import main
from leadscore.data import synth
from leadscore.modeling.three_tiers import train
from leadscore.modeling.won_lost.train import OutcomeTraining, train_outcome
from leadscore.registry import ModelFileError, Registry
from tests import hostile_models as hostile
from tests.crm.conftest import FAST, crm_frame

#: Seconds a listing or a load may take on a hostile folder before it counts as a hang.
HANG_SECONDS = 20


@pytest.fixture(scope="module")
def builtin_result() -> train.TrainingResult:
    return train.train(synth.generate(1500, seed=8), with_baselines=False)


@pytest.fixture(scope="module")
def outcome_result() -> OutcomeTraining:
    return train_outcome(crm_frame(), "Converted", candidates=FAST)


@pytest.fixture(scope="module")
def _published(tmp_path_factory: pytest.TempPathFactory, builtin_result: train.TrainingResult,
               outcome_result: OutcomeTraining) -> tuple[Path, str, str]:
    root = tmp_path_factory.mktemp("hostile")
    registry = Registry(root)
    good = registry.publish(builtin_result.model, builtin_result.report)
    outcome = registry.publish(outcome_result.model, outcome_result.report, activate=False)
    return root, good, outcome


@pytest.fixture
def folder(tmp_path: Path, _published: tuple[Path, str, str]) -> tuple[Registry, str, str]:
    """A registry of its own: a good built-in version (active) and an outcome version."""
    root = tmp_path / "models"
    shutil.copytree(_published[0], root)
    return Registry(root), _published[1], _published[2]


def _in_time(call: Callable[[], object]) -> object:
    """``call()``'s result or exception, failing the test when it does not return within HANG_SECONDS."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # handed back to the test
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HANG_SECONDS)
    assert not thread.is_alive(), f"{call} hung for {HANG_SECONDS} s"
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("value")


def _key() -> bytes:
    key = signing.signing_key()
    assert key is not None
    return key


def _manifest_kind_list(f: Path) -> None:
    hostile.edit_json(f / "manifest.json", lambda d: d.update(kind=["builtin"]))


def _manifest_sum_list(f: Path) -> None:
    hostile.edit_json(f / "manifest.json", lambda d: d["sha256"].update({"model.ubj": ["0" * 64]}))


def _metadata_deep(f: Path) -> None:
    hostile.write_raw(f / "metadata.json", hostile.nested(100_000))
    hostile.reseal(f, _key())


def _metadata_version_list(f: Path) -> None:
    hostile.edit_json(f / "metadata.json", lambda d: d.update(preset=["fast"]))
    hostile.reseal(f, _key())


def _booster_fifo(f: Path) -> None:
    hostile.fifo_in_place_of(f / "model.ubj")


def _booster_dev_zero(f: Path) -> None:
    hostile.device_in_place_of(f / "model.ubj")


def _params_nan(f: Path) -> None:
    text = (f / "model.json").read_text()
    document = json.loads(text)
    hostile.write_raw(f / "model.json", text.replace(json.dumps(document["temperature"]), "NaN", 1))
    hostile.reseal(f, _key())


def _params_400_digits(f: Path) -> None:
    hostile.edit_json(f / "model.json", lambda d: d.update(high_threshold="@"))
    hostile.write_raw(f / "model.json", (f / "model.json").read_text().replace('"@"', "1" + "0" * 399))
    hostile.reseal(f, _key())


def _params_string(f: Path) -> None:
    hostile.edit_json(f / "model.json", lambda d: d.update(bias=["0", "0", "0"]))
    hostile.reseal(f, _key())


def _booster_nan_leaf(f: Path) -> None:
    hostile.nan_leaf_booster(f / "model.ubj")
    hostile.reseal(f, _key())


def _resealed_without_key(f: Path) -> None:
    hostile.edit_json(f / "model.json", lambda d: d.update(high_threshold=0.0001))  # every lead High
    hostile.reseal(f)


BUILTIN_CASES = [
    (_manifest_kind_list, r"manifest.json: unknown kind of model \['builtin'\]"),
    (_manifest_sum_list, r"manifest.json: sha256.model.ubj: input should be a valid string"),
    (_metadata_deep, r"metadata.json: nested 100,001 levels deep; a model file has at most 64"),
    (_metadata_version_list, r"metadata.json: preset: input should be a valid string"),
    (_booster_fifo, r"model.ubj: is a FIFO, not a regular file"),
    (_booster_dev_zero, r"model.ubj: is a device, not a regular file"),
    (_params_nan, r"model.json: temperature: NaN is not a number a model file may hold"),
    (_params_400_digits, r"model.json: high_threshold: a 400-digit number is not a number"),
    (_params_string, r"model.json: bias.0: input should be a valid number"),
    (_booster_nan_leaf, r"model.ubj: tree 0 holds a base weight that is not a finite number"),
    (_resealed_without_key, r"manifest.json: the signature does not match"),
]


@pytest.mark.parametrize(("damage", "reason"), BUILTIN_CASES, ids=[c[0].__name__.strip("_") for c in BUILTIN_CASES])
def test_a_damaged_version_is_listed_with_its_reason_and_refused_by_every_face(
        folder: tuple[Registry, str, str], damage: Callable[[Path], None], reason: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    registry, good, _ = folder
    second = registry.publish(*_builtin_copy(registry, good), activate=False)
    damage(registry.root / "versions" / second)
    rows = {row.version: row for row in _in_time(registry.versions)}  # type: ignore[union-attr]
    assert rows[second].problem is not None and re.search(reason, rows[second].problem), rows[second].problem
    assert rows[good].problem is None and rows[good].active
    with pytest.raises(ModelFileError, match=reason):
        _in_time(lambda: registry.activate(second))
    assert registry.active_version() == good
    assert _in_time(lambda: main(["models", "list", "--models-dir", str(registry.root)])) == 0
    listing = capsys.readouterr().out
    assert f"{second}" in listing and "damaged: " in listing
    assert _in_time(lambda: main(["models", "activate", second, "--models-dir", str(registry.root)])) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "Traceback" not in error


def _builtin_copy(registry: Registry, version: str) -> tuple[object, dict]:
    """A loaded built-in version and its report, to publish again as a second version."""
    model = registry.load(version)
    return model, model.metadata["report"]


def _outcome_slope_400_digits(f: Path) -> None:
    text = (f / "outcome.json").read_text()
    document = json.loads(text)
    slope = json.dumps(document["calibration"]["slope"])
    hostile.write_raw(f / "outcome.json", text.replace(f'"slope": {slope}', '"slope": 1' + "0" * 399, 1))
    hostile.reseal(f, _key())


def _outcome_calibration_list(f: Path) -> None:
    hostile.edit_json(f / "outcome.json", lambda d: d.update(calibration=[1.0, 0.0]))
    hostile.reseal(f, _key())


def _outcome_field_name_list(f: Path) -> None:
    hostile.edit_json(f / "outcome.json", lambda d: d["schema"]["fields"][0].update(name=["Visits"]))
    hostile.reseal(f, _key())


def _outcome_booster_nan_leaf(f: Path) -> None:
    hostile.nan_leaf_booster(f / "model.ubj")
    digest = hashlib.sha256((f / "model.ubj").read_bytes()).hexdigest()
    hostile.edit_json(f / "outcome.json", lambda d: d.update(booster_sha256=digest))
    hostile.reseal(f, _key())


OUTCOME_CASES = [
    (_outcome_booster_nan_leaf, r"model.ubj: tree 0 holds a base weight that is not a finite number"),
    (_outcome_slope_400_digits, r"outcome.json: calibration.slope: a 400-digit number"),
    (_outcome_calibration_list, r"outcome.json: a value has the wrong type"),
    (_outcome_field_name_list, r"outcome.json: a field needs a non-empty name"),
]


@pytest.mark.parametrize(("damage", "reason"), OUTCOME_CASES, ids=[c[0].__name__.strip("_") for c in OUTCOME_CASES])
def test_a_damaged_outcome_version_is_listed_and_refused(
        folder: tuple[Registry, str, str], damage: Callable[[Path], None], reason: str) -> None:
    registry, good, outcome = folder
    damage(registry.root / "versions" / outcome)
    rows = {row.version: row for row in _in_time(registry.versions)}  # type: ignore[union-attr]
    assert rows[outcome].problem is not None and re.search(reason, rows[outcome].problem), rows[outcome].problem
    with pytest.raises(ModelFileError, match=reason):
        registry.activate(outcome)
    assert registry.active_version() == good


def test_a_fifo_for_the_pointer_neither_hangs_nor_crashes(folder: tuple[Registry, str, str]) -> None:
    registry, good, _ = folder
    hostile.fifo_in_place_of(registry.root / "active.json")
    rows = _in_time(registry.versions)
    assert {row.version for row in rows} >= {good}  # type: ignore[union-attr]
    with pytest.raises(ModelFileError, match=r"active.json: is a FIFO"):
        _in_time(registry.load)
    assert _in_time(registry.active_state) == (None, None)


def test_versions_are_signed_and_old_unsigned_versions_still_load(folder: tuple[Registry, str, str]) -> None:
    registry, good, outcome = folder
    assert {row.version: row.signature for row in registry.versions()} == {good: "signed", outcome: "signed"}
    hostile.reseal(registry.root / "versions" / outcome, unsigned=True)  # as published before signing existed
    assert {row.version: row.signature for row in registry.versions()}[outcome] == "unsigned"
    registry.activate(outcome)
    assert registry.active_version() == outcome


def test_without_the_key_a_signed_version_loads_unchecked(folder: tuple[Registry, str, str], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    registry, good, _ = folder
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-key-here"))
    assert {row.version: row.signature for row in registry.versions()}[good] == "signed, not checked"
    registry.load(good)


def test_a_version_signed_with_another_key_is_refused(folder: tuple[Registry, str, str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    registry, good, _ = folder
    monkeypatch.setenv(signing.ENV_KEY, "another key")
    with pytest.raises(ModelFileError, match="the signature does not match"):
        registry.load(good)


def test_the_key_is_created_outside_the_models_folder_readable_by_its_owner_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, builtin_result: train.TrainingResult) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    Registry(tmp_path / "models").publish(builtin_result.model, builtin_result.report)
    key = tmp_path / "config" / "leadscore" / "signing.key"
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_text().strip()) == 64
    assert not list((tmp_path / "models").rglob("*.key"))


def test_the_api_logs_a_damaged_active_model_once_and_keeps_serving(
        folder: tuple[Registry, str, str], caplog: pytest.LogCaptureFixture) -> None:
    registry, good, outcome = folder
    holder = ModelHolder(registry.root)
    holder.refresh()
    assert holder.scorer is not None and holder.scorer.version == good
    _manifest_kind_list(registry.root / "versions" / outcome)  # the TypeError of old
    pointer = registry.root / "active.json"
    pointer.write_text(json.dumps({"version": outcome}))
    with caplog.at_level(logging.ERROR, logger="leadscore.api.current_model"):
        for _ in range(5):
            _in_time(holder.refresh)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "unknown kind of model" in errors[0].getMessage() and errors[0].exc_info is None
    assert holder.scorer.version == good and "unknown kind" in (holder.problem or "")
