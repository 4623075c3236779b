"""Inferring a schema from a CRM export: each column's role and kind, and the outcome's positive values.

The result is a review table for the manager to check before training: every
column gets a role (id, outcome, order, field or ignored) and, when ignored,
the reason. Nothing here looks at the outcome except to find its values, so
the review cannot leak the outcome into the choice of fields (the leakage
screen, which does look, lives in ``modeling/leakage.py``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from leadscore.fields.dates import date_order, to_utc
from leadscore.fields.field import (
    DEFAULT_PLACEHOLDERS,
    FLAG_FALSE,
    FLAG_TRUE,
    OTHER,
    Field,
    FieldKind,
    Schema,
    default_label,
)
from leadscore.fields.headers import header_key
from leadscore.fields.numbers import decimal_mark, not_finite, read_numbers
from leadscore.fields.rejections import SchemaError

log = logging.getLogger(__name__)

Role = Literal["id", "outcome", "order", "field", "ignored"]

#: A value is "near-constant" when one value (empty counted as a value) fills this share of rows.
NEAR_CONSTANT_SHARE = 0.995
#: A level is kept when it appears at least this many times; rarer ones become OTHER.
MIN_LEVEL_COUNT = 10
#: At most this many levels are kept (the most frequent), the rest become OTHER.
MAX_LEVELS = 40
#: A field filled in on at least this share of training leads has too few empty cells to learn
#: what emptiness means; an empty cell is scored as its typical value (``Field.fill_in``).
ALWAYS_FILLED = 0.99
#: Text with more distinct values than this share of its filled rows is free text or a name, not a category.
MAX_DISTINCT_SHARE = 0.5
#: ... unless it has few distinct values in absolute terms (small files).
MIN_DISTINCT_FOR_TOO_MANY = 50
#: Mean length above which many-valued text reads as free text (notes, comments).
FREE_TEXT_LENGTH = 30
#: Share of filled cells that must parse as dates for a text column to be a date.
DATE_SHARE = 0.9
#: Share of filled cells that must be finite numbers for a column to be a number field; the other
#: cells are reported and read as empty (one ``inf`` must not make a number field a category).
NUMBER_SHARE = 0.98
#: Share of rows the order column must give a number or date for, to split the newest leads off.
ORDER_FILLED = 0.9
#: An increasing whole number with at least this share of distinct values is an ID (a few repeats allowed).
ID_DISTINCT_SHARE = 0.98
#: Share of consecutive rows in which an ID must rise (or fall) to count as ordering the leads.
ID_MONOTONE_SHARE = 0.9

POSITIVE_WORDS = frozenset({"1", "1.0", "yes", "y", "true", "t", "won", "win", "closed won", "converted",
                            "success", "successful", "positive", "subscribed", "sale", "sold"})
NEGATIVE_WORDS = frozenset({"0", "0.0", "no", "n", "false", "f", "lost", "lose", "closed lost", "not converted",
                            "unconverted", "failure", "failed", "negative", "not subscribed", "no sale"})

_DATE_LOOK = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2})?(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


class OutcomeError(ValueError):
    """The outcome column cannot be read as won/lost (the message says what to pass)."""


@dataclass(frozen=True)
class ColumnReview:
    """One column of the file as inference sees it."""

    name: str
    role: Role
    kind: FieldKind | None
    reason: str
    fill_rate: float
    distinct: int
    #: Categories: the levels kept (most frequent first); rare ones are grouped as OTHER.
    levels: tuple[str, ...] = ()
    #: Numbers: observed range.
    low: float | None = None
    high: float | None = None
    #: Numbers: the decimal mark of the column (``numbers.decimal_mark``).
    decimal: str = "."
    #: Something the manager should know about a column that is used (cells read as empty, a date's
    #: ambiguous day and month, a kept column that cannot help); empty when there is nothing to say.
    note: str = ""

    def to_dict(self) -> dict[str, object]:
        """JSON-safe, for the training report and the dashboard's review table."""
        return {"name": self.name, "role": self.role, "kind": self.kind, "reason": self.reason,
                "fill_rate": round(self.fill_rate, 4), "distinct": self.distinct, "levels": list(self.levels),
                "low": self.low, "high": self.high, "decimal": self.decimal, "note": self.note}


