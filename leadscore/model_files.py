"""Reading the files of a model version without trusting them: bounded size, regular files, strict JSON.

Anyone who can write the models folder can put anything where a model file
belongs: a FIFO (reading it would wait forever), ``/dev/zero`` (reading it
would never end), a file of gigabytes, JSON nested 100,000 deep (Python's
parser raises RecursionError, and deep documents break every later walk),
``NaN`` or a 400-digit number (``float()`` of it overflows). Every face lists
and loads versions (``models list``, the Model page, the API's reload loop),
so each of these must become one clear ``ModelFileError`` naming the file, and
never a hang, a crash or a traceback.

``read_capped`` opens with ``O_NONBLOCK`` and checks ``fstat`` before reading,
so a FIFO or a device is refused at once; ``parse_json`` refuses non-finite
numbers, integers longer than int64 and nesting deeper than ``MAX_DEPTH``
(found by a byte scan before parsing, so the parser never recurses deeply).
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic import Field as PydanticField

#: Largest JSON file of a version (a report keeps each test lead's chance: about 20 bytes a lead).
MAX_JSON_BYTES = 64 * 1024 * 1024
#: Largest booster file (a 600-tree model is a few megabytes).
MAX_BOOSTER_BYTES = 512 * 1024 * 1024
#: Deepest nesting of objects and lists in a model's JSON (the reports nest about 5 deep).
MAX_DEPTH = 64
#: Digits of the longest integer accepted (int64 has 19).
MAX_INT_DIGITS = 19

#: A bare NaN or infinity where a number (or a number inside XGBoost's "[...]" texts) belongs.
_NOT_FINITE = re.compile(rb"[\[,:]-?(?:NaN|Infinity)")
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
#: +1 for a byte that opens an object or a list, -1 for one that closes it.
_STEPS = np.zeros(256, dtype=np.int8)
_STEPS[[ord("["), ord("{")]], _STEPS[[ord("]"), ord("}")]] = 1, -1
_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
          (stat.S_ISDIR, "a folder"), (stat.S_ISSOCK, "a socket"))


class ModelFileError(RuntimeError):
    """A model file is missing, corrupt or has been changed since it was published."""


def read_capped(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; ModelFileError otherwise, without blocking."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError as error:
        raise ModelFileError(f"{path}: file is missing") from error
    except OSError as error:
        raise ModelFileError(f"{path}: cannot be opened ({error.strerror})") from error
    try:
        mode = os.fstat(handle).st_mode
        if not stat.S_ISREG(mode):
            kind = next((words for test, words in _KINDS if test(mode)), "not a file")
            raise ModelFileError(f"{path}: is {kind}, not a regular file")
        chunks, total = [], 0
        while chunk := os.read(handle, min(1 << 20, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise ModelFileError(f"{path}: larger than {limit:,} bytes, more than any model file")
        return b"".join(chunks)
    except OSError as error:
        raise ModelFileError(f"{path}: cannot be read ({error.strerror})") from error
    finally:
        os.close(handle)


def nesting_depth(data: bytes) -> int:
    """How deep objects and lists nest in a JSON text (strings skipped), without parsing it."""
    steps = _STEPS[np.frombuffer(_STRING.sub(b"", data), dtype=np.uint8)]
    return int(np.cumsum(steps[steps != 0], dtype=np.int64).max(initial=0))


def _where_not_finite(document: Any) -> str:
    """The key path (``calibration.slope``, ``bias.1``) of the first non-finite number in a parsed document."""
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            return where or "the document"
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        stack.extend((f"{where}.{key}" if where else str(key), item) for key, item in reversed(list(items)))
    return "the document"


def parse_json(data: bytes, path: Path) -> Any:
    """A JSON document with finite numbers only and at most MAX_DEPTH levels; ModelFileError names the file
    (and the key of a number that is not finite, too long or NaN)."""
    depth = nesting_depth(data)
    if depth > MAX_DEPTH:
        raise ModelFileError(f"{path}: nested {depth:,} levels deep; a model file has at most {MAX_DEPTH}")
    refused: list[str] = []

    def refuse(text: str) -> float:
        refused.append(text if len(text) <= 24 else f"a {len(text.lstrip('-'))}-digit number")
        return math.nan

    def number(text: str) -> float:
        value = float(text)
        return value if math.isfinite(value) else refuse(text)

    def integer(text: str) -> int | float:
        return int(text) if len(text.lstrip("-")) <= MAX_INT_DIGITS else refuse(text)

    try:
        document = json.loads(data.decode("utf-8"), parse_int=integer, parse_float=number, parse_constant=refuse)
    except (UnicodeDecodeError, ValueError) as error:
        raise ModelFileError(f"{path}: not valid JSON ({error})") from error
    if refused:
        raise ModelFileError(f"{path}: {_where_not_finite(document)}: {refused[0]} is not a number a model "
                             "file may hold (finite, at most 19 digits)")
    return document


def read_object(data: bytes, path: Path) -> dict[str, Any]:
    """A JSON object parsed from the bytes of ``path`` (``parse_json``)."""
    document = parse_json(data, path)
    if not isinstance(document, dict):
        raise ModelFileError(f"{path}: expected a JSON object")
    return document


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from a model file, read with ``read_capped`` and ``parse_json``."""
    return read_object(read_capped(path, MAX_JSON_BYTES), path)


