"""The local backend: one long-lived worker process on this machine that trains one task at a time.

Why a separate process: Streamlit reruns page scripts in threads of the web server, and
every visitor's page, fragment poll and chart competes for the same Python interpreter
lock. Training inside the server process was 3x slower with one busy page thread, and a
watched race of five small models took 609 s instead of about 32 s. So the runner sends
each task's payload through a queue to this process and reads its progress events and
result back (the task protocol of :mod:`lib.jobs.protocol`)::

    runner thread --(task id, payload)-->  worker_main: execute(payload)
                  <--(task id, "progress", event)--  a few per second
                  <--(task id, "result" | "cancelled" | "error" | "stop", body)--

The worker dies with the server, even a ``kill -9``'d one (:func:`die_with_parent`): on Linux the kernel
kills it (``PR_SET_PDEATHSIG``), and everywhere a watchdog thread notices within a second that its parent
changed. ``PR_SET_PDEATHSIG`` fires when the *thread* that started the process ends, and Streamlit's page
threads end after every rerun, so every worker is started from one thread that lives as long as the
server (:func:`in_launcher`).
"""
from __future__ import annotations

import ctypes
import itertools
import logging
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
import types
from typing import Callable

from lib.jobs.protocol import TaskCancelled, TaskFailed, execute, outcome, thinned
from lib.jobs.spec import Stage
from lib.models import configure_tensorflow


class LocalWorker:
    """One long-lived worker process (spawned, so it shares no threads or locks with the server).

    :meth:`run` sends one task, forwards its progress events, and returns its result;
    it blocks the runner's thread, which only waits on a pipe. If the process dies
    (killed, out of memory), the task fails with a sentence and the next task starts
    a fresh process.
    """

    name = "this machine"

    def __init__(self):
        self._context = multiprocessing.get_context("spawn")
        self._start_lock = threading.Lock()
        self._process = None
        self._tasks = self._events = self._cancel = None
        self._ids = itertools.count(1)

    def start(self) -> None:
        """Start the worker process if it is not running (it imports TensorFlow at once, before any task)."""
        with self._start_lock:
            self._ensure_started()

    def _ensure_started(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        self._tasks, self._events = self._context.Queue(), self._context.Queue()
        self._cancel = self._context.Event()
        self._process = self._context.Process(target=worker_main,
                                              args=(self._tasks, self._events, self._cancel, os.getpid()),
                                              name="embedding-lab-worker", daemon=True)
        in_launcher(self._spawn)

    def _spawn(self) -> None:
        spawn_without_main(self._process.start)

    def slots(self) -> int:
        """How many tasks this backend runs at once: one (the runner waits for each before the next)."""
        return 1

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None and self._process.is_alive() else None

    def run(self, payload: dict, on_event: Callable[[dict], None], cancel_requested: Callable[[], bool]) -> dict:
        if self._process is None or not self._process.is_alive():
            on_event({"stage": Stage.STARTING})
        self.start()
        task_id = next(self._ids)
        self._cancel.clear()
        self._tasks.put((task_id, payload))
        while True:
            if cancel_requested():
                self._cancel.set()
            try:
                got_id, kind, body = self._events.get(timeout=0.25)
            except queue.Empty:
                if not self._process.is_alive():
                    code = self._process.exitcode
                    self._process = None
                    raise TaskFailed("The training process stopped unexpectedly"
                                     + (" (it was killed, perhaps for lack of memory)" if code and code < 0 else "")
                                     + ". Try a smaller training set, vocabulary or sequence length.")
                continue
            if got_id != task_id:  # a late event of an earlier task
                continue
            if kind == "progress":
                on_event(body)
            elif kind == "result":
                return body
            elif kind == "cancelled":
                raise TaskCancelled()
            else:
                raise TaskFailed(body)

    def stop(self) -> None:
        if self._process is not None and self._process.is_alive():
            self._tasks.put(None)
            self._process.join(timeout=5)
            if self._process.is_alive():
                self._process.kill()
        self._process = None


_launch_requests: queue.SimpleQueue = queue.SimpleQueue()
_launcher: threading.Thread | None = None
_launcher_lock = threading.Lock()


def _launcher_loop() -> None:
    while True:
        start, done, failure = _launch_requests.get()
        try:
            start()
        except BaseException as exc:  # noqa: BLE001 - handed back to the thread that asked
            failure.append(exc)
        finally:
            done.set()


def in_launcher(start: Callable[[], None]) -> None:
    """Call ``start`` in the one long-lived launcher thread and wait for it (its exception is re-raised here).

    A process started from a page thread would be killed by its parent-death signal as soon as that
    thread ended (see the module docstring); the launcher thread ends only with the server.
    """
    global _launcher
    with _launcher_lock:
        if _launcher is None or not _launcher.is_alive():
            _launcher = threading.Thread(target=_launcher_loop, name="embedding-lab-worker-launcher", daemon=True)
            _launcher.start()
    done, failure = threading.Event(), []
    _launch_requests.put((start, done, failure))
    done.wait()
    if failure:
        raise failure[0]


def spawn_without_main(start: Callable[[], object]) -> None:
    """Call ``start`` (which spawns a process) while ``__main__`` is an empty module.

    A spawned process re-runs the parent's ``__main__`` module first. Under Streamlit that can be a page script
    (which would start a worker of its own), in a plain script one without a main guard: the child needs
    nothing from it, so it is shown an empty one while it starts.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        start()
    finally:
        sys.modules["__main__"] = main


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _parent_death_signal() -> bool:
    """Ask Linux to SIGKILL this process when the thread that started it ends; False where that is not possible."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int, interval: float = 1.0) -> None:
    """Exit this process as soon as its parent is no longer ``parent_pid`` (it died; we were re-parented)."""
    while True:
        time.sleep(interval)
        if os.getppid() != parent_pid:
            os._exit(1)


def die_with_parent(parent_pid: int) -> None:
    """Make this process end when ``parent_pid`` (the server that started it) ends, however it ends.

    A worker left behind by a killed server would keep its gigabyte of memory and go on training for nobody.
    The parent-death signal covers Linux; the watchdog thread covers other systems and a parent that died
    before the signal was asked for (checked once right away, too).
    """
    _parent_death_signal()
    if os.getppid() != parent_pid:
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="embedding-lab-parent-watch", daemon=True).start()


def worker_main(tasks, events, cancel, parent_pid: int | None = None) -> None:
    """The worker process: run tasks until told to stop (``None``), reporting through ``events``.

    ``parent_pid`` is the server's process id: the worker ends when that process does (:func:`die_with_parent`).
    """
    if parent_pid is not None:
        die_with_parent(parent_pid)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s worker %(levelname)s %(name)s: %(message)s")
    configure_tensorflow()  # the slow import happens now, while nobody waits for a task
    while True:
        item = tasks.get()
        if item is None:
            return
        task_id, payload = item
        emit = thinned(lambda event, task_id=task_id: events.put((task_id, "progress", event)))
        kind, body = outcome(lambda: execute(payload, emit, cancel))
        events.put((task_id, kind, body))
        if kind == "stop":
            return
