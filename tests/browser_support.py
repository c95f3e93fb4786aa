"""What the browser tests share: one `streamlit run app.py` and one Chromium for the whole run (the fixtures are
offered to every test module by tests/conftest.py).

The server is started once per test session (not once per browser-test module): each start costs a fresh worker,
helper process and TensorFlow import, which is most of what a browser test waits for on 2 cores. Tests that need
servers of their own (a restart) start them with :func:`streamlit_server`.

A "Tiny (tests)" job costs the server's worker five trainings, so tests that only need a *finished* job (its report,
its link after a restart) share one, :func:`tiny_job`, trained once per session in the browser on the shared server.
A test that needs a job *in progress* (a reload mid-training, a second session while one trains) starts its own and,
once it has watched it finish, offers it in :data:`FINISHED_TINY_JOBS`: :func:`tiny_job` takes that one when there
is one (the root conftest.py hands that test out first) instead of training another.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from benchmarks.harness import answers_health_check, free_port

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("EMBEDDING_LAB_CHROMIUM", "/usr/bin/chromium")
# The flags the machine notes recommend: without the background-networking ones,
# Chromium keeps trying to reach Google's hosts on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@contextmanager
def streamlit_server(data: Path, log_path: Path):
    """``streamlit run app.py`` on a free local port with ``data`` as its data folder, as a user starts it (production
    settings from .streamlit/config.toml); yields ``(url, process)`` and stops it, its worker with it, at the end."""
    port = free_port()
    env = {**os.environ, "EMBEDDING_LAB_DATA": str(data), "TF_CPP_MIN_LOG_LEVEL": "2"}
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            if not answers_health_check(url, 60):
                pytest.fail(f"streamlit run app.py did not answer within 60 s; see {log_path}")
            yield url, proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The browser tests' server, with its own empty data folder (a user's runs are never touched)."""
    data = tmp_path_factory.mktemp("browser-data")
    log = tmp_path_factory.mktemp("logs") / "streamlit.log"
    with streamlit_server(data, log) as (url, proc):
        yield {"url": url, "data": data, "log": log, "pid": proc.pid}


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


#: Ids of Tiny jobs on the shared server that a test started in the browser and saw finish with results.
FINISHED_TINY_JOBS: list[str] = []


@pytest.fixture(scope="session")
def tiny_job(browser, server):
    """One finished "Tiny (tests)" job, started with Train in the browser on the shared server:
    ``{"id": job id, "page": a new page open on /train?job=<id> showing its results}``, as anyone the link was sent
    to sees it. For the tests that need a finished job (its report, its link after a restart); only one test may touch
    the page (the report test downloads from it). The two-sessions test's job when it has finished one, else one
    trained here (:func:`train_tiny_job_unwatched`)."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    if FINISHED_TINY_JOBS:
        job_id = FINISHED_TINY_JOBS[0]
    else:
        job_id = train_tiny_job_unwatched(page, server)
    page.goto(f"{server['url']}/train?job={job_id}")
    wait_until_idle(page)
    expect(page.get_by_text("did best").first).to_be_visible(timeout=60_000)
    assert_no_errors(page)
    yield {"id": job_id, "page": page}
    context.close()


def train_tiny_job_unwatched(page, server) -> str:
    """Start a Tiny job with Train in ``page`` and wait, away from the page, until its record says it finished.

    Nobody watches it train: a page following a job redraws its progress and learning curves every second, which
    costs Chromium about a core for as long as the job runs (following a job live is checked by the two-sessions
    test). So the page leaves while the job trains, the job's record on disk says when it has finished, and the caller
    comes back by the job's link, as a visitor does."""
    from lib.jobs.spec import Status

    start_tiny_training(page, server["url"])
    page.wait_for_function("() => window.location.search.includes('job=')", timeout=30_000)
    job_id = parse_qs(urlparse(page.url).query)["job"][0]
    page.goto("about:blank")
    # A generous wait: the job may also wait for the worker to import TensorFlow, and on a 2-core machine shared
    # with other test runs (load 14) the "about 20 seconds" job took over 270 s. A wait, not a timing assert.
    record, deadline = server["data"] / "jobs" / f"{job_id}.json", time.time() + demo_timeout_ms(factor=40) / 1000
    status = Status.QUEUED
    while time.time() < deadline and not status.finished:
        time.sleep(1)
        try:
            status = Status(json.loads(record.read_text())["state"]["status"])
        except (OSError, ValueError, KeyError):  # not written yet
            pass
    assert status == Status.DONE, f"the Tiny job {job_id} is {status!r} (its record: {record})"
    return job_id


# --- what the browser tests do with a page -------------------------------------------------------------------


def wait_until_idle(page, timeout: float = 120) -> None:
    """Wait until Streamlit has finished running the script (its status widget is gone)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout * 1000)
    deadline = time.time() + timeout
    while time.time() < deadline:
        page.wait_for_timeout(250)
        running = page.locator('[data-testid="stStatusWidget"]').count()
        skeleton = page.locator('[data-testid="stSkeleton"]').count()
        if not running and not skeleton:
            page.wait_for_timeout(250)
            if not page.locator('[data-testid="stStatusWidget"]').count():
                return
    raise AssertionError(f"{page.url} was still running after {timeout} s")


def assert_no_errors(page) -> None:
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()
    errors = page.locator('[data-testid="stAlertContentError"]')
    assert errors.count() == 0, errors.first.inner_text()


def assert_no_tensorflow_in_the_server(server) -> None:
    """Keras work runs in helper processes: with keras loaded, Streamlit would run a ~0.5 s garbage collection
    holding the interpreter lock after every script and fragment run of every visitor (see lib/helper_process.py)."""
    loaded = [line.split()[-1] for line in Path(f"/proc/{server['pid']}/maps").read_text().splitlines()
              if "tensorflow" in line]
    assert not loaded, f"TensorFlow was loaded into the web server: {loaded[:3]}"


def demo_timeout_ms(preset: str = "Tiny (tests)", factor: float = 5.0) -> float:
    """How long to wait for a demo: the app's own estimate for this machine, times a generous factor
    (the machine may be busy with other work), and never under two minutes."""
    from lib.config import PRESETS, estimate_seconds, make_config
    from lib.models import STRATEGIES

    seconds = estimate_seconds(make_config(**PRESETS[preset]), list(STRATEGIES))
    return max(120.0, factor * seconds) * 1000


def start_tiny_training(page, url: str) -> None:
    """Open Train, choose the "Tiny (tests)" preset and press Train. The rerun after a preset change moves things, so
    Train is clicked only once the page shows the new preset."""
    from playwright.sync_api import expect

    page.goto(f"{url}/train")
    wait_until_idle(page)
    page.get_by_text("Tiny (tests)").first.click()
    expect(page.get_by_text("500 training reviews").first).to_be_visible(timeout=60_000)
    wait_until_idle(page)
    page.get_by_role("button", name="Train", exact=True).click()