@dataclass(frozen=True)
class Review:
    """The review table, and which column orders the rows in time (for an honest split)."""

    columns: tuple[ColumnReview, ...]
    target: str
    id_column: str | None
    order_column: str | None
    #: How the order column was found: "given", "date", "increasing id" or None.
    order_source: str | None

    def fields(self) -> tuple[ColumnReview, ...]:
        """The columns that are model fields."""
        return tuple(c for c in self.columns if c.role == "field")

    def column(self, name: str) -> ColumnReview:
        """The review of one column."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def ignore(self, name: str, reason: str) -> Review:
        """The same review with one field turned to ignored, for the given reason."""
        columns = tuple(replace(c, role="ignored", reason=reason) if c.name == name else c for c in self.columns)
        return replace(self, columns=columns)

    def to_table(self) -> pd.DataFrame:
        """The review as a table, one row per column."""
        return pd.DataFrame([c.to_dict() for c in self.columns])


def _text(series: pd.Series) -> pd.Series:
    return series.astype("string").str.strip()


def missing_mask(series: pd.Series, placeholders: Iterable[str] = DEFAULT_PLACEHOLDERS) -> np.ndarray:
    """Cells that are empty or a placeholder (``Select``, ``N/A``, ``unknown``... any case)."""
    words = frozenset(p.strip().lower() for p in placeholders)
    text = _text(series)
    return (text.isna() | text.str.lower().isin(words)).to_numpy(dtype=bool)


@dataclass(frozen=True)
class _Numbers:
    """A column read as numbers: the finite values, the decimal mark, and the cells that are not numbers."""

    values: np.ndarray
    decimal: str
    #: Positions (in the filled cells) of cells that are not finite numbers, read as empty.
    bad: np.ndarray


def _numbers(filled: pd.Series) -> _Numbers | None:
    """The filled cells as numbers, or None when too few are (see NUMBER_SHARE).

    A cell that is a number but not a finite one (``inf``, ``1e309``) counts against the column less than
    text does: a column of numbers with one ``inf`` is still a number column whatever its size.
    """
    if not len(filled):
        return None
    decimal = decimal_mark(filled)
    values, bad = read_numbers(filled, decimal)
    finite = ~bad
    text = bad & ~not_finite(filled, decimal)
    if finite.mean() < NUMBER_SHARE and not (finite.mean() >= 0.5 and not text.any()):
        return None
    return _Numbers(values[finite], decimal, np.flatnonzero(bad))


def _looks_like_dates(filled: pd.Series) -> bool:
    sample = filled.iloc[:: max(1, len(filled) // 500)]
    if not len(sample) or sample.str.fullmatch(_DATE_LOOK).mean() < DATE_SHARE:
        return False
    return bool(to_utc(sample, date_order(filled)).notna().mean() >= DATE_SHARE)


def _is_increasing_id(name: str, numbers: np.ndarray, whole: bool, filled_count: int) -> tuple[bool, int]:
    """Whether a whole-number column is a running lead number, and how many repeats it has.

    A CRM's "Lead Number" can repeat a few values (a lead merged, an import run twice); it still orders
    the leads and must never become a model field (one repeat made it a leaky one).
    """
    if not whole or filled_count < 20:
        return False, 0
    distinct = len(np.unique(numbers))
    repeats = filled_count - distinct
    if distinct < ID_DISTINCT_SHARE * filled_count:
        return False, repeats
    steps = np.diff(numbers)
    monotone = max(float((steps >= 0).mean()), float((steps <= 0).mean())) >= ID_MONOTONE_SHARE
    return monotone or _looks_like_id_name(name), repeats


def _looks_like_id_name(name: str) -> bool:
    key = header_key(name)
    return key in {"id", "key", "number", "no"} or key.endswith(("id", "key", "number"))


def kept_levels(filled: pd.Series) -> tuple[str, ...]:
    """The levels kept: seen MIN_LEVEL_COUNT times or more, at most MAX_LEVELS, most frequent first.

    Levels are compared ignoring case; each is spelled as most often in the file.
    """
    lowered = filled.str.lower()
    counts = lowered.value_counts()
    spelling = filled.groupby(lowered.to_numpy()).agg(lambda s: s.value_counts().index[0])
    kept = [spelling[level] for level, n in counts.items() if n >= MIN_LEVEL_COUNT][:MAX_LEVELS]
    return tuple(level for level in kept if level.lower() != OTHER) + (
        (OTHER,) if any(level.lower() == OTHER for level in kept) else ())


def _review_column(name: str, series: pd.Series, placeholders: Sequence[str]) -> ColumnReview:
    """Role and kind of one candidate field column (not the outcome, not a given ID or order)."""
    n = len(series)
    missing = missing_mask(series, placeholders)
    filled = _text(series)[~missing]
    fill_rate = float(len(filled) / n) if n else 0.0
    distinct = int(filled.str.lower().nunique())

    def ignored(kind: FieldKind | None, reason: str) -> ColumnReview:
        return ColumnReview(name, "ignored", kind, reason, fill_rate, distinct)

    if distinct == 0:
        return ignored(None, "always empty")
    if distinct == 1 and fill_rate == 1.0:
        return ignored(None, "constant")
    top_share = max(filled.str.lower().value_counts().iloc[0], int(missing.sum())) / n
    read = _numbers(filled)
    numbers = read.values if read is not None else None
    whole = numbers is not None and bool(np.all(numbers % 1 == 0))
    unique = distinct == n and n >= 20
    if numbers is None and _looks_like_dates(filled):
        words = date_order(filled).words
        return ignored(None, f"a date ({words})" if words else "a date")
    if numbers is not None and not unique:
        running, repeats = _is_increasing_id(name, numbers, whole, len(filled))
        if running:
            return ColumnReview(name, "id", None, f"an ID: an increasing number ({repeats:,} repeated)",
                                fill_rate, distinct)
    # A unique token without spaces (a UUID such as a CRM's "Prospect ID") is an ID even when long;
    # long unique text with spaces is free text.
    token_id = unique and numbers is None and not filled.str.contains(r"\s", regex=True).any()
    if not token_id and numbers is None and distinct > MIN_DISTINCT_FOR_TOO_MANY and \
            filled.str.len().mean() > FREE_TEXT_LENGTH:
        return ignored("category", "free text")
    if unique and (numbers is None or (whole and _looks_like_id_name(name))):
        return ColumnReview(name, "id", None, "an ID: unique per row", fill_rate, distinct)
    if top_share >= NEAR_CONSTANT_SHARE:
        return ignored(None, f"near-constant: one value in {top_share:.1%} of rows")
    if numbers is not None and read is not None:
        note = ""
        if len(read.bad):
            examples = ", ".join(f"{filled.iloc[i]!r} in row {int(filled.index[i]) + 1}" for i in read.bad[:3])
            note = (f"{len(read.bad):,} cell{'s are' if len(read.bad) > 1 else ' is'} not a finite number "
                    f"({examples}{' ...' if len(read.bad) > 3 else ''}): read as empty")
        if set(np.unique(numbers)) <= {0.0, 1.0}:
            return ColumnReview(name, "field", "flag", "", fill_rate, distinct, low=0.0, high=1.0, note=note)
        kind: FieldKind = "integer" if whole else "number"
        return ColumnReview(name, "field", kind, "", fill_rate, distinct,
                            low=float(numbers.min()), high=float(numbers.max()), decimal=read.decimal, note=note)
    lowered = filled.str.lower()
    if lowered.isin(FLAG_TRUE | FLAG_FALSE).all():
        return ColumnReview(name, "field", "flag", "", fill_rate, distinct, low=0.0, high=1.0)
    if distinct > max(MIN_DISTINCT_FOR_TOO_MANY, MAX_DISTINCT_SHARE * len(filled)):
        return ignored("category", f"too many levels ({distinct:,})")
    levels = kept_levels(filled)
    if not levels:
        return ignored("category", "every level is rare")
    return ColumnReview(name, "field", "category", "", fill_rate, distinct, levels=levels)


def _order_key(series: pd.Series, placeholders: Sequence[str]) -> pd.Series | None:
    """The column as something to sort rows in time by: numbers, dates, or IDs' trailing digits."""
    missing = missing_mask(series, placeholders)
    filled = _text(series)[~missing]
    if not len(filled):
        return None
    read = _numbers(filled)
    if read is not None:
        values, _ = read_numbers(_text(series).mask(pd.Series(missing, index=series.index)), read.decimal)
        return pd.Series(values, index=series.index, dtype="float64")
    if _looks_like_dates(filled):
        return to_utc(_text(series).mask(pd.Series(missing, index=series.index)), date_order(filled))
    digits = _text(series).str.extract(r"(\d+)\s*$", expand=False)
    if digits.notna().mean() >= DATE_SHARE:
        return pd.to_numeric(digits, errors="coerce").astype("float64")
    return None


