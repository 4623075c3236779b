"""`leadscore models list / activate` (recovery from a damaged model) and `leadscore serve`'s keep-alive."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import uvicorn

from leadscore.cli import main
from leadscore.registry import Registry


@pytest.fixture
def two_versions(model_dir: Path, tmp_path: Path) -> tuple[Registry, str, str]:
    """A registry with two good versions; the second is active."""
    root = tmp_path / "models"
    shutil.copytree(model_dir, root, ignore=shutil.ignore_patterns(".lock"))
    registry = Registry(root)
    first = registry.active_version()
    model = registry.load()
    second = registry.publish(model, model.metadata["report"])
    return registry, first, second


def test_list_shows_every_version_active_state_created_and_accuracy(
        two_versions: tuple[Registry, str, str], capsys: pytest.CaptureFixture[str]) -> None:
    registry, first, second = two_versions
    (registry.root / "versions" / first / "metadata.json").write_text("{broken")

    assert main(["models", "list", "--models-dir", str(registry.root)]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    newest, oldest = lines
    accuracy = registry.load(second).metadata["report"]["accuracy"]
    created = registry.load(second).metadata["created_at"]
    assert newest.split()[:5] == [second, "active", created, "built-in", "accuracy"]
    assert newest.split()[5] == f"{accuracy:.3f}" and '  ok  "Built-in model"' in newest
    assert oldest.startswith(f"{first}  -")
    assert "damaged: " in oldest and "metadata.json: contents do not match" in oldest


def test_activate_recovers_from_a_damaged_active_model(
        two_versions: tuple[Registry, str, str], capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    registry, first, second = two_versions
    (registry.root / "versions" / second / "model.ubj").write_bytes(b"damaged")
    caplog.set_level("INFO", logger="leadscore.audit")

    assert main(["models", "activate", first, "--models-dir", str(registry.root)]) == 0

    assert registry.active_version() == first
    assert f"version {first} is now active" in capsys.readouterr().out
    assert registry.load().metadata["version"] == first
    [line] = [r.getMessage() for r in caplog.records if r.name == "leadscore.audit"]
    assert f"activated model version {first} from command line" in line


def test_activate_refuses_a_damaged_version_in_one_line(
        two_versions: tuple[Registry, str, str], capsys: pytest.CaptureFixture[str]) -> None:
    registry, first, second = two_versions
    (registry.root / "versions" / first / "model.ubj").write_bytes(b"damaged")

    assert main(["models", "activate", first, "--models-dir", str(registry.root)]) == 2

    error = capsys.readouterr().err.strip()
    assert "\n" not in error
    assert error.startswith("leadscore models: ") and "model.ubj: contents do not match" in error
    assert registry.active_version() == second


def test_activate_an_unknown_version_says_so(two_versions: tuple[Registry, str, str],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    registry, _, second = two_versions
    assert main(["models", "activate", "nope", "--models-dir", str(registry.root)]) == 2
    assert "no such model version" in capsys.readouterr().err
    assert registry.active_version() == second


def test_serve_keeps_idle_connections_longer_than_clients_do(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from leadscore.api import app as api  # the web stack only for this test, as for the command

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setenv("LEADSCORE_MODELS_DIR", str(tmp_path))

    assert main(["serve", "--port", "8123"]) == 0

    [kwargs] = calls
    assert kwargs["timeout_keep_alive"] == api.KEEP_ALIVE_SECONDS == 75
    assert kwargs["port"] == 8123
