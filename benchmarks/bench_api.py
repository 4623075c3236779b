"""Load benchmark of the REST API: a real `leadscore serve` on 127.0.0.1 and an async Python client.

    python benchmarks/bench_api.py                      # 200 req/s for 20 s, then max throughput for 10 s
    python benchmarks/bench_api.py --workers 2 --rate 300 --duration 10
    python benchmarks/bench_api.py --model crm          # an outcome model of the bank-marketing sample
    python benchmarks/bench_api.py --model crm --crm-data ../shared/data/bank-marketing.csv
    python benchmarks/bench_api.py --record both         # without, then with LEADSCORE_RECORD=1 (default)
    python benchmarks/bench_api.py --record off --api-key both   # without, then with an API key in the store

Trains a model into a temporary registry (the repository's models/ is never
touched): the default-preset built-in model on 10,000 synthetic leads, or with
``--model crm`` an outcome model of a CRM export (``train_outcome``, outcome
``y``, ``duration`` excluded; default the committed 3,000-row bank-marketing
sample). Starts the server on a free port, waits for /readyz, then sends
POST /v1/score (reasons included; every answer carries them), one lead per
request: synthetic leads, or the export's own rows as a CRM posts them (keys
the file's headers, values strings, an extra "Lead ID"):

1. open loop: requests start on a fixed schedule (``--rate`` per second)
   whatever the answers do; latency runs from the scheduled start, so a
   stalled server cannot hide its queue (no coordinated omission);
2. closed loop: ``--concurrency`` clients send back to back: the most the
   server answers per second.

With ``--record both`` (the default) the same load runs twice back to back, against a server
without and then one with ``LEADSCORE_RECORD=1`` (every scored lead written to an SQLite store
in the temporary folder, off the request path); the table shows both, the leads the store holds
afterwards, and the CPU seconds the server and the client used in each run. With ``--api-key on``
(or ``both``) a key with the ``score`` scope is made in the run's store and every request carries it
(X-API-Key), so the cost of checking keys (key_check.py: cached lookups) shows against an open API.

The client runs on the same machine and shares its cores with the server.
Everything is bounded in time; only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from leadscore.data import synth  # noqa: E402 - after the path set-up, to benchmark this checkout
from leadscore.data.csvio import read_table  # noqa: E402
from leadscore.fields.builtin import FEATURE_NAMES  # noqa: E402
from leadscore.modeling.three_tiers import train  # noqa: E402
from leadscore.modeling.won_lost.train import train_outcome  # noqa: E402
from leadscore.registry import Registry  # noqa: E402
from leadscore.store import Store, keys  # noqa: E402

REQUEST_TIMEOUT_SECONDS = 5.0
#: The CRM export --model crm trains on by default (committed, 3,000 rows), its outcome and the post-call field.
CRM_SAMPLE = ROOT / "tests" / "data" / "bank-marketing-sample.csv"
CRM_TARGET = "y"
CRM_EXCLUDE = ("duration",)
READY_TIMEOUT_SECONDS = 120.0
#: The API key the client sends in the current run (empty: none).
API_KEY: list[str] = []


@dataclass
class Run:
    """The outcome of one load pattern, seen by the client and, from its request log, by the server."""

    name: str
    seconds: float
    latencies_ms: list[float]
    errors: int
    server_ms: list[float] = field(default_factory=list)

    def row(self) -> str:
        done = len(self.latencies_ms)
        cells = f"{self.name:<28}{done:>9}{done / self.seconds:>9.0f}"
        for values in (self.latencies_ms, self.server_ms):
            if values:
                p50, p90, p99 = np.percentile(values, [50, 90, 99])
                cells += f"{p50:>8.1f}{p90:>8.1f}{p99:>8.1f}{max(values):>8.1f}"
            else:
                cells += f"{'-':>8}" * 4
        return cells + f"{self.errors:>8}"


HEADER = (f"{'':<46}{'client-side latency':^32}{'in the server':^32}\n"
          f"{'scenario':<28}{'answers':>9}{'req/s':>9}" + f"{'p50':>8}{'p90':>8}{'p99':>8}{'max':>8}" * 2
          + f"{'errors':>8}")


class ServerLog:
    """The server's JSON request log: latency_ms of the POST /v1/score lines written since the last read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def new_latencies(self) -> list[float]:
        with self.path.open(encoding="utf-8") as stream:
            stream.seek(self.offset)
            text = stream.read()
            self.offset = stream.tell()
        latencies = []
        for line in text.splitlines():
            if not line.startswith("{"):  # a line written before the JSON log was set up
                continue
            record = json.loads(line)
            if record.get("logger") == "leadscore.api.app.access" and record.get("path") == "/v1/score":
                latencies.append(float(record["latency_ms"]))
        return latencies


