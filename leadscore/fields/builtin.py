"""The one table of features and tiers, and the validation derived from it.

Everything that needs to know the features (validation, form widgets, the CSV
template, the API request model, the docs) reads ``FEATURES``; nothing else
lists them.

Batch policy: valid rows are scored, invalid rows are reported with their row
number, column and reason. Nothing is silently dropped, clipped or coerced:
``len(input) == len(result.valid) + result.rejected_rows``.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

FeatureKind = Literal["integer", "number", "flag"]


@dataclass(frozen=True)
class Feature:
    """One model input: its name in files, its type and range, and its words."""

    name: str
    kind: FeatureKind
    low: float
    high: float
    label: str
    help: str
    #: Only a salesperson's work can change it (engagement and intent), as
    #: opposed to who the lead is (age, income, credit score).
    actionable: bool
    #: How a value reads in a reason: "{}" is replaced by the formatted value, "{s}" by "s" unless it is 1.
    phrase: str = ""
    #: For flags: the phrase when the flag is 0.
    phrase_off: str = ""

    def describe(self, value: float) -> str:
        """The value in plain words, for example "Credit score 790"."""
        if self.kind == "flag":
            return self.phrase if value >= 0.5 else self.phrase_off
        return self.phrase.format(format_value(self, value), s="" if float(value) == 1 else "s")


def format_value(feature: Feature, value: float) -> str:
    """Format a value the way a person writes it ($85,000, 12, 7.5)."""
    number = float(value)
    text = f"{number:,.0f}" if number.is_integer() else f"{number:,.1f}"
    return f"${text}" if feature.name == "income" else text


FEATURES: tuple[Feature, ...] = (
    Feature("age", "integer", 22, 70, "Age", "Lead's age in years.", False, "Age {}"),
    Feature(
        "income", "number", 30_000, 500_000, "Annual income",
        "Annual income in dollars: the main sign of buying power.", False, "Income {}",
    ),
    Feature(
        "credit_score", "integer", 300, 850, "Credit score",
        "Credit score: the main sign of getting financing.", False, "Credit score {}",
    ),
    Feature(
        "website_visits", "integer", 0, 50, "Website visits",
        "Visits to the platform's website.", True, "{} website visit{s}",
    ),
    Feature(
        "email_opens", "integer", 0, 30, "Email opens",
        "Marketing emails opened.", True, "{} email open{s}",
    ),
    Feature(
        "property_views", "integer", 0, 25, "Property views",
        "Property listings looked at.", True, "{} property view{s}",
    ),
    Feature(
        "contact_attempts", "integer", 0, 10, "Contact attempts",
        "Times the sales team has reached out.", True, "{} contact attempt{s}",
    ),
    Feature(
        "time_on_site_minutes", "number", 1, 120, "Time on site (minutes)",
        "Minutes spent browsing the platform.", True, "{} minute{s} on site",
    ),
    Feature(
        "inquiry_submitted", "flag", 0, 1, "Inquiry submitted",
        "The lead asked a question through the site (a direct sign of intent).", True,
        "Inquiry submitted", "No inquiry submitted",
    ),
    Feature(
        "financing_pre_approved", "flag", 0, 1, "Financing pre-approved",
        "The lead already has financing (ready to buy).", True,
        "Financing pre-approved", "No financing pre-approval",
    ),
    Feature(
        "budget_disclosed", "flag", 0, 1, "Budget disclosed",
        "The lead shared an investment budget (a sign of commitment).", True,
        "Budget disclosed", "No budget disclosed",
    ),
    Feature(
        "location_preference_set", "flag", 0, 1, "Location preference set",
        "The lead chose where to buy (knows what they want).", True,
        "Location preference set", "No location preference",
    ),
)

FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
FEATURES_BY_NAME: dict[str, Feature] = {f.name: f for f in FEATURES}

#: Tiers in class-index order: the model's class k is TIERS[k].
TIERS: tuple[str, ...] = ("Low", "Medium", "High")
PROBABILITY_COLUMNS: tuple[str, ...] = tuple(f"p_{t.lower()}" for t in TIERS)
REASON_COLUMNS: tuple[str, ...] = ("reason_1", "reason_2", "reason_3")
OUTPUT_COLUMNS: tuple[str, ...] = ("tier", *PROBABILITY_COLUMNS, "confidence", *REASON_COLUMNS)
LABEL_COLUMN = "tier"
ID_COLUMN = "lead_id"

#: The seed's follow-up action and expected conversion rate range per tier.
TIER_ACTIONS: dict[str, str] = {
    "High": "24-hour priority follow-up",
    "Medium": "3–5 day follow-up",
    "Low": "Monthly nurture email",
}
TIER_CONVERSION_RATES: dict[str, tuple[float, float]] = {
    "High": (0.35, 0.40),
    "Medium": (0.15, 0.20),
    "Low": (0.02, 0.05),
}

#: Common CRM spellings of our features. Keys are compared after
#: ``header_key`` (case, spaces, dashes and underscores ignored).
ALIASES: dict[str, str] = {
    "annual_income": "income",
    "yearly_income": "income",
    "household_income": "income",
    "salary": "income",
    "credit": "credit_score",
    "fico": "credit_score",
    "fico_score": "credit_score",
    "visits": "website_visits",
    "site_visits": "website_visits",
    "web_visits": "website_visits",
    "page_visits": "website_visits",
    "emails_opened": "email_opens",
    "email_open_count": "email_opens",
    "opens": "email_opens",
    "listing_views": "property_views",
    "properties_viewed": "property_views",
    "contacts": "contact_attempts",
    "outreach_attempts": "contact_attempts",
    "calls_made": "contact_attempts",
    "time_on_site": "time_on_site_minutes",
    "minutes_on_site": "time_on_site_minutes",
    "session_minutes": "time_on_site_minutes",
    "inquiry": "inquiry_submitted",
    "submitted_inquiry": "inquiry_submitted",
    "pre_approved": "financing_pre_approved",
    "preapproved": "financing_pre_approved",
    "financing_approved": "financing_pre_approved",
    "budget_shared": "budget_disclosed",
    "location_set": "location_preference_set",
    "preferred_location_set": "location_preference_set",
    "location_preference": "location_preference_set",
    "id": ID_COLUMN,
    "leadid": ID_COLUMN,
}

#: Spellings of a flag, besides 0 and 1, that CRMs export.
FLAG_WORDS: dict[str, float] = {"true": 1.0, "false": 0.0, "yes": 1.0, "no": 0.0}


class SchemaError(ValueError):
    """The file as a whole cannot be scored (for example a required column is missing)."""


def header_key(name: str) -> str:
    """Compare headers ignoring case, spaces and punctuation, in any script.

    Letters and digits of every script are kept (``Возраст`` stays ``возраст``, not ``""``), after
    NFKC (a fullwidth ``ＪＯＢ`` is ``job``) and case folding; for ASCII headers this is exactly
    "lower case, letters and digits only", so saved models keep matching the same columns.
    """
    folded = unicodedata.normalize("NFKC", str(name)).casefold()
    return "".join(character for character in folded if character.isalnum())


_KNOWN_HEADERS: dict[str, str] = {
    **{header_key(alias): target for alias, target in ALIASES.items()},
    **{header_key(name): name for name in (*FEATURE_NAMES, ID_COLUMN, LABEL_COLUMN)},
}


def conflict_message(feature: str, headers: Iterable[str]) -> str:
    """Why several headers that mean one feature cannot be scored (a repeated header included)."""
    return f"columns {', '.join(repr(h) for h in headers)} all mean '{feature}'; keep one"


@dataclass(frozen=True)
class ColumnMapping:
    """How a file's headers map to our features."""

    #: File header -> feature name, for the headers that needed a rename.
    renames: dict[str, str]
    #: Feature names found in the file.
    recognised: tuple[str, ...]
    #: Headers that are not features; they are kept and passed through.
    unrecognised: tuple[str, ...]
    #: Features the file lacks.
    missing: tuple[str, ...]
    #: Feature -> the several headers that all map to it.
    conflicts: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def problem(self) -> str | None:
        """One sentence on why the file cannot be scored, or None when it can."""
        if self.conflicts:
            return conflict_message(*next(iter(self.conflicts.items())))
        if self.missing:
            hints = []
            for name in self.missing:
                close = difflib.get_close_matches(name, self.unrecognised, n=1, cutoff=0.6)
                hints.append(f"'{name}'" + (f" (is '{close[0]}' it?)" if close else ""))
            return f"missing required column{'s' if len(hints) > 1 else ''}: {', '.join(hints)}"
        return None


