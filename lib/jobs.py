"""Training jobs: one at a time per server, in a background thread, with live progress.

A Streamlit rerun stops the page script at its next ``st.*`` call, so ``model.fit``
cannot run inside a page. Instead a page describes what to train in a
:class:`JobSpec` and calls :func:`submit`; a single worker thread (which never
touches Streamlit) trains the tasks of one job after another and records what
happens in the job's :class:`Progress`. The page polls :meth:`Job.snapshot`
(plain dicts, safe to read from any thread) every second.

* The machine has 2 cores, so jobs queue: whoever submits while another job
  runs gets ``Job.status == "queued"`` and :func:`queue_position` says how many
  are ahead.
* :func:`cancel` sets an event that the training loop checks after every batch:
  the task being trained stops and is not saved; tasks already finished stay in
  the run store; tasks not started are marked cancelled.
* A crash inside one task marks that task failed with a readable reason; the
  job goes on with the next task.

Typical use from a page::

    spec = JobSpec(dataset=imdb, strategies=list(STRATEGIES), settings=PRESETS["Quick demo"], title="Quick demo")
    job = jobs.submit(spec, reuse=True)      # the same running/queued/finished job if one exists
    snap = job.snapshot()                    # {"status": ..., "tasks": [...], "message": ...}
"""
from __future__ import annotations

import copy
import gc
import itertools
import json
import logging
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from lib.models import STRATEGIES

log = logging.getLogger("embedding_lab.jobs")

#: How many finished jobs the registry remembers (so pages can show their results).
KEEP_FINISHED = 200  # a finished job is a few KB of progress records; pages find results through it


@dataclass
class JobSpec:
    """What to train: every (training-set size, strategy, seed) combination is one task."""

    dataset: Any                            # a lib.datasets.TextDataset (read-only)
    strategies: list[str]
    settings: dict = field(default_factory=dict)   # overrides of lib.training.DEFAULTS
    seeds: list[int] = field(default_factory=lambda: [0])
    train_sizes: list[int | None] | None = None   # None: just settings["train_size"]
    title: str = "Training"
    kind: str = "compare"                   # "compare" or "efficiency" (a sweep over training-set sizes)
    vectors: dict | None = None             # optional preloaded KeyedVectors by source ("glove"); never mutated
    owner: str = ""                         # e.g. a session id, to say "your job" vs "someone else's"

    def sizes(self) -> list[int | None]:
        return list(self.train_sizes) if self.train_sizes else [self.settings.get("train_size")]

    def fingerprint(self) -> str:
        """Identical specs (same data, settings, strategies, seeds, sizes) share one job with ``reuse=True``."""
        return json.dumps({
            "dataset": getattr(self.dataset, "key", str(id(self.dataset))), "strategies": list(self.strategies),
            "settings": self.settings, "seeds": list(self.seeds), "sizes": self.sizes(), "kind": self.kind,
        }, sort_keys=True, default=str)


class Progress:
    """Thread-safe record of a job's tasks; the worker writes, pages read :meth:`snapshot`."""

    def __init__(self, tasks: list[dict]):
        self._lock = threading.Lock()
        self._tasks = tasks
        self.message = ""

    def update(self, index: int, **values) -> None:
        with self._lock:
            self._tasks[index].update(values)

    def set_message(self, message: str) -> None:
        with self._lock:
            self.message = message

    def tasks(self) -> list[dict]:
        with self._lock:
            return copy.deepcopy(self._tasks)


class Job:
    """One submitted job. Read it through :meth:`snapshot`; change it only through :func:`cancel`."""

    def __init__(self, job_id: str, spec: JobSpec):
        self.id = job_id
        self.spec = spec
        self.created = time.time()
        self.started: float | None = None
        self.finished: float | None = None
        self.status = "queued"      # queued -> running -> done | cancelled | failed
        self.error = ""
        self.cancel_event = threading.Event()
        tasks = []
        for size, strategy, seed in itertools.product(spec.sizes(), spec.strategies, spec.seeds):
            tasks.append({
                "strategy": strategy, "label": STRATEGIES[strategy].label, "seed": int(seed), "train_size": size,
                "status": "waiting", "stage": "", "epoch": 0, "epochs": int(spec.settings.get("epochs", 0) or 0),
                "batch": 0, "batches": 0, "logs": {}, "history": {}, "run_id": None, "metrics": None,
                "config": None, "error": "", "seconds": None,
            })
        self.progress = Progress(tasks)

    @property
    def done(self) -> bool:
        return self.status in ("done", "cancelled", "failed")

    def snapshot(self) -> dict:
        """A deep copy of everything a page shows: status, message, tasks, queue position, times."""
        tasks = self.progress.tasks()
        finished = sum(t["status"] in ("done", "failed", "cancelled") for t in tasks)
        return {
            "id": self.id, "title": self.spec.title, "kind": self.spec.kind, "owner": self.spec.owner,
            "status": self.status, "error": self.error, "message": self.progress.message,
            "tasks": tasks, "finished_tasks": finished, "total_tasks": len(tasks),
            "run_ids": [t["run_id"] for t in tasks if t["run_id"]],
            "queue_position": queue_position(self.id), "created": self.created,
            "started": self.started, "finished": self.finished,
            "elapsed": ((self.finished or time.time()) - self.started) if self.started else 0.0,
            "cancel_requested": self.cancel_event.is_set(),
        }


