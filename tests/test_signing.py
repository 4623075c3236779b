"""Signing never fails open or silently: a lost key refuses the next publish and says how to restore or rotate
(`leadscore models sign`), an unusable key refuses, the variable and the file are read alike, and every folder
and file keeps its mode whatever the umask."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadscore import signing
from leadscore.modeling.three_tiers import train
from leadscore.registry import Registry
from leadscore.settings import ENV_SIGNING_KEY
from tests import hostile_models as hostile
from tests.cli_run import run_cli


@pytest.fixture(scope="module")
def builtin_result() -> train.TrainingResult:
    from leadscore.data import synth

    return train.train(synth.generate(1500, seed=8), with_baselines=False)


@pytest.fixture(scope="module")
def _published(tmp_path_factory: pytest.TempPathFactory, builtin_result: train.TrainingResult) -> tuple[Path, Path]:
    """Two signed versions and the key they were signed with, in a config folder of their own."""
    config = tmp_path_factory.mktemp("config")
    root = tmp_path_factory.mktemp("signed") / "models"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CONFIG_HOME", str(config))
        patch.delenv(ENV_SIGNING_KEY, raising=False)
        registry = Registry(root)
        registry.publish(builtin_result.model, builtin_result.report)
        registry.publish(builtin_result.model, builtin_result.report)
    return root, config


@pytest.fixture
def signed(tmp_path: Path, _published: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Registry:
    """A copy of the two signed versions, with a copy of their key as this test's key file."""
    root, config = _published
    shutil.copytree(root, tmp_path / "models", ignore=shutil.ignore_patterns(".lock"))
    shutil.copytree(config, tmp_path / "config")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv(ENV_SIGNING_KEY, raising=False)
    return Registry(tmp_path / "models")