def publish_default_model(root: Path) -> str:
    """Train the default preset on the seed's 10,000 synthetic leads into a registry at ``root``."""
    result = train.train(synth.generate(10_000, seed=42), with_baselines=False)
    return Registry(root).publish(result.model, result.report)


def _train_crm_model(root: Path, data: Path) -> str:
    frame = read_table(data)
    started = time.perf_counter()
    result = train_outcome(frame, CRM_TARGET, exclude=list(CRM_EXCLUDE))
    print(f"trained an outcome model of {data.name} ({len(frame):,} rows) in {time.perf_counter() - started:.1f} s, "
          f"test AUC {result.report.test.roc_auc:.3f}", flush=True)
    return Registry(root).publish(result.model, result.report)


def publish_crm_model(root: Path, data: Path) -> tuple[str, list[bytes]]:
    """Train an outcome model of a CRM export into a registry at ``root``; its rows as request bodies.

    Trained in a child process, so the client process that then drives the load is as light as
    with the built-in model (runs where the open-loop client fell behind showed the client at 100%
    CPU and the server mostly idle).
    """
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        version = pool.apply(_train_crm_model, (root, data))
    frame = read_table(data)
    rows = frame.drop(columns=[CRM_TARGET]).head(2000).to_dict(orient="records")
    return version, [json.dumps({"Lead ID": f"bench-{i}", **row}).encode() for i, row in enumerate(rows)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server exited before it was ready")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not become ready in time")


def lead_bodies(n: int = 2000) -> list[bytes]:
    """Synthetic leads as ready-made JSON bodies, so the client spends its time on HTTP only."""
    frame = synth.generate(n, seed=7)
    rows = frame.loc[:, list(FEATURE_NAMES)].to_dict(orient="records")
    return [json.dumps({"lead_id": f"bench-{i}", **row}).encode() for i, row in enumerate(rows)]


async def _post(client: httpx.AsyncClient, body: bytes) -> bool:
    try:
        response = await client.post("/v1/score", content=body, headers={"Content-Type": "application/json"})
    except httpx.HTTPError:
        return False
    return response.status_code == 200 and len(response.json()["reasons"]) > 0


def _client(base: str, connections: int) -> httpx.AsyncClient:
    headers = {"X-API-Key": API_KEY[0]} if API_KEY else {}
    return httpx.AsyncClient(base_url=base, timeout=REQUEST_TIMEOUT_SECONDS, headers=headers,
                             limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections))


async def open_loop(base: str, bodies: list[bytes], rate: float, seconds: float) -> Run:
    """Start ``rate`` requests per second on schedule for ``seconds``; latency from the scheduled start."""
    latencies: list[float] = []
    errors = 0

    async def one(body: bytes, scheduled: float) -> None:
        nonlocal errors
        if await _post(client, body):
            latencies.append((time.perf_counter() - scheduled) * 1000)
        else:
            errors += 1

    async with _client(base, connections=256) as client:
        start = time.perf_counter()
        tasks = []
        for i in range(int(rate * seconds)):
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(bodies[i % len(bodies)], scheduled)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    return Run(f"open loop {rate:.0f} req/s", elapsed, latencies, errors)


async def closed_loop(base: str, bodies: list[bytes], concurrency: int, seconds: float) -> Run:
    """``concurrency`` clients sending back to back for ``seconds``."""
    latencies: list[float] = []
    errors = 0

    async with _client(base, connections=concurrency) as client:
        start = time.perf_counter()
        stop = start + seconds

        async def worker(offset: int) -> None:
            nonlocal errors
            i = offset
            while time.perf_counter() < stop:
                sent = time.perf_counter()
                if await _post(client, bodies[i % len(bodies)]):
                    latencies.append((time.perf_counter() - sent) * 1000)
                else:
                    errors += 1
                i += concurrency

        await asyncio.gather(*(worker(k) for k in range(concurrency)))
        elapsed = time.perf_counter() - start
    return Run(f"closed loop, {concurrency} clients", elapsed, latencies, errors)


def _server_stack() -> str:
    """Which event loop and HTTP parser uvicorn picks here ("auto": uvloop and httptools when installed)."""
    found = []
    for module in ("uvloop", "httptools"):
        try:
            __import__(module)
            found.append(module)
        except ImportError:
            pass
    return "uvicorn with " + (" + ".join(found) if found else "asyncio + h11")


