"""Explanations at list scale: ours against shap.TreeExplainer on the same booster and rows.

    python benchmarks/bench_explain.py [--rows 20000] [--preset default]

explainerdashboard and shapash explain XGBoost models with
``shap.TreeExplainer(model).shap_values(X)``; this measures that call and ours
(``Scorer.score(explain=True)``: reading, probabilities, contributions against the
runner-up and three reasons in words per lead) on the same booster and the same
leads, and checks that both give the same contributions before timing them.
Ratios hold on any machine; absolute figures depend on it. Each figure is the
fastest of a few runs, the least disturbed by other work on the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable

import numpy as np
import shap
import xgboost as xgb

from leadscore.data import synth
from leadscore.fields.builtin import CLASSES, FEATURE_NAMES
from leadscore.modeling.model import model_of
from leadscore.modeling.three_tiers import train
from leadscore.scoring.scorer import Scorer


def best(action: Callable[[], object], repeat: int) -> float:
    """Seconds of the fastest of ``repeat`` runs, after one warm-up run."""
    action()
    spent = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        spent.append(time.perf_counter() - started)
    return min(spent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000, help="leads to explain")
    parser.add_argument("--preset", default=train.DEFAULT_PRESET, choices=list(train.PRESETS))
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measure")
    args = parser.parse_args()
    model = train.train(synth.generate(train.DEFAULT_ROWS, seed=train.DEFAULT_SEED), preset=args.preset,
                        with_baselines=False).model
    scorer = Scorer(model_of(model))
    leads = synth.generate(args.rows, seed=99).drop(columns=["tier", *synth.TRUE_PROBABILITY_COLUMNS])
    scaled = model.scaled(leads[list(FEATURE_NAMES)].to_numpy(float))
    explainer = shap.TreeExplainer(model.booster)

    # Same numbers first: shap's values (booster margin space) against ours before calibration.
    theirs = np.transpose(np.asarray(explainer.shap_values(scaled), dtype=np.float64), (0, 2, 1))
    ours = model.contributions(leads[list(FEATURE_NAMES)].to_numpy(float))[:, :, :-1] * model.temperature
    difference = float(np.abs(ours - theirs).max())

    shap_time = best(lambda: explainer.shap_values(scaled), args.repeat)
    ours_time = best(lambda: scorer.score(leads, explain=True), args.repeat)
    contributions_time = best(lambda: model.contributions(leads[list(FEATURE_NAMES)].to_numpy(float)),
                              args.repeat)
    rows = [
        ("shap.TreeExplainer(booster).shap_values", args.rows / shap_time, ""),
        ("Scorer.score(explain=True) (read, probabilities, contrast, 3 reasons in words)", args.rows / ours_time,
         f"{shap_time / ours_time:.1f}x shap"),
        ("LeadModel.contributions only (same numbers as shap)", args.rows / contributions_time,
         f"{shap_time / contributions_time:.1f}x shap"),
    ]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"xgboost {xgb.__version__}, shap {shap.__version__}; preset {args.preset!r}, "
          f"{len(model.booster.get_dump())} trees, {args.rows:,} leads, {len(CLASSES)} tiers")
    print(f"largest difference between our contributions and shap's: {difference:.1e}")
    width = max(len(r[0]) for r in rows)
    print(f"| {'measure':<{width}} | {'leads/s':>10} | ratio |")
    print(f"|{'-' * (width + 2)}|{'-' * 12}|-------|")
    for name, rate, note in rows:
        print(f"| {name:<{width}} | {rate:>10,.0f} | {note} |")


if __name__ == "__main__":
    main()
