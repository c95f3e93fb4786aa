"""The one background runner: long work (training, word2vec) runs in a worker process, one task at a time,
or as Ray tasks on a cluster, several at a time (:mod:`lib.ray_backend`).

Why a separate process: Streamlit reruns page scripts in threads of the web
server, and every visitor's page, fragment poll and chart competes for the same
Python interpreter lock. Training inside the server process was 3x slower with
one busy page thread, and a watched race of five small models took 609 s instead
of about 32 s. So the dashboard only *describes* work (a :class:`JobSpec` made of
keys and numbers, never live objects), and a worker process does it:

    page --submit(JobSpec)--> runner (dashboard process, one light thread)
         --task payload-->    worker process: load data by key, train, evaluate
         <--progress events-- (a few per second)
         <--result--          config, history, metrics, arrays, weights
    runner --runs.save_run--> data/runs/<run-id>/     (written by the dashboard's process)

Pages read a job through :meth:`Job.snapshot` (a deep copy taken under one lock)
and change it only through :func:`cancel`. Waiting for a job (scripts and tests)
blocks on a condition variable, never on a sleep loop.

* Jobs queue: whoever submits while another job runs gets ``Status.QUEUED`` and
  :func:`queue_position` says how many are ahead. A session may have at most
  :data:`MAX_QUEUED_PER_OWNER` jobs waiting or running.
* :func:`cancel` asks the worker to stop between two batches: the task being
  trained is not saved, finished tasks stay in the run store, tasks not started
  are marked cancelled. A cancel that arrives after the last task finished
  changes nothing.
* A task that fails (bad settings, out of memory, even the worker process being
  killed) is marked failed with a sentence; the job goes on with the next task,
  in a fresh worker process if the old one died.
* A backend is anything with ``name``, ``slots()`` (tasks it runs at once) and
  ``run(payload, on_event, cancel_requested) -> result``: :class:`LocalWorker` (one
  task at a time), or ``lib.ray_backend.RayBackend`` when ``EMBEDDING_LAB_RAY_ADDRESS``
  is set or a job asks for ``run_on="ray"`` (then up to ``slots()`` tasks are in flight,
  each waited for by a light thread here). Either way the runs are saved by this process.

Typical use from a page::

    spec = JobSpec(dataset_key="imdb", strategies=list(STRATEGIES), settings=PRESETS["Quick demo"])
    job = jobs.submit(spec, reuse=True)      # the same running/queued/finished job if one exists
    snap = job.snapshot()                    # {"status": ..., "tasks": [...], "message": ...}
"""
from __future__ import annotations

import copy
import itertools
import json
import logging
import multiprocessing
import os
import queue
import sys
import threading
import time
import traceback
import types
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Callable

from lib.errors import UserError
from lib.models import STRATEGIES

log = logging.getLogger("embedding_lab.jobs")

#: How many finished jobs the runner remembers (so pages can show their results); each is a few KB.
KEEP_FINISHED = 200
#: Jobs one owner (a browser session) may have waiting or running at once.
MAX_QUEUED_PER_OWNER = 3
#: At most this many progress events per second cross from the worker (one per batch would flood the pipe).
EVENTS_PER_SECOND = 5


class Status(StrEnum):
    """Where a job or one of its tasks is. Tasks start ``WAITING``; jobs start ``QUEUED``."""

    QUEUED = "queued"
    WAITING = "waiting"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (Status.DONE, Status.CANCELLED, Status.FAILED)


class Stage(StrEnum):
    """What a running task is doing."""

    NONE = ""
    STARTING = "starting"        # the worker process is starting (imports TensorFlow once)
    PREPARING = "preparing"      # loading and tokenizing the data
    VECTORS = "vectors"          # loading pretrained vectors
    WORD2VEC = "word2vec"        # training word2vec on the pretraining corpus
    TRAINING = "training"
    EPOCH_END = "epoch_end"
    EVALUATING = "evaluating"
    SAVING = "saving"


class JobKind(StrEnum):
    COMPARE = "compare"          # strategies x seeds at one training-set size
    EFFICIENCY = "efficiency"    # ... at several sizes (the data-efficiency sweep)
    WORD2VEC = "word2vec"        # train (and cache on disk) one word2vec set for the pages


