"""Training on a large CRM export (issue 13, section 6): time, peak memory and AUC against the full fit.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_crm_large.py [--rows 1000000] [--full]

Builds (once, cached in /tmp) a bank-marketing-shaped file of ``--rows`` rows:
bank-marketing's rows resampled with noise (numbers jittered, one category
cell in twenty swapped for another row's), so that it is not 22 copies of each
lead. Then trains it with one plain ``train_outcome(frame, "y")`` as
``leadscore train --data FILE --target y`` does, reading the file included,
and prints wall and CPU time, peak RSS (``ru_maxrss``, the whole process) and
the held-out ROC AUC. ``--full`` turns the large-file sampling off (every
candidate compared on every training row, as before issue 13: slow, about 15
minutes for 1M rows when the machine is free). ``--reference NAME`` is the
quicker reference: candidate NAME (the one the default run chose) fitted with
its full rounds on every training row, same split, held-out AUC. Run each in
its own process so the peak RSS is its own. Targets: <= 180 s, <= 2 GB, AUC
within 0.01 of the full fit, on 2 cores.
"""

from __future__ import annotations

import argparse
import logging
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from leadscore.data.csvio import read_table
from leadscore.fields.infer import build_schema, infer_columns, infer_positive, outcome_labels
from leadscore.modeling.won_lost import train as outcome
from leadscore.modeling.won_lost.train import train_outcome

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "bank-marketing.csv"
NUMBERS = ("age", "balance", "day", "duration", "campaign", "pdays", "previous")
SWAP_SHARE = 0.05


def make_file(source: Path, rows: int, seed: int = 7) -> Path:
    """A bank-marketing-shaped file of ``rows`` rows (cached by size and seed)."""
    path = Path("/tmp") / f"bank-marketing-{rows}-{seed}.csv"
    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    bank = pd.read_csv(source)
    frame = bank.iloc[rng.integers(0, len(bank), rows)].reset_index(drop=True)
    for name in NUMBERS:
        values = frame[name].to_numpy(dtype=np.float64)
        if name == "balance":
            values = values * rng.lognormal(0, 0.1, rows)
        elif name != "pdays":
            values = values + rng.integers(-1, 2, rows) * (values > 0)
        frame[name] = np.round(np.clip(values, -1e6, 1e6)).astype(np.int64)
    for name in frame.columns:
        if name in NUMBERS or name == "y":
            continue
        swap = rng.random(rows) < SWAP_SHARE
        frame.loc[swap, name] = frame[name].to_numpy()[rng.integers(0, rows, int(swap.sum()))]
    frame.to_csv(path, index=False)
    return path


def main() -> None:
    """Build the file if needed, train once, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--full", action="store_true", help="no sampling: the reference fit on every row")
    parser.add_argument("--reference", metavar="CANDIDATE", help="fit only this candidate on every training row")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    path = make_file(args.data, args.rows)
    if args.reference:
        reference(path, args.reference)
        return
    wall, cpu = time.perf_counter(), time.process_time()
    frame = read_table(path)
    read_wall = time.perf_counter() - wall
    read_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    extra = {"sample_rows": None} if args.full else {}
    training = train_outcome(frame, "y", **extra)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    report = training.report
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"{path.name}: {len(frame):,} rows; {'full fit' if args.full else 'default'}")
    print(f"  read {read_wall:.1f} s, peak RSS after reading {read_rss:.2f} GB")
    print(f"  left out: {[f['name'] for f in report['leakage']['fields'] if f['flagged']]}")
    print(f"  chosen {report['chosen']}; {report.get('sampling', 'no sampling note')}")
    print(f"  held-out ROC AUC {report['test']['roc_auc']:.4f}, log loss {report['test']['log_loss']:.4f}")
    print(f"  total {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {peak:.2f} GB (targets 180 s, 2 GB)")


def reference(path: Path, name: str) -> None:
    """The named candidate with its full rounds fitted on every training row (no comparison), held-out AUC."""
    wall, cpu = time.perf_counter(), time.process_time()
    frame = read_table(path)
    review = infer_columns(frame, "y", exclude=["duration"])
    positive = infer_positive(frame["y"])
    labels = outcome_labels(frame["y"], positive)
    train, test, _ = outcome.split_rows(frame, labels, review)
    schema = build_schema(frame.iloc[train], review, positive)
    train_codes = schema.codes(schema.parse(frame.iloc[train]).matrix)
    test_codes = schema.codes(schema.parse(frame.iloc[test]).matrix)
    candidate = next(c for c in outcome.CANDIDATES if c.name == name)
    booster, encoding, _ = outcome._fit(candidate, train_codes, labels[train], schema, candidate.rounds,
                                        outcome.SEED, outcome.TRAINING_THREADS)
    margins = booster.predict(encoding.dmatrix(test_codes, schema), output_margin=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"{path.name}: {name} with {candidate.rounds} rounds fitted on all {len(train):,} training leads: "
          f"held-out ROC AUC {roc_auc_score(labels[test], margins):.4f}; {time.perf_counter() - wall:.1f} s wall, "
          f"{time.process_time() - cpu:.1f} s CPU, peak RSS {peak:.2f} GB")


if __name__ == "__main__":
    main()
