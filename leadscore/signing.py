"""Signing model versions with a key kept outside the models folder.

Checksums in ``manifest.json`` catch a file damaged or changed on its own, but
whoever can write the models folder can also write fresh checksums: an old
version resealed with a threshold of 0.0001 scores every lead High and loads.
A signature is an HMAC-SHA256 of the manifest's kind, version and checksums
under a key that is *not* in the models folder, so resealing a signed version
needs the key.

The key: ``$LEADSCORE_SIGNING_KEY`` (any text; for servers that run as another
user than the publisher), else the file ``signing.key`` in
``$XDG_CONFIG_HOME/leadscore`` (``~/.config/leadscore``), created with mode 0600
on the first publish. What each state means (``Registry.versions`` lists it):

- ``signed``: the signature matches under this key;
- a signature that does not match: the version is damaged and refused;
- ``signed, not checked``: signed, but no key is available here to check it;
- ``unsigned``: published before signing existed (saved versions are never
  migrated), or its signature was removed. Unsigned versions still load: the
  signature protects signed versions, it cannot tell an old version from a
  stripped one, so an unsigned version in the list deserves a look.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
from pathlib import Path
from typing import Any

from leadscore.model_files import ModelFileError, read_capped

log = logging.getLogger(__name__)

ENV_KEY = "LEADSCORE_SIGNING_KEY"
KEY_FILE = "signing.key"
#: Largest key file read (the generated key is 64 hex digits).
MAX_KEY_BYTES = 4096
SIGNED, UNSIGNED, NOT_CHECKED = "signed", "unsigned", "signed, not checked"


def key_path() -> Path:
    """Where the key file lives: ``$XDG_CONFIG_HOME/leadscore/signing.key``, else ``~/.config/leadscore/...``."""
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "leadscore" / KEY_FILE


def signing_key(create: bool = False) -> bytes | None:
    """The key from the environment or the key file; with ``create``, a new key file when there is none.

    None when no key is available (a server without the publisher's key file checks nothing).
    """
    if os.environ.get(ENV_KEY):
        return os.environ[ENV_KEY].encode("utf-8")
    path = key_path()
    if create and not path.exists():
        _create_key_file(path)
    try:
        key = read_capped(path, MAX_KEY_BYTES).strip()
    except ModelFileError:
        return None
    return key or None


def _create_key_file(path: Path) -> None:
    """A new random key, readable by its owner only; another publisher creating it at once wins the race."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as error:
        log.warning("cannot create the signing key %s (%s): versions are published unsigned", path,
                    error.strerror)
        return
    with os.fdopen(handle, "w", encoding="ascii") as stream:
        stream.write(secrets.token_hex(32) + "\n")
    log.info("created the signing key %s: keep it outside the models folder, and give servers that load "
             "models the same key (%s)", path, ENV_KEY)


def _signed_content(manifest: dict[str, Any]) -> bytes:
    return json.dumps({k: manifest.get(k) for k in ("kind", "version", "sha256")}, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def sign(manifest: dict[str, Any], key: bytes) -> str:
    """The signature of a manifest's kind, version and checksums."""
    return hmac.new(key, _signed_content(manifest), hashlib.sha256).hexdigest()


def signature_state(manifest: dict[str, Any], signature: str | None, key: bytes | None) -> str:
    """SIGNED, UNSIGNED or NOT_CHECKED; ModelFileError when the signature does not match under ``key``."""
    if signature is None:
        return UNSIGNED
    if key is None:
        return NOT_CHECKED
    if not hmac.compare_digest(sign(manifest, key), signature):
        raise ModelFileError("the signature does not match: the version was changed after publishing (its "
                             "checksums rewritten), or signed with another key")
    return SIGNED
