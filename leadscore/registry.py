"""The model registry: versions on disk, an active pointer, atomic publish, safe load.

Layout of a registry folder (``models/`` by default, ``LEADSCORE_MODELS_DIR``
or ``--models-dir`` to change it)::

    active.json                 {"version": "...", "manifest_sha256": "..."}: the active
                                version and the SHA-256 of its manifest
    versions/<version>/
        model.ubj               the booster in XGBoost's own UBJSON format
        model.json              built-in kind: scaler, calibration, decision rule (plain JSON)
        outcome.json            outcome kind: schema, encoding, calibration, tier bands
                                (``modeling/outcome_model.py``)
        metadata.json           kind, version, time, preset, hyperparameters, data
                                fingerprint, evaluation report, library versions,
                                feature schema
        manifest.json           the kind, the version, the SHA-256 of each file above and their
                                signature (``signing.py``)
    .lock                       a file lock held while publishing

Two kinds of model live side by side: ``builtin`` (the seed's 12 features and
three tiers, ``LeadModel``) and ``outcome`` (a team's own CRM history with its
own schema, ``OutcomeModel``). ``load`` returns either; activating a version of
the other kind switches every face of the product to its schema.

Nothing is a pickle: loading reads JSON and UBJSON only, so a model file
cannot run code. Every file is read once, bounded and only when it is a regular
file, and parsed as strict JSON with checked types (``model_files.py``): a
FIFO, ``/dev/zero``, deep nesting, NaN or a list where a text belongs makes the
version damaged with the reason, never a hang or a crash. What is detected,
exactly: the manifest's sums catch any file changed after publishing
(metadata.json included); the pointer's sum catches the active version's
manifest rewritten to match; the manifest's signature (an HMAC under a key
outside the models folder, ``signing.py``) catches a signed version resealed
with fresh sums by someone without the key; every loaded parameter is checked
(the estimators' ``from_files``). Not detected: an unsigned version resealed (versions
published before signing still load, listed as unsigned; so does one whose
signature was removed), or changes made with the key. Files are
world-readable (0644, folders 0755, whatever the umask: ``folders.py``) so a
server running as another user can read them. Publishing refuses when the
signing key cannot be used, or is gone while signed versions are here
(``signing.py``); ``sign_versions`` re-signs versions after checking them.

Publishing writes the version into a temporary folder, loads it back from there
through the same code as ``load`` and checks that it scores a few rows as the
trained model does (``roundtrip.py``; otherwise nothing is published), renames
it into place, then replaces ``active.json`` through a temporary file: a crash at any
point leaves the previous active model in place. The lock serialises
concurrent publishers (two retrains at once).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import os
import platform
import secrets
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import pandas as pd
from filelock import FileLock

from leadscore import roundtrip, signing
from leadscore.fields.builtin import CLASSES
from leadscore.folders import FILE_MODE, FOLDER_MODE, make_folders
from leadscore.model_files import (
    MAX_BOOSTER_BYTES,
    MAX_JSON_BYTES,
    Manifest,
    Metadata,
    ModelFileError,
    Pointer,
    booster_problem,
    checked,
    read_capped,
    read_json,
    read_object,
)
from leadscore.modeling.model import Model, model_of
from leadscore.modeling.report import Quality, TrainingReport
from leadscore.modeling.three_tiers.lead_model import LeadModel
from leadscore.modeling.won_lost.outcome_model import OutcomeModel
from leadscore.settings import builtin_rows, models_folder
from leadscore.version_names import default_change, default_name, read_names, write_name

log = logging.getLogger(__name__)
#: One line per publish and activation: when, which version, from where.
audit_log = logging.getLogger("leadscore.audit")

POINTER = "active.json"
VERSIONS = "versions"
BOOSTER_FILE = "model.ubj"
METADATA_FILE = "metadata.json"
MANIFEST_FILE = "manifest.json"
BUILTIN, OUTCOME = "builtin", "outcome"
#: The one table of the kinds of model a version can hold: each estimator saves and loads itself
#: (``to_files`` / ``from_files``) and names its files (``FILES``).
KINDS: dict[str, type[LeadModel] | type[OutcomeModel]] = {BUILTIN: LeadModel, OUTCOME: OutcomeModel}
#: The files each kind of version is made of (all checksummed by its manifest).
KIND_FILES: dict[str, tuple[str, ...]] = {kind: (*estimator.FILES, METADATA_FILE) for kind, estimator in KINDS.items()}
#: Leftover ``.staging-*`` folders (a training killed while publishing) older than this are removed.
STALE_SECONDS = 600
LOCK_TIMEOUT_SECONDS = 600
_LIBRARIES = ("xgboost", "scikit-learn", "imbalanced-learn", "numpy", "pandas")


class NoModelError(ModelFileError):
    """The registry holds no active model."""


class NotPublishedError(ModelFileError):
    """A trained model was not published: read back from disk, it does not load or scores differently."""


@dataclass(frozen=True)
class VersionInfo:
    """One row of the version history."""

    version: str
    created_at: str
    preset: str
    accuracy: float | None
    active: bool
    #: How good it is and what it is, as its training report says it (``TrainingReport.quality``): every face
    #: lists versions with these words.
    quality: Quality
    #: Why the version cannot be loaded, or None when it loads.
    problem: str | None = None
    #: ``builtin`` or ``outcome`` (see the module docstring).
    kind: str = BUILTIN
    #: Outcome models: held-out ROC AUC; the outcome column it predicts.
    auc: float | None = None
    target: str = ""
    #: ``signed``, ``unsigned`` or ``signed, not checked`` (``signing.py``); "" for a damaged manifest.
    signature: str = ""
    #: A name a manager reads ("Bank calls (y)"), and what this version changed ("new tier bands: ...").
    name: str = ""
    change: str = ""

    @property
    def state(self) -> str:
        """``ok`` or ``damaged: <reason>``."""
        return "ok" if self.problem is None else f"damaged: {self.problem}"

    @property
    def builtin(self) -> bool:
        """Whether it is a version of the built-in model (the one ``Registry.activate_builtin`` brings back)."""
        return self.kind == BUILTIN


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_limit(name: str) -> int:
    return MAX_BOOSTER_BYTES if name == BOOSTER_FILE else MAX_JSON_BYTES


def _library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = "unknown"
    return versions


def _write_json(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2, sort_keys=True, allow_nan=False), encoding="utf-8")
    path.chmod(FILE_MODE)


def _with_name(kind: str, metadata: dict[str, Any], report: TrainingReport) -> dict[str, Any]:
    """The metadata with a name and a change line: the caller's (a new tier-band version says so), else defaults."""
    return {**metadata, "name": metadata.get("name") or default_name(kind, metadata, report.outcome),
            "change": metadata.get("change") or default_change(metadata)}