class _Document(BaseModel):
    """A model file's JSON object: the keys the product reads have strict types, other keys are kept."""

    model_config = ConfigDict(strict=True, extra="allow")


class Pointer(_Document):
    """``active.json``: the active version and the SHA-256 of its manifest."""

    version: str = PydanticField(min_length=1)
    manifest_sha256: str | None = None


class Manifest(_Document):
    """``manifest.json``: the kind, the version and the SHA-256 of each file."""

    kind: Literal["builtin", "outcome"] = "builtin"
    version: str
    sha256: dict[str, str]
    #: HMAC-SHA256 of kind, version and sha256 (``signing.py``); absent in versions published before signing.
    signature: str | None = None


class BuiltinParameters(_Document):
    """``model.json`` of a built-in version: the numbers around the booster (``LeadModel``)."""

    scaler_mean: list[float]
    scaler_scale: list[float]
    temperature: float
    bias: list[float]
    high_threshold: float


class Metadata(_Document):
    """``metadata.json``: what every face shows about a version (the report is checked by its readers)."""

    kind: Literal["builtin", "outcome"] = "builtin"
    version: str
    created_at: str = ""
    preset: str = ""
    data_source: str = "unknown"
    report: dict[str, Any] = PydanticField(default_factory=dict)
    #: A name a manager reads and what the version changed (``version_names.py``); "" before names existed.
    name: str = ""
    change: str = ""


Document = TypeVar("Document", bound=_Document)


def checked(document_type: type[Document], document: dict[str, Any], path: Path) -> Document:
    """The document as ``document_type``; ModelFileError names the file and the first wrong key."""
    try:
        return document_type.model_validate(document)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the document"
        raise ModelFileError(f"{path}: {where}: {first['msg'].lower()}") from error


def booster_problem(raw_json: bytes) -> str | None:
    """Why a booster (its own JSON, ``save_raw("json")``) cannot score: a split or a leaf that is not a
    finite number (XGBoost loads one and predicts NaN for every lead reaching it); None when all are.

    XGBoost writes such numbers as bare ``NaN`` / ``Infinity``: a byte search finds them in milliseconds,
    and only then is the document parsed to say where."""
    if not _NOT_FINITE.search(raw_json):
        return None
    learner = json.loads(raw_json)["learner"]
    base_score = learner["learner_model_param"]["base_score"].strip("[]").split(",")
    if not np.isfinite(np.asarray(base_score, dtype=np.float64)).all():
        return "its base score is not a finite number"
    for index, tree in enumerate(learner["gradient_booster"]["model"]["trees"]):
        for key in ("split_conditions", "base_weights"):
            if not np.isfinite(np.asarray(tree[key], dtype=np.float64)).all():
                return f"tree {index} holds a {key.replace('_', ' ')[:-1]} that is not a finite number"
    return None
