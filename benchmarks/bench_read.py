"""Reading benchmark: how long ``leadscore.data.csvio`` takes to read big lead files.

    python benchmarks/bench_read.py [--rows 1000000] [--text-rows 200000] [--repeat 3] [--folder DIR]

Two files, written once into a temporary folder (or ``--folder``, kept for a second run):
a CRM-like text export of ``--text-rows`` x 17 columns (quoted notes with commas, doubled
quotes and line breaks; CRLF line ends) and ``--rows`` leads of the built-in world as
``leadscore generate`` writes them. Each is read with ``read_table`` and with ``open_table``
in chunks of 50,000 rows; the figure is the fastest of ``--repeat`` runs, the least disturbed
by other work on the machine. The load average is printed with the table: absolute figures
depend on it, so compare before and after only from one sitting.

Run it from a checkout (``PYTHONPATH=.``) to measure that checkout's reader; run it twice with
two checkouts to compare them on the same files with ``--folder``.
"""

from __future__ import annotations

import argparse
import inspect
import logging
import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from leadscore.data import csvio, synth

log = logging.getLogger("bench_read")
CHUNK_ROWS = 50_000


def write_text_export(path: Path, rows: int) -> None:
    """``rows`` leads as a CRM text export: 17 columns, notes quoted where they need it, CRLF line ends."""
    frame = synth.generate(rows, seed=7).drop(columns=["true_p_low", "true_p_medium", "true_p_high"])
    rng = np.random.default_rng(7)
    owners = np.array(["Dana Reyes", "Li, Wei", "O'Neil", "Sam \"the closer\" Park", "Priya Nair"])
    notes = np.array(["", "called, no answer", "wants 3 bedrooms\nnear a school", "budget ~ 450k",
                      "said \"call me Monday\"", "NA", "viewed twice; keen"])
    frame.insert(1, "Owner", owners[rng.integers(0, len(owners), rows)])
    frame.insert(2, "Notes", notes[rng.integers(0, len(notes), rows)])
    frame["Stage"] = np.where(rng.random(rows) < 0.3, "Won", "Open")
    assert frame.shape[1] == 17, frame.shape
    frame.to_csv(path, index=False, lineterminator="\r\n")


def write_world(path: Path, rows: int) -> None:
    """``rows`` leads of the built-in world, as ``leadscore generate -n rows`` writes them."""
    synth.generate(rows, seed=42).to_csv(path, index=False)


def best(action: Callable[[], object], repeat: int) -> float:
    spent = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        spent.append(time.perf_counter() - started)
    return min(spent)


def _read_whole(path: Path) -> int:
    # The reader before every column was text took ``as_text``; ask for text there too, like for like.
    text = {"as_text": True} if "as_text" in inspect.signature(csvio.read_table).parameters else {}
    return len(csvio.read_table(path, **text))


def _read_chunks(path: Path) -> int:
    rows = 0
    text = {"as_text": True} if "as_text" in inspect.signature(csvio.open_table).parameters else {}
    with csvio.open_table(path, chunk_rows=CHUNK_ROWS, **text) as table:
        for chunk in getattr(table, "chunks", table):
            rows += len(chunk)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="leads in the built-in world file")
    parser.add_argument("--text-rows", type=int, default=200_000, help="rows in the 17-column text export")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the fastest counts")
    parser.add_argument("--folder", type=Path, help="keep the files here (written when missing)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.folder or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        files = [(folder / f"text_{args.text_rows}.csv", args.text_rows, write_text_export),
                 (folder / f"world_{args.rows}.csv", args.rows, write_world)]
        table = []
        for path, rows, write in files:
            if not path.exists():
                log.info("writing %s", path)
                write(path, rows)
            assert _read_whole(path) == rows and _read_chunks(path) == rows
            size = f"{path.stat().st_size / 2**20:.0f} MiB"
            table.append((f"read_table {path.name} ({size})", best(lambda p=path: _read_whole(p), args.repeat)))
            table.append((f"open_table {path.name}, chunks of {CHUNK_ROWS:,}",
                          best(lambda p=path: _read_chunks(p), args.repeat)))
    print(f"reader: {csvio.__file__}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"pandas {pd.__version__}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    width = max(len(name) for name, _ in table)
    print(f"| {'measure':<{width}} | seconds |")
    print(f"|{'-' * (width + 2)}|---------|")
    for name, seconds in table:
        print(f"| {name:<{width}} | {seconds:7.2f} |")


if __name__ == "__main__":
    main()