@dataclass
class Served:
    """One server's runs, its CPU seconds (user + system), the client's, and the leads its store holds."""

    record: bool
    keyed: bool
    runs: list[Run]
    server_cpu: float
    client_cpu: float
    recorded: int | None


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def serve_and_load(args: argparse.Namespace, models: Path, bodies: list[bytes], tmp: Path, record: bool,
                   keyed: bool = False) -> Served:
    """Start a server (recording or not, asking for a key or not), warm it up, run the open then the closed
    loop, stop it."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp / f"server-{'record' if record else 'plain'}{'-keyed' if keyed else ''}.log"
    store = tmp / f"store-{port}.sqlite3"
    env = {key: value for key, value in os.environ.items()
           if key not in {"LEADSCORE_API_KEY", "LEADSCORE_RECORD", "LEADSCORE_DATABASE_URL"}}
    env["LEADSCORE_DATABASE_URL"] = f"sqlite:///{store}"
    if record:
        env["LEADSCORE_RECORD"] = "1"
    API_KEY.clear()
    if keyed:
        opened = Store.open(f"sqlite:///{store}")
        try:
            API_KEY.append(keys.add_key(opened, "bench", ["score", "record"], actor="bench", source="benchmark"))
        finally:
            opened.close()
    client_started = _cpu_self()
    with log_path.open("w") as server_stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "leadscore.cli", "serve", "--port", str(port), "--models-dir", str(models),
             "--workers", str(args.workers)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=server_stderr)
        server_cpu = 0.0
        try:
            wait_ready(base, server)
            server_log = ServerLog(log_path)
            asyncio.run(closed_loop(base, bodies, concurrency=4, seconds=2))  # warm-up, not reported
            time.sleep(0.5)
            server_log.new_latencies()
            runs = []
            for load in (lambda: open_loop(base, bodies, args.rate, args.duration),
                         lambda: closed_loop(base, bodies, args.concurrency, args.closed_duration)):
                run = asyncio.run(load())
                time.sleep(0.5)  # let the last log lines reach the file
                run.server_ms = server_log.new_latencies()
                runs.append(run)
        finally:
            server.terminate()
            try:
                _, _, usage = os.wait4(server.pid, 0)  # the server's own CPU time (its workers are its children)
                server_cpu = usage.ru_utime + usage.ru_stime
                server.returncode = 0
            except ChildProcessError:
                server.wait(timeout=30)
    recorded = None
    if record:
        with sqlite3.connect(store) as connection:
            recorded = int(connection.execute("SELECT count(*) FROM scorings").fetchone()[0])
    return Served(record, keyed, runs, server_cpu, _cpu_self() - client_started, recorded)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    parser.add_argument("--rate", type=float, default=200, help="open-loop requests per second (default 200)")
    parser.add_argument("--duration", type=float, default=20, help="open-loop seconds (default 20)")
    parser.add_argument("--concurrency", type=int, default=16, help="closed-loop clients (default 16)")
    parser.add_argument("--closed-duration", type=float, default=10, help="closed-loop seconds (default 10)")
    parser.add_argument("--model", choices=("builtin", "crm"), default="builtin",
                        help="builtin: the default preset on synthetic leads; crm: an outcome model of --crm-data")
    parser.add_argument("--record", choices=("off", "on", "both"), default="both",
                        help="run without LEADSCORE_RECORD, with it, or both back to back (default both)")
    parser.add_argument("--api-key", choices=("off", "on", "both"), default="off",
                        help="send no key to an open API, a key made in the store, or both back to back "
                             "(default off)")
    parser.add_argument("--crm-data", type=Path, default=CRM_SAMPLE,
                        help=f"the CRM export for --model crm (default {CRM_SAMPLE.relative_to(ROOT)})")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        models = Path(tmp) / "models"
        if args.model == "crm":
            version, bodies = publish_crm_model(models, args.crm_data)
            described = f"outcome model of {args.crm_data.name}"
        else:
            version, bodies = publish_default_model(models), lead_bodies()
            described = "default preset"
        load_before = os.getloadavg()[0]
        choices = {"off": [False], "on": [True], "both": [False, True]}
        served = [serve_and_load(args, models, bodies, Path(tmp), record, keyed)
                  for record in choices[args.record] for keyed in choices[args.api_key]]
    print(f"POST /v1/score (with reasons), model {version} ({described}), {args.workers} worker(s), "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {_server_stack()}; "
          f"1-min load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after; latency in ms")
    print(HEADER)
    for result in served:
        print(f"LEADSCORE_RECORD={'1' if result.record else 'off'}, "
              f"{'an API key in the store' if result.keyed else 'no API key'}: server CPU {result.server_cpu:.1f} s, "
              f"client CPU {result.client_cpu:.1f} s"
              + (f", {result.recorded:,} scorings in the store" if result.recorded is not None else ""))
        for run in result.runs:
            print(run.row())


if __name__ == "__main__":
    main()
