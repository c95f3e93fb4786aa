"""The one background runner: jobs, their queue, and the thread that feeds a backend.

Long work (training, word2vec) never runs in the dashboard's own process. A page only
*describes* it (a :class:`lib.jobs.spec.JobSpec` of keys and numbers) and submits it here;
a backend does it (:mod:`lib.jobs.worker` on this machine, one task at a time, or
:mod:`lib.jobs.ray_backend` on a cluster, several at a time); this process saves the runs::

    page --submit(JobSpec)--> runner (dashboard process, one light thread)
         --task payload-->    backend: load data by key, train, evaluate
         <--progress events-- (a few per second)
         <--result--          config, history, metrics, arrays, weights
    runner --runs.save_run--> data/runs/<run-id>/     (written by the dashboard's process)

Pages read a job through :meth:`Job.snapshot` (a deep copy taken under one lock)
and change it only through :func:`cancel`. Waiting for a job (scripts and tests)
blocks on a condition variable, never on a sleep loop.

* Jobs queue: whoever submits while another job runs gets ``Status.QUEUED`` and
  :func:`queue_position` says how many are ahead. The queue is fair across owners
  (:func:`fair_order`): sessions take turns, so one with three jobs waiting does not
  hold back everyone who came after its first. A session may have at most
  :data:`MAX_QUEUED_PER_OWNER` jobs waiting or running, and the server at most
  :data:`MAX_QUEUED_TOTAL` waiting; past that, a sentence instead of an endless wait.
* A job's id is unguessable (:func:`new_job_id`), and only its owner may :func:`cancel`
  it (:mod:`lib.jobs.access`): it stops between two batches, the task being trained is
  not saved, finished tasks stay in the run store, tasks not started are marked
  cancelled. A cancel that arrives after the last task finished changes nothing.
* A task that fails (bad settings, out of memory, even the worker process being
  killed) is marked failed with a sentence; the job goes on with the next task,
  in a fresh worker process if the old one died.
* Every job has a small record on disk (:mod:`lib.jobs.records`), so :func:`get_job` re-opens a job
  this server does not know (a restart, another server): a link to a job outlives the server.
* Tasks go to the local worker, or to Ray when ``EMBEDDING_LAB_RAY_ADDRESS`` is set or a
  job asks for ``run_on="ray"`` (:func:`lib.jobs.ray_backend.runs_on_ray`); then up to
  ``slots()`` tasks are in flight, each waited for by a light thread here.

Typical use from a page::

    spec = JobSpec(dataset_key="imdb", strategies=list(STRATEGIES), settings=PRESETS["Quick demo"], owner=session)
    job = runner.submit(spec, reuse=True)    # the same running/queued/finished job if one exists
    snap = job.snapshot()                    # {"status": ..., "tasks": [...], "message": ...}
"""
from __future__ import annotations

import copy
import dataclasses
import itertools
import logging
import secrets
import threading
import time
from typing import Any, Callable

from lib import runs
from lib.errors import UserError
from lib.jobs import progress, records
from lib.jobs.access import may_cancel
from lib.jobs.protocol import TaskCancelled, TaskFailed
from lib.jobs.queueing import fair_order
from lib.jobs.ray_backend import RayBackend, describe_address, runs_on_ray
from lib.jobs.spec import JobKind, JobSpec, Stage, Status, task_record
from lib.jobs.worker import LocalWorker
from lib.models import STRATEGIES

log = logging.getLogger("embedding_lab.jobs")

#: How many finished jobs the runner remembers (so pages can show their results); each is a few KB.
KEEP_FINISHED = 200
#: Jobs one owner (a browser session) may have waiting or running at once.
MAX_QUEUED_PER_OWNER = 3
#: Jobs the whole server may have waiting (a Quick-demo job takes about a minute; more is a wait of an hour).
MAX_QUEUED_TOTAL = 50


def new_job_id() -> str:
    """A fresh job id that nobody can guess from another one (128 random bits; it is safe in an address).

    A job's id is what a page's address carries, so whoever holds it may follow the job
    (:func:`lib.jobs.access.may_see`); an id made of a counter and a time would let anyone
    on the server find everyone's jobs.
    """
    return f"job-{secrets.token_urlsafe(16)}"


