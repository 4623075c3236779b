"""Score and explain leads with any model: the one object the dashboard, the command line and the API call.

    scorer = leadscore.load()                 # the active model, whichever target it has
    batch = scorer.score(frame, explain=True)
    batch.scored     # the input rows that were valid, plus tier, the target's chance columns, reason_1..3
    batch.problems   # one line per bad cell: row, column, value, reason
    result = scorer.score_lead({"age": 41, ...})   # one lead, no pandas: LeadScore

The model's schema reads the rows, its target turns margins into chances and
tiers, and its explainer gives each field's exact SHAP contribution. Reasons
answer "why this tier": the strongest reasons for it first, by size; the last
reason may be one against it when that outweighs the next reason for it. The
word is a direction: "raises" is towards a higher tier (or conversion),
"lowers" towards a lower one (``modeling/target.py`` says what a contribution is
measured against for each target).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from leadscore.fields.field import ColumnMatch, ParsedBatch, Schema
from leadscore.fields.headers import input_renames
from leadscore.fields.rejections import CountsRejections
from leadscore.modeling.model import Model
from leadscore.modeling.report import TrainingReport
from leadscore.modeling.target import REASON_COLUMNS, Support
from leadscore.modeling.tiers import TIER_ACTIONS
from leadscore.scoring.rows import ScoredLead, ScoredRow, ScoredRows, rows_of_leads, rows_of_table


@dataclass(frozen=True)
class ScoredBatch(CountsRejections):
    """The outcome of scoring a batch: rows in = len(scored) + rejected_rows.

    ``scored`` keeps every input column as it was (index = 1-based row number) and adds ``tier``,
    the target's chance columns and, when explained, ``reason_1..3``.
    """

    scored: pd.DataFrame
    problems: pd.DataFrame
    rows_read: int
    match: ColumnMatch


@dataclass(frozen=True)
class LeadScore:
    """One lead's score, its reasons and its SHAP waterfall (``base_value`` + contributions, exactly)."""

    tier: str
    #: The chance shown with the tier: P(tier) for three tiers, the chance of conversion for won/lost.
    chance: float
    #: The lead's chance of conversion (``Target.conversion``): what its tier promises for it, what is recorded.
    conversion: float
    #: The target's chance fields as the API answers them (``Target.chances``).
    chances: dict[str, Any]
    #: Each tier's chance (three tiers) or the chance of conversion, by label, for charts.
    bars: dict[str, float]
    reasons: list[str]
    base_value: float
    #: Field name -> its contribution to the explained quantity (``Target.support``).
    contributions: dict[str, float]
    #: Field name -> its value in words ("Credit score 790", "Contact: unknown"), for the waterfall.
    labels: Mapping[str, str]
    model_version: str
    #: The tier the lead nearly got (three tiers), else None.
    runner_up: str | None = None
    #: Why the rule chose a tier that is not the likeliest; "" otherwise.
    decision: str = ""
    #: Then: where the bar the lead cleared lies on the waterfall's scale, and its words (``Target.cleared_bar``).
    cleared: tuple[float, str] | None = None
    #: The target's chances of this lead (``Target.probabilities``), from which its recorded numbers follow.
    probabilities: tuple[float, ...] = ()

    @property
    def action(self) -> str:
        """The follow-up the tier calls for."""
        return TIER_ACTIONS[self.tier]


class Labels(Mapping[str, str]):
    """One lead's fields in words, by name (``value_words``), worded on first use: the waterfall reads them, the
    API's answer does not (wording every field was a tenth of scoring one lead)."""

    def __init__(self, schema: Schema, codes: np.ndarray) -> None:
        self._schema, self._codes = schema, codes
        self._words: dict[str, str] | None = None

    def _all(self) -> dict[str, str]:
        if self._words is None:
            empty, filled = np.isnan(self._codes), self._schema.fill_in(self._codes[None, :])[0]
            self._words = {f.name: value_words(self._schema, j, filled[j], bool(empty[j]))
                           for j, f in enumerate(self._schema.fields)}
        return self._words

    def __getitem__(self, name: str) -> str:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._schema.fields)

    def __repr__(self) -> str:
        return repr(self._all())