# --------------------------------------------------------------------------- registry (process-wide)
_lock = threading.RLock()
_jobs: dict[str, Job] = {}
_queue: deque[Job] = deque()
_current: Job | None = None
_worker: threading.Thread | None = None
_counter = itertools.count(1)


def submit(spec: JobSpec, reuse: bool = False) -> Job:
    """Queue a job and make sure the worker runs. With ``reuse=True`` an identical job that is
    queued, running or finished successfully is returned instead of training again."""
    if not spec.strategies:
        raise ValueError("Choose at least one strategy to train.")
    unknown = [s for s in spec.strategies if s not in STRATEGIES]
    if unknown:
        raise ValueError(f"Unknown strategies: {', '.join(unknown)}.")
    global _worker
    with _lock:
        if reuse:
            fp = spec.fingerprint()
            for job in reversed(list(_jobs.values())):
                if job.spec.fingerprint() == fp and job.status in ("queued", "running", "done"):
                    return job
        job = Job(f"job-{next(_counter)}-{int(time.time())}", spec)
        _jobs[job.id] = job
        _queue.append(job)
        job.progress.set_message(
            "Waiting for the job before it to finish." if (_current is not None or len(_queue) > 1) else "Starting…")
        _forget_old_jobs()
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_work, name="embedding-lab-training", daemon=True)
            _worker.start()
    return job


def _forget_old_jobs() -> None:
    finished = [j for j in _jobs.values() if j.done]
    for job in finished[:-KEEP_FINISHED] if len(finished) > KEEP_FINISHED else []:
        _jobs.pop(job.id, None)


def get_job(job_id: str | None) -> Job | None:
    with _lock:
        return _jobs.get(job_id) if job_id else None


def current_job() -> Job | None:
    """The job training right now, if any."""
    with _lock:
        return _current


def list_jobs() -> list[Job]:
    """Every remembered job, oldest first."""
    with _lock:
        return list(_jobs.values())


def queue_position(job_id: str) -> int:
    """0 if the job is running or finished, else how many jobs must finish before it starts."""
    with _lock:
        ids = [j.id for j in _queue]
        if job_id not in ids:
            return 0
        return ids.index(job_id) + (1 if _current is not None else 0)


def cancel(job_id: str) -> bool:
    """Ask a job to stop between two batches (a queued job is dropped). Finished runs are kept."""
    with _lock:
        job = _jobs.get(job_id)
        if job is None or job.done:
            return False
        job.cancel_event.set()
        if job in _queue:
            _queue.remove(job)
            _finish_cancelled(job)
        return True


def wait(job_id: str, timeout: float | None = None, poll: float = 0.2) -> Job:
    """Block until a job is finished (for scripts and tests); returns the job."""
    job = get_job(job_id)
    if job is None:
        raise KeyError(job_id)
    deadline = None if timeout is None else time.time() + timeout
    while not job.done:
        if deadline is not None and time.time() > deadline:
            raise TimeoutError(f"Job {job_id} did not finish within {timeout} s.")
        time.sleep(poll)
    return job


def _finish_cancelled(job: Job) -> None:
    for i, task in enumerate(job.progress.tasks()):
        if task["status"] in ("waiting", "running"):
            job.progress.update(i, status="cancelled", stage="")
    job.status = "cancelled"
    job.finished = time.time()
    job.progress.set_message("Cancelled. Runs that had already finished were kept.")


# --------------------------------------------------------------------------- the worker
def _work() -> None:
    global _current, _worker
    while True:
        with _lock:
            if not _queue:
                _current = None
                _worker = None
                return
            job = _queue.popleft()
            _current = job
            job.status = "running"
            job.started = time.time()
        try:
            _run_job(job)
        except BaseException as exc:  # noqa: BLE001 - the worker must survive anything and release the queue
            log.exception("Training job %s failed", job.id)
            job.error = f"The job stopped unexpectedly ({type(exc).__name__}: {exc})."
            job.status = "failed"
            job.progress.set_message(job.error)
            job.finished = time.time()
        finally:
            with _lock:
                _current = None
            gc.collect()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ValueError):  # messages written for users (TrainingError, VectorError, RunStoreError, ...)
        return str(exc)
    if isinstance(exc, MemoryError):
        return "The computer ran out of memory. Try a smaller training set, vocabulary or sequence length."
    return f"{type(exc).__name__}: {exc}"


