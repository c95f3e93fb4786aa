"""The second backend of the runner: each run of a job is one Ray task on a cluster, several at a time.

The runner (:mod:`lib.jobs.runner`) uses it when ``EMBEDDING_LAB_RAY_ADDRESS`` is set (``ray://head:10001``,
``head:6379`` or ``auto``) or a job asks for ``run_on="ray"``. The contract is the local
worker's: :meth:`RayBackend.run` takes one task payload, forwards its progress events,
honours cancel and returns the same result dict, which the dashboard's process saves
into its own run store, so workers need no shared filesystem::

    dashboard process (Ray driver)               Ray worker on any node
      runner thread per slot --task(payload)-->    protocol.execute: load IMDB/GloVe from the pip
                                                   packages, an upload from the object store, train
      <-- progress: a small actor (the channel) <-- a few events a second, per task
      --> cancel: a flag in the same actor     -->  checked after every batch
      <-- result: config, history, arrays, weights (through the object store)
      runs.save_run(...)                            (nothing is written on the worker but caches)

Uploaded datasets live on the dashboard's disk only: the driver puts them in Ray's
object store (``ray.put``) once and every task of the job reads them from there.
The project's ``lib`` package is shipped with the tasks (``runtime_env`` ``py_modules``),
so every node runs the dashboard's code; the nodes need the packages of requirements.txt.

Trust: Ray moves arguments and results as pickles. The dashboard only connects to the
address its operator configured (a visitor can choose between that cluster and this
machine, never type an address), and the cluster should use Ray's token authentication
(README, "Running big grids on a cluster").

``import ray`` happens inside the functions, so importing this module is cheap.
"""
from __future__ import annotations

import itertools
import logging
import os
import queue
import re
import threading
import time
from pathlib import Path
from typing import Any, Callable

from lib import training
from lib.errors import UserError
from lib.jobs.protocol import TaskCancelled, TaskFailed, execute, outcome, thinned
from lib.jobs.spec import JobSpec, Stage
from lib.models import configure_tensorflow

log = logging.getLogger("embedding_lab.ray")

#: The cluster to use: ``ray://host:10001`` (Ray Client), ``host:6379`` (a node of the cluster) or ``auto``.
ADDRESS_ENV = "EMBEDDING_LAB_RAY_ADDRESS"
#: CPUs (and GPUs) Ray reserves for one run; a node with 2 CPUs trains two runs at once with the default 1.
CPUS_ENV = "EMBEDDING_LAB_RAY_CPUS_PER_RUN"
GPUS_ENV = "EMBEDDING_LAB_RAY_GPUS_PER_RUN"
#: The most runs one job keeps in flight (each is waited for by a light thread of the dashboard).
MAX_SLOTS = 256
#: A running task that has not stopped this long after a cancel has its Ray worker stopped (a fresh one replaces it).
CANCEL_GRACE_SECONDS = 30.0
#: How often the driver collects progress events from the channel (per second, for all tasks together).
PUMPS_PER_SECOND = 5


class RayUnavailable(UserError):
    """The Ray cluster cannot be used (not reachable, not installed); the message says what to do."""


def configured_address() -> str | None:
    """The address in ``EMBEDDING_LAB_RAY_ADDRESS``, or ``None`` (jobs then run on this machine)."""
    return os.environ.get(ADDRESS_ENV, "").strip() or None


def runs_on_ray(spec: JobSpec | None = None) -> bool:
    """Whether a job's tasks go to a Ray cluster: it asks for ``"ray"``, or says nothing and
    ``EMBEDDING_LAB_RAY_ADDRESS`` is set. Without ``spec``: where a job that says nothing goes."""
    run_on = spec.run_on if spec is not None else ""
    if run_on in ("local", "ray"):
        return run_on == "ray"
    if run_on:
        raise UserError(f"Unknown place to run {run_on!r}; choose 'local' or 'ray'.")
    return configured_address() is not None