@dataclass
class JobSpec:
    """What to do, as keys and numbers only (it crosses to the worker process).

    For training kinds, every (training-set size, strategy, seed) combination is one
    task whose :class:`lib.training.RunConfig` is ``settings`` plus those three.
    For :attr:`JobKind.WORD2VEC`, ``word2vec`` holds the corpus and parameters.
    """

    dataset_key: str = "imdb"
    strategies: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)   # fields of lib.training.RunConfig
    seeds: list[int] = field(default_factory=lambda: [0])
    train_sizes: list[int | None] | None = None   # None: just settings["train_size"]
    title: str = "Training"
    kind: JobKind = JobKind.COMPARE
    owner: str = ""                               # a browser session id: "your job" vs "someone else's"
    word2vec: dict | None = None                  # JobKind.WORD2VEC: {"n_train", "subset_seed", "corpus", "params"}
    run_on: str = ""                              # "local", "ray", or "" (Ray when EMBEDDING_LAB_RAY_ADDRESS is set)

    def sizes(self) -> list[int | None]:
        return list(self.train_sizes) if self.train_sizes else [self.settings.get("train_size")]

    def fingerprint(self) -> str:
        """Identical specs (same data, settings, strategies, seeds, sizes) share one job with ``reuse=True``."""
        return json.dumps({
            "dataset": self.dataset_key, "strategies": list(self.strategies), "settings": self.settings,
            "seeds": list(self.seeds), "sizes": self.sizes(), "kind": str(self.kind), "word2vec": self.word2vec,
        }, sort_keys=True, default=str)

    def task_payloads(self) -> list[dict]:
        """One plain dict per task: what the worker needs, nothing live."""
        if self.kind == JobKind.WORD2VEC:
            return [{"kind": "word2vec", "dataset_key": self.dataset_key, **(self.word2vec or {})}]
        from lib.training import RunConfig

        payloads = []
        for size, strategy, seed in itertools.product(self.sizes(), self.strategies, self.seeds):
            config = RunConfig.from_dict({**self.settings, "strategy": strategy, "seed": int(seed),
                                          "train_size": size, "dataset_key": self.dataset_key})
            payloads.append({"kind": "train", "config": config.to_dict()})
        return payloads


def _task_record(payload: dict) -> dict:
    if payload["kind"] == "word2vec":
        return {"strategy": None, "label": "word2vec", "seed": 0, "train_size": payload.get("n_train"),
                "status": Status.WAITING, "stage": Stage.NONE, "fraction": 0.0, "epoch": 0, "epochs": 0,
                "batch": 0, "batches": 0, "logs": {}, "history": {}, "run_id": None, "metrics": None,
                "config": None, "error": "", "seconds": None, "started": None}
    config = payload["config"]
    return {"strategy": config["strategy"], "label": STRATEGIES[config["strategy"]].label, "seed": config["seed"],
            "train_size": config["train_size"], "status": Status.WAITING, "stage": Stage.NONE, "fraction": 0.0,
            "epoch": 0, "epochs": config["epochs"], "batch": 0, "batches": 0, "logs": {}, "history": {},
            "run_id": None, "metrics": None, "config": None, "error": "", "seconds": None, "started": None}


class Job:
    """One submitted job. Read it through :meth:`snapshot`; change it only through :func:`cancel`.

    Its state is one dict, replaced under the runner's lock; attributes below are
    read-only views of the latest state.
    """

    def __init__(self, job_id: str, spec: JobSpec):
        self.id = job_id
        self.spec = spec
        self._payloads = spec.task_payloads()
        self._state: dict[str, Any] = {
            "status": Status.QUEUED, "error": "", "message": "", "created": time.time(), "started": None,
            "finished": None, "cancel_requested": False, "tasks": [_task_record(p) for p in self._payloads],
        }

    def _get(self, key: str):
        with _runner.lock:
            return self._state[key]

    status = property(lambda self: self._get("status"))
    error = property(lambda self: self._get("error"))
    started = property(lambda self: self._get("started"))
    finished = property(lambda self: self._get("finished"))

    @property
    def done(self) -> bool:
        return Status(self.status).finished

    def snapshot(self) -> dict:
        """A deep copy of everything a page shows: status, message, tasks, queue position, times."""
        with _runner.lock:
            state = copy.deepcopy(self._state)
            position = _runner.position(self)
        tasks = state.pop("tasks")
        finished = sum(Status(t["status"]).finished for t in tasks)
        return {
            **state, "id": self.id, "title": self.spec.title, "kind": str(self.spec.kind), "owner": self.spec.owner,
            "dataset_key": self.spec.dataset_key, "tasks": tasks, "finished_tasks": finished,
            "total_tasks": len(tasks), "run_ids": [t["run_id"] for t in tasks if t["run_id"]],
            "queue_position": position,
            "elapsed": ((state["finished"] or time.time()) - state["started"]) if state["started"] else 0.0,
        }


