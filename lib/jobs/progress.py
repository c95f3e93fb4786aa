"""How far a job has got, in numbers and in words, from :meth:`lib.jobs.runner.Job.snapshot`.

Progress bars use :func:`task_fraction` and :func:`job_fraction`; the time left is
:func:`seconds_left`, which trusts the measured rate more as the job goes on. The
sentences a job carries while it runs (:func:`task_message`, :func:`parallel_message`,
:func:`finished_message`) and the Train page's line per task (:func:`task_line`) are
written here, so that a page and the runner say the same thing the same way.
"""
from __future__ import annotations

from typing import Callable

from lib import training
from lib.jobs.spec import JobKind, Stage, Status


def task_fraction(task: dict) -> float:
    """How far one task of :meth:`lib.jobs.runner.Job.snapshot` has got, from 0 to 1, for a progress bar.

    Epochs in the task records count from 1 while an epoch runs, so the epoch in
    progress contributes only the share of its batches already done. word2vec
    reports its own fraction.

    >>> task_fraction({"status": "running", "stage": "training", "epoch": 2, "epochs": 4, "batch": 5, "batches": 10})
    0.375
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


def rough_duration(seconds: float) -> str:
    """A time estimate in words, as rough as an estimate is: to 5 seconds, then minutes, then hours.

    >>> rough_duration(12), rough_duration(600), rough_duration(7200)
    ('10 seconds', '10 minutes', '2.0 hours')
    """
    if seconds < 90:
        return f"{max(1, round(seconds / 5) * 5):.0f} seconds"
    return f"{seconds / 60:.0f} minutes" if seconds < 5400 else f"{seconds / 3600:.1f} hours"


def clock(seconds: float) -> str:
    """Seconds as a stopwatch reads them, as a presenter says them (:func:`rough_duration` is for estimates).

    >>> clock(9.7443), clock(75), clock(3600)
    ('10 s', '1 min 15 s', '60 min 0 s')
    """
    seconds = int(round(max(seconds, 0.0)))
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60} s"


def finished_runs(snapshot: dict) -> list:
    """:class:`lib.training.Run` records (no arrays) of a snapshot's finished tasks, for results tables."""
    return [training.Run(t["config"], t["history"], t["metrics"], [], None, None)
            for t in snapshot["tasks"] if t["status"] == Status.DONE and t["config"]]


# --------------------------------------------------------------------------- sentences
def task_message(task: dict, index: int, total: int, kind: str) -> str:
    """What a job says while it trains one task at a time.

    >>> task_message({"label": "GloVe, frozen", "seed": 1, "train_size": 500}, 0, 5, "train")
    'Training GloVe, frozen (seed 1, 500 training texts) — task 1 of 5.'
    """
    if kind != "train":
        return "Training word2vec…"
    size = f"{task['train_size']:,} training texts" if task["train_size"] else "all training texts"
    return f"Training {task['label']} (seed {task['seed']}, {size}) — task {index + 1} of {total}."


def parallel_message(tasks: list[dict], where: str) -> str:
    """What a job says while several of its tasks run at once (on a Ray cluster)."""
    running = sum(t["status"] == Status.RUNNING for t in tasks)
    finished = sum(Status(t["status"]).finished for t in tasks)
    return (f"Training on {where}: {running} run{'s' if running != 1 else ''} in progress, "
            f"{finished} of {len(tasks)} finished.")


def finished_message(tasks: list[dict], kind: JobKind, elapsed: float) -> str:
    """What a job says when it has ended with at least one task done.

    >>> finished_message([{"status": "done"}, {"status": "failed"}], JobKind.COMPARE, 12.3)
    'Finished 1 of 2 runs in 12 s; 1 failed.'
    """
    failed = sum(t["status"] == Status.FAILED for t in tasks)
    return (f"Finished {len(tasks) - failed} of {len(tasks)} {'runs' if kind != JobKind.WORD2VEC else 'tasks'} "
            f"in {elapsed:.0f} s" + (f"; {failed} failed." if failed else "."))


#: How a pretraining stage's ``method`` (lib.vectors.word2vec.Word2VecParams.method) is named in progress lines.
METHOD_NAMES = {"word2vec": "word2vec", "fasttext": "fastText"}


def task_line(task: dict, show_seed: bool, escape: Callable[[str], str] = str) -> tuple[float, str]:
    """One task's progress bar on the Train page: its value and its Markdown text.

    ``show_seed``: name the seed even when it is 0 (the job has several). ``escape`` makes
    a failure's sentence show literally in Markdown (the page passes :func:`ui.text.md`).

    >>> task = {"label": "Learned from scratch", "seed": 0, "train_size": 500, "status": "running",
    ...         "stage": "training", "epoch": 2, "epochs": 4, "batch": 5, "batches": 10, "logs": {}}
    >>> task_line(task, show_seed=True)
    (0.375, '**Running** · Learned from scratch · seed 0 · 500 reviews: epoch 2 of 4, batch 5 of 10')
    >>> task_line(dict(task, stage="word2vec", method="fasttext", fraction=0.5), show_seed=False)[1]
    '**Running** · Learned from scratch · 500 reviews: training fastText on the training texts, labels unused (50%)'
    """
    who = f"{task['label']}" + (f" · seed {task['seed']}" if show_seed or task["seed"] else "")
    if task["train_size"]:
        who += f" · {task['train_size']:,} reviews"
    status = task["status"]
    if status == Status.DONE:
        return 1.0, f"**Done** · {who}: {task['metrics']['test_accuracy']:.1%} test accuracy ({task['seconds']:.0f} s)"
    if status == Status.FAILED:
        return 1.0, f"**Failed** · {who}: {escape(task['error'])}"
    if status == Status.CANCELLED:
        return 0.0, f"**Cancelled** · {who}"
    if status == Status.WAITING:
        return 0.0, f"Waiting · {who}"
    doing = {
        Stage.WORD2VEC: (0.0, f"training {METHOD_NAMES.get(task.get('method'), 'word2vec')} on the training texts, "
                              f"labels unused ({task.get('fraction', 0):.0%})"),
        Stage.STARTING: (0.0, "starting the training process (it loads TensorFlow once)"),
        Stage.PREPARING: (0.0, "preparing the data and the starting vectors"),
        Stage.VECTORS: (0.0, "preparing the data and the starting vectors"),
        Stage.NONE: (0.0, "preparing the data and the starting vectors"),
        Stage.EVALUATING: (1.0, "grading on the held-out test reviews"),
        Stage.SAVING: (1.0, "saving"),
    }.get(task.get("stage"))
    if doing is None:  # training, or between two epochs
        epochs, batches = max(1, task.get("epochs") or 1), max(1, task.get("batches") or 1)
        accuracy = task.get("logs", {}).get("accuracy")
        so_far = f", training accuracy so far {accuracy:.1%}" if accuracy is not None else ""
        doing = (task_fraction(task), f"epoch {task.get('epoch', 1)} of {epochs}, "
                                      f"batch {task.get('batch', 0)} of {batches}{so_far}")
    return doing[0], f"**Running** · {who}: {doing[1]}"


def task_lines(snapshot: dict, escape: Callable[[str], str] = str) -> list[tuple[float, str]]:
    """:func:`task_line` of every task of a job; seeds are named when the job trains several."""
    show_seed = len({t["seed"] for t in snapshot["tasks"]}) > 1
    return [task_line(task, show_seed, escape) for task in snapshot["tasks"]]
