"""What a benchmark is: something we measure, its target, and a baseline timed in the same run."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Case:
    """One line of the benchmark table.

    ``run`` and ``baseline_run`` are called with no arguments; their wall time is
    measured (best of ``repeat``). A callable may instead return a number of
    seconds it measured itself (for example "seconds per epoch"), which is then
    used as the timing.
    """

    area: str
    what: str
    target: str
    run: Callable[[], object]
    baseline: str = ""
    baseline_run: Callable[[], object] | None = None
    repeat: int = 1


def measure(fn: Callable[[], object], repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        if isinstance(result, (int, float)) and not isinstance(result, bool):
            elapsed = float(result)
        best = min(best, elapsed)
    return best


def timed_job(spec) -> float:
    """Seconds from submitting ``spec`` (a :class:`lib.jobs.spec.JobSpec`) to the runner until it is done.

    Raises if any of its tasks did not finish, so a broken run never becomes a fast timing.
    """
    from lib.jobs import runner

    start = time.perf_counter()
    job = runner.submit(spec)
    runner.wait(job.id)
    elapsed = time.perf_counter() - start
    failed = [t for t in job.snapshot()["tasks"] if t["status"] != "done"]
    if failed:
        raise RuntimeError(f"{spec.title}: {len(failed)} runs did not finish: {failed[0]['error']}")
    return elapsed


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on just now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers_health_check(url: str, seconds: float) -> bool:
    """Whether Streamlit's health endpoint at ``url`` (directly or through a proxy) answers "ok" within ``seconds``:
    a server process has no event to wait on, so ask it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return True
        except OSError:
            time.sleep(0.25)
    return False


def serve(data_dir: str | None = None, *extra_args: str) -> tuple[subprocess.Popen, str]:
    """Start `streamlit run app.py` as a user would (the project's .streamlit/config.toml) on a free port.

    Its data folder is ``data_dir`` or a new empty one; returns the process and its URL once its health
    check answers.
    """
    port = free_port()
    env = {**os.environ, "EMBEDDING_LAB_DATA": data_dir or tempfile.mkdtemp(prefix="embedding-lab-bench-")}
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                               *extra_args], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    if answers_health_check(url, 120):
        return server, url
    server.kill()
    raise RuntimeError("streamlit run app.py did not start within two minutes")
