"""A trained outcome model: booster, schema, encoding, calibration and tier bands, with no pickle.

Scoring is four steps:

1. the schema parses rows into the model matrix (``fields/field.py``);
2. the encoding turns it into the booster's input (``encoding.py``);
3. the booster's margin (log-odds), calibrated by ``slope * margin + intercept``
   (Platt scaling, fitted on out-of-fold margins of the training part);
4. ``p_convert`` is the sigmoid of that; the bands cut it into tiers.

Explanations of lists use an exact numpy TreeSHAP (``tree_shap.py``, several
times faster than ``pred_contribs``, checked against it when first built).
Step 3 is linear in the margin, so exact SHAP contributions survive it: each
contribution is multiplied by the slope and the intercept joins the base
value, so for every lead ``sum(contributions) + base == logit(p_convert)``.

On disk (``to_files``): ``model.ubj`` (XGBoost's own UBJSON) and
``outcome.json`` (everything else, with the booster's SHA-256). ``from_files``
checks every value before using it; nothing can run code on load.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeGuard

import numpy as np
import pandas as pd
import xgboost as xgb

from leadscore.fields.field import Schema
from leadscore.fields.headers import header_key
from leadscore.fields.rejections import SchemaError
from leadscore.model_files import ModelFileError, parse_json
from leadscore.modeling.explain.tree_shap import TreeExplainer
from leadscore.modeling.target import sigmoid
from leadscore.modeling.tiers import Bands
from leadscore.modeling.won_lost.encoding import Encoding
from leadscore.modeling.won_lost.report import WonLostReport

BOOSTER_FILE = "model.ubj"
META_FILE = "outcome.json"
FORMAT = "leadscore-outcome-1"
#: Threads for prediction: one, as for training (OpenMP threads spin when the cores are busy).
PREDICT_THREADS = 1
#: From this many rows, explanations use numpy TreeSHAP (tree_shap.py); fewer use pred_contribs,
#: which is faster for a handful of rows (the per-leaf numpy overhead does not pay off).
LIST_ROWS = 256
#: Rows the numpy TreeSHAP is checked on against pred_contribs when it is first built.
PROBE_ROWS = 64


@dataclass(frozen=True)
class Outcome:
    """What converted means in the team's file: the outcome column, its converted values and its lost
    values (empty for models trained before they were asked: every value not converted was lost)."""

    column: str
    positive: tuple[str, ...]
    negative: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe (kept inside the saved schema, where models saved before this class put them)."""
        return {"target": self.column, "positive": list(self.positive), "negative": list(self.negative)}

    @classmethod
    def from_dict(cls, data: Any, schema: Schema) -> Outcome:
        """Rebuild and check; SchemaError names what is wrong."""
        target = data.get("target") if isinstance(data, dict) else None
        if not isinstance(target, str) or not target or header_key(target) in {header_key(n) for n in schema.names}:
            raise SchemaError("the schema's target must be a column name that is not a field")
        positive = data.get("positive")
        if not isinstance(positive, list) or not positive or not all(isinstance(p, str) and p for p in positive):
            raise SchemaError("the schema needs the outcome's positive values")
        negative = data.get("negative", [])
        if not isinstance(negative, list) or not all(isinstance(v, str) and v for v in negative):
            raise SchemaError("the schema's negative values must be a list of texts")
        return cls(target, tuple(positive), tuple(negative))


