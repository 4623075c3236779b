"""The dashboard served by `streamlit run app.py` on a free port, and headless Debian Chromium to drive it.

Chromium missing is a failure, not a skip: CI must run these tests
(scripts/test.sh installs the package).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Download, Locator, Page, WebSocket, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
START_TIMEOUT = 180
#: Generous limits: on a busy 2-core machine one script run can take many seconds.
WAIT_MS = 90_000
#: How long `finished` waits for the server to say that the run a click or key press caused is over, before it
#: goes by the page's own state alone (a longer run is then shown as running; an action that causes no run is
#: done waiting after this).
RERUN_START_MS = 5_000
APP = '[data-testid="stApp"]'
EXCEPTION = '[data-testid="stException"]'
#: The server's words that a script run (full or fragment) is over; a run stopped for a newer one is not.
_RUN_OVER = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
             ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
#: The attribute of an open tab that holds how many script runs its server has said are over (`script_runs`): on
#: the tab itself, as the test modules import this file again under another name (their own copy of its globals).
_RUNS_OVER = "_leadscore_runs_over"

expect.set_options(timeout=WAIT_MS)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ready(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with code {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"streamlit not ready after {START_TIMEOUT} s:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def serve_dashboard(models: Path, port: int | None = None, secrets: Path | None = None) -> Iterator[str]:
    """`streamlit run app.py` on ``port`` (else a free one) over the registry folder ``models``, with the secrets
    file ``secrets`` (else the repository's, if any); its base URL while open."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADSCORE_RETRAIN")}
    env["LEADSCORE_MODELS_DIR"] = str(models)
    port = port or free_port()
    log = models.parent / "streamlit.log"
    with open(log, "wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
             *(["--secrets.files", str(secrets)] if secrets else [])],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def copy_registry(source: Path, tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A copy of a registry folder the dashboard may publish to (its lock file left behind)."""
    models = tmp_path_factory.mktemp(name) / "models"
    shutil.copytree(source, models, ignore=shutil.ignore_patterns(".lock"))
    return models


@pytest.fixture(scope="module", params=("built-in", "crm"))
def kind(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, str]]:
    """(kind, registry folder, base URL): the dashboard serving a copy of a registry with that kind active; one
    server and one copy per test module, so a module that publishes or records never changes another's."""
    source = request.getfixturevalue("model_dir" if request.param == "built-in" else "_crm_registry")
    module = request.module.__name__.rsplit(".", 1)[-1]
    models = copy_registry(source, tmp_path_factory, f"{module}-{request.param}")
    with serve_dashboard(models) as url:
        yield request.param, models, url


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Iterator[str]:
    """The dashboard's base URL, serving a copy of the session's registry (the built-in model)."""
    with serve_dashboard(copy_registry(model_dir, tmp_path_factory, "browser")) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium (Playwright cannot download its own browsers here)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (scripts/test.sh does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _count_runs(tab: Page) -> None:
    """Count, for ``tab``, each script run its server says is over (Streamlit's ``script_finished`` message on
    the page's websocket): every run is seen, however quick."""
    over = [0]
    setattr(tab, _RUNS_OVER, over)

    def frame(payload: str | bytes) -> None:
        if isinstance(payload, bytes):
            message = ForwardMsg.FromString(payload)
            if message.WhichOneof("type") == "script_finished" and message.script_finished in _RUN_OVER:
                over[0] += 1

    def socket(websocket: WebSocket) -> None:
        if websocket.url.endswith("/_stcore/stream"):
            websocket.on("framereceived", frame)

    tab.on("websocket", socket)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh tab, tall enough that a screenshot shows the whole page."""
    context = browser.new_context(viewport={"width": 1400, "height": 2600}, accept_downloads=True)
    tab = context.new_page()
    _count_runs(tab)
    tab.set_default_timeout(WAIT_MS)
    tab.set_default_navigation_timeout(WAIT_MS)
    yield tab
    context.close()


def script_runs(page: Page) -> int:
    """How many script runs (full or fragment) the page's server has finished."""
    return int(getattr(page, _RUNS_OVER)[0])


def finished(page: Page, runs_before: int | None = None) -> None:
    """Wait for Streamlit's own "script finished" state.

    With ``runs_before`` (from `script_runs` before a click or key press), first wait for the rerun that
    the action triggers to finish, so that the old page is not taken for the new one.
    """
    if runs_before is not None:
        # An action that causes no run (a tab switch) is done waiting after RERUN_START_MS: the checks below
        # still hold. The page's events (the websocket's messages) are taken in while it waits.
        deadline = time.monotonic() + RERUN_START_MS / 1000
        while script_runs(page) <= runs_before and time.monotonic() < deadline:
            page.wait_for_timeout(50)
    expect(page.locator(f'{APP}[data-test-connection-state="CONNECTED"]')).to_have_count(1)
    expect(page.locator(f'{APP}[data-test-script-state="notRunning"]')).to_have_count(1)
    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0)


def act(page: Page, action: Callable[[], object]) -> None:
    """Do one user action and wait until the rerun it causes has finished."""
    before = script_runs(page)
    action()
    finished(page, before)


def open_tab(page: Page, name: str) -> None:
    """Switch to the tab ``name``: Streamlit's tabs switch in the browser, without a script run, so there is
    no rerun to wait for (`act` would wait ``RERUN_START_MS`` for one)."""
    tab = page.get_by_role("tab", name=name)
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    finished(page)


def download(page: Page, button: Locator) -> Download:
    """Click a download button once the page is still, and return the file it gives.

    On a loaded machine a rerun started by the previous action can begin after `finished` stopped waiting for it
    (``RERUN_START_MS``): the click then lands on the button of the run being replaced, whose file the server has
    already dropped, and no download comes. The button is clicked again once that rerun is over (at most once
    more, so a button that never gives a file still fails)."""
    finished(page)
    with contextlib.suppress(PlaywrightTimeout):
        with page.expect_download(timeout=30_000) as first:
            button.click()
        return first.value
    finished(page)
    with page.expect_download() as second:
        button.click()
    return second.value


def screenshot(page: Page, name: str) -> None:
    """Save the page to artifacts/screenshots/<name>.png, once the script has finished and every element drawn."""
    finished(page)
    expect(page.locator('[data-testid="stSkeleton"]')).to_have_count(0)
    page.wait_for_timeout(500)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def open_dashboard(page: Page, url: str) -> None:
    """Open a page of the dashboard and wait until its sidebar and first script run are done."""
    page.goto(url)
    expect(page.get_by_test_id("stSidebar")).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_text("Active model", exact=True)).to_be_visible()
    finished(page)


def no_exception(page: Page) -> None:
    """Fail with Streamlit's own text when the page shows an exception."""
    assert page.locator(EXCEPTION).count() == 0, page.locator(EXCEPTION).first.inner_text()