def saved_report(kind: str, document: object) -> TrainingReport:
    """The training report saved in a version's metadata, typed by its kind (an unknown kind: the built-in's)."""
    return KINDS.get(kind, LeadModel).report_type.read(document)


def _published_name(meta: dict[str, Any], report: object) -> str:
    """A version's name as published (versions published before names existed get the default)."""
    name = meta.get("name")
    if isinstance(name, str) and name:
        return name
    kind = str(meta.get("kind", BUILTIN))
    return default_name(kind, meta, saved_report(kind, report).outcome)


#: What a registry tells its ``on_change`` callback: the action (the audit trail's words), what changed, from where.
ChangeCallback = Callable[[str, dict[str, Any], str], None]


@functools.lru_cache(maxsize=256)
def _problem(root: str, version: str, files: tuple[tuple[str, int, int], ...], pointer: bytes,
             key: str) -> str | None:
    """Why a version cannot be loaded, for one state of its files, of the pointer and of the signing key
    (its hash; see Registry.problem)."""
    try:
        Registry(root).load(version)
    except ModelFileError as error:
        return str(error)
    except Exception as error:  # listing must survive any file; the reason is shown, the trace logged
        log.exception("version %s cannot be loaded", version)
        return f"cannot be loaded ({type(error).__name__}: {error})"
    return None


