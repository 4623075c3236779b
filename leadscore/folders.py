"""Folders made with their documented modes whatever the process's umask.

``mkdir`` applies the umask: under ``umask 000`` a registry would be made
world-writable (0777), under ``umask 077`` unreadable by a server running as
another user. Each folder made here gets exactly its mode; a folder that
already exists is left as its owner set it.
"""

from __future__ import annotations

from pathlib import Path


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
