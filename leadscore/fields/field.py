"""A field of a lead, and the schema a model is trained and scored on.

Both models are read through this one module: the built-in model's twelve
fields (``builtin.py``) and a team's own CRM columns (``infer.py``) are
``Field`` values in a ``Schema``. What differs between them is data on each
field, not code: the built-in fields are ``required`` (an empty cell rejects
the row) with a ``strict_range`` (the original study's ranges are limits, and
its counts whole numbers); a CRM field's range is only what training saw, and
its empty cells are information.

The schema is data that belongs to a model version: it is saved beside the
booster (``to_dict``) and checked when it is loaded back (``from_dict``).
``Schema.parse`` turns a batch of rows, as the CRM wrote them, into the model
matrix; ``Schema.parse_lead`` does the same for one lead without pandas (the
form's and the API's path). Empty cells and placeholders (``Select``, ``N/A``,
``unknown``...) become NaN (numbers) or a missing category. A value that
cannot be what its field is rejects its row, so rows in = rows parsed + rows
rejected.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from leadscore.fields.headers import conflict_message, header_key
from leadscore.fields.numbers import DECIMAL_MARKS, NOT_A_NUMBER, NOT_FINITE, not_finite, read_number, read_numbers
from leadscore.fields.rejections import CountsRejections, SchemaError, rejection_table

FieldKind = Literal["number", "integer", "flag", "category"]
FIELD_KINDS: tuple[str, ...] = get_args(FieldKind)

#: The level unseen and rare category values are scored as.
OTHER = "other"
#: The ``column`` of a rejected row whose every cell is blank (a spreadsheet's stray line of separators), and the
#: reason given. A lead whose fields are all empty but that has anything else (an ID, an outcome) is a lead.
ALL_FIELDS = "(every field)"
BLANK_LINE_REASON = "the line is blank: no cell is filled in"
#: The API's reason for a lead without a single field filled in (api/shapes.py: it asks for half of them).
EMPTY_ROW_REASON = "every field the model uses is empty: nothing to score"
MISSING_REASON = "missing value"
FLAG_REASON = "must be 0 or 1 (or yes/no, true/false)"
NUMBER_REASON = NOT_A_NUMBER
WHOLE_REASON = "must be a whole number"

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


def number_cell(raw: object, decimal: str = ".") -> tuple[float, str | None]:
    """One cell as a number and, when it is not a finite one, why (``numbers.read_number``'s rules for
    text; a JSON number as it is; true/false is not a number)."""
    if isinstance(raw, bool):
        return math.nan, NOT_A_NUMBER
    if isinstance(raw, (int, float, np.integer, np.floating)):
        try:
            value = float(raw)
        except OverflowError:  # an integer too large for a float: not a crash
            return math.nan, NOT_FINITE
        return (value, None) if math.isfinite(value) else (math.nan, NOT_FINITE)
    return read_number(str(raw), decimal)


def _blank_lines(frame: pd.DataFrame, candidates: np.ndarray) -> np.ndarray:
    """Of the ``candidates`` rows (every field empty), those whose every cell, of any column, is blank."""
    blank = candidates.copy()
    positions = np.flatnonzero(candidates)
    for k in range(frame.shape[1]):
        cells = frame.iloc[positions, k]
        filled = ~(cells.isna() | (cells.astype("string").str.strip() == "")).to_numpy(dtype=bool)
        blank[positions[filled]] = False
    return blank


def _is_nan(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


@dataclass(frozen=True)
class Field:
    """One input of a model: its header in the file, its kind, its rules and its words."""

    name: str
    kind: FieldKind
    label: str = ""
    help: str = ""
    #: Range: the accepted one when ``strict_range``, else the one seen on the training rows.
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
    #: An empty cell rejects the row ("missing value") instead of being scored as unknown.
    required: bool = False
    #: ``low``-``high`` are limits (a value outside rejects the row) and an integer must be whole.
    strict_range: bool = False
    #: Other headers CRMs use for this field ("FICO" for a credit score), compared like headers.
    aliases: tuple[str, ...] = ()
    #: How a value reads in a reason: "{}" is the value, "{s}" is "s" unless the value is 1
    #: ("{} website visit{s}"); a flag's phrase when on, ``phrase_off`` when off.
    phrase: str = ""
    phrase_off: str = ""
    #: Written before a number ("$" for an amount in dollars).
    prefix: str = ""
    #: Numbers: the decimal mark of the training file (``fields/numbers.py``), so ``1,291`` is read alike later.
    decimal: str = "."

    @cached_property
    def title(self) -> str:
        """The label, or one made from the name (made once: every reason and label of a lead reads it)."""
        return self.label or default_label(self.name)

    @property
    def categories(self) -> tuple[str, ...]:
        """The model's categories: the kept levels and OTHER (for categories only)."""
        return (*self.levels, OTHER) if OTHER not in self.levels else self.levels

    @cached_property
    def _level_codes(self) -> dict[str, int]:
        """A category's levels (lower case) -> their codes."""
        return {c.lower(): i for i, c in enumerate(self.categories)}

    @property
    def keys(self) -> frozenset[str]:
        """The header keys that mean this field: its name and its aliases."""
        return frozenset(header_key(n) for n in (self.name, *self.aliases))

    def describe(self, value: object) -> str:
        """The value in plain words: ``Lead source: Google``, ``Credit score 790``, ``Contact: unknown``."""
        if _is_nan(value):
            return f"{self.title}: unknown"
        if self.phrase:
            if self.kind == "flag":
                return self.phrase if float(value) >= 0.5 else self.phrase_off  # type: ignore[arg-type]
            return self.phrase.format(self.value_words(value), s="" if float(value) == 1 else "s")  # type: ignore[arg-type]
        if self.kind in ("integer", "number"):
            return f"{self.title} {self.value_words(value)}"
        return f"{self.title}: {self.value_words(value)}"

    def value_words(self, value: object) -> str:
        """A filled-in value alone: ``Google``, ``1,200``, ``$85,000``, ``yes``."""
        if self.kind == "category":
            return str(value)
        number = float(value)  # type: ignore[arg-type]
        if self.kind == "flag":
            return "yes" if number >= 0.5 else "no"
        return self.prefix + format_number(number)

    @property
    def step(self) -> float:
        """A number's natural step: 1 for a count; for an amount, a power of ten about a hundredth of its range
        (1 minute on a 1-120 range, $1,000 on $30,000-$500,000, 0.01 on 0-1). The form's +/- and the what-if's
        suggestions move by it, so a suggestion reads "25 → 35 minutes", never "25 → 54.75"."""
        if self.kind == "integer" or self.low is None or self.high is None or self.high <= self.low:
            return 1.0
        return float(10 ** math.floor(math.log10((self.high - self.low) / 100)))

    @property
    def range_words(self) -> str:
        """``22–70``, ``$30,000–$500,000`` ("" without a range)."""
        if self.low is None or self.high is None:
            return ""
        return f"{self.value_words(self.low)}–{self.value_words(self.high)}"

    @property
    def fill_in(self) -> float | None:
        """The code an empty cell is scored as, or None when empty is scored as empty.

        A field filled in on (almost) every training lead never taught the model what an empty
        cell means: its trees send one anyway, often somewhere extreme ("month" empty made every
        lead High). Such a field (``allow_empty`` false) scores an empty cell as its typical value:
        the commonest level (levels are kept most frequent first), a number's median, the commoner
        answer of a flag.
        """
        if self.allow_empty or self.required:
            return None
        if self.kind == "category":
            return 0.0 if self.levels else None
        return self.typical

    # ---- the rules, for one value ---------------------------------------------------------------
    def check(self, value: float) -> str | None:
        """Why a parsed, filled-in number breaks this field's limits (None when it does not)."""
        if not self.strict_range or self.low is None or self.high is None:
            return None
        if self.kind == "flag":
            return None if value in (0.0, 1.0) else FLAG_REASON
        if value < self.low:
            return f"below the model's range {self.range_words}"
        if value > self.high:
            return f"above the model's range {self.range_words}"
        if self.kind == "integer" and not float(value).is_integer():
            return WHOLE_REASON
        return None

    def parse_cell(self, raw: object, placeholders: frozenset[str]) -> tuple[float, str | None]:
        """One cell without pandas: its model value (a category's code; NaN when empty) and, if impossible, why.

        The same rules as ``Schema.parse`` (tests/test_fields.py holds them to the same answers);
        used for one lead at a time, where pandas would cost milliseconds per field.
        """
        if _is_nan(raw):
            return math.nan, (MISSING_REASON if self.required else None)
        # Text is lowered once: a placeholder, a level and a yes/no are all matched on it.
        lowered = None if isinstance(raw, (int, float)) else str(raw).strip().lower()
        if lowered is not None and lowered in placeholders:
            return math.nan, (MISSING_REASON if self.required else None)
        if self.kind == "category":
            lookup = self._level_codes
            return float(lookup.get(str(raw).strip().lower() if lowered is None else lowered, lookup[OTHER])), None
        if self.kind == "flag":
            if lowered is None:
                lowered = str(raw).strip().lower()
            if isinstance(raw, bool) or lowered in FLAG_TRUE or lowered in FLAG_FALSE:
                return (1.0 if raw is True or lowered in FLAG_TRUE else 0.0), None
            return math.nan, FLAG_REASON
        value, reason = number_cell(raw, self.decimal)
        if reason:
            return math.nan, reason
        reason = self.check(value)
        return (math.nan, reason) if reason else (value, None)

    # ---- JSON -----------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-safe."""
        return {"name": self.name, "kind": self.kind, "label": self.label, "help": self.help,
                "low": self.low, "high": self.high, "levels": list(self.levels),
                "allow_empty": self.allow_empty, "actionable": self.actionable, "fill_rate": self.fill_rate,
                "typical": self.typical, "required": self.required, "strict_range": self.strict_range,
                "aliases": list(self.aliases), "phrase": self.phrase, "phrase_off": self.phrase_off,
                "prefix": self.prefix, "decimal": self.decimal}

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
        for text in ("label", "help", "phrase", "phrase_off", "prefix"):
            if not isinstance(data.get(text, ""), str):
                raise SchemaError(f"field '{name}': {text} must be text")
        bounds = [data.get("low"), data.get("high")]
        for bound in bounds:
            if bound is not None and (isinstance(bound, bool) or not isinstance(bound, (int, float))
                                      or not math.isfinite(bound)):
                raise SchemaError(f"field '{name}': low and high must be finite numbers or null")
        low, high = bounds
        if low is not None and high is not None and low > high:
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
        decimal = data.get("decimal", ".")
        if decimal not in DECIMAL_MARKS:
            raise SchemaError(f"field '{name}': decimal must be one of {' '.join(DECIMAL_MARKS)}")
        flags = [data.get(k, default) for k, default in (("allow_empty", True), ("actionable", False),
                                                         ("required", False), ("strict_range", False))]
        if not all(isinstance(f, bool) for f in flags):
            raise SchemaError(f"field '{name}': allow_empty, actionable, required and strict_range must be "
                              "true or false")
        if flags[3] and None in bounds:
            raise SchemaError(f"field '{name}': a strict range needs low and high")
        aliases = data.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
            raise SchemaError(f"field '{name}': aliases must be non-empty texts")
        return cls(name=name, kind=kind, label=data.get("label", ""), help=data.get("help", ""),
                   low=None if bounds[0] is None else float(bounds[0]),
                   high=None if bounds[1] is None else float(bounds[1]),
                   levels=tuple(levels), allow_empty=flags[0], actionable=flags[1], fill_rate=float(fill_rate),
                   typical=None if typical is None else float(typical), required=flags[2],
                   strict_range=flags[3], aliases=tuple(aliases), phrase=data.get("phrase", ""),
                   phrase_off=data.get("phrase_off", ""), prefix=data.get("prefix", ""), decimal=decimal)


