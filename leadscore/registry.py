"""The model registry: versions on disk, an active pointer, atomic publish, safe load.

Layout of a registry folder (``models/`` by default, ``LEADSCORE_MODELS_DIR``
or ``--models-dir`` to change it)::

    active.json                 {"version": "..."}: the active version
    versions/<version>/
        model.ubj               the booster in XGBoost's own UBJSON format
        model.json              scaler, calibration, decision rule (plain JSON)
        metadata.json           version, time, preset, hyperparameters, data
                                fingerprint, evaluation report, library versions,
                                feature schema, and the SHA-256 of the two files above
    .lock                       a file lock held while publishing

Nothing is a pickle: loading reads JSON and UBJSON only, so a model file
cannot run code. The SHA-256 sums catch a file changed after publishing.

Publishing writes the version into a temporary folder, renames it into
place, then replaces ``active.json`` through a temporary file: a crash at any
point leaves the previous active model in place. The lock serialises
concurrent publishers (two retrains at once).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import platform
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import numpy as np
import xgboost as xgb
from filelock import FileLock

from leadscore.model import LeadModel
from leadscore.schema import FEATURES, TIERS

log = logging.getLogger(__name__)

ENV_MODELS_DIR = "LEADSCORE_MODELS_DIR"
DEFAULT_MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
POINTER = "active.json"
VERSIONS = "versions"
BOOSTER_FILE = "model.ubj"
PARAMS_FILE = "model.json"
METADATA_FILE = "metadata.json"
LOCK_TIMEOUT_SECONDS = 600
_LIBRARIES = ("xgboost", "scikit-learn", "imbalanced-learn", "numpy", "pandas")


class ModelFileError(RuntimeError):
    """A model file is missing, corrupt or has been changed since it was published."""


class NoModelError(ModelFileError):
    """The registry holds no active model."""


def models_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """The registry folder: the argument, else $LEADSCORE_MODELS_DIR, else ./models."""
    return Path(path or os.environ.get(ENV_MODELS_DIR) or DEFAULT_MODELS_DIR)


@dataclass(frozen=True)
class VersionInfo:
    """One row of the version history."""

    version: str
    created_at: str
    preset: str
    accuracy: float | None
    active: bool


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = "unknown"
    return versions


def _read_json(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ModelFileError(f"{path}: file is missing") from error
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{path}: not valid JSON ({error})") from error
    if not isinstance(document, dict):
        raise ModelFileError(f"{path}: expected a JSON object")
    return document


def _write_json(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2, sort_keys=True), encoding="utf-8")


class Registry:
    """Versions of trained models in one folder."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = models_dir(root)
        self._file_lock: FileLock | None = None

    @property
    def _lock(self) -> FileLock:
        """One lock object per registry, so a holder may take it again (re-entrant)."""
        if self._file_lock is None:
            self.root.mkdir(parents=True, exist_ok=True)
            self._file_lock = FileLock(str(self.root / ".lock"), timeout=LOCK_TIMEOUT_SECONDS)
        return self._file_lock

    def active_version(self) -> str | None:
        """The active version's id, or None for an empty registry."""
        pointer = self.root / POINTER
        if not pointer.exists():
            return None
        version = _read_json(pointer).get("version")
        if not isinstance(version, str) or not version:
            raise ModelFileError(f"{pointer}: no version named")
        return version

    def versions(self) -> list[VersionInfo]:
        """Every published version, newest first."""
        folder = self.root / VERSIONS
        if not folder.exists():
            return []
        active = self.active_version()
        rows = []
        for path in folder.iterdir():
            if path.name.startswith(".") or not (path / METADATA_FILE).exists():
                continue
            meta = _read_json(path / METADATA_FILE)
            rows.append(VersionInfo(
                version=path.name, created_at=str(meta.get("created_at", "")),
                preset=str(meta.get("preset", "")),
                accuracy=meta.get("report", {}).get("accuracy"), active=path.name == active))
        return sorted(rows, key=lambda row: row.created_at, reverse=True)

    def publish(self, model: LeadModel, report: dict[str, Any], activate: bool = True) -> str:
        """Save a trained model as a new version and, by default, make it active."""
        now = dt.datetime.now(dt.timezone.utc)
        version = f"{now:%Y%m%dT%H%M%S}Z-{secrets.token_hex(3)}"
        versions = self.root / VERSIONS
        versions.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=versions))
        try:
            model.booster.save_model(str(staging / BOOSTER_FILE))
            _write_json(staging / PARAMS_FILE, {
                "scaler_mean": model.mean.tolist(), "scaler_scale": model.scale.tolist(),
                "temperature": model.temperature, "bias": model.bias.tolist(),
                "high_threshold": model.high_threshold,
            })
            _write_json(staging / METADATA_FILE, {
                **model.metadata,
                "version": version,
                "created_at": now.isoformat(timespec="seconds"),
                "report": report,
                "libraries": _library_versions(),
                "features": [{"name": f.name, "kind": f.kind, "low": f.low, "high": f.high}
                             for f in FEATURES],
                "tiers": list(TIERS),
                "sha256": {name: _sha256(staging / name) for name in (BOOSTER_FILE, PARAMS_FILE)},
            })
            with self._lock:
                os.replace(staging, versions / version)
                if activate:
                    self._point_to(version)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        log.info("published model version %s%s", version, " (active)" if activate else "")
        return version

    def activate(self, version: str) -> None:
        """Make an earlier version active again."""
        self.load(version)  # refuse to point at a broken version
        with self._lock:
            self._point_to(version)
        log.info("activated model version %s", version)

    def _point_to(self, version: str) -> None:
        handle, temporary = tempfile.mkstemp(prefix=".active-", dir=self.root)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump({"version": version}, stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, self.root / POINTER)

    def load(self, version: str | None = None) -> LeadModel:
        """Load a version (the active one by default), checking every file."""
        version = version or self.active_version()
        if version is None:
            raise NoModelError(f"{self.root}: no active model; run `leadscore train`")
        folder = self.root / VERSIONS / version
        if not folder.is_dir() or "/" in version or version.startswith("."):
            raise ModelFileError(f"{folder}: no such model version")
        meta = _read_json(folder / METADATA_FILE)
        sums = meta.get("sha256", {})
        for name in (BOOSTER_FILE, PARAMS_FILE):
            path = folder / name
            if not path.exists():
                raise ModelFileError(f"{path}: file is missing")
            if sums.get(name) != _sha256(path):
                raise ModelFileError(f"{path}: contents do not match the checksum in "
                                     f"{METADATA_FILE}; the file is corrupt or was changed")
        params = _read_json(folder / PARAMS_FILE)
        booster = xgb.Booster()
        try:
            booster.load_model(str(folder / BOOSTER_FILE))
            return LeadModel(
                booster=booster,
                mean=np.asarray(params["scaler_mean"], dtype=np.float64),
                scale=np.asarray(params["scaler_scale"], dtype=np.float64),
                temperature=float(params["temperature"]),
                bias=np.asarray(params["bias"], dtype=np.float64),
                high_threshold=float(params["high_threshold"]),
                metadata=meta,
            )
        except (xgb.core.XGBoostError, KeyError, TypeError, ValueError) as error:
            raise ModelFileError(f"{folder}: cannot be read as a lead model ({error})") from error

    def load_or_train_default(self) -> LeadModel:
        """The active model; on an empty registry, train the default one first (seconds)."""
        if self.active_version() is None:
            with self._lock:
                if self.active_version() is None:
                    self._train_default()
        return self.load()

    def _train_default(self) -> None:
        from leadscore import synth, train  # training libraries only when needed

        log.info("no model in %s yet: training the default model on 10,000 synthetic leads "
                 "(a few seconds, once)", self.root)
        result = train.train(synth.generate(train.DEFAULT_ROWS, seed=train.DEFAULT_SEED))
        model, report = result.model, result.report
        model.metadata["data_source"] = f"synthetic: {train.DEFAULT_ROWS} leads, data variant {train.DEFAULT_SEED}"
        version = self.publish(model, report)
        log.info("default model ready: version %s", version)