def order_problem(key: pd.Series) -> str | None:
    """Why a key cannot put the leads in time order (too many empty cells, one value), or None."""
    filled = float(key.notna().mean()) if len(key) else 0.0
    if filled < ORDER_FILLED:
        return f"only {filled:.0%} of its cells are numbers or dates (at least {ORDER_FILLED:.0%} are needed)"
    if key.nunique() < 2:
        return "every lead has the same value"
    return None


def check_fields(review: Review, names: Iterable[str], flag: str) -> None:
    """SchemaError naming the first of ``names`` that is not a column that can be a field.

    A flag naming the outcome, the ID, the order column or no column at all was silently ignored
    before; now it is refused by name.
    """
    by_key = {header_key(c.name): c for c in review.columns}
    for name in names:
        column = by_key.get(header_key(name))
        if column is None:
            raise SchemaError(f"{flag} '{name}': no such column in the file")
        if column.role in ("outcome", "id", "order"):
            what = {"outcome": "the outcome column", "id": "the ID column",
                    "order": "the column that orders the leads"}[column.role]
            raise SchemaError(f"{flag} '{name}': that is {what}, not a field")


def order_key(frame: pd.DataFrame, review: Review,
              placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS) -> pd.Series | None:
    """The key to order the rows in time by, from the review's order column (None when there is none)."""
    if review.order_column is None:
        return None
    return _order_key(frame[review.order_column], placeholders)


