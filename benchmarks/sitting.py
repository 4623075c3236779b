"""One sitting: the benchmarks and the command line's timings of a BEFORE tree and of this checkout, interleaved.

    python benchmarks/sitting.py                        # before = /work/wt-before; about 15-20 min on 2 cores
    python benchmarks/sitting.py --quick                # small settings, a few minutes: proves that it runs
    python benchmarks/sitting.py --before ../old --skip api store --repeat 5

Both trees run on the same machine in one sitting, each measure of BEFORE right beside the same measure of AFTER
(the command-line runs alternate run by run), so both share the machine's load; the load average is printed with
every step. Each tree runs with its own interpreter (``<tree>/.venv/bin/python``) and its own scripts
(``<tree>/benchmarks/bench_*.py``); a script only AFTER has is tried with this checkout's copy against BEFORE's
code and marked "not comparable" when it cannot run there.

The command line (``leadscore score``) is timed on the same input file (the built-in synthetic leads) with the
same model files for both trees (trained once by BEFORE, copied for AFTER): best of ``--repeat`` runs, in CPU
seconds of the process and its threads (user + sys: the least disturbed by other work on the machine) and in wall
seconds. ``score --record`` writes into a fresh copy of an empty store each run (SQLite, the default).

Prints markdown tables: measure, before, after, after/before, and a flag on every row more than 10% worse.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

AFTER = Path(__file__).resolve().parent.parent
WORSE = 1.10  # a row more than 10% worse than before is flagged
BENCHES = ("engine", "api", "crm", "store")


@dataclass
class Tree:
    name: str
    root: Path

    @property
    def python(self) -> str:
        own = self.root / ".venv" / "bin" / "python"
        return str(own) if own.exists() else sys.executable

    def cli(self) -> list[str]:
        own = self.root / ".venv" / "bin" / "leadscore"
        if own.exists():
            return [str(own)]
        return [self.python, "-c", "import sys; from leadscore.cli import main; sys.exit(main(sys.argv[1:]))"]

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(self.root), **extra}


@dataclass
class Ran:
    code: int
    out: str
    err: str
    wall: float
    cpu: float


def run(command: list[str], env: dict[str, str], cwd: Path, timeout: float = 1800) -> Ran:
    """Run a command; its wall seconds and the CPU seconds (user + sys) of it and its threads and children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    try:
        done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
        code, out, err = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as error:
        code, out, err = -1, str(error.stdout or ""), f"timed out after {timeout:.0f} s"
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return Ran(code, out, err, wall, cpu)


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ---- figures ----------------------------------------------------------------------------------------------------
@dataclass
class Figure:
    value: float
    unit: str

    @property
    def higher_is_better(self) -> bool:
        return self.unit.endswith("/s") or self.unit in {"AUC"}

    def __str__(self) -> str:
        return f"{self.value:,.3f} {self.unit}" if abs(self.value) < 100 else f"{self.value:,.0f} {self.unit}"


_NUMBER = r"(-?[\d,]*\.?\d+)"
_FIGURE = re.compile(_NUMBER + r"\s*(ms|s wall|s CPU|leads/s|req/s|MiB|s)\b(?:\s*\(CPU\s*" + _NUMBER + r"\s*s\))?")
_AUC = re.compile(r"ROC AUC\s+" + _NUMBER)


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def figures_of(label: str, text: str, into: dict[str, Figure]) -> None:
    """The figures in one line's value text, each under ``label [unit]`` (``p50``/``p99`` kept in the name)."""
    for match in _FIGURE.finditer(text):
        unit = match.group(2)
        before = text[:match.start()].split()
        if before and before[-1] in ("<=", ">=", "<", ">"):  # a target, not a figure
            continue
        tag = before[-1] + " " if before and re.fullmatch(r"p\d+", before[-1]) else ""
        name = f"{label} [{tag}{unit}]"
        into.setdefault(name, Figure(_number(match.group(1)), "s" if unit.startswith("s ") else unit))
        if match.group(3):
            into.setdefault(f"{label} [CPU s]", Figure(_number(match.group(3)), "s"))
    for match in _AUC.finditer(text):
        into.setdefault(f"{label} [ROC AUC]", Figure(_number(match.group(1)), "AUC"))