def describe_address(address: str | None = None) -> str:
    """Where Ray jobs go, in words.

    >>> describe_address("ray://head:10001")
    'Ray cluster at ray://head:10001'
    >>> describe_address("auto")
    'the Ray cluster started on this machine'
    """
    address = address or configured_address() or "auto"
    return "the Ray cluster started on this machine" if address == "auto" else f"Ray cluster at {address}"


def resources_per_run() -> dict[str, float]:
    """``{"num_cpus": ..., "num_gpus": ...}`` for one run, from the environment (1 CPU, no GPU by default)."""
    def number(name: str, default: float) -> float:
        raw = os.environ.get(name, "").strip()
        try:
            value = float(raw) if raw else default
        except ValueError:
            raise RayUnavailable(f"{name} must be a number (it is {raw!r}).") from None
        if value < 0:
            raise RayUnavailable(f"{name} must not be negative.")
        return value

    return {"num_cpus": number(CPUS_ENV, 1.0) or 1.0, "num_gpus": number(GPUS_ENV, 0.0)}


_EVERYWHERE = re.compile(r"imdb|toy-n\d+-t\d+-s\d+")


def ships_with_task(dataset_key: str) -> bool:
    """Whether a dataset must travel to the workers: everything but IMDB and the toy sets, which every
    node builds from its own pip packages (an upload, or the Stanford download, lives on this disk only).

    >>> ships_with_task("imdb"), ships_with_task("toy-n200-t100-s3"), ships_with_task("upload-3f2a9c1b2d4e")
    (False, False, True)
    """
    return not _EVERYWHERE.fullmatch(dataset_key)