def _find_column(frame: pd.DataFrame, name: str, what: str) -> str:
    matches = [c for c in frame.columns if c == name] or [
        c for c in frame.columns if header_key(c) == header_key(name)]
    if len(matches) != 1:
        raise SchemaError(f"no {what} column '{name}' in the file" if not matches
                          else f"columns {', '.join(map(repr, matches))} all match the {what} '{name}'")
    return str(matches[0])


def infer_columns(frame: pd.DataFrame, target: str, id_column: str | None = None, order_by: str | None = None,
                  exclude: Iterable[str] = (), keep: Iterable[str] = (),
                  placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS) -> Review:
    """The review table of a CRM export: each column's role, kind and, when ignored, why.

    ``exclude`` turns fields off; ``keep`` brings back a column inference would ignore
    (near-constant, many levels) as a field. Both name columns as in the file (any case).
    """
    target = _find_column(frame, target, "outcome")
    id_column = _find_column(frame, id_column, "ID") if id_column else None
    if id_column is not None:
        counts = _text(frame[id_column]).value_counts()
        if len(counts) and counts.iloc[0] > 1:
            raise SchemaError(f"the ID column '{id_column}' is not unique per row: '{counts.index[0]}' appears "
                              f"{counts.iloc[0]:,} times; name another ID column, or none")
    order_by = _find_column(frame, order_by, "order") if order_by else None
    not_fields = {target: "the outcome column", id_column: "the ID column",
                  order_by: "the column that orders the leads"}
    for flag, names in (("--exclude", exclude), ("--keep", keep)):
        for name in names:
            found = _find_column(frame, name, flag.lstrip("-") + "d")
            if found in not_fields:
                raise SchemaError(f"{flag} '{name}': that is {not_fields[found]}, not a field")
    # By the column found (the exact name first), so one of two columns equal but for case can be left out.
    excluded = {_find_column(frame, e, "excluded") for e in exclude}
    kept = {_find_column(frame, k, "kept") for k in keep}
    columns: list[ColumnReview] = []
    for name in map(str, frame.columns):
        series = frame[name]
        if name == target:
            columns.append(ColumnReview(name, "outcome", None, "", 1 - missing_mask(series, placeholders).mean(),
                                        int(_text(series).nunique())))
            continue
        review = _review_column(name, series, placeholders)
        if name == id_column:
            review = replace(review, role="id", kind=None, reason="the ID column you named")
        elif name == order_by:
            review = replace(review, role="order", kind=None, reason="orders the leads in time (you named it)")
        elif name in excluded:
            review = replace(review, role="ignored", reason="excluded by you")
        elif name in kept and review.role == "ignored" and review.kind == "category":
            filled = _text(series)[~missing_mask(series, placeholders)]
            levels = kept_levels(filled)
            note = "" if levels else (f"kept, but none of its {review.distinct:,} levels appears {MIN_LEVEL_COUNT} "
                                      "times: every value is 'other', so it cannot help the model")
            review = replace(review, role="field", reason="kept by you", levels=levels or (OTHER,), note=note)
        columns.append(review)
    if id_column is None:
        id_column = next((c.name for c in columns if c.role == "id"), None)
    order_source = "given" if order_by else None
    if order_by is None:
        date = next((c.name for c in columns if c.reason.startswith("a date")), None)
        if date is not None:
            order_by, order_source = date, "date"
            columns = [replace(c, role="order", reason=f"{c.reason}: orders the leads in time")
                       if c.name == date else c for c in columns]
        else:
            # The first ID that orders (a CRM's running "Lead Number", not its random UUID).
            ids = [id_column] if id_column is not None else []
            ids += [c.name for c in columns if c.role == "id" and c.name not in ids]
            order_by = next((name for name in ids if _order_key(frame[name], placeholders) is not None), None)
            order_source = "increasing id" if order_by is not None else None
    if order_by is not None:
        key = _order_key(frame[order_by], placeholders)
        if key is None:
            raise SchemaError(f"the order column '{order_by}' holds neither numbers nor dates")
        if order_source == "given":
            problem = order_problem(key)
            if problem:
                raise SchemaError(f"the order column '{order_by}' cannot order the leads: {problem}; "
                                  "name another with --order-by, or none")
    review = Review(tuple(columns), target, id_column, order_by, order_source)
    if not review.fields():
        ignored = [f"'{c.name}' {c.reason}" for c in columns if c.role == "ignored"]
        raise SchemaError("no column can be a field: " + ("; ".join(ignored) if ignored else
                                                          "the file has only the outcome and ID columns"))
    return review