def parse(bench: str, out: str) -> dict[str, Figure]:
    """The figures a bench script printed, by measure name (the same name in both trees' output)."""
    found: dict[str, Figure] = {}
    context = "LEADSCORE_RECORD=off, no API key"
    for line in out.splitlines():
        if not line.strip():
            continue
        if bench == "api":
            if line.startswith("LEADSCORE_RECORD="):
                context = line.split(":")[0]
                cpu = re.search(r"server CPU " + _NUMBER, line)
                if cpu:
                    found[f"server CPU [{context}] [s]"] = Figure(_number(cpu.group(1)), "s")
                continue
            cells = line[28:].split()
            if len(cells) >= 6 and all(re.fullmatch(r"[\d.]+|-", c) for c in cells[:6]) and line[:28].strip():
                scenario = line[:28].strip()
                found[f"{scenario} [{context}] [req/s]"] = Figure(float(cells[1]), "req/s")
                for at, what in ((2, "client p50"), (4, "client p99"), (6, "server p50"), (8, "server p99")):
                    if len(cells) > at and cells[at] != "-":
                        found[f"{scenario} [{context}] [{what} ms]"] = Figure(float(cells[at]), "ms")
            continue
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if len(cells) >= 2 and not set(cells[0]) <= {"-"} and cells[0] != "measure":
                figures_of(cells[0], cells[1], found)
            continue
        if bench == "store":
            parts = re.split(r"\s{2,}", line.strip(), maxsplit=1)
            if len(parts) == 2 and not parts[0].startswith(("machine", "load average")):
                figures_of(parts[0], parts[1], found)
            continue
        label, colon, rest = line.strip().partition(": ")
        if colon:
            figures_of(label, rest, found)
    return found


