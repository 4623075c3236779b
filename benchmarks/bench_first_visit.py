"""The first visit to a fresh clone's dashboard, timed in headless Chromium.

    python benchmarks/bench_first_visit.py              # as scripts/dashboard.sh starts it (training at start)
    python benchmarks/bench_first_visit.py --no-start-training   # `streamlit run app.py` alone
    python benchmarks/bench_first_visit.py --wait 10    # the visitor arrives 10 s after the server is up

A registry folder and a signing-key folder of their own in a temporary directory (an empty registry: a
fresh clone); the server is started the way scripts/dashboard.sh starts it, without its set-up step:
``python -m ui.startup`` (the built-in model trained beside the server) and ``streamlit run app.py`` on a free
port of 127.0.0.1. As soon as /_stcore/health answers (plus ``--wait``), Chromium opens the dashboard and the
script reports, from that first request:

- the Score page shown: its title and "Preparing the built-in model" (or the scored lead) on screen;
- the first lead scored: the tier badge on screen (training done, model loaded, page drawn);

and the load average of the machine. Screenshots go to artifacts/screenshots/first-visit-*.png.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "artifacts" / "screenshots"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_healthy(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as answer:
                if answer.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the dashboard did not answer within {timeout:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-start-training", action="store_true",
                        help="start only `streamlit run app.py` (the first visit starts the training)")
    parser.add_argument("--wait", type=float, default=0.0, help="seconds between the server's start and the visit")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="first-visit-"))
    env = {**os.environ, "LEADSCORE_MODELS_DIR": str(folder / "models"), "XDG_CONFIG_HOME": str(folder / "config")}
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    processes = []
    if not args.no_start_training:
        processes.append(subprocess.Popen([sys.executable, "-m", "ui.startup"], cwd=ROOT, env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    with open(folder / "streamlit.log", "wb") as log:
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
             "127.0.0.1", "--server.headless", "true"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
    try:
        _wait_healthy(url)
        up = time.monotonic() - started
        time.sleep(args.wait)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1400, "height": 1800})
            visit = time.monotonic()
            page.goto(url)
            page.get_by_role("heading", name="Score a lead").wait_for(timeout=120_000)
            page.get_by_text("Preparing the built-in model").or_(page.locator(".tier-badge")).first.wait_for(
                timeout=120_000)
            shown = time.monotonic() - visit
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "first-visit-preparing.png"))
            page.locator(".tier-badge").wait_for(timeout=300_000)
            scored = time.monotonic() - visit
            page.wait_for_timeout(1000)
            page.screenshot(path=str(SHOTS / "first-visit-scored.png"))
            browser.close()
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"server answering {up:.1f} s after start; visit at {up + args.wait:.1f} s")
    print(f"Score page shown (title and word, or the scored lead): {shown:.1f} s after the first request")
    print(f"first lead scored: {scored:.1f} s after the first request ({up + args.wait + scored:.1f} s after start)")
    print(f"load average: {load}")


if __name__ == "__main__":
    main()
