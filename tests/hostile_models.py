"""A generator of hostile model folders: what someone who can write ``models/`` may leave there.

Each ``damage`` function changes one published version in place. ``reseal``
then rewrites the manifest's checksums (and the pointer's), as a careful
tamperer would: with ``key`` the manifest is signed again (a tamperer who holds
the signing key, so the checks behind the signature are reached), without it
the old signature stays and no longer matches; ``unsigned=True`` removes it (an
old version published before signing existed, or a stripped one).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import xgboost as xgb

from leadscore import signing


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def reseal(folder: Path, key: bytes | None = None, unsigned: bool = False) -> None:
    """Fresh checksums for the version's regular files, a fresh pointer sum; signed with ``key`` when given."""
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for name in manifest["sha256"]:
        path = folder / name
        if path.is_file() and not path.is_symlink():
            manifest["sha256"][name] = _sha256(path)
    if unsigned:
        manifest.pop("signature", None)
    elif key is not None:
        manifest["signature"] = signing.sign(manifest, key)
    manifest_path.write_text(json.dumps(manifest))
    pointer = folder.parent.parent / "active.json"
    if pointer.exists() and json.loads(pointer.read_text()).get("version") == folder.name:
        pointer.write_text(json.dumps({"version": folder.name, "manifest_sha256": _sha256(manifest_path)}))


def edit_json(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Apply ``change`` to a JSON file's object."""
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def write_raw(path: Path, text: str) -> None:
    """Replace a file with exactly ``text`` (JSON no serializer would write: NaN, 400 digits, deep nesting)."""
    path.write_text(text)


def nested(depth: int) -> str:
    """A JSON object holding lists ``depth`` deep."""
    return '{"version": "x", "deep": ' + "[" * depth + "]" * depth + "}"


def fifo_in_place_of(path: Path) -> None:
    """A FIFO where a model file was (reading it would wait for a writer forever)."""
    path.unlink()
    os.mkfifo(path)


def device_in_place_of(path: Path) -> None:
    """A symlink to ``/dev/zero`` where a model file was (reading it would never end)."""
    path.unlink()
    path.symlink_to("/dev/zero")


def nan_leaf_booster(path: Path) -> None:
    """The booster file with its first tree's first leaf weight set to NaN (XGBoost loads it without a word)."""
    booster = xgb.Booster()
    booster.load_model(bytearray(path.read_bytes()))
    document = json.loads(bytes(booster.save_raw("json")))
    tree = document["learner"]["gradient_booster"]["model"]["trees"][0]
    tree["base_weights"][-1] = float("nan")
    booster.load_model(bytearray(json.dumps(document).encode()))
    path.write_bytes(bytes(booster.save_raw("ubj")))
