"""Where the model registry lives, and folders made with their documented modes whatever the process's umask.

``mkdir`` applies the umask: under ``umask 000`` a registry would be made
world-writable (0777), under ``umask 077`` unreadable by a server running as
another user. Each folder made here gets exactly its mode; a folder that
already exists is left as its owner set it.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_MODELS_DIR = "LEADSCORE_MODELS_DIR"
DEFAULT_MODELS_DIR = Path(__file__).resolve().parent.parent / "models"


def models_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """The registry folder: the argument, else $LEADSCORE_MODELS_DIR, else ./models (the store's SQLite file
    sits beside it too)."""
    return Path(path or os.environ.get(ENV_MODELS_DIR) or DEFAULT_MODELS_DIR)


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