@dataclass(frozen=True)
class ColumnMatch:
    """Which file header holds each field, and which headers are not fields."""

    #: Field name -> the header in the file.
    headers: dict[str, str]
    missing: tuple[str, ...]
    conflicts: dict[str, tuple[str, ...]]
    #: Headers that are no field: kept and passed through.
    unrecognised: tuple[str, ...] = ()
    #: Field name -> its title, for messages a manager reads.
    titles: dict[str, str] = field(default_factory=dict)

    def problem(self) -> str | None:
        """One sentence on why the file cannot be scored, or None."""
        if self.conflicts:
            return conflict_message(*next(iter(self.conflicts.items())))
        if self.missing:
            named = []
            for name in self.missing:
                title = self.titles.get(name, name)
                words = f"'{title}'" + (f" ({name})" if header_key(title) != header_key(name) else "")
                close = difflib.get_close_matches(name, self.unrecognised, n=1, cutoff=0.6)
                named.append(words + (f" (is '{close[0]}' it?)" if close else ""))
            return f"missing required column{'s' if len(named) > 1 else ''}: {', '.join(named)}"
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
    match: ColumnMatch


def _range_reasons(f: Field, values: np.ndarray, reasons: np.ndarray) -> np.ndarray:
    """Set the reason of each filled-in value outside the field's limits (``Field.check``, vectorised); the
    mask of the values given one."""
    with np.errstate(invalid="ignore"):
        filled = ~np.isnan(values)
        if f.kind == "flag":
            odd = filled & (values != 0) & (values != 1)
            reasons[odd] = FLAG_REASON
            return odd
        given = np.zeros(len(values), dtype=bool)
        if f.kind == "integer":
            given = filled & (values % 1 != 0)
            reasons[given] = WHOLE_REASON
        above, below = values > f.high, values < f.low
        reasons[above] = f"above the model's range {f.range_words}"
        reasons[below] = f"below the model's range {f.range_words}"
        return given | above | below


