"""A field of a CRM export, and the schema an outcome model is trained and scored on.

The schema is data that belongs to a model version: it is saved beside the
booster (``to_dict``) and checked when it is loaded back (``from_dict``).
``OutcomeSchema.parse`` turns a batch of rows, as the CRM wrote them, into the
model matrix. Empty cells and placeholders (``Select``, ``N/A``, ``unknown``...)
are information, not errors: they become NaN (numbers) or a missing category.
Only a value that cannot be what its field is (text in a number field) rejects
its row, so rows in = rows parsed + rows rejected.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from leadscore.fields.builtin import REJECTION_COLUMNS, CountsRejections, SchemaError, header_key
from leadscore.fields.fast_numbers import to_numbers

FieldKind = Literal["number", "integer", "flag", "category"]
FIELD_KINDS: tuple[str, ...] = get_args(FieldKind)

#: The level unseen and rare category values are scored as.
OTHER = "other"
#: The ``column`` of a rejected row whose every field is empty, and the reason given.
ALL_FIELDS = "(every field)"
EMPTY_ROW_REASON = "every field the model uses is empty: nothing to score"

#: Cell texts that mean "no answer", compared stripped and lower-cased. ``Select`` is what a
#: web form exports when its dropdown was left alone; ``unknown`` is bank-marketing's own word.
DEFAULT_PLACEHOLDERS: tuple[str, ...] = (
    "", "select", "n/a", "na", "#n/a", "-", "--", "null", "none", "nan", "unknown", "?", "not specified",
    "not provided",
)

FLAG_TRUE: frozenset[str] = frozenset({"1", "1.0", "yes", "y", "true", "t"})
FLAG_FALSE: frozenset[str] = frozenset({"0", "0.0", "no", "n", "false", "f"})


def default_label(name: str) -> str:
    """A header as a person writes it: ``lead_source`` -> ``Lead source``."""
    words = re.sub(r"[_\s]+", " ", str(name)).strip()
    return words[:1].upper() + words[1:] if words else str(name)


def format_number(value: float) -> str:
    """1200 -> ``1,200``; 7.25 -> ``7.25``."""
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Field:
    """One input of an outcome model: its header in the file, its kind, and its words."""

    name: str
    kind: FieldKind
    label: str = ""
    help: str = ""
    #: Observed range on the training rows (numbers, integers, flags); None for categories.
    low: float | None = None
    high: float | None = None
    #: Categories kept after grouping rare ones; unseen and rare values are scored as OTHER.
    levels: tuple[str, ...] = ()
    allow_empty: bool = True
    #: A salesperson's work can change it (what-if and "move up a tier" use only these).
    actionable: bool = False
    #: Share of training rows where it was filled in.
    fill_rate: float = 1.0
    #: A typical filled-in value on the training rows (a number's median, a flag's commoner answer), for
    #: forms and templates; None for categories (their first level is the commonest) and older models.
    typical: float | None = None

    @property
    def title(self) -> str:
        """The label, or one made from the name."""
        return self.label or default_label(self.name)

    @property
    def categories(self) -> tuple[str, ...]:
        """The model's categories: the kept levels and OTHER (for categories only)."""
        return (*self.levels, OTHER) if OTHER not in self.levels else self.levels

    def describe(self, value: object) -> str:
        """The value in plain words: ``Lead source: Google``, ``Balance 1,200``, ``Contact: unknown``."""
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
            return f"{self.title}: unknown"
        if self.kind == "integer" or self.kind == "number":
            return f"{self.title} {self.value_words(value)}"
        return f"{self.title}: {self.value_words(value)}"

    def value_words(self, value: object) -> str:
        """A filled-in value alone: ``Google``, ``1,200``, ``yes``."""
        if self.kind == "category":
            return str(value)
        number = float(value)  # type: ignore[arg-type]
        if self.kind == "flag":
            return "yes" if number >= 0.5 else "no"
        return format_number(number)

    @property
    def fill_in(self) -> float | None:
        """The code an empty cell is scored as, or None when empty is scored as empty.

        A field filled in on (almost) every training lead never taught the model what an empty
        cell means: its trees send one anyway, often somewhere extreme ("month" empty made every
        lead High). Such a field (``allow_empty`` false) scores an empty cell as its typical value:
        the commonest level (levels are kept most frequent first), a number's median, the commoner
        answer of a flag.
        """
        if self.allow_empty:
            return None
        if self.kind == "category":
            return 0.0 if self.levels else None
        return self.typical

    def parse_cell(self, raw: object, placeholders: frozenset[str]) -> tuple[float, str | None]:
        """One cell without pandas: its model value (a category's code; NaN when empty) and, if impossible, why.

        The same rules as ``OutcomeSchema.parse`` (tests/crm/test_fields.py holds them to the same answers);
        used for one lead at a time, where pandas would cost milliseconds per field.
        """
        text = "" if raw is None else str(raw).strip()
        lowered = text.lower()
        if lowered in placeholders or (isinstance(raw, float) and math.isnan(raw)):
            return math.nan, None
        if self.kind == "category":
            lookup = {c.lower(): i for i, c in enumerate(self.categories)}
            return float(lookup.get(lowered, lookup[OTHER])), None
        if self.kind == "flag":
            if lowered in FLAG_TRUE:
                return 1.0, None
            if lowered in FLAG_FALSE:
                return 0.0, None
            return math.nan, "must be yes or no (or 1/0, true/false)"
        try:
            value = float(text)
        except ValueError:
            return math.nan, "not a number"
        return (value, None) if math.isfinite(value) else (math.nan, "not a number")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe."""
        return {"name": self.name, "kind": self.kind, "label": self.label, "help": self.help,
                "low": self.low, "high": self.high, "levels": list(self.levels),
                "allow_empty": self.allow_empty, "actionable": self.actionable, "fill_rate": self.fill_rate,
                "typical": self.typical}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Field:
        """Rebuild a field, checking every value; SchemaError names what is wrong."""
        if not isinstance(data, Mapping):
            raise SchemaError("a field must be an object")
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise SchemaError("a field needs a non-empty name")
        kind = data.get("kind")
        if kind not in FIELD_KINDS:
            raise SchemaError(f"field '{name}': kind must be one of {', '.join(FIELD_KINDS)}")
        for text in ("label", "help"):
            if not isinstance(data.get(text, ""), str):
                raise SchemaError(f"field '{name}': {text} must be text")
        bounds = [data.get("low"), data.get("high")]
        for bound in bounds:
            if bound is not None and (isinstance(bound, bool) or not isinstance(bound, (int, float))
                                      or not math.isfinite(bound)):
                raise SchemaError(f"field '{name}': low and high must be finite numbers or null")
        if None not in bounds and bounds[0] > bounds[1]:
            raise SchemaError(f"field '{name}': low is above high")
        levels = data.get("levels", [])
        if (not isinstance(levels, list) or not all(isinstance(v, str) and v for v in levels)
                or len({v.lower() for v in levels}) != len(levels)):
            raise SchemaError(f"field '{name}': levels must be distinct non-empty texts")
        if kind == "category" and not levels:
            raise SchemaError(f"field '{name}': a category needs its levels")
        if kind != "category" and levels:
            raise SchemaError(f"field '{name}': only a category has levels")
        fill_rate = data.get("fill_rate", 1.0)
        if isinstance(fill_rate, bool) or not isinstance(fill_rate, (int, float)) or not 0 <= fill_rate <= 1:
            raise SchemaError(f"field '{name}': fill_rate must be between 0 and 1")
        typical = data.get("typical")
        if typical is not None and (isinstance(typical, bool) or not isinstance(typical, (int, float))
                                    or not math.isfinite(typical)):
            raise SchemaError(f"field '{name}': typical must be a finite number or null")
        flags = [data.get("allow_empty", True), data.get("actionable", False)]
        if not all(isinstance(f, bool) for f in flags):
            raise SchemaError(f"field '{name}': allow_empty and actionable must be true or false")
        return cls(name=name, kind=kind, label=data.get("label", ""), help=data.get("help", ""),
                   low=None if bounds[0] is None else float(bounds[0]),
                   high=None if bounds[1] is None else float(bounds[1]),
                   levels=tuple(levels), allow_empty=flags[0], actionable=flags[1], fill_rate=float(fill_rate),
                   typical=None if typical is None else float(typical))


@dataclass(frozen=True)
class ColumnMatch:
    """Which file header holds each field."""

    #: Field name -> the header in the file.
    headers: dict[str, str]
    missing: tuple[str, ...]
    conflicts: dict[str, tuple[str, ...]]

    def problem(self) -> str | None:
        """One sentence on why the file cannot be scored, or None."""
        if self.conflicts:
            name, headers = next(iter(self.conflicts.items()))
            return f"columns {', '.join(repr(h) for h in headers)} all mean '{name}'; keep one"
        if self.missing:
            return "missing column" + ("s" if len(self.missing) > 1 else "") + ": " + ", ".join(
                f"'{m}'" for m in self.missing)
        return None


@dataclass(frozen=True)
class ParsedBatch(CountsRejections):
    """A parsed batch: the model matrix of its valid rows, its problems and how many rows were read.

    ``matrix`` and ``valid`` are indexed by the 1-based row number in the input;
    ``valid`` holds the input rows as they were (every column), ``matrix`` the fields.
    """

    matrix: pd.DataFrame
    valid: pd.DataFrame
    problems: pd.DataFrame
    rows_read: int


def _is_placeholder(text: pd.Series, placeholders: frozenset[str]) -> np.ndarray:
    return (text.isna() | text.str.lower().isin(placeholders)).to_numpy(dtype=bool)


@dataclass(frozen=True)
class OutcomeSchema:
    """The fields of an outcome model, its outcome column and what counts as converted."""

    fields: tuple[Field, ...]
    target: str
    positive: tuple[str, ...]
    id_column: str | None = None
    placeholders: tuple[str, ...] = DEFAULT_PLACEHOLDERS
    _placeholder_set: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_placeholder_set", frozenset(p.strip().lower() for p in self.placeholders))

    @property
    def names(self) -> tuple[str, ...]:
        """Field names in model order."""
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        """The field called ``name``."""
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    def is_missing(self, text: str | None) -> bool:
        """Whether one cell is empty or a placeholder."""
        return text is None or str(text).strip().lower() in self._placeholder_set

    # ---- JSON ---------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-safe."""
        return {"fields": [f.to_dict() for f in self.fields], "target": self.target,
                "positive": list(self.positive), "id_column": self.id_column,
                "placeholders": list(self.placeholders)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OutcomeSchema:
        """Rebuild a schema, checking it; SchemaError names what is wrong."""
        if not isinstance(data, Mapping):
            raise SchemaError("a schema must be an object")
        raw_fields = data.get("fields")
        if not isinstance(raw_fields, list) or not raw_fields:
            raise SchemaError("a schema needs at least one field")
        fields = tuple(Field.from_dict(f) for f in raw_fields)
        keys = [header_key(f.name) for f in fields]
        if len(set(keys)) != len(keys):
            raise SchemaError("two fields have the same name")
        target = data.get("target")
        if not isinstance(target, str) or not target or header_key(target) in keys:
            raise SchemaError("the schema's target must be a column name that is not a field")
        positive = data.get("positive")
        if not isinstance(positive, list) or not positive or not all(isinstance(p, str) and p for p in positive):
            raise SchemaError("the schema needs the outcome's positive values")
        id_column = data.get("id_column")
        if id_column is not None and not isinstance(id_column, str):
            raise SchemaError("id_column must be text or null")
        placeholders = data.get("placeholders", list(DEFAULT_PLACEHOLDERS))
        if not isinstance(placeholders, list) or not all(isinstance(p, str) for p in placeholders):
            raise SchemaError("placeholders must be a list of texts")
        return cls(fields=fields, target=target, positive=tuple(positive), id_column=id_column,
                   placeholders=tuple(placeholders))

    # ---- columns ------------------------------------------------------------------------------
    def map_columns(self, headers: Iterable[str]) -> ColumnMatch:
        """Find each field among a file's headers, ignoring case, spaces, dashes and underscores."""
        by_key: dict[str, list[str]] = {}
        for header in headers:
            by_key.setdefault(header_key(header), []).append(str(header))
        found: dict[str, str] = {}
        conflicts: dict[str, tuple[str, ...]] = {}
        missing: list[str] = []
        for f in self.fields:
            candidates = by_key.get(header_key(f.name), [])
            exact = [h for h in candidates if h == f.name]
            if len(candidates) == 1 or len(exact) == 1:
                found[f.name] = exact[0] if exact else candidates[0]
            elif candidates:
                conflicts[f.name] = tuple(candidates)
            else:
                missing.append(f.name)
        return ColumnMatch(headers=found, missing=tuple(missing), conflicts=conflicts)

    # ---- parsing ------------------------------------------------------------------------------
    def _parse_column(self, raw: pd.Series, f: Field) -> tuple[pd.Categorical | np.ndarray, np.ndarray, str]:
        """The column in model form, a mask of impossible cells, and the reason for them."""
        text = raw.astype("string").str.strip()
        missing = _is_placeholder(text, self._placeholder_set)
        if f.kind == "category":
            categories = list(f.categories)
            lowered = text.str.lower().fillna("").to_numpy(dtype=object)
            codes = pd.Index([c.lower() for c in categories]).get_indexer(lowered).astype(np.int64)
            codes[(codes < 0) & ~missing] = categories.index(OTHER)
            codes[missing] = -1
            return pd.Categorical.from_codes(codes, categories=categories), np.zeros(len(raw), dtype=bool), ""
        if f.kind == "flag":
            lowered = text.str.lower()
            values = np.full(len(raw), np.nan)
            values[lowered.isin(FLAG_TRUE).to_numpy(dtype=bool)] = 1.0
            values[lowered.isin(FLAG_FALSE).to_numpy(dtype=bool)] = 0.0
            bad = np.isnan(values) & ~missing
            return values, bad, "must be yes or no (or 1/0, true/false)"
        values = np.array(to_numbers(text.where(~pd.Series(missing, index=text.index))), dtype=np.float64)
        bad = (np.isnan(values) | np.isinf(values)) & ~missing
        values[bad] = np.nan
        return values, bad, "not a number"

    def parse(self, frame: pd.DataFrame, first_row: int = 1) -> ParsedBatch:
        """Parse a batch whose headers are as in the file; raise SchemaError when a field's column is absent."""
        match = self.map_columns(frame.columns)
        problem = match.problem()
        if problem:
            raise SchemaError(problem)
        rows = np.arange(first_row, first_row + len(frame))
        columns: dict[str, Any] = {}
        any_bad = np.zeros(len(frame), dtype=bool)
        all_empty = np.ones(len(frame), dtype=bool)
        problems: list[tuple[int, str, str, str]] = []
        for f in self.fields:
            header = match.headers[f.name]
            raw = frame[header]
            values, bad, reason = self._parse_column(raw, f)
            if bad.any():
                any_bad |= bad
                problems.extend((int(rows[i]), header, str(raw.iloc[i]), reason) for i in np.flatnonzero(bad))
            all_empty &= (np.asarray(values.codes) < 0) if isinstance(values, pd.Categorical) else np.isnan(values)
            columns[f.name] = values
        # A row with every field empty is not a lead (a spreadsheet's stray line of separators): the
        # model would only score the average empty lead, so it is rejected, not scored.
        all_empty &= ~any_bad
        if all_empty.any():
            any_bad |= all_empty
            problems.extend((int(rows[i]), ALL_FIELDS, "", EMPTY_ROW_REASON) for i in np.flatnonzero(all_empty))
        good = ~any_bad
        index = pd.Index(rows[good], name="row")
        matrix = pd.DataFrame({name: col[good] for name, col in columns.items()}, index=index)
        valid = frame.loc[good] if any_bad.any() else frame
        valid = valid.set_axis(index, axis=0)
        table = (pd.DataFrame(problems, columns=list(REJECTION_COLUMNS)).astype({"row": "int64"})
                 .sort_values("row", kind="stable", ignore_index=True))
        return ParsedBatch(matrix=matrix, valid=valid, problems=table, rows_read=len(frame))

    def parse_lead(self, lead: Mapping[str, object]) -> tuple[np.ndarray, list[tuple[str, str, str]]]:
        """One lead given as {column name: value as in the file}, without pandas.

        Keys are matched like headers; absent fields and extra keys are fine. Returns the
        lead's codes (1, fields) (see ``codes``), impossible cells set to empty, and the
        problems as (field, value, reason); a lead with every field empty is one problem
        (``ALL_FIELDS``), as in ``parse``.
        """
        by_key = {header_key(k): v for k, v in lead.items()}
        codes = np.empty((1, len(self.fields)))
        problems = []
        for j, f in enumerate(self.fields):
            raw = by_key.get(header_key(f.name))
            codes[0, j], reason = f.parse_cell(raw, self._placeholder_set)
            if reason:
                problems.append((f.name, str(raw), reason))
        if not problems and np.isnan(codes).all():
            problems.append((ALL_FIELDS, "", EMPTY_ROW_REASON))
        return codes, problems

    def codes(self, matrix: pd.DataFrame, fill_in: bool = True) -> np.ndarray:
        """The model matrix as float64 (n, fields): numbers as they are, a category as its code; NaN when empty.

        ``fill_in``: empty cells of fields that never taught the model about emptiness become their
        typical value (``Field.fill_in``), as the model is trained and scored.
        """
        out = np.empty((len(matrix), len(self.fields)))
        for j, f in enumerate(self.fields):
            column = matrix[f.name]
            if f.kind == "category":
                codes = np.asarray(column.cat.codes, dtype=np.float64)
                codes[codes < 0] = np.nan
                out[:, j] = codes
            else:
                out[:, j] = column.to_numpy(dtype=np.float64)
        return self.fill_in(out) if fill_in else out

    def fill_in(self, codes: np.ndarray) -> np.ndarray:
        """A copy of ``codes`` with the empty cells of always-filled fields set to their typical value."""
        out = np.array(codes, dtype=np.float64, copy=True)
        for j, f in enumerate(self.fields):
            value = f.fill_in
            if value is not None:
                column = out[:, j]
                column[np.isnan(column)] = value
        return out

    def value(self, j: int, code: float) -> object:
        """The value a code stands for: a category's level, a number itself, NaN when empty."""
        f = self.fields[j]
        if f.kind == "category" and not math.isnan(code):
            return f.categories[int(code)]
        return code