def map_columns(columns: Iterable[str], extra: Mapping[str, str] | None = None) -> ColumnMapping:
    """Recognise our features among a file's headers.

    ``extra`` maps a header to a feature by hand (the dashboard's column mapper).
    """
    columns = [str(c) for c in columns]
    extra = dict(extra or {})
    targets: dict[str, list[str]] = {}
    for column in columns:
        target = extra.get(column) or _KNOWN_HEADERS.get(header_key(column))
        if target is not None:
            targets.setdefault(target, []).append(column)
    conflicts = {t: tuple(cs) for t, cs in targets.items() if len(cs) > 1}
    renames = {cs[0]: t for t, cs in targets.items() if len(cs) == 1 and cs[0] != t}
    mapped = {cs[0] for cs in targets.values() if len(cs) == 1}
    return ColumnMapping(
        renames=renames,
        recognised=tuple(n for n in FEATURE_NAMES if n in targets),
        unrecognised=tuple(c for c in columns if c not in mapped and c not in
                           {h for cs in conflicts.values() for h in cs}),
        missing=tuple(n for n in FEATURE_NAMES if n not in targets),
        conflicts=conflicts,
    )


def apply_mapping(frame: pd.DataFrame, mapping: ColumnMapping) -> pd.DataFrame:
    """Rename the file's headers to feature names; raise SchemaError if it cannot be scored."""
    problem = mapping.problem()
    if problem:
        raise SchemaError(problem)
    return frame.rename(columns=mapping.renames) if mapping.renames else frame