def runtime_env() -> dict:
    """What every task's worker gets: this project's ``lib`` package (so the nodes run the dashboard's code)."""
    return {"py_modules": [str(Path(__file__).resolve().parents[1])],
            "env_vars": {"TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}}


_connect_lock = threading.Lock()
#: After a failed connect, the same answer for this long: an unreachable ray:// address takes ~30 s to refuse,
#: and the Train page and every job would otherwise wait that long again.
RETRY_AFTER_SECONDS = 60.0
_last_failure: dict[str, Any] = {"at": -1e9, "error": None}


def connect(address: str | None = None) -> None:
    """Connect this process to the cluster once (a no-op if Ray is already initialised here, as in tests)."""
    try:
        import ray
    except ImportError:
        raise RayUnavailable("Ray is not installed here; run `pip install -r requirements.txt`.") from None
    with _connect_lock:
        if ray.is_initialized():
            return
        if time.monotonic() - _last_failure["at"] < RETRY_AFTER_SECONDS:
            raise RayUnavailable(_last_failure["error"])
        address = address or configured_address() or "auto"
        try:
            ray.init(address=address, runtime_env=runtime_env(), log_to_driver=False, logging_level=logging.WARNING)
        except Exception as exc:  # noqa: BLE001 - every way of failing to connect gets the same sentence
            log.warning("Connecting to Ray at %s failed: %s", address, exc)
            _last_failure.update(at=time.monotonic(), error=(
                f"The {describe_address(address)} cannot be reached ({type(exc).__name__}). Check that it runs "
                f"(`ray status` on its head node), that {ADDRESS_ENV} names it, and that this machine has its "
                "token if it uses token authentication."))
            raise RayUnavailable(_last_failure["error"]) from None


def cluster_summary(address: str | None = None) -> dict:
    """``{"where", "nodes", "cpus", "gpus"}`` of the cluster (connects if needed), for the Train page."""
    connect(address)
    import ray

    resources = ray.cluster_resources()
    return {"where": describe_address(address), "nodes": sum(1 for n in ray.nodes() if n.get("Alive")),
            "cpus": int(resources.get("CPU", 0)), "gpus": int(resources.get("GPU", 0))}


# --------------------------------------------------------------------------- what runs on the workers
class Channel:
    """A small Ray actor between the driver and its tasks: progress events one way, cancel flags the other."""

    def __init__(self):
        self.events: dict[str, list[dict]] = {}
        self.cancelled: set[str] = set()

    def put(self, task_id: str, event: dict) -> None:
        self.events.setdefault(task_id, []).append(event)

    def drain(self) -> dict[str, list[dict]]:
        events, self.events = self.events, {}
        return events

    def cancel(self, task_id: str) -> None:
        self.cancelled.add(task_id)

    def is_cancelled(self, task_id: str) -> bool:
        return task_id in self.cancelled


class _RemoteCancel:
    """``is_set()`` for :func:`lib.training.train`: asks the channel at most five times a second."""

    def __init__(self, channel, task_id: str):
        self.channel, self.task_id = channel, task_id
        self._set, self._asked = False, 0.0

    def is_set(self) -> bool:
        import ray

        now = time.monotonic()
        if not self._set and now - self._asked >= 0.2:
            self._asked = now
            self._set = bool(ray.get(self.channel.is_cancelled.remote(self.task_id)))
        return self._set


def run_task(payload: dict, task_id: str, channel, dataset=None) -> tuple[str, Any]:
    """One Ray task: :func:`lib.jobs.protocol.execute` on a worker, reported as its :func:`outcome`."""
    import ray

    # Caches (word2vec) go to the worker's own disk; a node started without EMBEDDING_LAB_DATA uses its home.
    os.environ.setdefault("EMBEDDING_LAB_DATA", str(Path.home() / ".cache" / "embedding-lab"))
    cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1.0)
    # As many threads as CPUs Ray reserved for the run. TensorFlow sizes its pools once per process, so a Ray
    # worker keeps the count of its first run: keep EMBEDDING_LAB_RAY_CPUS_PER_RUN fixed for a cluster.
    configure_tensorflow(threads=max(1, int(cpus)))
    emit = thinned(lambda event: channel.put.remote(task_id, event))
    emit({"stage": Stage.PREPARING})  # also tells the driver that the task has started
    return outcome(lambda: execute(payload, emit, _RemoteCancel(channel, task_id), dataset=dataset))


# --------------------------------------------------------------------------- the driver side (dashboard)
class RayBackend:
    """Runs tasks as Ray tasks. Thread-safe: the runner calls :meth:`run` from up to :meth:`slots` threads."""

    def __init__(self, address: str | None = None, resources: dict[str, float] | None = None):
        self.address = address
        self._resources = resources
        self._lock = threading.Lock()
        self._channel = self._session = None
        self._remote = None
        self._ids = itertools.count(1)
        self._inboxes: dict[str, queue.Queue] = {}
        self._pumped = 0.0
        self._pump_lock = threading.Lock()
        self._draining = None  # the channel's drain call in flight, if any
        self._shipped: dict[str, Any] = {}  # dataset key -> ObjectRef of an upload in the object store

    @property
    def name(self) -> str:
        return describe_address(self.address)

    @property
    def resources(self) -> dict[str, float]:
        return dict(self._resources) if self._resources else resources_per_run()

    def _ready(self):
        connect(self.address)
        import ray

        session = ray.get_runtime_context().get_job_id()
        with self._lock:
            if self._channel is None or self._session != session:  # first use, or Ray was started anew
                self._session, self._shipped = session, {}
                self._channel, self._draining = ray.remote(num_cpus=0)(Channel).remote(), None
                # max_retries=1: a run whose node died is tried once more elsewhere (same seed, same result).
                self._remote = ray.remote(max_retries=1)(run_task)
        return ray

    def slots(self) -> int:
        """How many runs the cluster can train at once with :attr:`resources` each (at least 1)."""
        ray = self._ready()
        total = ray.cluster_resources()
        res = self.resources
        fits = total.get("CPU", 0.0) // res["num_cpus"]
        if res["num_gpus"]:
            fits = min(fits, total.get("GPU", 0.0) // res["num_gpus"])
        return int(max(1, min(MAX_SLOTS, fits)))

    def ship(self, dataset_key: str):
        """An ObjectRef of the dataset in Ray's object store if it must travel with the tasks
        (:func:`ships_with_task`), else ``None``. Loaded from this machine's disk once per job."""
        key = dataset_key
        if not ships_with_task(key):
            return None
        self._ready()
        with self._lock:
            if key not in self._shipped:
                import ray

                self._shipped = {key: ray.put(training.load_dataset(key))}  # keep one: jobs run one at a time
            return self._shipped[key]

    def _pump(self, final: bool = False) -> None:
        """Hand the channel's new events to the tasks waiting for them (at most PUMPS_PER_SECOND times).

        One drain call at a time, never waited for: on a busy machine the channel (an actor) can take tens of
        seconds to start, and a timed-out get would lose the events that call drained (and used to fail runs).
        ``final`` (a task has just finished): wait for the call in flight, then drain once more for its last events."""
        import ray

        drained = []
        with self._pump_lock:
            now = time.monotonic()
            if not final and now - self._pumped < 1 / PUMPS_PER_SECOND:
                return
            self._pumped = now
            for _ in range(2 if final else 1):
                if self._draining is None:
                    self._draining = self._channel.drain.remote()
                done, _ = ray.wait([self._draining], timeout=30 if final else 0)
                if not done:
                    break
                drained.append(ray.get(self._draining))
                self._draining = None
        for batches in drained:
            for task_id, events in batches.items():
                inbox = self._inboxes.get(task_id)
                for event in events if inbox is not None else []:  # a finished task's late events are dropped
                    inbox.put(event)

    def run(self, payload: dict, on_event: Callable[[dict], None], cancel_requested: Callable[[], bool]) -> dict:
        ray = self._ready()
        from ray import exceptions as rex

        dataset = self.ship((payload.get("config") or payload)["dataset_key"])
        task_id = f"{os.getpid()}-{next(self._ids)}"
        inbox = self._inboxes[task_id] = queue.Queue()
        on_event({"stage": Stage.STARTING})
        ref = self._remote.options(**self.resources).remote(payload, task_id, self._channel, dataset)
        started, cancelled_at = False, None
        try:
            while True:
                # ray.cancel with force: the worker process is killed and Ray starts a fresh one. Without force
                # Ray raises KeyboardInterrupt wherever the task is, and one caught importing TensorFlow leaves a
                # half-imported TensorFlow behind that fails every later run on that worker.
                if cancelled_at is None and cancel_requested():
                    cancelled_at = time.monotonic()
                    self._channel.cancel.remote(task_id)  # a running task stops after its batch
                    if not started:
                        ray.cancel(ref, force=True)  # a task waiting for a place (or still importing) never runs
                elif cancelled_at is not None and time.monotonic() - cancelled_at > CANCEL_GRACE_SECONDS:
                    ray.cancel(ref, force=True)  # stuck before its first batch (word2vec, say): stop it
                    cancelled_at = float("inf")
                ready, _ = ray.wait([ref], timeout=0.2)
                self._pump(final=bool(ready))
                while not inbox.empty():
                    started = True
                    on_event(inbox.get_nowait())
                if ready:
                    break
            try:
                kind, body = ray.get(ref)
            except rex.TaskCancelledError:
                raise TaskCancelled() from None
            except (rex.WorkerCrashedError, rex.NodeDiedError, rex.OutOfMemoryError) as exc:
                if isinstance(exc, rex.WorkerCrashedError) and cancelled_at is not None:
                    raise TaskCancelled() from None  # the worker our forced cancel stopped
                raise TaskFailed(f"The Ray worker training this run stopped unexpectedly ({type(exc).__name__}), "
                                 "perhaps for lack of memory. Try a smaller training set, vocabulary or sequence "
                                 "length.") from None
            except rex.RayError as exc:
                log.error("Ray task failed: %s", exc)
                raise TaskFailed(f"The run failed on the Ray cluster ({type(exc).__name__}); the details are in "
                                 "the server log. Check that every node has the packages of requirements.txt.") from None
        finally:
            self._inboxes.pop(task_id, None)
        if kind == "result":
            return body
        if kind == "cancelled" or (kind == "stop" and cancelled_at is not None):
            raise TaskCancelled()
        raise TaskFailed(body)
