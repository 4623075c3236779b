"""Folders and files made with their documented modes whatever the process's umask.

Where the model registry lives (``--models-dir``, $LEADSCORE_MODELS_DIR, ``models/``) is read in
``leadscore.settings`` (``models_folder``), with the rest of the environment.

``mkdir`` applies the umask: under ``umask 000`` a registry would be made
world-writable (0777), under ``umask 077`` unreadable by a server running as
another user. Each folder made here gets exactly its mode; a folder that
already exists is left as its owner set it.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The documented modes: world-readable, so a server running as another user can read the models.
FILE_MODE, FOLDER_MODE = 0o644, 0o755


def make_folders(path: Path, mode: int) -> None:
    """Create ``path`` and its missing parents, each with exactly ``mode``; existing folders are not changed."""
    missing = []
    current = path
    while not current.is_dir() and current != current.parent:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=mode)
        except FileExistsError:
            if folder.is_dir():
                continue  # made by another process at the same moment: left as it made it
            raise
        folder.chmod(mode)


def create_file(path: Path, mode: int = FILE_MODE) -> None:
    """Create ``path`` empty unless it exists, with at most ``mode``: the umask may take bits away (``umask 077``
    keeps it private), never add any (``umask 000`` does not make it writable by everyone)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode))
    except OSError:  # there already, or cannot be made here: whoever opens it next says why
        return