def _spelled(values: pd.Series, placeholders: Sequence[str]) -> tuple[pd.Series, pd.Series]:
    """Each filled outcome value (lower-cased) -> its commonest spelling, and -> its count, commonest first."""
    filled = _text(values)[~missing_mask(values, placeholders)]
    lowered = filled.str.lower()
    counts = lowered.value_counts()
    spelled = filled.groupby(lowered.to_numpy()).agg(lambda s: s.value_counts().index[0])
    return spelled.reindex(counts.index), counts


def outcome_counts(values: pd.Series, placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS) -> dict[str, int]:
    """Every filled outcome value, as spelled most often, with how many leads have it (commonest first)."""
    spelled, counts = _spelled(values, placeholders)
    return {str(spelled[v]): int(n) for v, n in counts.items()}


def _listing(values: pd.Series, placeholders: Sequence[str]) -> str:
    return ", ".join(f"'{v}' ({n:,})" for v, n in outcome_counts(values, placeholders).items())


def _named(spelled: pd.Series, names: Sequence[str], what: str, seen: str) -> list[str]:
    wanted = [str(p).strip().lower() for p in names]
    unknown = [p for p, w in zip(names, wanted, strict=True) if w not in spelled.index]
    if unknown:
        raise OutcomeError(f"{what} value{'s' if len(unknown) > 1 else ''} "
                           f"{', '.join(map(repr, unknown))} not in the file; values seen: {seen}")
    return list(dict.fromkeys(wanted))