@dataclass
class OutcomeModel:
    """Everything needed to score and explain leads of one CRM's schema."""

    #: The files a saved outcome model is made of.
    FILES: ClassVar[tuple[str, ...]] = (BOOSTER_FILE, META_FILE)
    #: The training report saved with it (read without loading the booster: the registry's list of versions).
    report_type: ClassVar[type[WonLostReport]] = WonLostReport

    booster: xgb.Booster
    schema: Schema
    outcome: Outcome
    encoding: Encoding
    slope: float
    intercept: float
    bands: Bands
    #: Percentiles 0..100 of the calibrated chance on the training part (out-of-fold): what
    #: "the top 20% of leads" means when the manager sets bands by share.
    reference: tuple[float, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.booster.set_param({"nthread": PREDICT_THREADS})
        self._explainer: TreeExplainer | None = None
        self._explainer_built = False

    def _raw_contributions(self, codes: np.ndarray) -> np.ndarray:
        """The booster's SHAP values per booster column: numpy TreeSHAP for lists, pred_contribs otherwise."""
        data = self.encoding.encode(codes, self.schema)
        if len(codes) >= LIST_ROWS:
            if not self._explainer_built:
                self._explainer = TreeExplainer.build(self.booster, data[:PROBE_ROWS])
                self._explainer_built = True
            if self._explainer is not None:
                return self._explainer.contributions(data)
        dmatrix = self.encoding.dmatrix(codes, self.schema, nthread=PREDICT_THREADS)
        raw = np.asarray(self.booster.predict(dmatrix, pred_contribs=True), dtype=np.float64)
        return raw.reshape(len(codes), data.shape[1] + 1)

    @staticmethod
    def _codes(rows: pd.DataFrame | np.ndarray, schema: Schema) -> np.ndarray:
        return schema.codes(rows) if isinstance(rows, pd.DataFrame) else rows

    def margins(self, rows: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Calibrated log-odds of conversion; rows as the model matrix or its codes (``Schema.codes``)."""
        if len(rows) == 0:  # XGBoost warns of an empty dataset on stderr
            return np.zeros(0)
        dmatrix = self.encoding.dmatrix(self._codes(rows, self.schema), self.schema, nthread=PREDICT_THREADS)
        raw = self.booster.predict(dmatrix, output_margin=True)
        return self.slope * np.asarray(raw, dtype=np.float64) + self.intercept

    def predict(self, rows: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Calibrated chance of conversion, 0-1."""
        return sigmoid(self.margins(rows))

    def contributions(self, rows: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Exact SHAP contributions per field in calibrated log-odds, shape (n, fields + 1); last = base value."""
        raw = self._raw_contributions(self._codes(rows, self.schema))
        groups = Encoding.groups(self.schema, self.encoding.kind)
        out = np.zeros((len(raw), len(self.schema.fields) + 1))
        if self.encoding.kind == "native":
            out[:, :-1] = raw[:, :-1]
        else:
            np.add.at(out.T, groups, raw[:, :-1].T)
        out *= self.slope
        out[:, -1] = self.slope * raw[:, -1] + self.intercept
        return out

    # ---- files ----------------------------------------------------------------------------------
    def features(self) -> list[dict[str, Any]]:
        """The fields it reads, as its metadata lists them."""
        return [f.to_dict() for f in self.schema.fields]

    def to_files(self) -> dict[str, bytes]:
        """The model as files: the booster in UBJSON and the rest as JSON."""
        booster = bytes(self.booster.save_raw("ubj"))
        meta = {"format": FORMAT, "booster_sha256": hashlib.sha256(booster).hexdigest(),
                "schema": {**self.schema.to_dict(), **self.outcome.to_dict()}, "encoding": self.encoding.to_dict(),
                "calibration": {"slope": self.slope, "intercept": self.intercept},
                "bands": self.bands.to_dict(), "reference": list(self.reference), "metadata": self.metadata}
        return {BOOSTER_FILE: booster, META_FILE: json.dumps(meta, indent=1, allow_nan=False).encode()}

    @classmethod
    def from_files(cls, files: dict[str, bytes]) -> OutcomeModel:
        """Load and check a saved model; ModelFileError names the file and says what is wrong."""
        try:
            booster_bytes, meta_bytes = files[BOOSTER_FILE], files[META_FILE]
        except KeyError as error:
            raise ModelFileError(f"missing file {error}") from error
        meta = parse_json(meta_bytes, Path(META_FILE))  # bounded depth, finite numbers, before any value is read
        try:
            return cls._checked(booster_bytes, meta)
        except (AttributeError, KeyError, IndexError, TypeError, ValueError) as error:  # a value of the wrong type
            raise ModelFileError(f"{META_FILE}: a value has the wrong type ({error!r})") from error

    @classmethod
    def _checked(cls, booster_bytes: bytes, meta: Any) -> OutcomeModel:
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ModelFileError(f"{META_FILE} is not a {FORMAT} file")
        if hashlib.sha256(booster_bytes).hexdigest() != meta.get("booster_sha256"):
            raise ModelFileError(f"{BOOSTER_FILE} does not match its checksum")
        try:
            described = meta.get("schema")
            if not isinstance(described, dict):
                raise ValueError("the schema must be an object")
            schema = Schema.from_dict(described)
            outcome = Outcome.from_dict(meta.get("schema"), schema)
            encoding = Encoding.from_dict(meta.get("encoding") or {}, schema)
            bands = Bands.from_dict(meta.get("bands") or {})
            calibration = meta.get("calibration") or {}
            slope, intercept = calibration.get("slope"), calibration.get("intercept")
            if not (_finite(slope) and _finite(intercept) and 0 < slope < 100 and abs(intercept) <= 100):
                raise ValueError("calibration slope must be in (0, 100) and intercept finite")
            reference = meta.get("reference", [])
            if not isinstance(reference, list) or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1 for v in reference
            ) or reference != sorted(reference):
                raise ValueError("reference must be sorted chances between 0 and 1")
            metadata = meta.get("metadata", {})
            if not isinstance(metadata, dict):
                raise ValueError("metadata must be an object")
        except (SchemaError, ValueError, TypeError) as error:
            raise ModelFileError(f"{META_FILE}: {error}") from error
        booster = xgb.Booster()
        try:
            booster.load_model(bytearray(booster_bytes))
        except xgb.core.XGBoostError as error:
            raise ModelFileError(f"{BOOSTER_FILE} is not an XGBoost model") from error
        width = Encoding.width(schema, encoding.kind)
        if booster.num_features() != width:
            raise ModelFileError(f"the booster takes {booster.num_features()} inputs, the schema gives {width}")
        if encoding.kind == "native" and list(booster.feature_names or []) != list(schema.names):
            raise ModelFileError("the booster's feature names are not the schema's fields")
        if encoding.kind == "native" and list(booster.feature_types or []) != [
                "c" if f.kind == "category" else "q" for f in schema.fields]:
            raise ModelFileError("the booster's categorical inputs are not the schema's categories")
        if json.loads(booster.save_config())["learner"]["objective"]["name"] != "binary:logistic":
            raise ModelFileError("the booster is not a binary (converted or not) model")
        return cls(booster, schema, outcome, encoding, float(slope), float(intercept), bands,
                   tuple(float(v) for v in reference), metadata)


def _finite(value: Any) -> TypeGuard[float]:
    """A JSON number (not a boolean) that is finite."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
