"""Store benchmark: the report over 1,000,000 recorded scorings with outcomes, and the cost of --record.

    python benchmarks/bench_store.py [--rows 1000000] [--record-rows 100000] [--postgres URL]
    python benchmarks/bench_store.py --only-webhooks [--record-rows 100000] [--repeat 3]

Targets (issue 15): ``report`` over 1,000,000 scorings with outcomes within 2 s on SQLite and PostgreSQL;
``leadscore score --record`` of 100,000 leads within 1.5x the time of ``leadscore score`` alone; with webhooks
on (issue 20: every lead new, so one outbox event each) within 1.1x of recording without them. Without
--postgres (or $LEADSCORE_TEST_POSTGRES_URL) a throwaway cluster is started (tests/store/postgres.py).
Prints one table; absolute figures depend on the machine and its load (printed too).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from leadscore.cli import main as cli  # noqa: E402
from leadscore.data import synth  # noqa: E402
from leadscore.fields.builtin import FEATURE_NAMES  # noqa: E402
from leadscore.modeling.drift_reference import drift_reference  # noqa: E402
from leadscore.modeling.target import to_score  # noqa: E402
from leadscore.modeling.three_tiers.target import ThreeTiers  # noqa: E402
from leadscore.scoring.rows import ScoredRows  # noqa: E402
from leadscore.store import Store  # noqa: E402
from leadscore.store.outcomes import OutcomeRows  # noqa: E402
from leadscore.workflows.results import version_results  # noqa: E402

BATCH = 100_000
TIERS = np.array(["Low", "Medium", "High"])


def scored_batch(start: int, n: int, seed: int) -> ScoredRows:
    """n leads scored as the built-in model would (synthetic fields, chances from the true tiers), as typed rows."""
    leads = synth.generate(n, seed=seed)
    p = leads[list(synth.TRUE_PROBABILITY_COLUMNS)].to_numpy()
    fields = leads[["lead_id", *FEATURE_NAMES]].assign(lead_id=[f"B{start + i}" for i in range(n)],
                                                       owner=np.array(["Dana", "Eli", "Kim"])[np.arange(n) % 3])
    chance = ThreeTiers(0.4).conversion(p)
    reasons = np.array([["Credit score 790 (raises)", "3 property views (lowers)", ""]] * n, dtype=object)
    columns = pd.DataFrame({"p_high": p[:, 2], "p_medium": p[:, 1], "p_low": p[:, 0], "confidence": p.max(axis=1)})
    return ScoredRows(model_version="bench", tier=TIERS[p.argmax(axis=1)], chance=chance, score=to_score(chance),
                      fields=fields, lead_id=fields["lead_id"], id_column="lead_id", reasons=reasons,
                      columns=columns.round(4))


def fill(store: Store, rows: int) -> dict[str, float]:
    """Record ``rows`` scorings and the outcomes of 70% of them; seconds spent on each."""
    reference = scored_batch(0, 20_000, seed=7)
    store.save_drift_reference("bench", drift_reference(reference.fields[list(FEATURE_NAMES)],
                                                        dict.fromkeys(FEATURE_NAMES, "number"), reference.chance))
    spent = {"record": 0.0, "outcomes": 0.0}  # wall seconds
    rng = np.random.default_rng(0)
    for start in range(0, rows, BATCH):
        batch = scored_batch(start, min(BATCH, rows - start), seed=start // BATCH)
        began = time.perf_counter()
        store.record(batch)
        spent["record"] += time.perf_counter() - began
        known = np.sort(rng.permutation(len(batch))[: int(0.7 * len(batch))])
        rows_ = pd.DataFrame({"lead_id": batch.fields["lead_id"].to_numpy()[known],
                              "outcome": (rng.random(len(known)) < batch.chance[known]).astype(int),
                              "known_at": pd.Timestamp.now(tz="UTC")})
        began = time.perf_counter()
        store.import_outcomes(OutcomeRows(rows_, len(rows_), 0, 0, ("1",)), "bench.csv")
        spent["outcomes"] += time.perf_counter() - began
    return spent


def timed(action: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, this process's CPU seconds) of one call: on a shared machine CPU time is the steadier."""
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - wall, time.process_time() - cpu


def best_of(action: Callable[[], object], repeat: int = 3) -> tuple[float, float]:
    """The fastest of several runs (wall), with its CPU time."""
    return min((timed(action) for _ in range(repeat)), key=lambda t: t[0])


def seconds(pair: tuple[float, float]) -> str:
    return f"{pair[0]:.2f} s (CPU {pair[1]:.2f} s)"


def bench_report(name: str, url: str, rows: int) -> list[tuple[str, str]]:
    store = Store.open(url)
    spent = fill(store, rows)
    out = [(f"{name}: record {rows:,} scorings (store.record, 100,000 a call)", f"{spent['record']:.1f} s"),
           (f"{name}: import outcomes of {int(rows * 0.7):,} leads", f"{spent['outcomes']:.1f} s")]
    if store.engine.dialect.name == "postgresql":
        with store.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    out.append((f"{name}: report (tiers, AUC, gain, drift), best of 3",
                seconds(best_of(lambda: version_results(store, "bench")))))
    out.append((f"{name}: report --by owner, best of 3",
                seconds(best_of(lambda: version_results(store, "bench", by="owner")))))
    store.close()
    return out


