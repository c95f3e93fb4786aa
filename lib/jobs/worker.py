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
"""
from __future__ import annotations

import itertools
import logging
import multiprocessing
import queue
import sys
import threading
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
        self._process = self._context.Process(target=worker_main, args=(self._tasks, self._events, self._cancel),
                                              name="embedding-lab-worker", daemon=True)
        # A spawned process re-runs the parent's __main__ module first. Under Streamlit that can be a page script
        # (which would start a worker of its own), in a plain script one without a main guard: the worker needs
        # nothing from it, so it is shown an empty one while it starts.
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            self._process.start()
        finally:
            sys.modules["__main__"] = main

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


def worker_main(tasks, events, cancel) -> None:
    """The worker process: run tasks until told to stop (``None``), reporting through ``events``."""
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