def check_named_once(positive: Sequence[str] | None, negative: Sequence[str] | None) -> None:
    """OutcomeError when a value is named both converted and lost (any case, surrounding spaces ignored)."""
    won = {str(p).strip().lower() for p in positive or ()}
    both = [v for v in negative or () if str(v).strip().lower() in won]
    if both:
        raise OutcomeError(f"outcome value {str(both[0]).strip()!r} is named both converted and lost: a value "
                           "cannot mean both")


def infer_positive(values: pd.Series, positive: Sequence[str] | None = None,
                   placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS,
                   negative: Sequence[str] | None = None) -> tuple[str, ...]:
    """The outcome values that mean converted, as spelled in the file.

    With ``positive`` given, each must be among the values (any case). Otherwise
    inferred when there is no doubt: exactly one value is a word for won (1, yes,
    won, converted...) and another a word for lost, or ``negative`` names every
    value but one; else OutcomeError listing every value with its count.
    """
    check_named_once(positive, negative)
    spelled, _ = _spelled(values, placeholders)
    seen = _listing(values, placeholders)
    if positive:
        wanted = _named(spelled, positive, "outcome", seen)
        if len(set(wanted)) == len(spelled):
            raise OutcomeError(f"every outcome value is positive; values seen: {seen}")
        return tuple(spelled[w] for w in wanted)
    words = set(spelled.index)
    if negative:
        rest = words - set(_named(spelled, negative, "lost", seen))
        if len(rest) == 1:
            return (spelled[rest.pop()],)
    yes, no = words & POSITIVE_WORDS, words & NEGATIVE_WORDS
    if len(yes) == 1 and no:
        return (spelled[yes.pop()],)
    raise OutcomeError(f"cannot tell which outcome values mean converted; values seen: {seen}. "
                       "Name them with --positive VALUE ...")