# ---- tables -----------------------------------------------------------------------------------------------------
@dataclass
class Table:
    title: str
    rows: list[tuple[str, Figure | None, Figure | None]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def worse(self) -> list[str]:
        return [name for name, b, a in self.rows if _ratio(b, a) is not None and _is_worse(b, a)]

    def markdown(self) -> str:
        lines = [f"### {self.title}", "", "| measure | before | after | after/before | |", "|---|---|---|---|---|"]
        for name, b, a in self.rows:
            ratio = _ratio(b, a)
            flag = "**>10% worse**" if ratio is not None and _is_worse(b, a) else ""
            lines.append(f"| {name} | {b or 'n/a'} | {a or 'n/a'} | "
                         f"{'' if ratio is None else f'{ratio:.2f}x'} | {flag} |")
        lines += [""] + [f"- {note}" for note in self.notes]
        return "\n".join(lines)


def _ratio(before: Figure | None, after: Figure | None) -> float | None:
    if before is None or after is None or before.value == 0:
        return None
    return after.value / before.value


def _is_worse(before: Figure, after: Figure) -> bool:
    ratio = after.value / before.value
    return ratio < 1 / WORSE if after.higher_is_better else ratio > WORSE


def table_of(title: str, before: dict[str, Figure] | None, after: dict[str, Figure]) -> Table:
    table = Table(title)
    names = list(after) + [n for n in (before or {}) if n not in after]
    for name in names:
        table.rows.append((name, (before or {}).get(name), after.get(name)))
    return table


# ---- the command line ---------------------------------------------------------------------------------------------
def prepare(before: Tree, after: Tree, folder: Path, rows: int, record_rows: int) -> dict[str, Path]:
    """The input files (AFTER's generator; the same files for both), the model (trained by BEFORE, copied for AFTER),
    an empty store already migrated (AFTER)."""
    paths = {"big": folder / f"leads{rows}.csv", "record": folder / f"leads{record_rows}.csv",
             "models_before": folder / "models_before", "models_after": folder / "models_after",
             "store": folder / "empty.sqlite3"}
    for key, n in (("big", rows), ("record", record_rows)):
        write = ("import sys; from leadscore.data import synth; "
                 "synth.generate(int(sys.argv[1]), seed=7).to_csv(sys.argv[2], index=False)")
        ran = run([after.python, "-c", write, str(n), str(paths[key])], after.env(), folder)
        if ran.code:
            raise SystemExit(f"could not write the input file: {ran.err.strip().splitlines()[-1:]}")
    ran = run([*before.cli(), "train", "--models-dir", str(paths["models_before"]), "--no-baselines"], before.env(),
              folder)
    if ran.code:
        raise SystemExit(f"BEFORE could not train its model: {ran.err.strip().splitlines()[-1:]}")
    shutil.copytree(paths["models_before"], paths["models_after"])
    if run([*after.cli(), "models", "list", "--models-dir", str(paths["models_after"])], after.env(), folder).code:
        say("AFTER cannot read BEFORE's model files: AFTER trains its own (same data, same seed)")
        shutil.rmtree(paths["models_after"])
        run([*after.cli(), "train", "--models-dir", str(paths["models_after"]), "--no-baselines"], after.env(), folder)
    run([after.python, "-c", "import sys; from leadscore.store import Store; Store.open(sys.argv[1]).close()",
         f"sqlite:///{paths['store']}"], after.env(), folder)
    return paths


def cli_timings(before: Tree, after: Tree, folder: Path, paths: dict[str, Path], repeat: int, big_rows: int,
                small_rows: int) -> list[Table]:
    """``leadscore score`` (plain, --explain, and with --record on AFTER), runs of BEFORE and AFTER alternating."""
    records_before = "--record" in run([*before.cli(), "score", "--help"], before.env(), folder).out
    big, small = paths["big"], paths["record"]
    cases = [(f"score {big_rows:,} leads", big, ()), (f"score --explain {big_rows:,} leads", big, ("--explain",)),
             (f"score {small_rows:,} leads", small, ()), (f"score --record {small_rows:,} leads", small, ("--record",))]
    timings: dict[tuple[str, str], list[Ran]] = {}
    for attempt in range(repeat):
        for label, source, extra in cases:
            for tree in (before, after) if attempt % 2 == 0 else (after, before):
                if "--record" in extra and tree is before and not records_before:
                    continue
                models = paths[f"models_{tree.name}"]
                env = tree.env()
                if "--record" in extra:
                    store = folder / f"record-{tree.name}.sqlite3"
                    for old in folder.glob(store.name + "*"):
                        old.unlink()
                    shutil.copy(paths["store"], store)
                    env["LEADSCORE_DATABASE_URL"] = f"sqlite:///{store}"
                ran = run([*tree.cli(), "score", str(source), "-o", str(folder / f"out-{tree.name}.csv"),
                           "--models-dir", str(models), *extra], env, folder)
                if ran.code:
                    say(f"{tree.name}: {label} failed: {ran.err.strip().splitlines()[-1:]}")
                    continue
                timings.setdefault((label, tree.name), []).append(ran)
                say(f"  {label:<34} {tree.name:<6} {ran.cpu:6.2f} s CPU {ran.wall:6.2f} s wall  load {load()}")
    cpu, wall = Table(f"Command line, CPU seconds (user + sys), best of {repeat}"), \
        Table(f"Command line, wall seconds, best of {repeat}")
    for label, _, _ in cases:
        for table, key in ((cpu, "cpu"), (wall, "wall")):
            got = {name: min(getattr(r, key) for r in timings[(label, name)])
                   for name in ("before", "after") if (label, name) in timings}
            table.rows.append((label, *(Figure(got[n], "s") if n in got else None for n in ("before", "after"))))
    for table, key in ((cpu, "cpu"), (wall, "wall")):
        for name in ("before", "after"):
            plain, recorded = (timings.get((cases[k][0], name)) for k in (2, 3))
            if plain and recorded:
                ratio = min(getattr(r, key) for r in recorded) / min(getattr(r, key) for r in plain)
                table.notes.append(f"{name}: `score --record` / `score` on {small_rows:,} leads = {ratio:.2f}x "
                                   f"(target <= 1.5x)")
        if not records_before:
            table.notes.append("before has no `score --record`: its row is n/a")
    return [cpu, wall]


# ---- the bench scripts --------------------------------------------------------------------------------------------
def bench_flags(bench: str, script: Path, quick: bool) -> list[str]:
    text = script.read_text()
    if bench == "engine":
        return ["--skip-memory"] if quick else ["--rows-memory", "300000"]
    if bench == "api":
        flags = ["--duration", "3", "--closed-duration", "2", "--rate", "50"] if quick else \
            ["--duration", "10", "--closed-duration", "5"]
        return flags + (["--record", "both"] if '"--record"' in text else [])
    if bench == "crm":
        return ["--skip-duration"]
    flags = ["--rows", "20000", "--record-rows", "5000", "--repeat", "1"] if quick else \
        ["--rows", "200000", "--record-rows", "100000", "--repeat", "2"]
    postgres = os.environ.get("LEADSCORE_TEST_POSTGRES_URL")
    return flags + (["--postgres", postgres] if postgres and '"--postgres"' in text else [])


def run_bench(bench: str, tree: Tree, quick: bool, folder: Path) -> tuple[dict[str, Figure] | None, str]:
    """The figures of one bench script on one tree, or None and why not."""
    script = tree.root / "benchmarks" / f"bench_{bench}.py"
    borrowed = not script.exists()
    if borrowed:
        # A copy outside this checkout: a script that puts its own checkout first on sys.path would otherwise run
        # this checkout's code under the other tree's name. tests/ stays reachable (throwaway PostgreSQL).
        home = folder / f"borrowed-{tree.name}"
        (home / "benchmarks").mkdir(parents=True, exist_ok=True)
        if not (home / "tests").exists():
            (home / "tests").symlink_to(AFTER / "tests")
        script = Path(shutil.copy(AFTER / "benchmarks" / script.name, home / "benchmarks" / script.name))
    started_load = load()
    ran = run([tree.python, str(script), *bench_flags(bench, script, quick)], tree.env(), tree.root)
    say(f"  bench_{bench:<7} {tree.name:<6} {ran.wall:6.1f} s wall {ran.cpu:6.1f} s CPU  load {started_load} -> "
        f"{load()}  exit {ran.code}")
    if ran.code:
        last = (ran.err.strip().splitlines() or ["?"])[-1]
        why = "not comparable (this checkout's script cannot run on it: " if borrowed else "failed ("
        return None, f"{tree.name}: {why}{last[:160]})"
    borrowed_words = ", this checkout's script" if borrowed else ""
    return parse(bench, ran.out), f"{tree.name}: {ran.wall:.0f} s wall, load {started_load} at its start" + \
        borrowed_words


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, default=Path("/work/wt-before"), help="the tree to compare with")
    parser.add_argument("--after", type=Path, default=AFTER, help="default: this checkout")
    parser.add_argument("--rows", type=int, default=300_000, help="leads for `score` and `score --explain`")
    parser.add_argument("--record-rows", type=int, default=100_000, help="leads for `score` against `score --record`")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command line per tree (best counts)")
    parser.add_argument("--skip", nargs="*", default=[], choices=[*BENCHES, "cli"], help="parts to leave out")
    parser.add_argument("--quick", action="store_true",
                        help="small settings (20,000 and 10,000 leads, one run, short bench runs): proves it works")
    parser.add_argument("--keep", type=Path, help="also write the tables to this markdown file")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.record_rows, args.repeat = min(args.rows, 20_000), min(args.record_rows, 10_000), 1
    before, after = Tree("before", args.before.resolve()), Tree("after", args.after.resolve())
    started = time.perf_counter()
    start_load = load()
    for tree in (before, after):
        found = run([tree.python, "-c", "import leadscore; print(leadscore.__file__)"], tree.env(), tree.root).out
        if not Path(found.strip() or "/").resolve().is_relative_to(tree.root):
            raise SystemExit(f"{tree.name}: {tree.python} imports leadscore from {found.strip() or 'nowhere'}, "
                             f"not from {tree.root}")
    commits = {t.name: run(["git", "-C", str(t.root), "log", "-1", "--format=%h %s"], os.environ, t.root).out.strip()
               for t in (before, after)}
    tables: list[Table] = []
    with tempfile.TemporaryDirectory(prefix="sitting-") as tmp:
        folder = Path(tmp)
        if "cli" not in args.skip:
            say(f"command line: preparing {args.rows:,} and {args.record_rows:,} leads and the model (load {load()})")
            paths = prepare(before, after, folder, args.rows, args.record_rows)
            tables += cli_timings(before, after, folder, paths, args.repeat, args.rows, args.record_rows)
        for k, bench in enumerate(b for b in BENCHES if b not in args.skip):
            figures: dict[str, dict[str, Figure] | None] = {}
            notes = []
            for tree in (before, after) if k % 2 == 0 else (after, before):
                figures[tree.name], note = run_bench(bench, tree, args.quick, folder)
                notes.append(note)
            table = table_of(f"bench_{bench}.py", figures["before"], figures["after"] or {})
            table.notes += notes
            tables.append(table)
    report = [f"## One sitting, {time.strftime('%Y-%m-%d %H:%M %Z')}", "",
              f"- before: {before.root} ({commits['before']})", f"- after: {after.root} ({commits['after']})",
              f"- machine: {os.cpu_count()} cores; load average (1, 5, 15 min) at the start {start_load}, "
              f"at the end {load()}; {time.perf_counter() - started:.0f} s in all",
              f"- settings: {args.rows:,} / {args.record_rows:,} leads, {args.repeat} run(s) per command line"
              + (", --quick" if args.quick else ""), ""]
    report += [table.markdown() + "\n" for table in tables]
    flagged = [f"{table.title}: {name}" for table in tables for name in table.worse()]
    report.append("**More than 10% worse:** " + ("; ".join(flagged) if flagged else "none"))
    text = "\n".join(report)
    print(text)
    if args.keep:
        args.keep.write_text(text + "\n")


if __name__ == "__main__":
    main()
