"""Column names a model can be trained on: each field and the outcome must stay apart when files are matched.

A file's columns are found by ``header_key`` (case, spaces and punctuation
ignored), in every face: scoring, the API, evaluation. Two fields whose names
are equal under that key (``job`` and ``JOB``, ``Job `` and ``j-o-b``), or a
field equal to the outcome column (``Y `` beside ``y``), cannot be told apart
in a file to score, so a model trained on them could never load
(``Schema.from_dict`` refuses it). ``name_clash`` finds them before
training, so the manager is told which columns to rename or leave out instead
of getting a model that is published and then refused everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

from leadscore.fields.headers import header_key


def name_clash(fields: Iterable[str], target: str) -> str | None:
    """One sentence naming the columns that clash (None when every field and the outcome stay apart)."""
    by_key: dict[str, list[str]] = {}
    for name in fields:
        by_key.setdefault(header_key(name), []).append(name)
    twins = by_key.get(header_key(target))
    if twins:
        return (f"column{'s' if len(twins) > 1 else ''} {_listed(twins)} and the outcome column {target!r} are "
                "the same name once case, spaces and punctuation are ignored, so a file to score could not tell "
                f"them apart; rename {'them' if len(twins) > 1 else 'it'} in the file, or leave "
                f"{'them' if len(twins) > 1 else 'it'} out (--exclude)")
    for names in by_key.values():
        if len(names) > 1:
            return (f"columns {_listed(names)} are the same name once case, spaces and punctuation are ignored, "
                    "so a file to score could not tell them apart; rename one in the file, or leave all but "
                    "one out (--exclude)")
    return None


def _listed(names: list[str]) -> str:
    return ", ".join(repr(name) for name in names[:-1]) + (" and " if len(names) > 1 else "") + repr(names[-1])
