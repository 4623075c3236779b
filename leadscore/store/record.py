"""Typed scored rows (``scoring/rows.py``) as rows of the scorings tables: plain lists, encoded column by column.

The rows carry the target's numbers already (tier, chance of conversion, score), so nothing here knows a
kind of model or a column a target writes: the target's own columns are kept as they came, as JSON.
Lead IDs are checked here, once for every face and every database: an ID is text, 12, "12" and 12.0 (a number
column read with empty cells) are one lead, and an ID that breaks the rule of ``leadscore.fields.lead_id``
(empty, too long, a control character) is refused naming its row and column.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from leadscore.data.export import text_cells
from leadscore.fields.lead_id import id_problems, normalize_ids
from leadscore.scoring.rows import RecordError, ScoredRow, ScoredRows

__all__ = ["Encoded", "RecordError", "encode", "normalize_ids"]

#: The longest owner value the scorings table keeps (``Scoring.owner``).
MAX_OWNER = 200
#: The keys of the reasons' JSON (the format the store has always written).
_REASON_KEYS = ("reason_1", "reason_2", "reason_3")


@dataclass
class Encoded:
    """A batch as the store writes it, one list per column, in the rows' order."""

    lead_id: list[str]
    model_version: list[str]
    tier: list[str]
    chance: list[float]
    score: list[int]
    owner: list[str | None]
    fields: list[str]
    reasons: list[str | None]
    columns: list[str]

    def __len__(self) -> int:
        return len(self.lead_id)


#: What JSON writes escaped (a quote, a backslash, a slash as pandas writes it, control characters): a cell
#: holding one is encoded by pandas itself.
_ESCAPED = r'["\\/\x00-\x1f\x7f]'
_PLAIN_NAME = re.compile(r'[^"\\/\x00-\x1f\x7f]*')


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.large_string())


def _plain_json_lines(frame: pd.DataFrame) -> list[str] | None:
    """Each row as the JSON object pandas' ``to_json`` writes, built through pyarrow in one join (pandas takes
    most of the time of encoding a chunk), or None unless every column is text (or empty) and no name or cell
    needs escaping: pandas encodes those.

    The cells are checked for escapes once, joined by commas (which JSON never escapes), and a column without
    an empty cell is joined as it is, its quotes in the text around it: a third of the time of quoting and
    checking each column apart."""
    names = list(frame.columns)
    if not all(isinstance(n, str) and _PLAIN_NAME.fullmatch(n) for n in names) or len(set(names)) != len(names):
        return None
    columns = []
    for k in range(len(names)):
        cells = text_cells(frame.iloc[:, k])
        if cells is None:  # numbers, dates...: pandas writes them its way
            return None
        columns.append(cells)
    every_cell = pc.binary_join_element_wise(*columns, _text(","), null_handling="replace")
    if pc.any(pc.match_substring_regex(every_cell, _ESCAPED)).as_py():
        return None
    parts: list[pa.Array | pa.Scalar] = []
    between = "{"  # the text before the next cell: what ends the last cell, the next name
    for k, (name, cells) in enumerate(zip(names, columns, strict=True)):
        between += ("," if k else "") + f'"{name}":'
        if cells.null_count:  # an empty cell is null, unquoted
            quoted = pc.binary_join_element_wise(_text('"'), cells, _text('"'), _text(""))
            parts += [_text(between), pc.if_else(pc.is_null(cells), _text("null"), quoted)]
            between = ""
        else:
            parts += [_text(between + '"'), cells]
            between = '"'
    return pc.binary_join_element_wise(*parts, _text(between + "}"), _text("")).to_pylist()


def _json_lines(frame: pd.DataFrame) -> list[str]:
    if frame.shape[1] == 0:
        return ["{}"] * len(frame)
    if not len(frame):
        return []
    plain = _plain_json_lines(frame)
    if plain is not None:
        return plain
    text = frame.to_json(orient="records", lines=True, date_format="iso", force_ascii=False)
    return text.rstrip("\n").split("\n")


def _lead_ids(rows: ScoredRows, fields: list[str]) -> list[str]:
    """Each lead's ID as text; without IDs, a hash of its fields as read (the same lead scored twice is one lead,
    and an outcome can only be matched if the file carries the same fields)."""
    if rows.lead_id is None:
        return ["h:" + hashlib.sha256(line.encode()).hexdigest()[:20] for line in fields]
    ids = normalize_ids(rows.lead_id)
    problems = id_problems(ids)
    if problems.notna().any():  # the one rule of leadscore.fields.lead_id, the same on every database
        at = int(np.flatnonzero(problems.notna().to_numpy())[0])
        where = f", column {rows.id_column!r}" if rows.id_column else ""
        raise RecordError(f"row {rows.lead_id.index[at]}{where}: {problems.iloc[at]}")
    return ids.tolist()


def _owners(rows: ScoredRows) -> list[str | None]:
    """Each lead's owner as text (None: unknown); RecordError naming the row when one is too long to keep."""
    if rows.owner is None:
        return [None] * len(rows)
    owners = [None if o is None else str(o) for o in rows.owner]
    long = next((i for i, o in enumerate(owners) if o is not None and len(o) > MAX_OWNER), None)
    if long is not None:
        raise RecordError(f"row {rows.fields.index[long]}: the owner is longer than {MAX_OWNER} characters "
                          "(is the owner column the right one?)")
    return owners


def _encode_batch(rows: ScoredRows) -> Encoded:
    n = len(rows)
    chance = np.asarray(rows.chance, dtype=np.float64)
    unknown = ~np.isfinite(chance)
    if unknown.any():
        raise RecordError(f"row {rows.fields.index[np.flatnonzero(unknown)[0]]}: no chance of conversion")
    fields = _json_lines(rows.fields)
    reasons: list[str | None] = [None] * n
    if rows.reasons is not None and rows.reasons.shape[1]:
        width = min(rows.reasons.shape[1], len(_REASON_KEYS))
        reasons = list(_json_lines(pd.DataFrame(rows.reasons[:, :width], columns=list(_REASON_KEYS[:width]))))
    return Encoded(
        lead_id=_lead_ids(rows, fields), model_version=[rows.model_version] * n,
        tier=[str(t) for t in rows.tier], chance=chance.tolist(), score=np.asarray(rows.score).astype(int).tolist(),
        owner=_owners(rows),
        fields=fields, reasons=reasons, columns=_json_lines(rows.columns.reset_index(drop=True)))


def encode(rows: ScoredRows | Sequence[ScoredRow]) -> Encoded:
    """The rows as the store writes them, in their order.

    Single rows are encoded in groups of the same model version, field names and ID presence, so a lead's
    fields read the same (and hash the same, without an ID) whatever rows it came with.
    """
    if isinstance(rows, ScoredRows):
        return _encode_batch(rows)
    groups: dict[tuple, list[int]] = {}
    for i, row in enumerate(rows):
        key = (row.model_version, row.lead_id is None, tuple(row.fields), tuple(row.columns))
        groups.setdefault(key, []).append(i)
    out = Encoded([], [], [], [], [], [], [], [], [])
    slots: list[tuple[Encoded, int]] = [(out, 0)] * len(rows)
    for positions in groups.values():
        encoded = _encode_batch(ScoredRows.of([rows[i] for i in positions]))
        for k, i in enumerate(positions):
            slots[i] = (encoded, k)
    for name in out.__dataclass_fields__:
        setattr(out, name, [getattr(encoded, name)[k] for encoded, k in slots])
    return out
