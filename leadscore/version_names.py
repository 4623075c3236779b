"""Names a manager reads for model versions ("Bank calls (y)") and what each version changed.

A version's id is a timestamp; two versions of one model (one with new tier
bands) look identical by id. So each version gets, when published:

- a default **name** and a **change** line ("trained on crm.csv", "new tier
  bands: top 25% High"), written into its metadata.json (checksummed with the
  version, never edited afterwards);
- and a manager may **rename** it later. A rename is kept in ``names.json`` at
  the registry's root, outside the version's folder, so the version's files and
  manifest stay exactly as published and a renamed version still loads. The
  file is validated on every read: a damaged or hand-edited ``names.json``
  costs only the renames (the published names show again), never a model.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

NAMES_FILE = "names.json"
MAX_NAME = 80
BUILTIN_NAME = "Built-in model"
_VERSION_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]{0,63}$")


class VersionNameError(ValueError):
    """A name that cannot be stored (empty, too long, control characters)."""


def clean_name(name: str) -> str:
    """``name`` on one line with single spaces; raises VersionNameError naming the problem."""
    text = " ".join(str(name).split())
    if not text:
        raise VersionNameError("a version's name cannot be empty")
    if len(text) > MAX_NAME:
        raise VersionNameError(f"a version's name can have at most {MAX_NAME} characters (this one has {len(text)})")
    if any(unicodedata.category(c).startswith("C") for c in text):
        raise VersionNameError("a version's name cannot hold control characters")
    return text


def _file_stem(data_source: str) -> str:
    """ "file: bank-marketing.csv" -> "Bank marketing"; other descriptions -> ""."""
    if not data_source.startswith("file: "):
        return ""
    stem = Path(data_source[len("file: "):]).stem
    words = " ".join(re.split(r"[-_.\s]+", stem)).strip()
    return words[:1].upper() + words[1:]


def band_words(shares: tuple[float, float] | None, high: float, medium: float) -> str:
    """Tier bands in words: "top 20% High, next 30% Medium" or "High from a 40% chance, Medium from 10%"."""
    if shares is not None:
        return f"top {shares[0]:.0%} High, next {shares[1]:.0%} Medium"
    return f"High from a {high:.0%} chance, Medium from {medium:.0%}"


def with_new_bands(name: str, words: str) -> tuple[str, str]:
    """The name and change line of a version that only has new tier bands: "Bank calls (y), top 25% High"."""
    base = re.sub(r", (top \d+% High|High from a \d+% chance)$", "", name).strip() or "CRM history"
    short = words.split(",")[0]
    return clean_name(f"{base[:MAX_NAME - len(short) - 2]}, {short}"), f"new tier bands: {words}"


def default_name(kind: str, metadata: Mapping[str, Any], outcome: str = "") -> str:
    """The name a version gets when published: "Built-in model", or the CRM file and its outcome column."""
    if kind != "outcome":
        stem = _file_stem(str(metadata.get("data_source", "")))
        return BUILTIN_NAME if not stem else f"{BUILTIN_NAME}, {stem}"
    stem = _file_stem(str(metadata.get("data_source", ""))) or "CRM history"
    target = outcome.strip()
    return clean_name(f"{stem} ({target})" if target else stem)


def default_change(metadata: Mapping[str, Any]) -> str:
    """What a freshly trained version changed: the data it learned from."""
    source = str(metadata.get("data_source", "")).strip()
    if source.startswith("file: "):
        return f"trained on {source[len('file: '):]}"
    generated = re.match(r"synthetic: (\d+) leads", source)
    if generated:
        return f"trained on {int(generated.group(1)):,} generated leads"
    return f"trained on {source}" if source else "trained"


def read_names(root: Path) -> dict[str, str]:
    """The renames kept in ``root/names.json``: version id -> name. A damaged file gives {} (and a log line)."""
    path = root / NAMES_FILE
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        log.warning("%s cannot be read (%s): versions show their published names", path, error)
        return {}
    if not isinstance(document, dict):
        log.warning("%s is not a JSON object: versions show their published names", path)
        return {}
    names = {}
    for version, name in document.items():
        try:
            if not _VERSION_ID.match(str(version)) or not isinstance(name, str):
                raise VersionNameError(f"entry {version!r} is not a version id with a text name")
            names[str(version)] = clean_name(name)
        except VersionNameError as error:
            log.warning("%s: %s; that entry is ignored", path, error)
    return names


def write_name(root: Path, version: str, name: str) -> str:
    """Keep ``name`` for ``version`` in ``root/names.json`` (atomically); returns the cleaned name.

    The caller holds the registry's lock, so two renames at once cannot lose one another.
    """
    cleaned = clean_name(name)
    names = read_names(root)
    names[version] = cleaned
    handle, temporary = tempfile.mkstemp(prefix=".names-", dir=root)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(names, stream, indent=2, sort_keys=True, ensure_ascii=False)
        stream.flush()
        os.fsync(stream.fileno())
    os.chmod(temporary, 0o644)
    os.replace(temporary, root / NAMES_FILE)
    return cleaned