def _run_job(job: Job) -> None:
    from lib import runs, training

    spec = job.spec
    vectors: dict = dict(spec.vectors or {})  # our own dict: the shared KeyedVectors are only read
    prepared: dict = {}
    tasks = job.progress.tasks()
    for index, task in enumerate(tasks):
        if job.cancel_event.is_set():
            break
        config = dict(spec.settings, strategy=task["strategy"], seed=task["seed"], train_size=task["train_size"],
                      dataset_key=getattr(spec.dataset, "key", "imdb"), job_id=job.id)
        job.progress.update(index, status="running", stage="preparing")
        size_text = f"{task['train_size']:,} training texts" if task["train_size"] else "all training texts"
        job.progress.set_message(f"Training {task['label']} (seed {task['seed']}, {size_text}) — "
                                 f"task {index + 1} of {len(tasks)}.")

        def on_progress(event: dict, index=index) -> None:
            stage = event.get("stage", "")
            values: dict[str, Any] = {"stage": stage}
            for key in ("epoch", "epochs", "batch", "batches", "logs", "history"):
                if key in event:
                    values[key] = event[key]
            if stage == "word2vec":
                values["fraction"] = event.get("fraction", 0.0)
            job.progress.update(index, **values)

        start = time.perf_counter()
        try:
            data_key = task["train_size"]
            if data_key not in prepared:
                # The tokenized data depends only on the training-set size: share it between strategies and seeds.
                prepared.clear()
                prepared[data_key] = training.prepare_data(spec.dataset, training.make_config(**config))
            run = training.train(config, on_progress, data=prepared[data_key], vectors=vectors,
                                 cancel=job.cancel_event)
            job.progress.update(index, stage="saving")
            record = runs.save_run(run.config, run.history, run.metrics, run.vocabulary,
                                   run.embedding_initial, run.embedding_final, run.model)
            job.progress.update(index, status="done", stage="", run_id=record.run_id, metrics=run.metrics,
                                config=record.config, history=run.history, seconds=time.perf_counter() - start)
            del run
        except training.TrainingCancelled:
            job.progress.update(index, status="cancelled", stage="")
            break
        except Exception as exc:  # noqa: BLE001 - one failed strategy must not stop the others
            log.error("Task %s of job %s failed:\n%s", index, job.id, traceback.format_exc())
            job.progress.update(index, status="failed", stage="", error=_describe(exc),
                                seconds=time.perf_counter() - start)
        gc.collect()

    if job.cancel_event.is_set():
        _finish_cancelled(job)
        return
    final = job.progress.tasks()
    failed = [t for t in final if t["status"] == "failed"]
    job.finished = time.time()
    if failed and len(failed) == len(final):
        job.status = "failed"
        job.error = failed[0]["error"]
        job.progress.set_message(f"Every task failed. First reason: {failed[0]['error']}")
    else:
        job.status = "done"
        job.progress.set_message(
            f"Finished {len(final) - len(failed)} of {len(final)} runs in {job.finished - job.started:.0f} s"
            + (f"; {len(failed)} failed." if failed else "."))


# --------------------------------------------------------------------------- conveniences for pages
def quick_demo(dataset, vectors: dict | None = None, owner: str = "") -> Job:
    """Start (or join) the "Quick demo": all five strategies on 2,000 reviews, under a minute on 2 cores.

    Every caller asking for it on the same dataset gets the same job while it is queued,
    running or finished, so a tour page and the Train page can share one. A page that
    wants the Train page to show it sets ``st.session_state["train_job_id"] = job.id``.
    """
    from lib import training

    spec = JobSpec(dataset=dataset, strategies=list(STRATEGIES), settings=dict(training.PRESETS["Quick demo"]),
                   title="Quick demo", vectors=vectors, owner=owner)
    return submit(spec, reuse=True)


def task_fraction(task: dict) -> float:
    """How far one task of :meth:`Job.snapshot` has got, from 0 to 1, for a progress bar.

    Epochs in the task records count from 1 while an epoch runs, so the epoch in
    progress contributes only the share of its batches already done.
    """
    if task["status"] in ("done", "failed"):
        return 1.0
    if task["status"] in ("waiting", "cancelled") or task.get("stage") in ("preparing", "vectors", "word2vec", ""):
        return 0.0
    if task.get("stage") in ("evaluating", "saving"):
        return 1.0
    epochs, batches = max(1, task.get("epochs") or 1), max(1, task.get("batches") or 1)
    return min(1.0, ((max(1, task.get("epoch") or 1) - 1) + (task.get("batch") or 0) / batches) / epochs)


def results_table(job: Job):
    """:func:`lib.training.results_table` of a job's finished tasks (empty table if none finished)."""
    from lib import training

    done = [t for t in job.progress.tasks() if t["status"] == "done"]
    return training.results_table([training.Run(t["config"], t["history"], t["metrics"], [], None, None) for t in done])
