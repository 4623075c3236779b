"""What every scorer says about the model it wraps: its version and its metadata."""

from __future__ import annotations

from typing import Any, Protocol


class _HasMetadata(Protocol):
    metadata: dict[str, Any]


class ModelInfo:
    """Base of both scorers: the wrapped model's version id and metadata (report included once published)."""

    model: _HasMetadata

    @property
    def version(self) -> str:
        """The model version id (from the registry), or "unsaved"."""
        return str(self.model.metadata.get("version", "unsaved"))

    @property
    def metadata(self) -> dict[str, Any]:
        """The model's metadata, including its evaluation report once published."""
        return self.model.metadata
