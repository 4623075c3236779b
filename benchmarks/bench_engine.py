"""Engine benchmark: latency, throughput against raw xgboost on the same booster, training, memory.

    python benchmarks/bench_engine.py [--rows-memory 1000000] [--skip-memory]

Prints one table. Ratios compare our path (validation, scaling, calibration,
decision rule, output frame) with the bare booster call on the same model and
the same rows, so they hold on any machine; absolute figures depend on it.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import xgboost as xgb

from leadscore.data import synth
from leadscore.fields.builtin import FEATURE_NAMES
from leadscore.fields.scenarios import SCENARIOS
from leadscore.modeling.three_tiers import train
from leadscore.registry import Registry
from leadscore.scoring.scorer import Scorer


def timings(action: Callable[[], object], repeat: int) -> list[float]:
    """Seconds per call, after one warm-up call."""
    action()
    spent = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        spent.append(time.perf_counter() - started)
    return spent


def best(action: Callable[[], object], repeat: int = 5) -> float:
    """The fastest of several runs: the least disturbed by other work on the machine."""
    return min(timings(action, repeat))


def _estimator(scorer: Scorer) -> object:
    """The fitted booster's wrapper (``Model.estimator``; the model itself in versions before one Model),
    so this script measures the code before and after a change the same way."""
    return getattr(scorer.model, "estimator", scorer.model)


def single_lead(scorer: Scorer) -> list[tuple[str, str, str]]:
    lead = SCENARIOS[1].lead
    frame = pd.DataFrame([lead])
    raw_row = _estimator(scorer).scaled(frame[list(FEATURE_NAMES)].to_numpy(float))
    booster = _estimator(scorer).booster
    raw = statistics.median(timings(lambda: booster.inplace_predict(raw_row), 500))
    fast = timings(lambda: scorer.score_lead(lead), 500)
    batch = timings(lambda: scorer.score(frame), 200)
    return [
        ("single lead: raw inplace_predict, p50", f"{raw * 1e3:.3f} ms", ""),
        ("single lead: score + explain (score_lead), p50", f"{np.median(fast) * 1e3:.3f} ms",
         f"p99 {np.percentile(fast, 99) * 1e3:.3f} ms; target p50 <= 5 ms"),
        ("single lead: score via DataFrame batch path, p50", f"{np.median(batch) * 1e3:.3f} ms", ""),
    ]


def batch_scoring(scorer: Scorer, leads: pd.DataFrame) -> list[tuple[str, str, str]]:
    matrix = _estimator(scorer).scaled(leads[list(FEATURE_NAMES)].to_numpy(float))
    booster = _estimator(scorer).booster
    raw = best(lambda: booster.inplace_predict(matrix))
    ours = best(lambda: scorer.score(leads))
    return [
        (f"score {len(leads):,} leads: raw inplace_predict", f"{raw:.3f} s", ""),
        (f"score {len(leads):,} leads: Scorer.score (validate + score)", f"{ours:.3f} s",
         f"{ours / raw:.2f}x raw; target <= 1.3x"),
    ]


def explanations(scorer: Scorer, leads: pd.DataFrame) -> list[tuple[str, str, str]]:
    features = leads[list(FEATURE_NAMES)].to_numpy(float)
    matrix = xgb.DMatrix(_estimator(scorer).scaled(features))
    booster = _estimator(scorer).booster
    raw = best(lambda: booster.predict(matrix, pred_contribs=True), 3)
    ours = best(lambda: scorer.score(leads, explain=True), 3)
    return [
        (f"explain {len(leads):,} leads: raw pred_contribs", f"{len(leads) / raw:,.0f} leads/s", ""),
        (f"explain {len(leads):,} leads: Scorer.score(explain=True)", f"{len(leads) / ours:,.0f} leads/s",
         f"{raw / ours:.2f}x raw speed"),
    ]


def training() -> list[tuple[str, str, str]]:
    data = synth.generate(train.DEFAULT_ROWS, seed=train.DEFAULT_SEED)
    rows = []
    for preset in ("default", "seed"):
        spent = best(lambda p=preset: train.train(data, preset=p, with_baselines=False), 2)
        rows.append((f"train preset '{preset}' on 10,000 leads (incl. 3-fold calibration)", f"{spent:.2f} s",
                     "target <= 10 s" if preset == "default" else ""))
    with_baselines = best(lambda: train.train(data, with_baselines=True), 1)
    rows.append(("train 'default' plus the four baselines", f"{with_baselines:.2f} s", ""))
    return rows


def cli_memory(models: Path, rows: int, workdir: Path) -> list[tuple[str, str, str]]:
    source = workdir / "big.csv"
    chunk = 250_000
    for start in range(0, rows, chunk):
        part = synth.generate(min(chunk, rows - start), seed=start).drop(
            columns=["tier", *synth.TRUE_PROBABILITY_COLUMNS])
        part.to_csv(source, mode="w" if start == 0 else "a", header=start == 0, index=False)
    results = []
    for explain in (False, True):
        command = [sys.executable, "-c", _REPORT_PEAK, "score", str(source), "-o", str(workdir / "out.csv"),
                   "--models-dir", str(models)] + (["--explain"] if explain else [])
        started = time.perf_counter()
        finished = subprocess.run(command, check=True, capture_output=True, text=True)
        spent = time.perf_counter() - started
        peak_kib = int(finished.stderr.strip().splitlines()[-1])
        results.append((f"`leadscore score{' --explain' if explain else ''}` on {rows:,} rows",
                        f"{peak_kib / 1024:.0f} MiB peak, {spent:.1f} s", "target <= 1 GiB"))
    return results


# Runs the command line in a fresh process and prints that process's own peak resident memory (KiB).
_REPORT_PEAK = (
    "import resource, sys\n"
    "from leadscore.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows-memory", type=int, default=1_000_000, help="rows for the CLI memory run")
    parser.add_argument("--skip-memory", action="store_true", help="skip the CLI memory run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        models = workdir / "models"
        result = train.train(synth.generate(train.DEFAULT_ROWS, seed=train.DEFAULT_SEED))
        Registry(models).publish(result.model, result.report)
        scorer = Scorer(Registry(models).load())
        leads = synth.generate(100_000, seed=99).drop(columns=["tier", *synth.TRUE_PROBABILITY_COLUMNS])
        rows = single_lead(scorer) + batch_scoring(scorer, leads)
        rows += explanations(scorer, leads.head(20_000)) + training()
        if not args.skip_memory:
            rows += cli_memory(models, args.rows_memory, workdir)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"xgboost {xgb.__version__}")
    width = max(len(r[0]) for r in rows)
    print(f"| {'measure':<{width}} | {'figure':<22} | note |")
    print(f"|{'-' * (width + 2)}|{'-' * 24}|------|")
    for name, figure, note in rows:
        print(f"| {name:<{width}} | {figure:<22} | {note} |")


if __name__ == "__main__":
    main()