class LeadError(ValueError):
    """A single lead cannot be scored; ``problems`` are (field, value, reason), the first also as attributes."""

    def __init__(self, problems: list[tuple[str, str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {reason}" for field, _, reason in problems))
        self.problems = problems
        self.field, self.value, self.reason = problems[0]


def reason_order(support: np.ndarray, top: int = len(REASON_COLUMNS)) -> np.ndarray:
    """(n, top) field indices: the strongest reasons for the tier, then perhaps one against it.

    The first ``top - 1`` are the largest positive supports (fewer when there are fewer); the last
    is the largest remaining by absolute size, so a strong reason against the tier is shown rather
    than a negligible one for it.
    """
    top = min(top, support.shape[1])
    size = np.abs(support)
    ranked = np.lexsort((-size, support <= 0))  # for the tier first, each part by size
    if top <= 1:
        return ranked[:, :top]
    rest = ranked[:, top - 1:]
    last = rest[np.arange(len(rest)), np.take_along_axis(size, rest, axis=1).argmax(axis=1)]
    return np.column_stack([ranked[:, :top - 1], last])


def value_words(schema: Schema, j: int, code: float, empty: bool) -> str:
    """Field ``j``'s value in words; an empty cell scored as its typical value says so."""
    f = schema.fields[j]
    value = schema.value(j, code)
    if empty and f.fill_in is not None:
        return f"{f.title}: empty, taken as {f.value_words(value)}"
    return f.describe(value)


def reasons_in_words(schema: Schema, codes: np.ndarray, explained: Support,
                     top: int = len(REASON_COLUMNS)) -> list[list[str]]:
    """For each lead, ``top`` phrases like "Credit score 790 (raises)" in ``reason_order``; "" for a field
    that does not move the lead at all. ``codes`` are as read (NaN for an empty cell).

    Each distinct value of a field is put in words once: wording every phrase one by one was most of
    the time of explaining a list.
    """
    order = reason_order(explained.support, top)
    if len(order) == 1:  # one lead (the form and the API): plain Python is several times faster
        return [[_one_reason(schema, j, codes[0, j], explained.values[0, j], bool(explained.raises[0, j]))
                 for j in order[0]]]
    return reason_table(schema, codes, explained, order).tolist()


def reason_table(schema: Schema, codes: np.ndarray, explained: Support, order: np.ndarray) -> np.ndarray:
    """``reasons_in_words`` for many leads as an (n, top) array of text, the fields of each row in ``order``."""
    rows = np.arange(len(order))[:, None]
    chosen = codes[rows, order]
    phrases = np.where(explained.raises[rows, order], " (raises)", " (lowers)").astype(object)
    for j, f in enumerate(schema.fields):
        here = order == j
        if here.any():
            keys = np.nan_to_num(chosen[here], nan=-np.inf)  # one key for "empty"
            distinct, where = np.unique(keys, return_inverse=True)
            words = [value_words(schema, j, f.fill_in if f.fill_in is not None else np.nan, True) if k == -np.inf
                     else value_words(schema, j, float(k), False) for k in distinct]
            phrases[here] = np.array(words, dtype=object)[where] + phrases[here]
    phrases[explained.values[rows, order] == 0] = ""
    return phrases


def _one_reason(schema: Schema, j: int, code: float, value: float, raises: bool) -> str:
    if value == 0:
        return ""
    f = schema.fields[j]
    empty = bool(np.isnan(code))
    words = value_words(schema, j, f.fill_in if empty and f.fill_in is not None else code, empty)
    return f"{words} ({'raises' if raises else 'lowers'})"


class Scorer:
    """A loaded ``Model`` plus everything needed to score and explain leads with it."""

    def __init__(self, model: Model) -> None:
        self.model = model

    @property
    def version(self) -> str:
        """The model version id (from the registry), or "unsaved"."""
        return self.model.version

    @property
    def metadata(self) -> dict[str, Any]:
        """The model's metadata, including its evaluation report once published."""
        return self.model.metadata

    @property
    def drift_reference(self) -> dict[str, Any] | None:
        """The picture of its training leads the model keeps for drift (``monitoring.drift``); None for a version
        saved without one."""
        return self.model.metadata.get("drift_reference") or None

    @property
    def report(self) -> TrainingReport:
        """The training report, typed by the model's target (empty before the model is published)."""
        return self.model.report

    @property
    def schema(self) -> Schema:
        """The model's fields."""
        return self.model.schema

    @property
    def output_columns(self) -> tuple[str, ...]:
        """The columns scoring adds: tier, the target's chances, the reasons."""
        return ("tier", *self.model.target.chance_columns, *REASON_COLUMNS)

    @property
    def file_columns(self) -> tuple[str, ...]:
        """The columns scoring adds in the order a scored file shows them (after the lead's ID and name)."""
        return ("tier", *(c.name for c in self.model.target.file_columns), *REASON_COLUMNS)

    @property
    def chance_columns(self) -> tuple[str, ...]:
        """The columns scoring adds that hold a chance 0-1 (4 decimals in a file, a percent on screen)."""
        return tuple(c.name for c in self.model.target.file_columns if c.chance)

    def rows(self, scored: pd.DataFrame, id_column: str | None = None, owner_column: str | None = None
             ) -> ScoredRows:
        """A table this scorer scored as rows for the store (``rows.rows_of_table``)."""
        return rows_of_table(self.model, scored, id_column, owner_column)

    def lead_rows(self, leads: Sequence[tuple[Mapping[str, Any], str | None, ScoredLead]]) -> list[ScoredRow]:
        """Leads this scorer scored one by one as rows for the store (``rows.rows_of_leads``)."""
        return rows_of_leads(self.model, leads)

    # ---- arrays ---------------------------------------------------------------------------------
    def decide(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Chances (n, k) and tiers (n,) of leads given as codes (empty cells NaN); no explanation."""
        probabilities = self.model.probabilities(self.schema.fill_in(codes))
        return probabilities, self.model.target.decide(probabilities)

    def explain_codes(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, Support]:
        """Chances, tiers and contributions seen from each tier, for leads given as codes.

        The chances are the target's link of the summed contributions, so the reasons, the waterfall
        and the chances shown are the same numbers to the last digit.
        """
        contributions = self.model.contributions(self.schema.fill_in(codes))
        probabilities = self.model.target.probabilities(contributions.sum(axis=2))
        tiers = self.model.target.decide(probabilities)
        return probabilities, tiers, self.model.target.support(contributions, probabilities, tiers)

    # ---- batches --------------------------------------------------------------------------------
    def score_parsed(self, batch: ParsedBatch, explain: bool = False) -> ScoredBatch:
        """Add the output columns to the valid rows of a parsed batch."""
        codes = self.schema.codes(batch.matrix, fill_in=False)
        target = self.model.target
        if explain:
            probabilities, tiers, explained = self.explain_codes(codes)
        else:
            probabilities, tiers = self.decide(codes)
        out = batch.valid.rename(columns=input_renames(batch.valid.columns, self.output_columns))
        out["tier"] = tiers
        for column, values in target.columns(probabilities, tiers).items():
            out[column] = values
        if explain:
            # the reasons as one array, a column each (a list per lead cost a Python loop per reason)
            reasons = reason_table(self.schema, codes, explained, reason_order(explained.support))
            for k, column in enumerate(REASON_COLUMNS):
                out[column] = pd.Series(reasons[:, k] if k < reasons.shape[1] else "", index=out.index,
                                        dtype=object)
        return ScoredBatch(scored=out, problems=batch.problems, rows_read=batch.rows_read, match=batch.match)

    def score(self, frame: pd.DataFrame, explain: bool = False, first_row: int = 1,
              extra: Mapping[str, str] | None = None) -> ScoredBatch:
        """Read and score a batch whose headers are as in the file (CRM spellings too).

        ``extra`` maps headers to fields by hand. Raises SchemaError when the batch cannot be scored at
        all (a field's column is missing, or two columns mean one field).
        """
        return self.score_parsed(self.schema.parse(frame, first_row, extra), explain)

    # ---- one lead -------------------------------------------------------------------------------
    def score_lead(self, lead: Mapping[str, Any]) -> LeadScore:
        """Score and explain one lead given as {column name: value as in a file}; no pandas.

        Keys are matched like headers; extra keys are ignored. Raises LeadError naming every
        impossible value; a lead with no field filled in is scored, unless the model requires its fields.
        """
        codes, problems = self.schema.parse_lead(lead)
        if problems:
            raise LeadError(problems)
        return self.score_codes(codes)

    def score_codes(self, codes: np.ndarray) -> LeadScore:
        """One lead given as its codes (1, fields), already checked (the API's request model does that)."""
        return self.score_codes_many(codes)[0]

    def score_codes_many(self, codes: np.ndarray) -> list[LeadScore]:
        """Leads given as codes (n, fields), already checked, each with its own result (the API's batch).

        One call to the explainer for all of them: explaining a thousand leads one by one took about
        300 times as long.
        """
        target = self.model.target
        probabilities, tiers, explained = self.explain_codes(codes)
        reasons = reasons_in_words(self.schema, codes, explained)
        names = self.schema.names
        runner_up = explained.runner_up
        conversion = target.conversion(probabilities)
        results = []
        for i, tier in enumerate(tiers.tolist()):
            p = probabilities[i]
            results.append(LeadScore(
                tier=tier, chance=target.chance(p, tier), conversion=float(conversion[i]),
                chances=target.chances(p, tier), bars=target.bars(p),
                reasons=[r for r in reasons[i] if r], base_value=float(explained.base_value[i]),
                contributions=dict(zip(names, explained.values[i].tolist(), strict=True)),
                labels=Labels(self.schema, codes[i].copy()),
                model_version=self.version, runner_up=None if runner_up is None else str(runner_up[i]),
                decision=target.decision_words(p, tier), cleared=target.cleared_bar(p, tier),
                probabilities=tuple(p.tolist())))
        return results