# --------------------------------------------------------------------------- the backend: a worker process
class TaskFailed(Exception):
    """A task did not finish; the message is a sentence for the user."""


class TaskCancelled(Exception):
    """The user cancelled the task while it ran."""


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
    from lib.models import configure_tensorflow

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


def thinned(send: Callable[[dict], None]) -> Callable[[dict], None]:
    """``send`` with batch events thinned to :data:`EVENTS_PER_SECOND`; stage changes and epoch ends always go."""
    last = [0.0]

    def emit(event: dict) -> None:
        now = time.monotonic()
        if event.get("stage") == Stage.TRAINING and event.get("batch") and now - last[0] < 1 / EVENTS_PER_SECOND:
            return
        last[0] = now
        send(event)

    return emit


def outcome(work: Callable[[], dict]) -> tuple[str, Any]:
    """Run one task's ``work`` and say how it ended, as a worker reports it (every backend uses this).

    ``("result", dict)``, ``("cancelled", None)``, ``("error", a sentence for the user)``, or
    ``("stop", sentence)`` when the worker itself was told to stop (KeyboardInterrupt, SystemExit).
    """
    from lib.training import TrainingCancelled

    try:
        return "result", work()
    except TrainingCancelled:
        return "cancelled", None
    except UserError as exc:
        return "error", str(exc)
    except MemoryError:
        return "error", "The computer ran out of memory. Try a smaller training set, vocabulary or sequence length."
    except (KeyboardInterrupt, SystemExit) as exc:
        return "stop", f"The training process was stopped ({type(exc).__name__})."
    except Exception as exc:  # noqa: BLE001 - every outcome is reported; the worker carries on
        log.error("Task failed:\n%s", traceback.format_exc())
        return "error", f"The task failed unexpectedly ({type(exc).__name__}); the details are in the server log."


# What a worker keeps between tasks: the last prepared data and the pretrained vectors it loaded.
_worker_cache: dict[str, Any] = {"data_key": None, "data": None, "vectors": {}}


def execute(payload: dict, emit: Callable[[dict], None], cancel, dataset=None) -> dict:
    """Do one task (in the worker process) and return what the dashboard stores: plain values and arrays.

    ``dataset`` is the :class:`lib.datasets.TextDataset` the payload's key names, when the
    caller has it already (a Ray task gets an upload through the object store); by default
    it is loaded by its key.
    """
    from lib import training

    if payload["kind"] == "word2vec":
        return _execute_word2vec(payload, emit, dataset)
    config = training.RunConfig.from_dict(payload["config"])
    data_key = json.dumps({k: payload["config"][k] for k in (
        "dataset_key", "train_size", "test_size", "subset_seed", "vocab_size", "sequence_length",
        "validation_fraction", "pretraining_corpus")}, sort_keys=True)
    if _worker_cache["data_key"] != data_key:
        emit({"stage": Stage.PREPARING})
        _worker_cache["data"] = None  # free the old arrays before making new ones
        _worker_cache["data"] = training.prepare_data(
            dataset if dataset is not None else training.load_dataset(config.dataset_key), config)
        _worker_cache["data_key"] = data_key
    run = training.train(config, emit, data=_worker_cache["data"], vectors=_worker_cache["vectors"], cancel=cancel)
    emit({"stage": Stage.SAVING})
    return {"config": run.config, "history": run.history, "metrics": run.metrics, "vocabulary": run.vocabulary,
            "embedding_initial": run.embedding_initial, "embedding_final": run.embedding_final,
            "weights": training.weights_bytes(run.model), "predictions": run.predictions,
            "test_labels": run.test_labels, "snapshots": run.snapshots}


