"""Job records on disk: one small JSON file per job, so a link to a job outlives the server.

A job lives in the runner's memory while the server runs (:mod:`lib.jobs.runner`); its runs live
in the run store. Without a record, a restart made ``/train?job=<id>`` name nothing, although every
run the job had finished was on disk. So the runner writes ``<data>/jobs/<job id>.json`` when a job
is submitted, starts, finishes a task and ends (never on progress events: a few writes per run),
atomically (:func:`lib.io.atomic_write_json`, so two servers sharing the folder read a whole record
or none). A server that does not know a job reads its record (:func:`load`) and re-opens it:

* a job that ended shows what it showed before the restart (its runs, results and message);
* a job that was still queued or running when its server stopped (that process is gone,
  :func:`writer_gone`) is ended now: its finished runs stay, the rest are marked cancelled, and
  the message says what became of it (:func:`interrupted`);
* a job still running on another live server sharing the folder is shown as that server last
  saved it, and cannot be cancelled from here.

Records are bounded: at most :data:`KEEP` files (the oldest go first, :func:`prune`), each read only
if under :data:`MAX_RECORD_BYTES`, and only for an id shaped like the runner's (:func:`record_path`),
so an address cannot name any other file. Who may see a re-opened job is decided as before
(:func:`lib.jobs.access.may_see`): a job on a private upload only by a session holding that upload.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import time
from pathlib import Path

from lib.io import HOST, TEMP_PREFIX, atomic_write_json, writer_gone
from lib.jobs.spec import JobKind, JobSpec, Status
from lib.models import STRATEGIES
from lib.paths import data_dir

log = logging.getLogger("embedding_lab.jobs")

#: How many job records the data folder keeps (each a few KB; the oldest are removed first).
KEEP = 500
#: A record larger than this is not read (a job of 300 runs with long learning curves is well under it).
MAX_RECORD_BYTES = 2 * 1024 * 1024
#: The runner's ids: ``job-`` and 22 URL-safe characters (:func:`lib.jobs.runner.new_job_id`).
JOB_ID = re.compile(r"job-[A-Za-z0-9_-]{16,64}")
#: Task fields not kept on disk: they change a few times a second while a task runs and mean nothing after.
TRANSIENT = ("logs", "batch", "batches")


def jobs_dir() -> Path:
    return data_dir() / "jobs"


def record_path(job_id: str | None) -> Path | None:
    """Where the record of ``job_id`` lives, or ``None`` for anything not shaped like a job id.

    >>> record_path("../../etc/passwd") is None, record_path("job-" + "a" * 22).name
    (True, 'job-aaaaaaaaaaaaaaaaaaaaaa.json')
    """
    if not job_id or not JOB_ID.fullmatch(job_id):
        return None
    return jobs_dir() / f"{job_id}.json"


def record(job_id: str, spec: dict, state: dict, writer: str) -> dict:
    """The JSON-ready record of a job: its id, spec (a dict of :class:`lib.jobs.spec.JobSpec`), state, and
    ``writer`` (``host~pid~runner``: who to ask whether a job marked running still runs)."""
    tasks = [{k: v for k, v in t.items() if k not in TRANSIENT} for t in state.get("tasks", [])]
    return {"id": job_id, "spec": spec, "state": {**state, "tasks": tasks}, "writer": writer, "saved": time.time()}


def save(data: dict) -> None:
    """Write a record (see :func:`record`) atomically; a disk problem is logged, never raised: the job goes on."""
    path = record_path(data["id"])
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_json(path, data)
    except (OSError, TypeError, ValueError):
        log.warning("Could not write the record of job %s", data["id"], exc_info=True)


def load(job_id: str | None) -> dict | None:
    """The record of ``job_id`` from disk, or ``None`` (no such record, too large, unreadable or malformed)."""
    path = record_path(job_id)
    if path is None:
        return None
    try:
        if not path.is_file() or path.stat().st_size > MAX_RECORD_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not (isinstance(data, dict) and data.get("id") == job_id and isinstance(data.get("spec"), dict)
            and isinstance(data.get("state"), dict) and isinstance(data["state"].get("tasks"), list)
            and all(isinstance(t, dict) for t in data["state"]["tasks"])):
        return None
    return data


def job_parts(data: dict) -> tuple[JobSpec, dict] | None:
    """``(spec, state)`` of a record read by :func:`load`, or ``None`` when they are not a job's.

    >>> job_parts({"spec": {"strategies": ["learned"], "kind": "compare", "unknown": 1},
    ...            "state": {"status": "done", "tasks": [{"status": "done"}]}})[0].kind
    <JobKind.COMPARE: 'compare'>
    >>> job_parts({"spec": {"strategies": ["no such"]}, "state": {"status": "done", "tasks": []}}) is None
    True
    """
    names = {f.name for f in dataclasses.fields(JobSpec)}
    try:
        spec = JobSpec(**{k: v for k, v in data["spec"].items() if k in names})
        spec.kind = JobKind(spec.kind)
        known = spec.kind == JobKind.WORD2VEC or all(s in STRATEGIES for s in spec.strategies)
        state = dict(data["state"])
        statuses = [state.get("status")] + [t.get("status") for t in state["tasks"]]
    except (TypeError, ValueError, KeyError, AttributeError):
        return None
    return (spec, state) if known and all(s in set(Status) for s in statuses) else None


def prune(keep: int = KEEP) -> int:
    """Remove the oldest records beyond ``keep``; how many were removed."""
    folder = jobs_dir()
    try:
        found = [(p.stat().st_mtime, p) for p in folder.glob("job-*.json")]
    except OSError:
        return 0
    removed = 0
    for _, path in sorted(found)[:-keep] if len(found) > keep else []:
        try:
            path.unlink()
            removed += 1
        except OSError:
            pass
    return removed


def writer_tag(runner_token: str) -> str:
    """``host~pid~token``: this process's runner, as a record names its writer."""
    return f"{HOST}~{os.getpid()}~{runner_token}"


