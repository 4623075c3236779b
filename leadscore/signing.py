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
on the first publish. Both are read by one rule: surrounding spaces and line
breaks are not part of the key (a key copied from the file with its line break
is the same key), and an empty or blank key is refused. What each state means
(``Registry.versions`` lists it):

- ``signed``: the signature matches under this key;
- a signature that does not match: the version is damaged and refused;
- ``signed, not checked``: signed, but no key is available here to check it;
- ``unsigned``: published before signing existed (saved versions are never
  migrated), or its signature was removed. Unsigned versions still load: the
  signature protects signed versions, it cannot tell an old version from a
  stripped one, so an unsigned version in the list deserves a look.

Signing never fails open or silently: a key file that cannot be used (empty,
blank, a folder, unreadable, too large) is an error wherever a key is needed,
never "no key"; publishing refuses when the key file is gone while versions
signed with it are here (a new key would make them all "damaged"): restore the
key, or start a new one with ``leadscore models sign``, which re-signs the
versions after checking them (``Registry.sign_versions``).
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

from leadscore import settings
from leadscore.folders import make_folders
from leadscore.model_files import ModelFileError, read_capped

log = logging.getLogger(__name__)

ENV_KEY = settings.ENV_SIGNING_KEY
KEY_FILE = "signing.key"
#: Largest key file read (the generated key is 64 hex digits).
MAX_KEY_BYTES = 4096
#: The key file is readable by its owner only, in a folder only its owner can enter.
KEY_MODE, KEY_FOLDER_MODE = 0o600, 0o700
SIGNED, UNSIGNED, NOT_CHECKED = "signed", "unsigned", "signed, not checked"
_RESTORE = (f"put the key back (from a backup, or from the machine that published the versions) or set {ENV_KEY} "
            "to it")


class SigningKeyError(ModelFileError):
    """The signing key cannot be used, or is missing where versions signed with it need it (one line: what and
    how to fix it)."""


def key_path() -> Path:
    """Where the key file lives: ``$XDG_CONFIG_HOME/leadscore/signing.key``, else ``~/.config/leadscore/...``."""
    return settings.config_home() / "leadscore" / KEY_FILE


def _usable(raw: bytes, where: str) -> bytes:
    """The key in ``raw`` without surrounding whitespace; SigningKeyError when nothing is left."""
    key = raw.strip()
    if not key:
        state = "empty" if not raw else "blank (only spaces or line breaks)"
        raise SigningKeyError(f"the signing key {where} is {state}, so versions can be neither signed nor checked: "
                              f"{_RESTORE}")
    return key


def signing_key() -> bytes | None:
    """The key from ``$LEADSCORE_SIGNING_KEY``, else from the key file, read by the same rule (module docstring).

    None when neither is there (a server without the publisher's key checks nothing: ``signed, not checked``).
    SigningKeyError when the one given cannot be used: empty, blank, a folder, unreadable or too large.
    """
    text = settings.signing_key_text()
    if text is not None:
        return _usable(text.encode("utf-8"), f"in ${ENV_KEY}")
    path = key_path()
    if not os.path.lexists(path):
        return None
    try:
        raw = read_capped(path, MAX_KEY_BYTES)
    except ModelFileError as error:
        raise SigningKeyError(f"the signing key file cannot be used ({error}), so versions can be neither signed "
                              f"nor checked: {_RESTORE}") from error
    return _usable(raw, f"file {path}")


def publishing_key(signed_versions: int) -> bytes:
    """The key to sign a new version with; the key file is created when there is no key and nothing is signed yet.

    ``signed_versions``: how many versions in the registry carry a signature. SigningKeyError when the key cannot
    be used, when it is missing while signed versions are there (a new key would make every one of them
    "damaged"), or when the key file cannot be created.
    """
    key = signing_key()
    if key is not None:
        return key
    path = key_path()
    if signed_versions:
        raise SigningKeyError(
            f"the signing key {path} is missing, and {signed_versions:,} version(s) here are signed with it: "
            f"publishing now would make a new key under which they no longer load. {_RESTORE[0].upper()}"
            f"{_RESTORE[1:]}; or, if the key is lost for good, run `leadscore models sign` to make a new key and "
            "re-sign the versions here after checking them")
    return new_key()


def new_key() -> bytes:
    """The key, made as a new key file when there is neither a key file nor ``$LEADSCORE_SIGNING_KEY``.

    SigningKeyError when the key there cannot be used or the file cannot be created.
    """
    key = signing_key()
    if key is not None:
        return key
    _create_key_file(key_path())
    created = signing_key()
    if created is None:  # removed again at once by someone else
        raise SigningKeyError(f"the signing key {key_path()} disappeared just after it was made")
    return created


def _create_key_file(path: Path) -> None:
    """A new random key, readable by its owner only; another publisher creating it at once wins the race."""
    try:
        make_folders(path.parent, KEY_FOLDER_MODE)
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_MODE)
    except FileExistsError:
        return
    except OSError as error:
        raise SigningKeyError(f"cannot create the signing key {path} ({error.strerror}), and versions are never "
                              f"published unsigned: make that folder writable, or set {ENV_KEY}") from error
    os.fchmod(handle, KEY_MODE)
    with os.fdopen(handle, "w", encoding="ascii") as stream:
        stream.write(secrets.token_hex(32) + "\n")
    log.info("created the signing key %s: keep it outside the models folder, back it up, and give servers that "
             "load models the same key (%s)", path, ENV_KEY)


def _signed_content(manifest: dict[str, Any]) -> bytes:
    return json.dumps({k: manifest.get(k) for k in ("kind", "version", "sha256")}, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def sign(manifest: dict[str, Any], key: bytes) -> str:
    """The signature of a manifest's kind, version and checksums."""
    return hmac.new(key, _signed_content(manifest), hashlib.sha256).hexdigest()


def _forms(key: bytes) -> tuple[bytes, ...]:
    """The key, and ``$LEADSCORE_SIGNING_KEY`` exactly as set when it differs only by surrounding whitespace:
    versions signed before whitespace was ignored (the variable was used as set) still check."""
    text = settings.signing_key_text()
    raw = text.encode("utf-8") if text is not None else b""
    return (key, raw) if raw != key and raw.strip() == key else (key,)


def matches(manifest: dict[str, Any], signature: str, key: bytes) -> bool:
    """Whether ``signature`` is the manifest's under ``key``."""
    return any(hmac.compare_digest(sign(manifest, form), signature) for form in _forms(key))


def check(manifest: dict[str, Any], signature: str | None) -> str:
    """SIGNED, UNSIGNED or NOT_CHECKED under the key here; the key is read only for a signed version, so a key
    that cannot be used (SigningKeyError) leaves unsigned versions alone. ModelFileError when it does not match."""
    if signature is None:
        return UNSIGNED
    return signature_state(manifest, signature, signing_key())


def signature_state(manifest: dict[str, Any], signature: str | None, key: bytes | None) -> str:
    """SIGNED, UNSIGNED or NOT_CHECKED; ModelFileError when the signature does not match under ``key``."""
    if signature is None:
        return UNSIGNED
    if key is None:
        return NOT_CHECKED
    if not matches(manifest, signature, key):
        raise ModelFileError("the signature does not match: the version was changed after publishing (its "
                             "checksums rewritten), or signed with another key")
    return SIGNED