def _process(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m leadscore.cli ARGS` in a process of its own (the others run it in this one: tests/cli_run.py)."""
    return subprocess.run([sys.executable, "-m", "leadscore.cli", *args], capture_output=True, text=True,
                          timeout=300)


def _signatures(registry: Registry) -> dict[str, str]:
    return {row.version: row.signature for row in registry.versions()}


def _folders(registry: Registry) -> list[str]:
    return sorted(path.name for path in (registry.root / "versions").iterdir())


def test_a_lost_key_refuses_the_next_publish_and_says_how_to_restore_or_rotate(
        signed: Registry, builtin_result: train.TrainingResult) -> None:
    before, active = _folders(signed), signed.active_version()
    signing.key_path().unlink()

    with pytest.raises(signing.SigningKeyError) as refused:
        signed.publish(builtin_result.model, builtin_result.report)

    message = str(refused.value)
    assert "signing key" in message and "is missing" in message and "2 version(s) here are signed" in message
    assert "put the key back" in message.lower() and "LEADSCORE_SIGNING_KEY" in message
    assert "leadscore models sign" in message and "nothing was published" in message
    assert not signing.key_path().exists()  # no new key made behind the user's back
    assert _folders(signed) == before and signed.active_version() == active
    assert set(_signatures(signed).values()) == {"signed, not checked"}  # the versions still load, unchecked
    signed.load()


def test_the_command_line_refuses_before_training_then_models_sign_rotates_the_key(signed: Registry) -> None:
    signing.key_path().unlink()
    root = str(signed.root)

    refused = run_cli("train", "--models-dir", root, "-n", "500")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    [line] = refused.stderr.strip().splitlines()
    assert line.startswith("leadscore train: the signing key") and "leadscore models sign" in line

    rotated = run_cli("models", "sign", "--models-dir", root)
    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.count("re-signed") == 2 and "2 version(s) signed" in rotated.stdout
    key = signing.key_path()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert set(_signatures(signed).values()) == {"signed"}
    signed.load()  # the active version too: its pointer follows its new manifest
    again = run_cli("models", "sign", "--models-dir", root)
    assert again.returncode == 0 and again.stdout.count("already signed with this key") == 2


def test_models_sign_leaves_unsigned_and_damaged_versions_unless_told(signed: Registry) -> None:
    older, newer = _folders(signed)
    hostile.reseal(signed.root / "versions" / older, unsigned=True)
    root = str(signed.root)
    signing.key_path().unlink()  # the rotation: every signed version is re-signed under a new key

    left = run_cli("models", "sign", "--models-dir", root)
    assert left.returncode == 2
    assert f"{older}  unsigned" in left.stdout and "--include-unsigned" in left.stdout
    assert f"{newer}  re-signed" in left.stdout
    assert left.stderr.strip().splitlines()[-1] == (f"leadscore models: 1 version(s) not signed ({older}): see the "
                                                    "reason beside each")
    assert "created the signing key" in left.stderr and "Traceback" not in left.stderr
    assert _signatures(signed) == {older: "unsigned", newer: "signed"}

    (signed.root / "versions" / newer / "model.json").write_text("{}")  # damaged after its signature
    hostile.reseal(signed.root / "versions" / newer, unsigned=True)  # and resealed by someone without the key
    told = _process("models", "sign", "--include-unsigned", "--models-dir", root)
    assert told.returncode == 2
    assert f"{older}  signed (was unsigned)" in told.stdout
    assert f"{newer}  damaged, left as it is:" in told.stdout
    assert _signatures(signed)[older] == "signed" and _signatures(signed)[newer] == "unsigned"


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _blank(path: Path) -> None:
    path.write_bytes(b"  \n\t\n")


def _folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _unreadable(path: Path) -> None:
    """A key file that cannot be opened: a symbolic link to itself (even root cannot read it)."""
    path.unlink()
    path.symlink_to(path.name)


def _huge(path: Path) -> None:
    path.write_bytes(b"k" * 5000)


def _no_permission(path: Path) -> None:
    path.chmod(0)


UNUSABLE = [(_empty, "is empty"), (_blank, "is blank"), (_folder, "is a folder"),
            (_unreadable, "cannot be opened"), (_huge, "larger than")]
if os.geteuid() != 0:  # root reads a file whatever its mode
    UNUSABLE.append((_no_permission, "Permission denied"))


@pytest.mark.parametrize(("damage", "reason"), UNUSABLE, ids=[d.__name__.strip("_") for d, _ in UNUSABLE])
def test_an_unusable_key_file_refuses_never_signs_nothing_silently(
        signed: Registry, builtin_result: train.TrainingResult, damage, reason: str) -> None:
    before = _folders(signed)
    damage(signing.key_path())

    with pytest.raises(signing.SigningKeyError, match=reason) as refused:
        signed.publish(builtin_result.model, builtin_result.report)
    assert str(signing.key_path()) in str(refused.value) and "nothing was published" in str(refused.value)
    assert _folders(signed) == before
    # the signed versions cannot be checked: said, not loaded as if unsigned
    assert all(reason in (row.problem or "") for row in signed.versions())
    assert run_cli("models", "sign", "--models-dir", str(signed.root)).returncode == 2


def test_an_unusable_key_leaves_unsigned_versions_loading(signed: Registry) -> None:
    older, _ = _folders(signed)
    hostile.reseal(signed.root / "versions" / older, unsigned=True)
    _blank(signing.key_path())
    assert signed.load(older).metadata["version"] == older
    assert _signatures(signed)[older] == "unsigned"


def test_a_blank_variable_refuses_like_a_blank_file(signed: Registry, builtin_result: train.TrainingResult,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_SIGNING_KEY, " \n")
    with pytest.raises(signing.SigningKeyError, match=r"in \$LEADSCORE_SIGNING_KEY is blank"):
        signed.publish(builtin_result.model, builtin_result.report)
    result = run_cli("train", "--models-dir", str(signed.root), "-n", "500", env={ENV_SIGNING_KEY: " \n"})
    assert result.returncode == 2 and "LEADSCORE_SIGNING_KEY is blank" in result.stderr


def test_the_variable_and_the_file_are_read_alike(signed: Registry, builtin_result: train.TrainingResult,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    key_text = signing.key_path().read_text()
    assert key_text.endswith("\n")
    # the file's key with its line break, as `export LEADSCORE_SIGNING_KEY="$(cat signing.key)"` does not keep
    # but a secret mounted from the file does: the same key
    monkeypatch.setenv(ENV_SIGNING_KEY, key_text)
    assert set(_signatures(signed).values()) == {"signed"}
    monkeypatch.setenv(ENV_SIGNING_KEY, f"  {key_text.strip()}\r\n")
    version = signed.publish(builtin_result.model, builtin_result.report)
    monkeypatch.delenv(ENV_SIGNING_KEY)
    assert _signatures(signed)[version] == "signed"  # published under the variable, checked under the file


def test_a_version_signed_under_the_variable_as_it_was_set_still_checks(
        signed: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before whitespace was ignored, a variable with a line break signed with the line break."""
    older, _ = _folders(signed)
    monkeypatch.setenv(ENV_SIGNING_KEY, "team key\n")
    hostile.reseal(signed.root / "versions" / older, key=b"team key\n")
    assert _signatures(signed)[older] == "signed"
    monkeypatch.setenv(ENV_SIGNING_KEY, "another key\n")
    assert "the signature does not match" in (signed.problem(older) or "")


@pytest.fixture
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


@pytest.mark.parametrize("umask", [0o000, 0o077], indirect=True, ids=["umask-000", "umask-077"])
def test_folders_and_files_keep_their_modes_whatever_the_umask(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, builtin_result: train.TrainingResult, umask: int) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / "config"))
    monkeypatch.delenv(ENV_SIGNING_KEY, raising=False)
    registry = Registry(tmp_path / "a" / "models")
    version = registry.publish(builtin_result.model, builtin_result.report)
    registry.rename(version, "Named")
    hostile.reseal(registry.root / "versions" / version, unsigned=True)
    assert registry.sign_versions(include_unsigned=True)[0].signed  # a rewritten manifest too

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    folders = [tmp_path / "a", registry.root, registry.root / "versions", registry.root / "versions" / version]
    assert {str(p): mode(p) for p in folders} == {str(p): 0o755 for p in folders}
    files = [p for p in registry.root.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"active.json", "names.json", ".lock", "manifest.json", "model.ubj"}
    assert {str(p): mode(p) for p in files} == {str(p): 0o644 for p in files}
    key = signing.key_path()
    assert (mode(key), mode(key.parent), mode(key.parent.parent)) == (0o600, 0o700, 0o700)
    assert json.loads((registry.root / "active.json").read_text())["version"] == version


@pytest.mark.parametrize("umask", [0o000, 0o077], indirect=True, ids=["umask-000", "umask-077"])
def test_the_store_beside_the_models_is_never_writable_by_everyone(tmp_path: Path, umask: int,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from leadscore.store import Store

    monkeypatch.delenv("LEADSCORE_DATABASE_URL", raising=False)
    store = Store.open(models_dir=tmp_path / "models")
    store.close()
    files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "models").iterdir()}
    assert files.pop("store.sqlite3.migrate.lock") == 0o644  # an empty lock file
    assert files and set(files) <= {"store.sqlite3", "store.sqlite3-wal", "store.sqlite3-shm"}
    assert set(files.values()) == {0o644 & ~umask}  # the umask may keep lead data private, never open it
    assert stat.S_IMODE((tmp_path / "models").stat().st_mode) == 0o755
