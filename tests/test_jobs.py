"""The job queue: one job at a time, a second one waits, cancel keeps finished runs, crashes stay local."""
import threading
import time

import pytest

from lib import jobs, runs, training

TINY = dict(training.PRESETS["Tiny (tests)"], sequence_length=12, epochs=1)


@pytest.fixture(scope="module")
def dataset():
    return training.toy_dataset(n_train=200, n_test=100, seed=3)


@pytest.fixture(autouse=True)
def no_leftover_jobs():
    yield
    for job in jobs.list_jobs():
        if not job.done:
            jobs.cancel(job.id)
            jobs.wait(job.id, timeout=120)


def test_a_job_trains_saves_and_reports(dataset):
    job = jobs.submit(jobs.JobSpec(dataset=dataset, strategies=["learned", "glove_frozen"], settings=TINY,
                                   title="test"))
    jobs.wait(job.id, timeout=300)
    snap = job.snapshot()
    assert snap["status"] == "done", snap
    assert [t["status"] for t in snap["tasks"]] == ["done", "done"]
    assert len(snap["run_ids"]) == 2
    saved = {r.run_id: r for r in runs.list_runs()[0]}
    for task in snap["tasks"]:
        record = saved[task["run_id"]]
        assert record.config["job_id"] == job.id and record.config["strategy"] == task["strategy"]
        assert task["history"]["loss"] and task["metrics"]["test_accuracy"] == record.metrics["test_accuracy"]
    assert "Finished 2 of 2" in snap["message"]
    # asking again for the same work gives the same job instead of training twice
    assert jobs.submit(jobs.JobSpec(dataset=dataset, strategies=["learned", "glove_frozen"], settings=TINY,
                                    title="test"), reuse=True) is job


def _blocking_train(monkeypatch, release: threading.Event):
    real = training.train

    def slow(config, on_progress=None, **kwargs):
        cancel = kwargs.get("cancel")
        while not release.is_set():
            if cancel is not None and cancel.is_set():
                raise training.TrainingCancelled()
            time.sleep(0.05)
        return real(config, on_progress, **kwargs)

    monkeypatch.setattr(training, "train", slow)


def test_second_job_queues_and_says_so(dataset, monkeypatch):
    release = threading.Event()
    _blocking_train(monkeypatch, release)
    first = jobs.submit(jobs.JobSpec(dataset=dataset, strategies=["learned"], settings=TINY, seeds=[5]))
    second = jobs.submit(jobs.JobSpec(dataset=dataset, strategies=["learned"], settings=TINY, seeds=[6]))
    deadline = time.time() + 30
    while first.status != "running" and time.time() < deadline:
        time.sleep(0.05)
    assert first.status == "running" and jobs.current_job() is first
    snap = second.snapshot()
    assert snap["status"] == "queued" and snap["queue_position"] == 1
    assert "Waiting" in snap["message"]
    release.set()
    jobs.wait(second.id, timeout=300)
    assert first.status == "done" and second.status == "done"
    assert first.finished <= second.started


def test_cancel_keeps_finished_runs(dataset):
    job = jobs.submit(jobs.JobSpec(dataset=dataset, strategies=["learned", "glove_finetuned", "word2vec_frozen"],
                                   settings=dict(TINY, epochs=200), seeds=[7]))
    deadline = time.time() + 120
    while time.time() < deadline:
        tasks = job.snapshot()["tasks"]
        if tasks[0]["status"] == "done" and tasks[1]["status"] == "running" and tasks[1]["batch"] > 0:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"job did not reach its second task: {job.snapshot()}")
    # the first task trained 200 epochs of 6 batches; the second is mid-way when we cancel
    assert jobs.cancel(job.id)
    jobs.wait(job.id, timeout=60)
    snap = job.snapshot()
    assert snap["status"] == "cancelled"
    assert [t["status"] for t in snap["tasks"]] == ["done", "cancelled", "cancelled"]
    ids = {r.run_id for r in runs.list_runs()[0]}
    assert snap["tasks"][0]["run_id"] in ids
    assert not any(r.config.get("job_id") == job.id and r.config["strategy"] != "learned" for r in runs.list_runs()[0])
    assert not [p for p in (runs.runs_dir()).iterdir() if p.name.startswith(".tmp-")]
    assert jobs.current_job() is None or jobs.current_job() is not job


def test_a_crash_in_one_strategy_does_not_stop_the_others(dataset, monkeypatch):
    real = training.train

    def flaky(config, on_progress=None, **kwargs):
        if config["strategy"] == "glove_frozen":
            raise RuntimeError("simulated crash")
        return real(config, on_progress, **kwargs)

    monkeypatch.setattr(training, "train", flaky)
    job = jobs.submit(jobs.JobSpec(dataset=dataset, strategies=["learned", "glove_frozen", "glove_finetuned"],
                                   settings=TINY, seeds=[8]))
    jobs.wait(job.id, timeout=300)
    snap = job.snapshot()
    assert snap["status"] == "done"
    assert [t["status"] for t in snap["tasks"]] == ["done", "failed", "done"]
    assert "simulated crash" in snap["tasks"][1]["error"]
    assert "1 failed" in snap["message"]


def test_cancelling_a_queued_job_drops_it(dataset, monkeypatch):
    release = threading.Event()
    _blocking_train(monkeypatch, release)
    first = jobs.submit(jobs.JobSpec(dataset=dataset, strategies=["learned"], settings=TINY, seeds=[9]))
    second = jobs.submit(jobs.JobSpec(dataset=dataset, strategies=["learned"], settings=TINY, seeds=[10]))
    assert jobs.cancel(second.id)
    assert second.status == "cancelled" and second.snapshot()["tasks"][0]["status"] == "cancelled"
    release.set()
    jobs.wait(first.id, timeout=300)
    assert first.status == "done"


def test_bad_spec_is_refused(dataset):
    with pytest.raises(ValueError):
        jobs.submit(jobs.JobSpec(dataset=dataset, strategies=[], settings=TINY))
    with pytest.raises(ValueError):
        jobs.submit(jobs.JobSpec(dataset=dataset, strategies=["bert"], settings=TINY))


def test_task_fraction_counts_only_finished_batches_of_the_running_epoch():
    running = {"status": "running", "stage": "training", "epochs": 4, "batches": 10}
    assert jobs.task_fraction({**running, "epoch": 1, "batch": 0}) == 0.0
    assert jobs.task_fraction({**running, "epoch": 1, "batch": 5}) == 0.125
    assert jobs.task_fraction({**running, "epoch": 4, "batch": 0}) == 0.75
    assert jobs.task_fraction({**running, "epoch": 4, "batch": 10}) == 1.0
    assert jobs.task_fraction({"status": "waiting"}) == 0.0
    assert jobs.task_fraction({"status": "done"}) == 1.0