REJECTION_COLUMNS: tuple[str, ...] = ("row", "column", "value", "reason")


class CountsRejections:
    """For a batch result whose ``problems`` table has one line per bad cell: how many rows it rejected."""

    problems: pd.DataFrame

    @property
    def rejected_rows(self) -> int:
        """How many rows had at least one problem."""
        return int(self.problems["row"].nunique()) if len(self.problems) else 0


def input_renames(columns: Iterable[str], reserved: Iterable[str]) -> dict[str, str]:
    """New names for the file's columns that collide with ``reserved`` (columns we add).

    ``tier`` becomes ``tier_input``; when the file also has ``tier_input``, ``tier_input_2``,
    and so on: every name stays unique, and the file's own columns keep their values.
    """
    columns = [str(c) for c in columns]
    taken = set(columns) | set(reserved)
    renames = {}
    for column in columns:
        if column in set(reserved):
            new, n = f"{column}_input", 2
            while new in taken:
                new, n = f"{column}_input_{n}", n + 1
            taken.add(new)
            renames[column] = new
    return renames


@dataclass(frozen=True)
class Validated(CountsRejections):
    """The outcome of validating a batch.

    ``valid`` holds the rows that can be scored, features as float64 and every
    other column untouched; its index is the 1-based row number in the input.
    ``problems`` holds one line per bad cell: row, column, value, reason.
    """

    valid: pd.DataFrame
    problems: pd.DataFrame
    rows_read: int

    def features(self) -> np.ndarray:
        """The valid rows as a float64 matrix in feature order, for the model."""
        return self.valid.loc[:, list(FEATURE_NAMES)].to_numpy(dtype=np.float64)


def _range_text(feature: Feature) -> str:
    return f"{format_value(feature, feature.low)}–{format_value(feature, feature.high)}"


#: The one rule for a number in a file, a form or the API: plain ASCII decimal, as a
#: spreadsheet writes it ("720", "-1", "0.5", "1e3"). Python's float() alone would
#: also take "4_5", fullwidth "４５" and Arabic-Indic "٤٥", which pandas refuses.
NUMBER_PATTERN = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_NUMBER = re.compile(NUMBER_PATTERN)


def _parse_column(raw: pd.Series, feature: Feature) -> tuple[np.ndarray, np.ndarray]:
    """The column as float64 (NaN where not a number) and a mask of missing cells."""
    if pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw):
        values = raw.to_numpy(dtype=np.float64, na_value=np.nan)
        return values, np.isnan(values)
    text = raw.astype("string").str.strip()
    missing = text.isna().to_numpy() | text.eq("").fillna(False).to_numpy(dtype=bool)
    if feature.kind == "flag":
        text = text.str.lower().replace({w: str(v) for w, v in FLAG_WORDS.items()})
    plain = text.str.fullmatch(NUMBER_PATTERN).fillna(False).to_numpy(dtype=bool)
    if raw.dtype == object:  # numbers held as Python numbers (inf, 1e300) are numbers, not text
        plain |= ~raw.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    text = text.where(plain)
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    return values, missing


