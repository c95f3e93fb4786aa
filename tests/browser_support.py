"""What the browser tests share: one `streamlit run app.py` and one Chromium for the whole run (the fixtures are
offered to every test module by tests/conftest.py).

The server is started once per test session (not once per browser-test module): each start costs a fresh worker,
helper process and TensorFlow import, which is most of what a browser test waits for on 2 cores. Tests that need
servers of their own (a restart) start them with :func:`streamlit_server`.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("EMBEDDING_LAB_CHROMIUM", "/usr/bin/chromium")
# The flags the machine notes recommend: without the background-networking ones,
# Chromium keeps trying to reach Google's hosts on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
            deadline = time.time() + 60
            while time.time() < deadline:
                try:
                    if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                        break
                except OSError:
                    time.sleep(0.3)
            else:
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