def _execute_word2vec(payload: dict, emit: Callable[[dict], None], dataset=None) -> dict:
    from lib import datasets, pretraining, training

    dataset = dataset if dataset is not None else training.load_dataset(payload["dataset_key"])
    labelled = datasets.subsample(dataset, payload.get("n_train"), int(payload.get("subset_seed", 0)))
    corpus = pretraining.pretraining_corpus(dataset, labelled, payload.get("corpus", pretraining.DEFAULT_CORPUS))
    params = pretraining.Word2VecParams(**payload.get("params", {}))
    emit({"stage": Stage.WORD2VEC, "fraction": 0.0})
    pretraining.word2vec(corpus, params, lambda f: emit({"stage": Stage.WORD2VEC, "fraction": float(f)}))
    return {"corpus_key": corpus.key, "texts": len(corpus)}


# --------------------------------------------------------------------------- the runner (dashboard process)
class _Runner:
    """Jobs, their queue and the one thread that feeds the backend. All state changes under ``lock``."""

    def __init__(self):
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.jobs: dict[str, Job] = {}
        self.queue: list[Job] = []
        self.current: Job | None = None
        self.thread: threading.Thread | None = None
        self.backend = LocalWorker()
        self.ray = None                      # a lib.ray_backend.RayBackend, made when a job first asks for Ray
        self.counter = itertools.count(1)

    def position(self, job: Job) -> int:
        if job not in self.queue:
            return 0
        return self.queue.index(job) + (1 if self.current is not None else 0)

    def update(self, job: Job, **values) -> None:
        with self.lock:
            job._state = {**job._state, **values}
            self.changed.notify_all()

    def update_task(self, job: Job, index: int, **values) -> None:
        with self.lock:
            tasks = list(job._state["tasks"])
            tasks[index] = {**tasks[index], **values}
            job._state = {**job._state, "tasks": tasks}
            self.changed.notify_all()

    def loop(self) -> None:
        while True:
            with self.lock:
                if not self.queue:
                    self.current = None
                    self.thread = None
                    self.changed.notify_all()
                    return
                job = self.current = self.queue.pop(0)
                job._state = {**job._state, "status": Status.RUNNING, "started": time.time()}
                self.changed.notify_all()
            try:
                self.run_job(job)
            except Exception as exc:  # noqa: BLE001 - the runner must survive anything and release the queue
                log.exception("Job %s failed", job.id)
                self.finish(job, Status.FAILED, error=f"The job stopped unexpectedly ({type(exc).__name__}).")
            finally:
                with self.lock:
                    self.current = None

    def backend_for(self, job: Job):
        """Where a job's tasks run: the local worker, or Ray when the job asks for it (see :func:`runs_on_ray`).

        word2vec jobs always stay here: the vectors they cache are for this machine's pages.
        """
        if job.spec.kind == JobKind.WORD2VEC or not runs_on_ray(job.spec):
            return self.backend
        with self.lock:
            if self.ray is None:
                from lib.ray_backend import RayBackend

                self.ray = RayBackend()
            return self.ray

    def run_job(self, job: Job) -> None:
        backend = self.backend_for(job)
        pending = list(enumerate(job._payloads))
        try:
            slots = min(backend.slots(), len(pending))  # the local worker: 1; Ray: as many runs as the cluster fits
        except UserError as exc:  # e.g. the Ray cluster cannot be reached: every task says why
            for index, _ in pending:
                self.update_task(job, index, status=Status.FAILED, stage=Stage.NONE, error=str(exc))
            self.finish_from_tasks(job)
            return
        if slots <= 1:
            for index, payload in pending:
                if job._get("cancel_requested") or not self.run_task(job, backend, index, payload, parallel=False):
                    break
        else:
            # Several tasks in flight; each of these threads only waits for its task's messages.
            take = threading.Lock()

            def feed() -> None:
                while not job._get("cancel_requested"):
                    with take:
                        if not pending:
                            return
                        index, payload = pending.pop(0)
                    try:
                        if not self.run_task(job, backend, index, payload, parallel=True):
                            return
                    except Exception as exc:  # noqa: BLE001 - one task's surprise must not strand the others
                        log.exception("Task %s of job %s failed", index, job.id)
                        self.update_task(job, index, status=Status.FAILED, stage=Stage.NONE,
                                         error=f"The task failed unexpectedly ({type(exc).__name__}).")

            threads = [threading.Thread(target=feed, name=f"embedding-lab-runner-{i}", daemon=True)
                       for i in range(slots)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        self.finish_from_tasks(job)

    def run_task(self, job: Job, backend, index: int, payload: dict, parallel: bool) -> bool:
        """Run one task on ``backend``, save its run, record how it ended; False if it was cancelled."""
        record = job._get("tasks")[index]
        total = len(job._payloads)
        self.update_task(job, index, status=Status.RUNNING, stage=Stage.PREPARING, started=time.time())
        size = f"{record['train_size']:,} training texts" if record["train_size"] else "all training texts"
        if parallel:
            self.update(job, message=self.parallel_message(job, backend))
        else:
            self.update(job, message=f"Training {record['label']} (seed {record['seed']}, {size}) — "
                                     f"task {index + 1} of {total}." if payload["kind"] == "train"
                        else "Training word2vec…")
        start = time.perf_counter()
        try:
            result = backend.run(payload, lambda event, i=index: self.on_event(job, i, event),
                                 lambda: job._get("cancel_requested"))
            if payload["kind"] == "train":
                self.update_task(job, index, stage=Stage.SAVING)
                saved = self.save(result)
                self.update_task(job, index, status=Status.DONE, stage=Stage.NONE, run_id=saved.run_id,
                                 metrics=saved.metrics, config=saved.config, history=saved.history,
                                 seconds=time.perf_counter() - start, fraction=1.0)
            else:
                self.update_task(job, index, status=Status.DONE, stage=Stage.NONE, fraction=1.0,
                                 seconds=time.perf_counter() - start)
        except TaskCancelled:
            self.update_task(job, index, status=Status.CANCELLED, stage=Stage.NONE)
            return False
        except (TaskFailed, UserError) as exc:
            self.update_task(job, index, status=Status.FAILED, stage=Stage.NONE, error=str(exc),
                             seconds=time.perf_counter() - start)
        if parallel:
            self.update(job, message=self.parallel_message(job, backend))
        return True

    @staticmethod
    def parallel_message(job: Job, backend) -> str:
        tasks = job._get("tasks")
        running = sum(t["status"] == Status.RUNNING for t in tasks)
        finished = sum(Status(t["status"]).finished for t in tasks)
        return (f"Training on {backend.name}: {running} run{'s' if running != 1 else ''} in progress, "
                f"{finished} of {len(tasks)} finished.")

    def on_event(self, job: Job, index: int, event: dict) -> None:
        values = {k: event[k] for k in ("stage", "epoch", "epochs", "batch", "batches", "logs", "history", "fraction")
                  if k in event}
        self.update_task(job, index, **values)

    @staticmethod
    def save(result: dict):
        from lib import runs

        return runs.save_run(result["config"], result["history"], result["metrics"], result["vocabulary"],
                             result["embedding_initial"], result["embedding_final"], weights=result["weights"],
                             predictions=result["predictions"], test_labels=result["test_labels"],
                             snapshots=result.get("snapshots"))

    def finish_from_tasks(self, job: Job) -> None:
        tasks = job._get("tasks")
        statuses = [Status(t["status"]) for t in tasks]
        if any(not s.finished for s in statuses) or Status.CANCELLED in statuses:
            # Cancelled part-way: what finished stays, what did not start is marked cancelled.
            with self.lock:
                job._state = {**job._state, "tasks": [
                    {**t, "status": Status.CANCELLED, "stage": Stage.NONE} if not Status(t["status"]).finished else t
                    for t in job._state["tasks"]]}
            self.finish(job, Status.CANCELLED, message="Cancelled. Runs that had already finished were kept.")
            return
        failed = [t for t in tasks if t["status"] == Status.FAILED]
        if failed and len(failed) == len(tasks):
            self.finish(job, Status.FAILED, error=failed[0]["error"],
                        message=f"Every task failed. First reason: {failed[0]['error']}")
        else:
            elapsed = time.time() - job._get("started")
            self.finish(job, Status.DONE, message=f"Finished {len(tasks) - len(failed)} of {len(tasks)} "
                                                  f"{'runs' if job.spec.kind != JobKind.WORD2VEC else 'tasks'} "
                                                  f"in {elapsed:.0f} s" + (f"; {len(failed)} failed." if failed else "."))

    def finish(self, job: Job, status: Status, error: str = "", message: str | None = None) -> None:
        self.update(job, status=status, error=error or job._get("error"), finished=time.time(),
                    message=message if message is not None else error)
        with self.lock:
            finished = [j for j in self.jobs.values() if j.done]
            for old in finished[:-KEEP_FINISHED] if len(finished) > KEEP_FINISHED else []:
                self.jobs.pop(old.id, None)


_runner = _Runner()


# --------------------------------------------------------------------------- what pages and scripts call
def submit(spec: JobSpec, reuse: bool = False) -> Job:
    """Queue a job and make sure the runner works on it.

    With ``reuse=True`` an identical job that is queued, running or finished
    successfully is returned instead of doing the work again. Even without it, an
    identical job of the same owner that is still queued or running is returned:
    a double-click on *Train* is one job, never a second one the page loses. Raises a
    :class:`lib.errors.UserError` for an empty or unknown strategy list, invalid
    settings, or an owner who already has :data:`MAX_QUEUED_PER_OWNER` jobs waiting.
    """
    runs_on_ray(spec)  # an unknown place to run is refused now, not when the job starts
    if spec.kind != JobKind.WORD2VEC:
        if not spec.strategies:
            raise UserError("Choose at least one strategy to train.")
        unknown = [s for s in spec.strategies if s not in STRATEGIES]
        if unknown:
            raise UserError(f"Unknown strategies: {', '.join(unknown)}.")
    with _runner.lock:
        fingerprint = spec.fingerprint()
        for job in reversed(list(_runner.jobs.values())):
            if job.spec.fingerprint() != fingerprint:
                continue
            if reuse and job.status in (Status.QUEUED, Status.RUNNING, Status.DONE):
                return job
            if spec.owner and job.spec.owner == spec.owner and not job.done:
                return job
        if spec.owner and sum(1 for j in _runner.jobs.values()
                              if j.spec.owner == spec.owner and not j.done) >= MAX_QUEUED_PER_OWNER:
            raise UserError(f"You already have {MAX_QUEUED_PER_OWNER} jobs waiting or running; cancel one or wait "
                            "for one to finish before starting another.")
        job = Job(f"job-{next(_runner.counter)}-{int(time.time())}-{os.getpid()}", spec)
        busy = _runner.current is not None or bool(_runner.queue)
        job._state["message"] = "Waiting for the job before it to finish." if busy else "Starting…"
        _runner.jobs[job.id] = job
        _runner.queue.append(job)
        if _runner.thread is None:
            _runner.thread = threading.Thread(target=_runner.loop, name="embedding-lab-runner", daemon=True)
            _runner.thread.start()
        _runner.changed.notify_all()
    return job


def get_job(job_id: str | None) -> Job | None:
    with _runner.lock:
        return _runner.jobs.get(job_id) if job_id else None


def find_job(spec: JobSpec) -> Job | None:
    """The newest remembered job doing exactly what ``spec`` asks (any status), or ``None``."""
    fingerprint = spec.fingerprint()
    with _runner.lock:
        return next((j for j in reversed(list(_runner.jobs.values())) if j.spec.fingerprint() == fingerprint), None)


def current_job() -> Job | None:
    """The job being worked on right now, if any."""
    with _runner.lock:
        return _runner.current


def list_jobs(owner: str | None = None) -> list[Job]:
    """Every remembered job, oldest first (only ``owner``'s when given)."""
    with _runner.lock:
        return [j for j in _runner.jobs.values() if owner is None or j.spec.owner == owner]


def queue_position(job_id: str) -> int:
    """0 if the job is running or finished, else how many jobs must finish before it starts."""
    with _runner.lock:
        job = _runner.jobs.get(job_id)
        return _runner.position(job) if job is not None else 0


def cancel(job_id: str) -> bool:
    """Ask a job to stop between two batches (a queued job is dropped). Finished runs are kept.

    Returns False if there is no such job or it has already finished (a late cancel changes nothing).
    """
    with _runner.lock:
        job = _runner.jobs.get(job_id)
        if job is None or job.done:
            return False
        _runner.update(job, cancel_requested=True)
        if job in _runner.queue:
            _runner.queue.remove(job)
            _runner.finish_from_tasks(job)
        return True


def wait(job_id: str, timeout: float | None = None) -> Job:
    """Block until a job has finished (for scripts and tests); returns the job."""
    return wait_for(job_id, lambda snap: Status(snap["status"]).finished, timeout)


def wait_for(job_id: str, condition: Callable[[dict], bool], timeout: float | None = None) -> Job:
    """Block until ``condition(job.snapshot())`` is true; woken by every change of any job, never polled."""
    job = get_job(job_id)
    if job is None:
        raise KeyError(job_id)
    deadline = None if timeout is None else time.monotonic() + timeout
    with _runner.changed:
        while not condition(job.snapshot()):
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise TimeoutError(f"Job {job_id} did not reach the expected state within {timeout} s.")
            _runner.changed.wait(left)
    return job


def start_worker() -> None:
    """Start the worker process now, so that the first job does not wait for TensorFlow to import."""
    _runner.backend.start()


def worker_pid() -> int | None:
    """The worker process's id while it runs (tests use it to check that work leaves the server process)."""
    return _runner.backend.pid


def runs_on_ray(spec: JobSpec | None = None) -> bool:
    """Whether a job's tasks go to a Ray cluster: it asks for ``"ray"``, or says nothing and
    ``EMBEDDING_LAB_RAY_ADDRESS`` is set. Without ``spec``: where a job that says nothing goes."""
    run_on = spec.run_on if spec is not None else ""
    if run_on in ("local", "ray"):
        return run_on == "ray"
    if run_on:
        raise UserError(f"Unknown place to run {run_on!r}; choose 'local' or 'ray'.")
    from lib.ray_backend import configured_address

    return configured_address() is not None


def backend_name(spec: JobSpec | None = None) -> str:
    """Where jobs run (``spec``'s, or one that says nothing), in words: "this machine" or "Ray cluster at …"."""
    if not runs_on_ray(spec):
        return _runner.backend.name
    from lib.ray_backend import describe_address

    return describe_address()


def task_fraction(task: dict) -> float:
    """How far one task of :meth:`Job.snapshot` has got, from 0 to 1, for a progress bar.

    Epochs in the task records count from 1 while an epoch runs, so the epoch in
    progress contributes only the share of its batches already done. word2vec
    reports its own fraction.
    """
    status, stage = task["status"], task.get("stage")
    if status in (Status.DONE, Status.FAILED) or stage in (Stage.EVALUATING, Stage.SAVING):
        return 1.0
    if stage == Stage.WORD2VEC and task.get("strategy") is None:
        return float(task.get("fraction") or 0.0)
    if status in (Status.WAITING, Status.CANCELLED) or stage in (Stage.PREPARING, Stage.VECTORS, Stage.WORD2VEC,
                                                                 Stage.STARTING, Stage.NONE):
        return 0.0
    epochs, batches = max(1, task.get("epochs") or 1), max(1, task.get("batches") or 1)
    return min(1.0, ((max(1, task.get("epoch") or 1) - 1) + (task.get("batch") or 0) / batches) / epochs)


def job_fraction(snapshot: dict) -> float:
    """How far a whole job has got, from 0 to 1: the mean of its tasks' :func:`task_fraction` (ended tasks count fully)."""
    tasks = snapshot["tasks"]
    if not tasks:
        return 1.0
    return sum(1.0 if Status(t["status"]).finished else task_fraction(t) for t in tasks) / len(tasks)


def seconds_left(snapshot: dict, estimate: float) -> float:
    """A time-left estimate that learns from the job's measured progress.

    Before much has happened it is the up-front ``estimate`` minus the time spent;
    as progress accumulates it moves to the measured rate (time so far ÷ share done),
    fully so from a quarter of the way on. 0 once the job has ended.

    >>> snap = {"status": "running", "elapsed": 30.0, "tasks": [{"status": "done"}, {"status": "waiting"}]}
    >>> round(seconds_left(snap, estimate=100.0))  # half done in 30 s: about 30 s left, whatever was guessed
    30
    >>> seconds_left({**snap, "elapsed": 2.0, "tasks": [{"status": "waiting"}]}, estimate=100.0)
    98.0
    """
    if Status(snapshot["status"]).finished:
        return 0.0
    elapsed, done = float(snapshot.get("elapsed") or 0.0), job_fraction(snapshot)
    guessed = max(float(estimate) - elapsed, 0.0)
    if done <= 0.0:
        return guessed
    measured = elapsed * (1.0 - done) / done
    trust = min(1.0, done / 0.25)
    return trust * measured + (1.0 - trust) * guessed


def finished_runs(snapshot: dict) -> list:
    """:class:`lib.training.Run` records (no arrays) of a snapshot's finished tasks, for results tables."""
    from lib import training

    return [training.Run(t["config"], t["history"], t["metrics"], [], None, None)
            for t in snapshot["tasks"] if t["status"] == Status.DONE and t["config"]]