class Job:
    """One submitted job. Read it through :meth:`snapshot`; change it only through :func:`cancel`.

    Its state is one dict, replaced under the runner's lock; attributes below are
    read-only views of the latest state.
    """

    def __init__(self, job_id: str, spec: JobSpec):
        self.id = job_id
        self.spec = spec
        self.arrival = 0   # its place in the order of submission (the runner numbers it)
        self._payloads = spec.task_payloads()
        self._state: dict[str, Any] = {
            "status": Status.QUEUED, "error": "", "message": "", "created": time.time(), "started": None,
            "finished": None, "cancel_requested": False, "tasks": [task_record(p) for p in self._payloads],
        }

    @classmethod
    def restored(cls, data: dict) -> Job | None:
        """The job a record on disk describes (:func:`lib.jobs.records.load`), or ``None`` if it cannot be rebuilt."""
        parts = records.job_parts(data)
        try:
            job = cls(data["id"], parts[0]) if parts else None
        except (TypeError, ValueError, KeyError):
            return None
        if job is None or len(parts[1]["tasks"]) != len(job._payloads):
            return None
        job._state = {**job._state, **parts[1]}
        return job

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


# --------------------------------------------------------------------------- the runner (dashboard process)
class _Runner:
    """Jobs, their queue and the one thread that feeds the backend. All state changes under ``lock``."""

    def __init__(self):
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.jobs: dict[str, Job] = {}
        self.queue: list[Job] = []
        self.current: Job | None = None
        self.served: dict[str, int] = {}     # owner -> the turn at which their last job started (fair_order)
        self.turns = itertools.count(1)
        self.arrivals = itertools.count(1)
        self.thread: threading.Thread | None = None
        self.backend = LocalWorker()
        self.ray: RayBackend | None = None   # made when a job first asks for Ray
        self.token = secrets.token_hex(6)   # tells this runner's job records from another's (records.writer_tag)

    def persist(self, job: Job) -> None:
        """Write the job's record to disk (:mod:`lib.jobs.records`): a few times per run, never per event."""
        with self.lock:
            state = copy.deepcopy(job._state)
        records.save(records.record(job.id, dataclasses.asdict(job.spec), state, records.writer_tag(self.token)))

    def restore(self, job_id: str) -> Job | None:
        """A job this runner does not know, re-opened from its record; one whose server stopped mid-way is
        ended now (:func:`lib.jobs.records.interrupted`). A job still running on another live server is
        shown as last saved and is not kept (the next look reads its record again)."""
        data = records.load(job_id)
        job = Job.restored(data) if data is not None else None
        if job is None:
            return None
        if not Status(job._state["status"]).finished:
            if not records.writer_is_gone(data.get("writer", ""), data.get("saved", 0.0), self.token):
                return job  # another server's job, live or unknown: as it last saved it
            job._state = records.interrupted(job._state)
            self.persist(job)
        with self.lock:
            return self.jobs.setdefault(job.id, job)

    def order(self) -> list[Job]:
        """The waiting jobs in the order they will start (:func:`fair_order`)."""
        waiting = [(j.spec.owner, j.arrival) for j in self.queue]
        return [self.queue[i] for i in fair_order(waiting, self.served)]

    def position(self, job: Job) -> int:
        if job not in self.queue:
            return 0
        return self.order().index(job) + (1 if self.current is not None else 0)

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
                job = self.current = self.order()[0]
                self.queue.remove(job)
                self.served[job.spec.owner] = next(self.turns)
                job._state = {**job._state, "status": Status.RUNNING, "started": time.time()}
                self.changed.notify_all()
            self.persist(job)
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
        if parallel:
            self.update(job, message=progress.parallel_message(job._get("tasks"), backend.name))
        else:
            self.update(job, message=progress.task_message(record, index, total, payload["kind"]))
        start = time.perf_counter()
        try:
            result = backend.run(payload, lambda event, i=index: self.on_event(job, i, event),
                                 lambda: job._get("cancel_requested"))
            if payload["kind"] == "train":
                self.update_task(job, index, stage=Stage.SAVING)
                saved = self.save(result, job)
                self.update_task(job, index, status=Status.DONE, stage=Stage.NONE, run_id=saved.run_id,
                                 metrics=saved.metrics, config=saved.config, history=saved.history,
                                 seconds=time.perf_counter() - start, fraction=1.0)
            else:
                self.update_task(job, index, status=Status.DONE, stage=Stage.NONE, fraction=1.0,
                                 seconds=time.perf_counter() - start)
        except TaskCancelled:
            self.update_task(job, index, status=Status.CANCELLED, stage=Stage.NONE)
            self.persist(job)
            return False
        except (TaskFailed, UserError) as exc:
            self.update_task(job, index, status=Status.FAILED, stage=Stage.NONE, error=str(exc),
                             seconds=time.perf_counter() - start)
        if parallel:
            self.update(job, message=progress.parallel_message(job._get("tasks"), backend.name))
        self.persist(job)
        return True

    def on_event(self, job: Job, index: int, event: dict) -> None:
        values = {k: event[k] for k in ("stage", "epoch", "epochs", "batch", "batches", "logs", "history", "fraction",
                                       "method")
                  if k in event}
        self.update_task(job, index, **values)

    @staticmethod
    def save(result: dict, job: Job | None = None):
        """Save a finished run; its config names the job that trained it (``job_id``, ``job_title``)."""
        config = {**result["config"], "job_id": job.id, "job_title": job.spec.title} if job else result["config"]
        return runs.save_run(config, result["history"], result["metrics"], result["vocabulary"],
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
            self.finish(job, Status.DONE,
                        message=progress.finished_message(tasks, job.spec.kind, time.time() - job._get("started")))

    def finish(self, job: Job, status: Status, error: str = "", message: str | None = None) -> None:
        with self.lock:  # on disk before anyone waiting for the end is woken: a reader never finds it running
            job._state = {**job._state, "status": status, "error": error or job._state["error"],
                          "finished": time.time(), "message": message if message is not None else error}
            self.persist(job)
            self.changed.notify_all()
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
    settings, an owner who already has :data:`MAX_QUEUED_PER_OWNER` jobs waiting or running, or a
    server with :data:`MAX_QUEUED_TOTAL` jobs waiting. Queued jobs start in :func:`fair_order`.
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
        if len(_runner.queue) >= MAX_QUEUED_TOTAL:
            raise UserError(f"The server's queue is full: {len(_runner.queue):,} jobs are waiting to start. Try again "
                            "in a few minutes, or pick a smaller preset so each job ends sooner.")
        job = Job(new_job_id(), spec)
        job.arrival = next(_runner.arrivals)
        busy = _runner.current is not None or bool(_runner.queue)
        job._state["message"] = "Waiting for the job before it to finish." if busy else "Starting…"
        _runner.jobs[job.id] = job
        _runner.queue.append(job)
        if _runner.thread is None:
            _runner.thread = threading.Thread(target=_runner.loop, name="embedding-lab-runner", daemon=True)
            _runner.thread.start()
        _runner.changed.notify_all()
    _runner.persist(job)
    records.prune()
    return job


def get_job(job_id: str | None) -> Job | None:
    """The job with this id: one this server knows, else one re-opened from its record on disk, else ``None``."""
    if not job_id:
        return None
    with _runner.lock:
        job = _runner.jobs.get(job_id)
    return job if job is not None else _runner.restore(job_id)


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


def cancel(job_id: str, owner: str) -> bool:
    """Ask a job to stop between two batches (a queued job is dropped), if ``owner`` owns it. Finished runs are kept.

    ``owner`` is the browser session asking (``""`` for a script, which owns the jobs it
    submitted without one). Returns False if there is no such job, it belongs to someone
    else (:func:`lib.jobs.access.may_cancel`), or it has already finished (a late cancel
    changes nothing).
    """
    with _runner.lock:
        job = _runner.jobs.get(job_id)
        if job is None or job.done or not may_cancel(job, owner):
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


def backend_name(spec: JobSpec | None = None) -> str:
    """Where jobs run (``spec``'s, or one that says nothing), in words: "this machine" or "Ray cluster at …"."""
    if not runs_on_ray(spec):
        return _runner.backend.name
    return describe_address()