def _is_placeholder(text: pd.Series, placeholders: frozenset[str]) -> np.ndarray:
    return (text.isna() | text.str.lower().isin(placeholders)).to_numpy(dtype=bool)


@dataclass(frozen=True)
class Schema:
    """The fields of a model, its ID column and the cell texts that mean "no answer"."""

    fields: tuple[Field, ...]
    id_column: str | None = None
    placeholders: tuple[str, ...] = DEFAULT_PLACEHOLDERS
    #: Leads to start the form from, by name ("A typical lead", the seed's scenarios); not saved.
    examples: tuple[tuple[str, Mapping[str, object]], ...] = field(default=(), compare=False, repr=False)
    _placeholder_set: frozenset[str] = field(init=False, repr=False, compare=False)
    #: Header key -> the field it means (names and aliases), built once: every lead is matched with it.
    _owner: dict[str, str] = field(init=False, repr=False, compare=False)
    #: Per field, the code an empty cell is scored as (``Field.fill_in``; NaN: stays empty), and whether it has one.
    _fill_values: np.ndarray = field(init=False, repr=False, compare=False)
    _fill_mask: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_placeholder_set", frozenset(p.strip().lower() for p in self.placeholders))
        object.__setattr__(self, "_owner", {key: f.name for f in self.fields for key in f.keys})
        fills = [f.fill_in for f in self.fields]
        object.__setattr__(self, "_fill_values",
                           np.array([math.nan if v is None else v for v in fills], dtype=np.float64))
        object.__setattr__(self, "_fill_mask", np.array([v is not None for v in fills], dtype=bool))

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Field names in model order."""
        return tuple(f.name for f in self.fields)

    @property
    def actionable(self) -> tuple[Field, ...]:
        """The fields a salesperson's work can change."""
        return tuple(f for f in self.fields if f.actionable)

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
        return {"fields": [f.to_dict() for f in self.fields], "id_column": self.id_column,
                "placeholders": list(self.placeholders)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Schema:
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
        id_column = data.get("id_column")
        if id_column is not None and not isinstance(id_column, str):
            raise SchemaError("id_column must be text or null")
        placeholders = data.get("placeholders", list(DEFAULT_PLACEHOLDERS))
        if not isinstance(placeholders, list) or not all(isinstance(p, str) for p in placeholders):
            raise SchemaError("placeholders must be a list of texts")
        return cls(fields=fields, id_column=id_column, placeholders=tuple(placeholders))

    # ---- columns ------------------------------------------------------------------------------
    def map_columns(self, headers: Iterable[str], extra: Mapping[str, str] | None = None) -> ColumnMatch:
        """Find each field among a file's headers, ignoring case, spaces, dashes and underscores.

        A field's aliases count as its name; an exact name wins over other spellings. ``extra``
        maps a header to a field by hand (the dashboard's column matching).
        """
        headers = [str(h) for h in headers]
        extra = dict(extra or {})
        owner = self._owner
        candidates: dict[str, list[str]] = {}
        for header in headers:
            name = extra.get(header) or owner.get(header_key(header))
            if name is not None:
                candidates.setdefault(name, []).append(header)
        found: dict[str, str] = {}
        conflicts: dict[str, tuple[str, ...]] = {}
        missing: list[str] = []
        for f in self.fields:
            mine = candidates.get(f.name, [])
            chosen = [h for h in mine if extra.get(h) == f.name] or [h for h in mine if h == f.name]
            if len(mine) == 1 or len(chosen) == 1:
                found[f.name] = chosen[0] if chosen else mine[0]
            elif mine:
                conflicts[f.name] = tuple(mine)
            else:
                missing.append(f.name)
        taken = set(found.values()) | {h for group in conflicts.values() for h in group}
        return ColumnMatch(headers=found, missing=tuple(missing), conflicts=conflicts,
                           unrecognised=tuple(h for h in headers if h not in taken),
                           titles={f.name: f.title for f in self.fields})

    # ---- parsing ------------------------------------------------------------------------------
    def _parse_column(self, raw: pd.Series, f: Field
                      ) -> tuple[pd.Categorical | np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The column in model form, the mask of empty cells, each impossible cell's reason (None if fine) and
        the mask of the cells with a reason (kept beside the reasons: comparing objects to None is slow)."""
        reasons = np.full(len(raw), None, dtype=object)
        if f.kind != "category" and (pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw)):
            values = raw.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)  # a view is read-only: cells get set
            missing = np.isnan(values)
            bad = np.zeros(len(raw), dtype=bool)
        else:
            text = raw.astype("string").str.strip()
            missing = _is_placeholder(text, self._placeholder_set)
            if f.kind == "category":
                categories = list(f.categories)
                lowered = text.str.lower().fillna("").to_numpy(dtype=object)
                codes = pd.Index([c.lower() for c in categories]).get_indexer(lowered).astype(np.int64)
                codes[(codes < 0) & ~missing] = categories.index(OTHER)
                codes[missing] = -1
                flagged = missing.copy() if f.required else np.zeros(len(raw), dtype=bool)
                reasons[flagged] = MISSING_REASON
                return pd.Categorical.from_codes(codes, categories=categories), missing, reasons, flagged
            if f.kind == "flag":
                lowered = text.str.lower()
                values = np.full(len(raw), np.nan)
                values[lowered.isin(FLAG_TRUE).to_numpy(dtype=bool)] = 1.0
                values[lowered.isin(FLAG_FALSE).to_numpy(dtype=bool)] = 0.0
            else:
                cells = text.where(~pd.Series(missing, index=text.index))
                values, _ = read_numbers(cells, f.decimal)
            bad = np.isnan(values) & ~missing
            reasons[bad] = FLAG_REASON if f.kind == "flag" else NUMBER_REASON
            if f.kind != "flag" and bad.any():
                reasons[bad & not_finite(cells, f.decimal)] = NOT_FINITE
        infinite = np.isinf(values)
        reasons[infinite] = NOT_FINITE
        values[infinite] = np.nan
        bad |= infinite
        flagged = bad.copy()
        if f.required:
            reasons[missing & ~bad] = MISSING_REASON
            flagged |= missing
        if f.strict_range:
            flagged |= _range_reasons(f, values, reasons)
        values[flagged] = np.nan
        return values, missing, reasons, flagged

    def parse(self, frame: pd.DataFrame, first_row: int = 1, extra: Mapping[str, str] | None = None) -> ParsedBatch:
        """Parse a batch whose headers are as in the file; raise SchemaError when a field's column is absent.

        ``extra`` maps headers to fields by hand (see ``map_columns``).
        """
        match = self.map_columns(frame.columns, extra)
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
            values, missing, reasons, flagged = self._parse_column(raw, f)
            bad = np.flatnonzero(flagged)
            if len(bad):
                any_bad[bad] = True
                problems.extend((int(rows[i]), header, "" if _is_nan(raw.iloc[i]) else str(raw.iloc[i]),
                                 str(reasons[i])) for i in bad)
            all_empty &= missing
            columns[f.name] = values
        # A lead whose every field is empty is still a lead (it has an ID, an outcome: the model has learned
        # what such leads convert at); only a line with no cell filled in at all (a spreadsheet's stray line of
        # separators) is not one.
        blank = all_empty & ~any_bad
        if blank.any():
            blank = _blank_lines(frame, blank)
            any_bad |= blank
            problems.extend((int(rows[i]), ALL_FIELDS, "", BLANK_LINE_REASON) for i in np.flatnonzero(blank))
        good = ~any_bad
        index = pd.Index(rows[good], name="row")
        matrix = pd.DataFrame({name: col[good] for name, col in columns.items()} if any_bad.any() else columns,
                              index=index)
        valid = frame.loc[good] if any_bad.any() else frame
        valid = valid.set_axis(index, axis=0)
        return ParsedBatch(matrix=matrix, valid=valid, problems=rejection_table(problems), rows_read=len(frame),
                           match=match)

    def lead_keys(self, lead: Mapping[str, object]) -> tuple[dict[str, object], list[tuple[str, str, str]]]:
        """A lead's values by field name, its keys matched like headers (an exact name wins over other
        spellings); two other spellings of one field are a problem. The rules of ``map_columns``, without
        building a ``ColumnMatch``: this is every API request's path."""
        keys: dict[str, list[str]] = {}
        for key in lead:
            name = self._owner.get(header_key(key))
            if name is not None:
                keys.setdefault(name, []).append(key)
        values: dict[str, object] = {}
        problems: list[tuple[str, str, str]] = []
        for name, spellings in keys.items():
            exact = [k for k in spellings if k == name]
            if len(spellings) == 1 or exact:
                values[name] = lead[exact[0] if exact else spellings[0]]
            else:
                problems.append((name, "", conflict_message(name, spellings)))
        return values, problems

    def parse_lead(self, lead: Mapping[str, object]) -> tuple[np.ndarray, list[tuple[str, str, str]]]:
        """One lead given as {column name: value as in the file}, without pandas.

        Keys are matched like headers; absent fields are empty and extra keys are fine. Returns the
        lead's codes (1, fields) (see ``codes``), impossible cells set to empty, and the problems as
        (field, value, reason). A lead with every field empty is scored, as a row of a file with anything in
        it is (``parse``).
        """
        values, problems = self.lead_keys(lead)
        codes = np.empty((1, len(self.fields)))
        for j, f in enumerate(self.fields):
            raw = values.get(f.name)
            codes[0, j], reason = f.parse_cell(raw, self._placeholder_set)
            if reason:
                problems.append((f.name, "" if _is_nan(raw) else str(raw), reason))
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
        if self._fill_mask.any():
            np.copyto(out, self._fill_values, where=np.isnan(out) & self._fill_mask)
        return out

    def value(self, j: int, code: float) -> object:
        """The value a code stands for: a category's level, a number itself, NaN when empty."""
        f = self.fields[j]
        if f.kind == "category" and not math.isnan(code):
            return f.categories[int(code)]
        return code

    def file_value(self, j: int, code: float) -> str:
        """A code written as a CRM file holds it: a level, yes/no, a plain number; "" when empty."""
        f = self.fields[j]
        if math.isnan(code):
            return ""
        if f.kind == "category":
            return f.categories[int(code)]
        if f.kind == "flag":
            return "yes" if code >= 0.5 else "no"
        return str(int(code)) if float(code).is_integer() else f"{code:g}"
