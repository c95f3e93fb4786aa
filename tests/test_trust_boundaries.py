"""Issue 22, second pass: the worker dies with its server, names are plain text, odd upload names get a
sentence, exports neutralise formulas in text only, and a run's arrays are checked before they are allocated."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from lib.paths import REPO_ROOT


# --- 1. the worker dies with the server ------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, killed but not yet reaped by its new parent, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def _wait_gone(pid: int, deadline: float = 15.0) -> bool:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if not _alive(pid):
            return True
        time.sleep(0.2)
    return False


SERVER = textwrap.dedent("""
    import threading, time
    from lib.jobs.worker import LocalWorker

    def start():
        worker.start()
        time.sleep(3)  # long enough for the worker to ask for its parent-death signal while this thread lives

    worker = LocalWorker()
    # started from a short-lived thread, as a page script starts it: the worker must outlive that thread
    starter = threading.Thread(target=start)
    starter.start()
    starter.join()
    time.sleep(2)
    print(worker.pid, flush=True)
    time.sleep(600)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_worker_outlives_the_thread_that_started_it_and_dies_with_a_killed_server():
    server = subprocess.Popen([sys.executable, "-c", SERVER], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    worker_pid = None
    try:
        line = server.stdout.readline().strip()
        assert line.isdigit(), f"the worker did not survive the end of the thread that started it ({line!r})"
        worker_pid = int(line)
        assert _alive(worker_pid)
        children = {int(pid) for task in Path(f"/proc/{server.pid}/task").iterdir()
                    for pid in (task / "children").read_text().split()}
        assert worker_pid in children  # and multiprocessing's resource tracker
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        assert _wait_gone(worker_pid), "the worker lived on after its server was killed"
        assert all(_wait_gone(pid) for pid in children), "a helper process lived on after its server was killed"
    finally:
        if server.poll() is None:
            server.kill()
        if worker_pid and _alive(worker_pid):
            os.kill(worker_pid, signal.SIGKILL)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_watchdog_alone_ends_a_worker_whose_parent_changed():
    """Without the parent-death signal (other systems), the watchdog thread still ends an orphan."""
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import os, threading, time
        from lib.jobs import worker
        threading.Thread(target=worker._watch_parent, args=(os.getppid() + 1_000_000, 0.1), daemon=True).start()
        time.sleep(600)
    """)], cwd=REPO_ROOT)
    try:
        assert child.wait(timeout=30) != 0
    finally:
        if child.poll() is None:
            child.kill()