def writer_is_gone(writer: str, saved: float, runner_token: str) -> bool | None:
    """Whether the runner that wrote a record has stopped: True, False, or ``None`` (another host: unknown).

    The same process with another runner (a test's fresh runner) is gone; another process on this host is
    asked through :func:`lib.io.writer_gone` (its id must be running, and not reused since).

    >>> writer_is_gone(f"{HOST}~{os.getpid()}~old", 0.0, "new"), writer_is_gone(f"{HOST}~{os.getpid()}~me", 0.0, "me")
    (True, False)
    >>> writer_is_gone("elsewhere~1~x", 0.0, "me") is None
    True
    """
    host, _, rest = str(writer).partition("~")
    pid, _, token = rest.partition("~")
    if host != HOST or not pid.isdigit():
        return None
    if int(pid) == os.getpid():
        return token != runner_token
    return writer_gone(f"{TEMP_PREFIX}job~{host}~{pid}~x", float(saved or 0.0))


def interrupted(state: dict) -> dict:
    """The state of a job whose server stopped before it ended: finished tasks kept, the others marked
    ``cancelled``, the job ended (``cancelled``) with a sentence saying what became of it.

    >>> s = interrupted({"status": "running", "tasks": [{"status": "done", "run_id": "r"}, {"status": "running"}]})
    >>> str(s["status"]), [str(t["status"]) for t in s["tasks"]], s["interrupted"]
    ('cancelled', ['done', 'cancelled'], True)
    >>> s["message"]
    'This job was still running when the server stopped. 1 of its 2 runs had finished and was saved: its results are shown here and on the Compare page. The other 1 was not trained; press Train to train it again.'
    """
    tasks = [t if Status(t["status"]).finished else {**t, "status": Status.CANCELLED, "stage": ""} for t in state["tasks"]]
    saved = sum(1 for t in tasks if t.get("run_id"))
    left = len(tasks) - saved
    if state.get("status") == "queued" or (saved == 0 and not state.get("started")):
        message = ("This job was waiting in the queue when the server stopped, so nothing of it was trained. "
                   "Press Train to start it again.")
    elif saved == 0:
        message = ("This job was still running when the server stopped, before any of its runs had finished, so "
                   "none was saved. Press Train to start it again.")
    else:
        were = "was" if saved == 1 else "were"
        message = (f"This job was still running when the server stopped. {saved} of its {len(tasks)} runs had "
                   f"finished and {were} saved: {'its' if saved == 1 else 'their'} results are shown here and on the "
                   f"Compare page.")
        if left:
            message += (f" The other {left} {'was' if left == 1 else 'were'} not trained; press Train to train "
                        f"{'it' if left == 1 else 'them'} again.")
    return {**state, "tasks": tasks, "status": Status.CANCELLED, "finished": state.get("finished") or time.time(),
            "message": message, "interrupted": True}
