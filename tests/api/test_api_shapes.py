"""The generated request model's text pattern of a strict range says exactly what the engine accepts."""

from __future__ import annotations

import re

import pytest

from leadscore.api.shapes import range_pattern, whole_numbers
from leadscore.fields.builtin import BUILTIN_SCHEMA
from leadscore.fields.field import Field

PLACEHOLDERS = frozenset(p.strip().lower() for p in BUILTIN_SCHEMA.placeholders)


@pytest.mark.parametrize(("low", "high"), [(0, 0), (0, 9), (0, 10), (1, 120), (5, 5), (9, 10), (19, 21),
                                           (22, 70), (99, 1000), (300, 850)])
def test_whole_numbers_matches_exactly_the_range(low: int, high: int) -> None:
    pattern = re.compile(rf"^(?:{whole_numbers(low, high)})$")

    assert [n for n in range(2 * high + 20) if pattern.match(str(n))] == list(range(low, high + 1))


def _texts(f: Field) -> set[str]:
    """Plain decimals around and inside the field's range, as people and spreadsheets write them."""
    low, high = int(f.low or 0), int(f.high or 0)
    step = max(1, (high - low) // 400)
    texts = {"", "-0", "0", ".5", "-.0", "+", ".", "abc", "0.0", "1."}
    for n in range(low - 3, high + 4, step):
        texts |= {str(n), f"{n}.0", f"{n}.", f"{n}.5", f"+{n}", f"0{n}", f" {n} ", f"{n}.000", f"{n - 0.01:.2f}"}
    texts |= {str(high), f"{high}.01", f"{low}", f"{low - 1}.99"}
    return texts


@pytest.mark.parametrize("f", [f for f in BUILTIN_SCHEMA.fields if f.kind != "flag"], ids=lambda f: f.name)
def test_a_strict_range_pattern_accepts_the_plain_decimals_the_engine_accepts(f: Field) -> None:
    pattern = re.compile(range_pattern(f) or "")

    disagree = [t for t in _texts(f) if bool(pattern.match(t)) != (f.parse_cell(t, PLACEHOLDERS)[1] is None)]

    assert disagree == []