def infer_negative(values: pd.Series, positive: Sequence[str], negative: Sequence[str] | None = None,
                   placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS) -> tuple[str, ...]:
    """The outcome values that mean lost, as spelled in the file; every other value is an open lead.

    Like Dynamics 365, which has the admin name won and lost values and leaves the rest out: a value
    is taken as lost only when named (``negative``) or when there is no doubt (it is the only value
    left, or every value left is a word for lost). Otherwise OutcomeError lists every value with its
    count and asks which mean lost: a stage such as "Engaging" must never be trained as a loss.
    """
    check_named_once(positive, negative)
    spelled, _ = _spelled(values, placeholders)
    seen = _listing(values, placeholders)
    won = {p.strip().lower() for p in positive}
    if negative:
        return tuple(spelled[w] for w in _named(spelled, negative, "lost", seen))
    rest = [v for v in spelled.index if v not in won]
    if not rest:
        raise OutcomeError(f"every outcome value is positive; values seen: {seen}")
    if len(rest) == 1 or all(v in NEGATIVE_WORDS for v in rest):
        return tuple(spelled[v] for v in rest)
    raise OutcomeError(f"the outcome column has {len(spelled)} values: {seen}. Converted: "
                       f"{', '.join(repr(str(spelled[w])) for w in spelled.index if w in won)}. Which of the others "
                       "mean lost? Name them with --negative VALUE ...; values named neither converted nor lost are "
                       "open leads, not trained on")


def mark_open(values: pd.Series, open_values: Sequence[str]) -> pd.Series:
    """The outcome column with the named open values (a stage such as "Open" or "In progress") emptied.

    An empty outcome is an open lead: not trained on, counted in the report. Raises OutcomeError
    for a named value that is not in the column.
    """
    if not open_values:
        return values
    lowered = _text(values).str.lower()
    seen = set(lowered.dropna())
    unknown = [v for v in open_values if v.strip().lower() not in seen]
    if unknown:
        raise OutcomeError(f"open value {unknown[0]!r} not in the outcome column")
    is_open = lowered.isin({v.strip().lower() for v in open_values}).to_numpy(dtype=bool)
    return values.astype("string").mask(is_open, "")


def outcome_labels(values: pd.Series, positive: Sequence[str],
                   placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS,
                   negative: Sequence[str] = ()) -> np.ndarray:
    """1 converted, 0 not, -1 an open lead (empty outcome, or, when ``negative`` is given, a value in neither)."""
    lowered = _text(values).str.lower()
    open_lead = missing_mask(values, placeholders)
    if negative:
        named = {v.lower() for v in (*positive, *negative)}
        open_lead = open_lead | ~lowered.isin(named).fillna(False).to_numpy(dtype=bool)
    labels = lowered.isin({p.lower() for p in positive}).to_numpy(dtype=np.int64)
    labels[open_lead] = -1
    return labels


def build_schema(frame: pd.DataFrame, review: Review,
                 placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS, actionable: Iterable[str] = ()
                 ) -> Schema:
    """The schema of the review's fields, with levels, ranges and fill rates measured on ``frame``.

    Pass the training rows only: levels and ranges then come from what the model learns from.
    ``actionable`` names the fields a salesperson's work can change (what-if uses only those).
    """
    salesperson = {header_key(name) for name in actionable}
    fields = []
    for column in review.fields():
        series = frame[column.name]
        missing = missing_mask(series, placeholders)
        filled = _text(series)[~missing]
        fill_rate = float(len(filled) / len(frame)) if len(frame) else 0.0
        low = high = typical = None
        levels: tuple[str, ...] = ()
        if column.kind == "category":
            levels = kept_levels(filled) or (OTHER,)
        elif len(filled):
            numbers = pd.Series(read_numbers(filled, column.decimal)[0]).dropna()
            if column.kind == "flag":
                low, high = 0.0, 1.0
                typical = float(filled.str.lower().isin(FLAG_TRUE).mean() >= 0.5)
            elif len(numbers):
                low, high = float(numbers.min()), float(numbers.max())
                middle = float(numbers.median())
                typical = float(round(middle)) if column.kind == "integer" else middle
        fields.append(Field(name=column.name, kind=column.kind or "category", label=default_label(column.name),
                            low=low, high=high, levels=levels, allow_empty=fill_rate < ALWAYS_FILLED,
                            fill_rate=round(fill_rate, 6),
                            actionable=header_key(column.name) in salesperson, typical=typical,
                            decimal=column.decimal))
    return Schema(fields=tuple(fields), id_column=review.id_column, placeholders=tuple(placeholders))