@dataclass(frozen=True)
class SignResult:
    """What ``Registry.sign_versions`` did with one version."""

    version: str
    signed: bool
    #: "re-signed", "signed (was unsigned)", "already signed with this key", or why it was left as it was.
    note: str


class Registry:
    """Versions of trained models in one folder."""

    def __init__(self, root: str | os.PathLike[str] | None = None, on_change: ChangeCallback | None = None) -> None:
        """``on_change(action, detail, source)`` hears of each publish, activation, rename and signing after it
        happened (the command line writes them to the store's audit trail; the registry has no store)."""
        self.root = models_folder(root)
        self._file_lock: FileLock | None = None
        self._on_change = on_change

    def _changed(self, action: str, words: str, detail: dict[str, Any], source: str) -> None:
        """Log a change (one audit log line: ``words``) and tell the ``on_change`` callback (``action``)."""
        when = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        audit_log.info("%s %s model version %s from %s", when, words, detail.get("version"), source)
        if self._on_change is not None:
            self._on_change(action, detail, source)

    @property
    def _lock(self) -> FileLock:
        """One lock object per registry, so a holder may take it again (re-entrant)."""
        if self._file_lock is None:
            make_folders(self.root, FOLDER_MODE)
            self._file_lock = FileLock(str(self.root / ".lock"), timeout=LOCK_TIMEOUT_SECONDS, mode=FILE_MODE)
        return self._file_lock

    def active_version(self) -> str | None:
        """The active version's id, or None for an empty registry."""
        pointer = self.root / POINTER
        if not pointer.exists():
            return None
        document = read_json(pointer)
        if not isinstance(document.get("version"), str) or not document["version"]:
            raise ModelFileError(f"{pointer}: no version named")
        return checked(Pointer, document, pointer).version

    def versions(self) -> list[VersionInfo]:
        """Every published version, newest first, each checked: a damaged one says why."""
        folder = self.root / VERSIONS
        if not folder.exists():
            return []
        try:
            active = self.active_version()
        except ModelFileError:
            active = None
        rows = []
        renamed = read_names(self.root)
        for path in folder.iterdir():
            if path.name.startswith(".") or not path.is_dir():
                continue
            try:
                meta = checked(Metadata, read_json(path / METADATA_FILE), path / METADATA_FILE)
            except ModelFileError:
                meta = Metadata(version=path.name)
            report = saved_report(meta.kind, meta.report)
            rows.append(VersionInfo(
                version=path.name, created_at=meta.created_at, preset=meta.preset,
                accuracy=report.held_out_accuracy, active=path.name == active, quality=report.quality(),
                problem=self.problem(path.name),
                kind=meta.kind, signature=self.signature(path.name), auc=report.held_out_auc, target=report.outcome,
                name=renamed.get(path.name) or _published_name(meta.model_dump(), meta.report), change=meta.change))
        return sorted(rows, key=lambda row: (row.created_at, row.version), reverse=True)

    def signature(self, version: str) -> str:
        """``signed``, ``unsigned`` or ``signed, not checked`` (``signing.py``); "" when the manifest is unreadable
        or its signature does not match (``problem`` says why)."""
        path = self.root / VERSIONS / version / MANIFEST_FILE
        try:
            manifest = read_json(path)
            return signing.check(manifest, checked(Manifest, manifest, path).signature)
        except ModelFileError:
            return ""

    def signed_versions(self) -> list[str]:
        """The versions whose manifest carries a signature (checked or not), oldest name first."""
        folder = self.root / VERSIONS
        found = []
        for path in sorted(folder.iterdir()) if folder.is_dir() else []:
            if path.name.startswith(".") or not path.is_dir():
                continue
            try:
                if checked(Manifest, read_json(path / MANIFEST_FILE), path / MANIFEST_FILE).signature is not None:
                    found.append(path.name)
            except ModelFileError:
                continue
        return found

    def problem(self, version: str) -> str | None:
        """Why ``version`` cannot be loaded, or None when it loads.

        Remembered while the version's files, the pointer and the signing key are unchanged (name,
        size and time of each file), so listing many versions does not load every booster on every look.
        """
        folder = self.root / VERSIONS / version
        try:
            files = tuple(sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()))
        except OSError:
            files = ()
        try:
            pointer = read_capped(self.root / POINTER, MAX_JSON_BYTES)
        except ModelFileError as error:
            pointer = str(error).encode()
        try:
            key = _sha256(signing.signing_key() or b"")
        except signing.SigningKeyError as error:
            key = str(error)
        return _problem(str(self.root), version, files, pointer, key)

    def publish(self, model: Model | LeadModel | OutcomeModel, report: TrainingReport | dict[str, Any],
                activate: bool = True,
                source: str = "command line", check_rows: pd.DataFrame | None = None) -> str:
        """Save a trained estimator (either target's) as a new version and, by default, make it active.

        ``source`` says who asked (an address, or "command line") for the audit log line.
        Before the version appears, it is loaded back as every face loads it and scores
        ``check_rows`` (a few training rows as read from the file; by default rows made from
        the model's fields) as the trained model does; otherwise NotPublishedError says why
        and nothing changes (``roundtrip.py``).
        """
        if isinstance(model, Model):
            model = model.estimator
        key = self.publishing_key()
        now = dt.datetime.now(dt.timezone.utc)
        version = f"{now:%Y%m%dT%H%M%S}Z-{secrets.token_hex(3)}"
        versions = self.root / VERSIONS
        make_folders(versions, FOLDER_MODE)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=versions))  # 0700 while it is written
        kind = next(name for name, estimator in KINDS.items() if isinstance(model, estimator))
        if not isinstance(report, TrainingReport):  # a report as saved (a version published again)
            report = model.report_type.read(report)
        try:
            for name, content in model.to_files().items():
                (staging / name).write_bytes(content)
                (staging / name).chmod(FILE_MODE)
            features = model.features()
            metadata = {key: value for key, value in model.metadata.items()
                        if key not in ("sha256", "version", "created_at", "report", "libraries")}
            _write_json(staging / METADATA_FILE, {
                **_with_name(kind, metadata, report),
                "kind": kind,
                "version": version,
                "created_at": now.isoformat(timespec="seconds"),
                "report": report.to_dict(),
                "libraries": _library_versions(),
                "features": features,
                "tiers": list(CLASSES),
            })
            manifest: dict[str, Any] = {
                "kind": kind, "version": version,
                "sha256": {name: _sha256((staging / name).read_bytes()) for name in KIND_FILES[kind]}}
            manifest["signature"] = signing.sign(manifest, key)
            _write_json(staging / MANIFEST_FILE, manifest)
            self._check_round_trip(model, staging, version, check_rows)
            staging.chmod(FOLDER_MODE)
            with self._lock:
                self._remove_stale_staging()
                os.replace(staging, versions / version)
                if activate:
                    self._point_to(version)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self._changed("model published", "published and activated" if activate else "published",
                      {"version": version, "activated": activate}, source)
        return version

    def publishing_key(self) -> bytes:
        """The key a new version is signed with (``signing.publishing_key``); SigningKeyError says why there is
        none and how to restore or rotate it, before anything is trained or written."""
        try:
            return signing.publishing_key(len(self.signed_versions()))
        except signing.SigningKeyError as error:
            raise signing.SigningKeyError(f"{error}; nothing was published, the active model is unchanged") from error

    def _check_round_trip(self, model: LeadModel | OutcomeModel, staging: Path, version: str,
                          check_rows: pd.DataFrame | None) -> None:
        """NotPublishedError unless the staged version loads and scores as ``model`` (see ``publish``)."""
        def refuse(reason: str) -> NotPublishedError:
            return NotPublishedError(f"version {version} was not published: {reason.replace(str(staging), version)}; "
                                     "the active model is unchanged")

        try:
            loaded = self._load_folder(staging, version, pointer={})
        except ModelFileError as error:
            raise refuse(f"read back from disk it does not load ({error})") from error
        rows = roundtrip.probe_rows(model) if check_rows is None or check_rows.empty else roundtrip.spread(check_rows)
        try:
            problem = roundtrip.difference(model, loaded, rows)
        except Exception as error:  # any failure to score is a reason not to publish, said in words
            log.exception("checking version %s before publishing failed", version)
            raise refuse(f"scoring check rows failed ({type(error).__name__}: {error})") from error
        if problem:
            raise refuse(problem)

    def name(self, version: str, metadata: dict[str, Any]) -> str:
        """The name ``version`` goes by: its rename, else the name it was published with."""
        return read_names(self.root).get(version) or _published_name(metadata, metadata.get("report"))

    def rename(self, version: str, name: str, source: str = "command line") -> str:
        """Give ``version`` a new name (kept in names.json; the version's own files are not touched).

        Returns the name as stored; raises ModelFileError for an unknown version, VersionNameError for a bad name.
        """
        if not any(row.version == version for row in self.versions()):
            raise ModelFileError(f"{self.root / VERSIONS / version}: no such model version")
        with self._lock:
            stored = write_name(self.root, version, name)
        self._changed("model renamed", "renamed", {"version": version, "name": stored}, source)
        return stored

    def _remove_stale_staging(self) -> None:
        """Remove temporary folders and pointer files a killed publisher left (older than STALE_SECONDS)."""
        limit = dt.datetime.now().timestamp() - STALE_SECONDS
        leftovers = [*(self.root / VERSIONS).glob(".staging-*"), *self.root.glob(".active-*"),
                     *self.root.glob(".manifest-*")]
        for path in leftovers:
            try:
                if path.lstat().st_mtime >= limit:
                    continue  # perhaps another publisher's, still being written
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
            except FileNotFoundError:
                continue
            log.info("removed %s, left by an interrupted publish", path)

    def activate(self, version: str, source: str = "command line") -> None:
        """Make an earlier version active again; a damaged version is refused with the reason."""
        self.load(version)  # refuse to point at a broken version
        with self._lock:
            self._point_to(version)
        self._changed("model activated", "activated", {"version": version}, source)

    def sign_versions(self, versions: Sequence[str] = (), include_unsigned: bool = False,
                      source: str = "command line") -> list[SignResult]:
        """Sign ``versions`` (default: all) under the key here, each after checking it; a new key file is made
        when there is no key (a rotation, after the old key was lost).

        Each version is checked as ``load`` checks it except for its old signature, which cannot be checked
        without the old key: its files against its checksums, the active one's manifest against the pointer,
        its parameters, that it loads. A damaged version is left as it is, and so is an unsigned one unless
        ``include_unsigned`` (it may be old, or stripped of its signature: say you know which). Re-signing
        trusts the files as they are now: run it only when nobody else could change the models folder since
        the key was lost.
        """
        key = signing.new_key()
        folder = self.root / VERSIONS
        if not versions:
            versions = sorted(path.name for path in folder.iterdir()
                              if not path.name.startswith(".") and path.is_dir()) if folder.is_dir() else []
        with self._lock:
            pointer = self._active_pointer()
            results = [self._sign_one(version, key, include_unsigned, pointer) for version in versions]
        for result in results:
            if result.signed:
                self._changed("model signed", "signed", {"version": result.version}, source)
        return results

    def _sign_one(self, version: str, key: bytes, include_unsigned: bool, pointer: dict[str, Any]) -> SignResult:
        folder = self.root / VERSIONS / version
        if "/" in version or version.startswith(".") or not folder.is_dir():
            return SignResult(version, False, "no such model version")
        path = folder / MANIFEST_FILE
        try:
            before = read_capped(path, MAX_JSON_BYTES)
            manifest = read_object(before, path)
            signature = checked(Manifest, manifest, path).signature
            if signature is not None and signing.matches(manifest, signature, key):
                return SignResult(version, False, "already signed with this key")
            if signature is None and not include_unsigned:
                return SignResult(version, False, "unsigned (published before signing existed, or its signature "
                                                  "was removed): left unsigned; to sign it after checking it, name "
                                                  "it with --include-unsigned")
            self._load_folder(folder, version, pointer, check_signature=False)
            if read_capped(path, MAX_JSON_BYTES) != before:
                raise ModelFileError(f"{path}: changed while it was being checked")
        except ModelFileError as error:
            return SignResult(version, False, f"damaged, left as it is: {error}")
        manifest["signature"] = signing.sign(manifest, key)
        handle, temporary = tempfile.mkstemp(prefix=".manifest-", dir=self.root)
        os.close(handle)
        _write_json(Path(temporary), manifest)
        os.replace(temporary, path)
        if pointer.get("version") == version:
            self._point_to(version)
        return SignResult(version, True, "re-signed" if signature is not None else "signed (was unsigned)")

    def _point_to(self, version: str) -> None:
        manifest = read_capped(self.root / VERSIONS / version / MANIFEST_FILE, MAX_JSON_BYTES)
        handle, temporary = tempfile.mkstemp(prefix=".active-", dir=self.root)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump({"version": version, "manifest_sha256": _sha256(manifest)}, stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, self.root / POINTER)

    def active_state(self) -> tuple[bytes | None, bytes | None]:
        """The pointer's bytes and the active version's manifest bytes (None when absent).

        A few bytes, cheap to poll: they change when another version is made active or
        the active version is published again, and only then is a reload worth trying.
        """
        def read(path: Path) -> bytes | None:
            try:
                return read_capped(path, MAX_JSON_BYTES)
            except ModelFileError:
                return None

        pointer = read(self.root / POINTER)
        version = self._active_pointer().get("version") if pointer else None
        if not isinstance(version, str) or "/" in version or version.startswith("."):
            return pointer, None
        return pointer, read(self.root / VERSIONS / version / MANIFEST_FILE)

    def _read_files(self, folder: Path, version: str, pointer: dict[str, Any],
                    check_signature: bool = True) -> tuple[dict[str, bytes], Metadata]:
        """Every file of a version, each read once (bounded, regular files only) and checked against the
        manifest; the metadata checked. ``pointer`` is the active pointer (its sum covers the manifest);
        ``check_signature`` False only to re-sign a version under a new key (``sign_versions``)."""
        manifest_path = folder / MANIFEST_FILE
        if not manifest_path.exists():
            raise ModelFileError(f"{manifest_path}: file is missing (the version was published by an older "
                                 "leadscore, or the file was removed); retrain to publish a checked version")
        manifest_bytes = read_capped(manifest_path, MAX_JSON_BYTES)
        document = read_object(manifest_bytes, manifest_path)
        if document.get("version") != version:
            raise ModelFileError(f"{manifest_path}: names version {document.get('version')!r} but its folder is "
                                 f"{version!r} (a copied or renamed folder); publish the model again instead")
        if not isinstance(document.get("kind", BUILTIN), str) or document.get("kind", BUILTIN) not in KIND_FILES:
            raise ModelFileError(f"{manifest_path}: unknown kind of model {document.get('kind')!r}")
        manifest = checked(Manifest, document, manifest_path)
        try:
            if check_signature:
                signing.check(document, manifest.signature)
        except ModelFileError as error:
            raise type(error)(f"{manifest_path}: {error}") from error
        listed = KIND_FILES[manifest.kind]
        if set(manifest.sha256) != set(listed):
            raise ModelFileError(f"{manifest_path}: does not list the SHA-256 of {', '.join(listed)}")
        if version == pointer.get("version"):
            recorded = pointer.get("manifest_sha256")
            if recorded is not None and recorded != _sha256(manifest_bytes):
                raise ModelFileError(f"{manifest_path}: contents do not match the checksum in {POINTER}; "
                                     "the file is corrupt or was changed")
        files = {}
        for name in listed:
            files[name] = read_capped(folder / name, _file_limit(name))
            if manifest.sha256[name] != _sha256(files[name]):
                raise ModelFileError(f"{folder / name}: contents do not match the checksum in "
                                     f"{MANIFEST_FILE}; the file is corrupt or was changed")
        unexpected = sorted(p.name for p in folder.iterdir() if p.name not in (*listed, MANIFEST_FILE))
        if unexpected:
            raise ModelFileError(f"{folder / unexpected[0]}: a file that is not part of the published version")
        meta_path = folder / METADATA_FILE
        document = read_object(files[METADATA_FILE], meta_path)
        if document.get("version") != version:
            raise ModelFileError(f"{meta_path}: names version {document.get('version')!r} but its folder "
                                 f"is {version!r} (a copied or renamed folder); publish the model again instead")
        if document.get("kind", BUILTIN) != manifest.kind:
            raise ModelFileError(f"{meta_path}: kind {document.get('kind')!r} is not the manifest's "
                                 f"{manifest.kind!r}")
        return files, checked(Metadata, document, meta_path)

    def _active_pointer(self) -> dict[str, Any]:
        try:
            return read_json(self.root / POINTER)
        except ModelFileError:  # absent or unreadable: active_version() reports it
            return {}

    def load(self, version: str | None = None) -> Model:
        """Load a version (the active one by default), checking every file and every parameter."""
        return model_of(self._load_estimator(version))

    def _load_estimator(self, version: str | None = None) -> LeadModel | OutcomeModel:
        """A version's fitted estimator: a built-in ``LeadModel`` or an ``OutcomeModel``."""
        version = version or self.active_version()
        if version is None:
            raise NoModelError(f"{self.root}: no active model; run `leadscore train`")
        folder = self.root / VERSIONS / version
        if "/" in version or version.startswith(".") or not folder.is_dir():
            raise ModelFileError(f"{folder}: no such model version")
        return self._load_folder(folder, version, self._active_pointer())

    def _load_folder(self, folder: Path, version: str, pointer: dict[str, Any],
                     check_signature: bool = True) -> LeadModel | OutcomeModel:
        """Load the version in ``folder`` (its own folder, or the staging folder while publishing)."""
        files, meta = self._read_files(folder, version, pointer, check_signature)
        estimator = KINDS[meta.kind]
        try:
            model = estimator.from_files({name: files[name] for name in estimator.FILES})
        except ModelFileError as error:
            raise ModelFileError(f"{folder}: {error}") from error
        model.metadata = {**model.metadata, **meta.model_dump()}
        problem = booster_problem(bytes(model.booster.save_raw("json")))
        if problem:
            raise ModelFileError(f"{folder / BOOSTER_FILE}: {problem}")
        return model

    def builtin_versions(self) -> list[VersionInfo]:
        """The versions of the built-in kind that load, newest first."""
        return [row for row in self.versions() if row.builtin and row.problem is None]

    def activate_builtin(self, source: str = "command line") -> str:
        """Bring the built-in model back: the newest good built-in version, else a freshly trained default.

        Returns the version made active.
        """
        with self._lock:
            good = self.builtin_versions()
            if good:
                self.activate(good[0].version, source=source)
                return good[0].version
            return self._train_default()

    def load_or_train_default(self) -> Model:
        """The active model; on an empty registry, train the default one first (seconds)."""
        if self.active_version() is None:
            with self._lock:
                if self.active_version() is None:
                    self._train_default()
        return self.load()

    def _train_default(self) -> str:
        from leadscore.data import synth  # training libraries only when needed
        from leadscore.modeling.three_tiers import train

        rows = builtin_rows() or train.DEFAULT_ROWS
        log.info("no model in %s yet: training the default model on %s synthetic leads "
                 "(a few seconds, once)", self.root, f"{rows:,}")
        result = train.train(synth.generate(rows, seed=train.DEFAULT_SEED))
        model, report = result.model, result.report
        model.metadata["data_source"] = f"synthetic: {rows} leads, data variant {train.DEFAULT_SEED}"
        version = self.publish(model, report)
        log.info("default model ready: version %s", version)
        return version