def _bad_cells(values: np.ndarray, feature: Feature) -> np.ndarray:
    """Mask of cells that break the feature's rules (NaN included)."""
    with np.errstate(invalid="ignore"):
        bad = ~((values >= feature.low) & (values <= feature.high))
        if feature.kind != "number":
            bad |= values % 1 != 0
    return bad


def cell_reason(feature: Feature, value: float, missing: bool) -> str:
    """Why one cell is invalid, in words (only called for cells that are)."""
    if missing:
        return "missing value"
    if feature.kind == "flag":
        return "must be 0 or 1 (or yes/no, true/false)" if np.isnan(value) else "must be 0 or 1"
    if np.isnan(value):
        return "not a number"
    if value < feature.low:
        return f"below the model's range {_range_text(feature)}"
    if value > feature.high:
        return f"above the model's range {_range_text(feature)}"
    return "must be a whole number"


def check_value(feature: Feature, raw: object) -> tuple[float, str | None]:
    """Parse and check one cell: its value and, when invalid, why.

    The same rules as ``validate`` for one value, without pandas: scoring a
    single lead this way takes microseconds instead of milliseconds
    (benchmarks/bench_engine.py), and tests/test_schema.py holds the two to
    the same answers.
    """
    if raw is None or (isinstance(raw, float) and np.isnan(raw)):
        return float("nan"), cell_reason(feature, float("nan"), missing=True)
    if isinstance(raw, str):
        text = raw.strip()
        if not text:
            return float("nan"), cell_reason(feature, float("nan"), missing=True)
        if feature.kind == "flag":
            text = str(FLAG_WORDS.get(text.lower(), text))
        value = float(text) if _NUMBER.fullmatch(text) else float("nan")
    else:
        try:
            value = float(raw)  # type: ignore[arg-type]
        except OverflowError:  # an integer too large for a float: out of range, not a crash
            value = float("inf") if raw > 0 else float("-inf")  # type: ignore[operator]
        except (TypeError, ValueError):
            value = float("nan")
    bad = bool(_bad_cells(np.array([value]), feature)[0])
    return value, cell_reason(feature, value, missing=False) if bad else None


def _as_column(values: np.ndarray, feature: Feature) -> np.ndarray:
    """Whole-number features as int64 so files show 720, not 720.0."""
    if feature.kind != "number" or np.all(values % 1 == 0):
        return values.astype(np.int64)
    return values


def validate(frame: pd.DataFrame, first_row: int = 1) -> Validated:
    """Check every feature cell of a batch whose headers are already feature names.

    ``first_row`` is the number of the batch's first row (for chunks of a big file).
    Raises SchemaError when a feature column is missing.
    """
    missing_columns = [name for name in FEATURE_NAMES if name not in frame.columns]
    if missing_columns:
        raise SchemaError(f"missing required column{'s' if len(missing_columns) > 1 else ''}: "
                          + ", ".join(f"'{m}'" for m in missing_columns))
    rows = np.arange(first_row, first_row + len(frame))
    parsed: dict[str, np.ndarray] = {}
    problems: list[tuple[int, str, str, str]] = []
    any_bad = np.zeros(len(frame), dtype=bool)
    for feature in FEATURES:
        raw = frame[feature.name]
        values, missing = _parse_column(raw, feature)
        bad = _bad_cells(values, feature)
        if bad.any():
            any_bad |= bad
            for i in np.flatnonzero(bad):
                cell = raw.iloc[i]
                problems.append((int(rows[i]), feature.name, "" if pd.isna(cell) else str(cell),
                                 cell_reason(feature, values[i], bool(missing[i]))))
        parsed[feature.name] = values
    good = ~any_bad
    valid = frame.loc[good].copy() if any_bad.any() else frame.copy(deep=False)
    valid.index = pd.Index(rows[good], name="row")
    for feature in FEATURES:
        valid[feature.name] = _as_column(parsed[feature.name][good], feature)
    table = (pd.DataFrame(problems, columns=list(REJECTION_COLUMNS)).astype({"row": "int64"})
             .sort_values("row", kind="stable", ignore_index=True))
    return Validated(valid=valid, problems=table, rows_read=len(frame))


def example_lead() -> dict[str, float]:
    """A typical lead: every feature at a middling value (form defaults, CSV template)."""
    return {
        "age": 41, "income": 95_000, "credit_score": 690, "website_visits": 12,
        "email_opens": 8, "property_views": 5, "contact_attempts": 3,
        "time_on_site_minutes": 25, "inquiry_submitted": 0, "financing_pre_approved": 1,
        "budget_disclosed": 0, "location_preference_set": 1,
    }
