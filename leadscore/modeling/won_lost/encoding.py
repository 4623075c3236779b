"""How the model matrix (one column per field) becomes the booster's input, and back for explanations.

Two encodings:

- ``native``: the matrix as it is; XGBoost splits categories itself
  (``enable_categorical``), so every field is one booster column and
  ``pred_contribs`` gives one contribution per field.
- ``onehot``: the seed pipeline's view (StandardScaler -> SMOTE -> XGBoost):
  numbers with empty cells filled by the training median, one 0/1 column per
  category level (empty: all zero), everything standardised. A field's
  contribution is the sum of its columns' (SHAP values add up, so it stays exact).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import xgboost as xgb

from leadscore.fields.field import Schema

EncodingKind = Literal["native", "onehot"]


#: The largest float32: a finite float64 beyond it would become inf, which XGBoost refuses.
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _float32(values: np.ndarray) -> np.ndarray:
    """As float32, values beyond its range clipped to it (NaN stays NaN): a tree sends 1e39 where it sends 3e38."""
    return np.ascontiguousarray(np.clip(values, -_FLOAT32_MAX, _FLOAT32_MAX), dtype=np.float32)


@dataclass(frozen=True)
class Encoding:
    """The encoding and its fitted arrays (empty for ``native``)."""

    kind: EncodingKind
    #: onehot: per number/flag field (schema order, categories skipped): the fill value for empty cells.
    medians: tuple[float, ...] = ()
    #: onehot: per encoded column: standardisation.
    mean: tuple[float, ...] = ()
    scale: tuple[float, ...] = ()

    @staticmethod
    def width(schema: Schema, kind: EncodingKind) -> int:
        """How many booster columns the schema takes."""
        if kind == "native":
            return len(schema.fields)
        return sum(len(f.categories) if f.kind == "category" else 1 for f in schema.fields)

    @staticmethod
    def groups(schema: Schema, kind: EncodingKind) -> np.ndarray:
        """For each booster column, the index of its field."""
        if kind == "native":
            return np.arange(len(schema.fields))
        return np.concatenate([np.full(len(f.categories) if f.kind == "category" else 1, i)
                               for i, f in enumerate(schema.fields)])

    @classmethod
    def fit(cls, codes: np.ndarray, schema: Schema, kind: EncodingKind) -> Encoding:
        """Fit the encoding's arrays on training rows (``codes``: see ``Schema.codes``)."""
        if kind == "native":
            return cls("native")
        numbers = [codes[:, j] for j, f in enumerate(schema.fields) if f.kind != "category"]
        medians = tuple(float(np.nanmedian(v)) if np.isfinite(v).any() else 0.0 for v in numbers)
        width = cls.width(schema, kind)
        columns = cls("onehot", medians, (0.0,) * width, (1.0,) * width)._unscaled(codes, schema)
        scale = columns.std(axis=0)
        return cls("onehot", medians, tuple(map(float, columns.mean(axis=0))),
                   tuple(float(s) if s > 0 else 1.0 for s in scale))

    def _unscaled(self, codes: np.ndarray, schema: Schema) -> np.ndarray:
        parts = []
        medians = iter(self.medians)
        for j, f in enumerate(schema.fields):
            if f.kind == "category":
                parts.append((codes[:, j, None] == np.arange(len(f.categories))[None, :]).astype(np.float64))
            else:
                # Clipped to float32's range, as the booster sees them: 1e308 squared in the standardisation
                # overflowed to inf and NaN (SMOTE's "Input X contains NaN").
                column = np.clip(codes[:, j], -_FLOAT32_MAX, _FLOAT32_MAX)
                parts.append(np.where(np.isnan(column), next(medians), column)[:, None])
        return np.hstack(parts)

    def encode(self, codes: np.ndarray, schema: Schema) -> np.ndarray:
        """The booster's input (float32) for rows given as codes (``Schema.codes``).

        A plain array rather than a DataFrame: XGBoost reads pandas categoricals
        slowly (about 40 ms per call), and codes are what it splits on anyway.
        """
        if self.kind == "native":
            return _float32(codes)
        scaled = (self._unscaled(codes, schema) - np.asarray(self.mean)) / np.asarray(self.scale)
        return _float32(scaled)

    def dmatrix(self, codes: np.ndarray, schema: Schema, labels: np.ndarray | None = None,
                nthread: int = 1) -> xgb.DMatrix:
        """A DMatrix of rows given as codes; for ``native``, with the field names and which are categories."""
        data = self.encode(codes, schema)
        if self.kind != "native":
            return xgb.DMatrix(data, labels, nthread=nthread)
        types = ["c" if f.kind == "category" else "q" for f in schema.fields]
        return xgb.DMatrix(data, labels, feature_names=list(schema.names), feature_types=types,
                           enable_categorical=True, nthread=nthread)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe."""
        return {"kind": self.kind, "medians": list(self.medians), "mean": list(self.mean), "scale": list(self.scale)}

    @classmethod
    def from_dict(cls, data: dict[str, Any], schema: Schema) -> Encoding:
        """Rebuild and check against the schema; ValueError names what is wrong."""
        kind = data.get("kind")
        if kind not in ("native", "onehot"):
            raise ValueError("encoding kind must be 'native' or 'onehot'")
        arrays = {k: data.get(k, []) for k in ("medians", "mean", "scale")}
        for name, values in arrays.items():
            if not isinstance(values, list) or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) for v in values):
                raise ValueError(f"encoding {name} must be a list of finite numbers")
        if kind == "native":
            if any(arrays.values()):
                raise ValueError("a native encoding has no arrays")
            return cls("native")
        width = cls.width(schema, "onehot")
        n_numbers = sum(f.kind != "category" for f in schema.fields)
        if len(arrays["medians"]) != n_numbers or len(arrays["mean"]) != width or len(arrays["scale"]) != width:
            raise ValueError("encoding arrays do not fit the schema")
        if any(s <= 0 for s in arrays["scale"]):
            raise ValueError("encoding scale must be positive")
        return cls("onehot", tuple(map(float, arrays["medians"])), tuple(map(float, arrays["mean"])),
                   tuple(map(float, arrays["scale"])))
