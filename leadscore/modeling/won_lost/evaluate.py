"""A team's model measured on a file of newer closed leads (``leadscore evaluate``): how it ranks and how each tier
converted, with the figures of its training report's test part (``train.outcome_metrics``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from leadscore.fields.headers import header_key
from leadscore.fields.infer import outcome_counts, outcome_labels
from leadscore.modeling.report import Evaluation, EvaluationError, Scores
from leadscore.modeling.tiers import Bands
from leadscore.modeling.won_lost.report import TestPart
from leadscore.modeling.won_lost.train import outcome_metrics


def _lines(version: str, source: str, counts: dict[str, int], figures: TestPart) -> tuple[str, ...]:
    lines = [f"model {version} on {counts['rows_evaluated']:,} closed leads of {source} "
             f"({counts['open_leads']:,} open leads and {counts['rows_rejected']:,} rejected rows not counted)",
             f"ROC AUC {figures.roc_auc or 0:.3f}   log loss {figures.log_loss or 0:.3f}   "
             f"converted {figures.base_rate or 0:.1%}, mean predicted chance {figures.mean_p or 0:.1%}"]
    for tier in figures.tiers:
        rate = tier.conversion_rate
        lines.append(f"  {tier.tier:<6} {tier.leads:>7,} leads ({tier.share:.0%}), converted "
                     + (f"{rate:.1%}" if rate is not None else "n/a"))
    return tuple(lines)


def evaluate_closed_leads(scorer: Scores, data: pd.DataFrame | None, source: str, column: str,
                          positive: tuple[str, ...], negative: tuple[str, ...], bands: Bands) -> Evaluation:
    """The model on the closed leads of ``data`` (its outcome ``column`` read with the training file's values);
    see ``Target.evaluate``."""
    if data is None:
        raise EvaluationError(f"the active model was trained on a CRM export: evaluate it on a file of closed leads "
                              f"with its outcome column '{column}' (--data FILE)")
    target = [c for c in data.columns if header_key(c) == header_key(column)]
    if len(target) != 1:
        raise EvaluationError(f"{source}: needs one outcome column '{column}' to evaluate against")
    labels = outcome_labels(data[target[0]], positive, negative=negative)
    if not (labels >= 0).any():
        seen = outcome_counts(data[target[0]])
        raise EvaluationError(
            f"{source}: column '{target[0]}' holds no closed lead: the model reads "
            f"{' or '.join(map(repr, positive))} as converted and "
            f"{' or '.join(map(repr, negative)) or 'any other value'} as not converted, as its "
            "training file spelled them; values seen: "
            + (", ".join(f"'{v}' ({n:,})" for v, n in list(seen.items())[:12]) or "none (every cell empty)"))
    file_rows = np.flatnonzero(labels >= 0) + 1  # the file's row of each closed lead (1 = first under the header)
    closed = data.loc[labels >= 0].reset_index(drop=True)
    batch = scorer.score(closed, explain=False)
    if batch.scored.empty:
        first = batch.problems.iloc[0]
        raise EvaluationError(f"{source}: every one of the {len(closed):,} closed leads was rejected; first: row "
                              f"{file_rows[int(first['row']) - 1]:,}, column '{first['column']}', value "
                              f"{str(first['value'])!r}: {first['reason']}")
    y = labels[labels >= 0][batch.scored.index.to_numpy() - 1]
    if len(set(y.tolist())) < 2:
        which = "converted" if y[0] == 1 else "not converted"
        raise EvaluationError(f"{source}: all {len(y):,} scored closed leads are {which}: how well the model ranks "
                              "leads needs converted and not converted ones")
    counts = {"rows_read": int(len(data)), "open_leads": int((labels < 0).sum()), "rows_evaluated": int(len(y)),
              "rows_rejected": batch.rejected_rows}
    metrics = outcome_metrics(batch.scored["p_convert"].to_numpy(), y, bands)
    return Evaluation(_lines(scorer.version, source, counts, TestPart.model_validate(metrics)),
                      {"model_version": scorer.version, **counts, **metrics})
