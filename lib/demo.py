"""The guided tour's demo: five models, one per strategy, trained on real movie reviews in the background.

A demo of a given size always trains the same models on the same reviews with the
same seeds, so its numbers are the same every time. Training it takes a minute or
more, so the tour never trains the same demo twice on one server: a session finds
the demo it started, or else one that is queued, running or finished for anyone
(a reload, a second visitor, a link a teacher sent). The exception is a finished
demo whose runs have since been deleted (on the Compare page, say): the tour
could show nothing from it, so it is trained again.

The functions take a preset name (a key of :data:`lib.config.PRESETS`) and job
ids, and return jobs, runs and seconds; the tour page keeps the job id in its
session and only lays out what these decide.
"""
from __future__ import annotations

from lib import runs
from lib.jobs import runner
from lib.jobs.spec import JobSpec, Status
from lib.config import PRESETS, estimate_seconds, make_config

DATASET = "imdb"
#: The five strategies of the tour's race, written out: a strategy added to the registry (fastText) is offered on
#: Train and Compare but does not make the race longer or change the tour's story.
RACE = ("learned", "glove_frozen", "glove_finetuned", "word2vec_frozen", "word2vec_finetuned")


def demo_spec(preset: str) -> JobSpec:
    """The demo job of one size: the five strategies of :data:`RACE`, the preset's settings, one seed, IMDB."""
    return JobSpec(dataset_key=DATASET, strategies=list(RACE), settings=dict(PRESETS[preset]),
                        title=f"Guided tour · {preset}")


def demo_config(preset: str) -> dict:
    """The settings every model of the demo trains with (as :func:`lib.config.make_config` fills them in)."""
    return make_config(**PRESETS[preset])


def demo_seconds(preset: str, ready_sources: set[str], worker_ready: bool) -> float:
    """How long the demo should take on this machine now: the calibrated estimate, minus what is ready.

    ``ready_sources`` are the vector sources whose vectors for :func:`demo_config`
    are already trained; ``worker_ready`` says whether the training process has started.
    """
    return estimate_seconds(demo_config(preset), list(RACE), ready_sources=ready_sources,
                                     worker_ready=worker_ready)


def all_runs_stored(job: runner.Job) -> bool:
    """False when a finished demo's runs have since been deleted (then it is trained again)."""
    return not job.done or all(runs.run_exists(run_id) for run_id in job.snapshot()["run_ids"])


def current_demo(preset: str, session_job_id: str | None) -> runner.Job | None:
    """This session's demo of the chosen size, or ``None`` when there is none to show.

    That is the demo the session started (``session_job_id``), whatever became of
    it, as long as its runs are still stored; else the same demo already queued,
    running or finished on this server (after a reload, or started by someone else).
    Never a demo of another size: its numbers would be shown as this one's.
    """
    spec = demo_spec(preset)
    own = runner.get_job(session_job_id)
    if own is not None and own.spec.fingerprint() == spec.fingerprint() and (
            own.status in (Status.FAILED, Status.CANCELLED) or all_runs_stored(own)):
        return own
    found = runner.find_job(spec)
    if found is not None and found.status in (Status.QUEUED, Status.RUNNING, Status.DONE) \
            and all_runs_stored(found):
        return found
    return None


def start_demo(preset: str) -> runner.Job:
    """Start the demo, or join the identical one that is already running or finished.

    A finished one whose runs were deleted since is not joined: the demo trains again.
    Raises :class:`lib.errors.UserError` when the runner refuses the job.
    """
    job = runner.submit(demo_spec(preset), reuse=True)
    if not all_runs_stored(job):
        job = runner.submit(demo_spec(preset), reuse=False)
    return job


def train_demo_again(preset: str) -> runner.Job:
    """Train the demo once more although a finished one exists (a presenter who wants to show the race live)."""
    return runner.submit(demo_spec(preset), reuse=False)


def demo_runs(job_id: str | None) -> list[runs.RunRecord]:
    """The stored runs of a finished demo; empty while it trains, and without any run deleted since."""
    job = runner.get_job(job_id)
    if job is None or not job.done:
        return []
    return [runs.load_run(run_id) for run_id in job.snapshot()["run_ids"] if runs.run_exists(run_id)]
