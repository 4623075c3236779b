"""A model's report in a sales manager's words and numbers, for the top of the Model page and the sidebar.

The Model page leads with what a manager asks ("of the leads it called High,
how many converted?"); the data-science names of the same figures (ROC AUC,
recall, log loss) stay in the analysts' section. The typed training reports
(``modeling/report.py``) say their sentences with these, so any face (page,
command, API) says the same one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

#: The analysts' names a manager should not meet outside "Details for analysts" or a help tooltip,
#: each with its one-line meaning (shown in that section). The dashboard's wording test checks the pages.
ANALYST_TERMS: dict[str, str] = {
    "ROC AUC": "the chance that a lead who converted is ranked above one who did not (0.5 a coin toss, 1 perfect)",
    "log loss": "how far the given chances are from what happened; lower is better, comparable on the same data only",
    "recall": "of the leads truly in a tier, the share the model put there",
    "precision": "of the leads the model put in a tier, the share that belong there",
    "F1": "recall and precision in one number",
    "SHAP": "a fair share of each decision given to each field; its mean absolute value ranks the fields",
    "SMOTE": "a way of training on made-up extra leads of the rarest tier",
    "uncalibrated": "chances taken straight from the model, not corrected to match what happened",
    "Bayes": "the best accuracy any model can reach on generated data, where the true chances are known",
    "original study": "the write-up this product started from, measured on its own data",
    "data variant": "which set of generated leads a built-in model learned from",
    "preset": "the training settings a model was made with",
    "base rate": "the share of leads that converted",
    "out of fold": "measured on parts of the training leads held back in turns",
}


def percent(value: float) -> str:
    """0.374 -> "37%" (one decimal below 10%, where a point matters: "4.5%"; "2%" rather than "2.0%")."""
    return f"{value:.1%}".replace(".0%", "%") if 0 < value < 0.1 else f"{value:.0%}"


def chance(value: float) -> str:
    """One lead's chance as every face shows it: a whole percentage, "under 1%" and "over 99%" rather than a 0%
    or 100% that is not one (the table, the badge, the chart and the explanation of a lead agree)."""
    if 0 < value < 0.005:
        return "under 1%"
    if 0.995 <= value < 1:
        return "over 99%"
    return f"{value:.0%}"


def _shown_points(value: float) -> int:
    """The whole percentage ``chance`` shows (under 1% as 1, over 99% as 99: the nearest it could be)."""
    return min(max(round(100 * value), 1), 99) if 0 < value < 1 else round(100 * value)


def points_change(before: float, after: float) -> str:
    """How a chance moved, from the two figures as shown: 85% to 98% is "+13 points" (never "+14" from the
    unrounded chances); "or more" when an end is shown as "under 1%" or "over 99%"."""
    if chance(before) == chance(after):
        return "no change"
    points = _shown_points(after) - _shown_points(before)
    bounded = chance(before) != f"{before:.0%}" or chance(after) != f"{after:.0%}"
    if points == 0:
        return ("+" if after > before else "-") + "less than 1 point"
    return f"{points:+d} point{'s' if abs(points) != 1 else ''}" + (" or more" if bounded else "")


def test_part_words(split: str) -> str:
    """Which leads an outcome model was tested on: "the newest 20% of leads" or "a random 20% of the leads"."""
    share = re.search(r"(\d+%)", split)
    part = share.group(1) if share else "20%"
    return f"the newest {part} of leads" if split.startswith("the most recent") else f"a random {part} of the leads"


def ranking_sentence(auc: float | None) -> str:
    """The ROC AUC said plainly."""
    if auc is None:
        return "How well it ranks leads was not measured."
    return f"It ranks a lead that converts above one that does not {auc:.0%} of the time (a coin toss would be 50%)."


def tier_sentence(tiers: Sequence[Mapping[str, Any]], where: str) -> str:
    """ "Of the leads it called High on the newest 20% of leads, 37% converted; of Medium, 9%; of Low, 4%." """
    rates = {str(t["tier"]): float(t["conversion_rate"]) for t in tiers if t.get("leads")}
    if not rates:
        return ""
    parts = [f"of {tier}, {percent(rate)}" for tier, rate in rates.items()]
    first_tier, first_rate = next(iter(rates.items()))
    parts[0] = f"Of the leads it called {first_tier} on {where}, {percent(first_rate)} converted"
    return "; ".join(parts) + "."


def data_words(description: object) -> str:
    """A training-data description as a manager reads it: "10,000 generated leads", "bank.csv"."""
    text = str(description)
    generated = re.match(r"synthetic: (\d+) leads", text)
    if generated:
        return f"{int(generated.group(1)):,} generated leads"
    if text.startswith("file: "):
        return text[len("file: "):]
    return text