def bench_record(rows: int, folder: Path) -> list[tuple[str, str]]:
    models = folder / "models"
    os.environ["LEADSCORE_DATABASE_URL"] = f"sqlite:///{folder / 'record.sqlite3'}"
    leads = folder / "leads.csv"
    synth.generate(rows, seed=5).to_csv(leads, index=False)
    cli(["score", str(leads), "-o", str(folder / "warm.csv"), "--models-dir", str(models)])  # trains the default

    def score(*extra: str) -> tuple[float, float]:
        command = ["score", str(leads), "-o", str(folder / "out.csv"), "--models-dir", str(models), *extra]
        return timed(lambda: cli(command))

    out = []
    for explain in ((), ("--explain",)):
        plain = min((score(*explain) for _ in range(2)), key=lambda t: t[0])
        recorded = min((score(*explain, "--record", "--id", "lead_id", "--list", f"bench{i}{len(explain)}")
                        for i in range(2)), key=lambda t: t[0])
        label = f"score {rows:,} leads{' --explain' if explain else ''}"
        out += [(f"{label}", seconds(plain)), (f"{label} --record", seconds(recorded)),
                (f"{label}: --record / without", f"{recorded[0] / plain[0]:.2f}x wall, "
                                                 f"{recorded[1] / plain[1]:.2f}x CPU (target <= 1.5x)")]
    return out


def bench_webhooks(rows: int, folder: Path, repeat: int, postgres: str | None) -> list[tuple[str, str]]:
    """``score --record`` of ``rows`` new leads into a fresh store (SQLite, or a new database on the PostgreSQL
    server ``postgres``), with and without webhooks, alternated.

    Every lead is new, so with webhooks each one puts an event in the outbox: the most the outbox costs.
    """
    from sqlalchemy import create_engine, text

    def fresh(run: int, webhooks: bool) -> str:
        name = f"hooks_{run}_{int(webhooks)}_{os.getpid()}"
        if postgres is None:
            return f"sqlite:///{folder / f'{name}.sqlite3'}"
        admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return postgres.rsplit("/", 1)[0] + "/" + name

    models = folder / "models"
    leads = folder / "leads-webhooks.csv"
    synth.generate(rows, seed=6).to_csv(leads, index=False)
    cli(["score", str(leads), "-o", str(folder / "warm.csv"), "--models-dir", str(models)])  # trains the default
    hooks = {"LEADSCORE_WEBHOOK_URL": "http://127.0.0.1:9/never-called", "LEADSCORE_WEBHOOK_SECRET": "bench"}

    def record(run: int, webhooks: bool) -> tuple[float, float]:
        os.environ["LEADSCORE_DATABASE_URL"] = fresh(run, webhooks)
        cli(["webhooks", "status", "--models-dir", str(models)])  # the schema made before timing
        for name, value in hooks.items():
            if webhooks:
                os.environ[name] = value
            else:
                os.environ.pop(name, None)
        try:
            return timed(lambda: cli(["score", str(leads), "-o", str(folder / "out.csv"), "--models-dir",
                                      str(models), "--record", "--id", "lead_id", "--list", "bench"]))
        finally:
            for name in hooks:
                os.environ.pop(name, None)
            if postgres is not None:  # the shared server keeps no benchmark database
                admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "hooks_{run}_{int(webhooks)}_{os.getpid()}" '
                                            "WITH (FORCE)"))
                admin.dispose()

    plain, hooked = [], []
    for run in range(repeat):
        plain.append(record(run, False))
        hooked.append(record(run, True))
    best_plain, best_hooked = min(plain), min(hooked)
    label = f"{'PostgreSQL' if postgres else 'SQLite'}: score --record {rows:,} new leads"
    return [(label, seconds(best_plain)), (f"{label}, webhooks on (an event per lead)", seconds(best_hooked)),
            (f"{label}: webhooks on / off (best of {repeat})",
             f"{best_hooked[0] / best_plain[0]:.2f}x wall, {best_hooked[1] / best_plain[1]:.2f}x CPU (target <= 1.1x)")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--record-rows", type=int, default=100_000)
    parser.add_argument("--postgres", default=os.environ.get("LEADSCORE_TEST_POSTGRES_URL"))
    parser.add_argument("--only-webhooks", action="store_true", help="only the webhooks on/off comparison")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side of the webhooks comparison")
    args = parser.parse_args()
    import logging

    logging.basicConfig(level=logging.WARNING)
    rows: list[tuple[str, str]] = [("machine", f"{os.cpu_count()} cores, load average "
                                               + " ".join(f"{v:.1f}" for v in os.getloadavg()))]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        server = None
        url = args.postgres
        if not url:
            from tests.store.postgres import ThrowawayPostgres

            server = ThrowawayPostgres()
            url = server.url
        try:
            rows += bench_webhooks(args.record_rows, folder, args.repeat, None)
            rows += bench_webhooks(args.record_rows, folder, args.repeat, url)
            if not args.only_webhooks:
                rows += bench_record(args.record_rows, folder)
                rows += bench_report("SQLite", f"sqlite:///{folder / 'bench.sqlite3'}", args.rows)
                rows += bench_report("PostgreSQL", url, args.rows)
        finally:
            if server:
                server.stop()
    rows.append(("load average at the end", " ".join(f"{v:.1f}" for v in os.getloadavg())))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
