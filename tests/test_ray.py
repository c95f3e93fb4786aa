"""The Ray backend on a real local Ray (2 CPUs): same runs, same results, progress, cancel, failures, uploads."""
import os
import secrets

import shutil

import numpy as np
import pandas as pd
import pytest

from lib import runs
from lib.config import PRESETS
from lib.data import store, uploads
from lib.data.toy import toy_dataset, toy_key
from lib.jobs import ray_backend, runner, worker
from lib.jobs.spec import JobSpec
from lib.errors import UserError

ray = pytest.importorskip("ray")

TINY = dict(PRESETS["Tiny (tests)"], sequence_length=12, epochs=2)
TOY = toy_key(n_train=200, n_test=100, seed=3)


def spec(strategies, seeds, run_on, **settings):
    return JobSpec(dataset_key=TOY, strategies=list(strategies), settings=dict(TINY, **settings),
                        seeds=list(seeds), title="ray test", run_on=run_on)


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    """One local Ray for this module, shut down afterwards. Ray 2.60 turns token authentication on for a new
    local cluster (it sets RAY_AUTH_MODE=token itself); a throwaway token in RAY_AUTH_TOKEN, which Ray reads
    first, keeps it from creating ~/.ray/auth_token."""
    saved = {k: os.environ.get(k) for k in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", ray_backend.ADDRESS_ENV)}
    os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(16)
    for key in ("RAY_AUTH_MODE", ray_backend.ADDRESS_ENV):
        os.environ.pop(key, None)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, runtime_env=ray_backend.runtime_env())
    yield
    ray.shutdown()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(autouse=True)
def no_leftover_jobs():
    yield
    for job in runner.list_jobs():
        if not job.done:
            runner.cancel(job.id, job.spec.owner)
            runner.wait(job.id, timeout=120)


def accuracies(snap):
    return {(t["strategy"], t["seed"]): t["metrics"]["test_accuracy"] for t in snap["tasks"]}


def test_a_tiny_grid_on_ray_is_stored_and_equals_the_local_one(monkeypatch):
    # Which backend ran each task, counted where the runner hands a task over: both end "Finished 2 of 2".
    ran = []  # appended to from the runner's threads (list.append is atomic)
    for name, backend in (("ray", ray_backend.RayBackend), ("local", worker.LocalWorker)):
        def counted(self, payload, *args, _real=backend.run, _name=name, **kwargs):
            result = _real(self, payload, *args, **kwargs)
            ran.append(_name)  # only a task that returned a result counts
            return result
        monkeypatch.setattr(backend, "run", counted)
    grid = (["learned", "glove_finetuned"], [1])  # two runs each way: one per strategy, seed 1 (not the default 0)
    on_ray = runner.submit(spec(*grid, run_on="ray"))
    runner.wait(on_ray.id, timeout=300)
    assert ran == ["ray"] * 2  # every run of the Ray job came back from a Ray task, none from the local worker
    here = runner.submit(spec(*grid, run_on="local"))
    runner.wait(here.id, timeout=300)
    assert ran == ["ray"] * 2 + ["local"] * 2
    ray_snap, local_snap = on_ray.snapshot(), here.snapshot()
    assert ray_snap["status"] == "done" and local_snap["status"] == "done", (ray_snap, local_snap)
    assert "Finished 2 of 2" in ray_snap["message"]
    # the runs landed in this process's run store, written from what the tasks returned
    saved = {r.run_id: r for r in runs.list_runs()[0]}
    for task in ray_snap["tasks"]:
        record = saved[task["run_id"]]
        assert record.has_model and record.metrics["test_accuracy"] == task["metrics"]["test_accuracy"]
        predictions, labels = runs.load_predictions(record.run_id)
        assert len(predictions) == len(labels) == 100
    # same config and seed -> same test accuracy (and predictions) as on this machine's worker
    assert accuracies(ray_snap) == pytest.approx(accuracies(local_snap), abs=1e-6)
    for ray_task, local_task in zip(ray_snap["tasks"], local_snap["tasks"]):
        np.testing.assert_allclose(runs.load_predictions(ray_task["run_id"])[0].astype(float),
                                   runs.load_predictions(local_task["run_id"])[0].astype(float), atol=2e-3)


def test_progress_streams_back_and_cancel_stops_running_and_waiting_runs():
    # so many epochs that no run can finish: one or two train at once (2 CPUs, fewer if a task of an
    # earlier test is still being withdrawn), and at least one of the three waits
    job = runner.submit(spec(["learned"], [20, 21, 22], run_on="ray", epochs=100_000))

    def one_running_with_batches(snap):
        return any(t["status"] == "running" and t["stage"] == "training" and t["batch"] > 0 and "loss" in t["logs"]
                   for t in snap["tasks"])

    try:
        runner.wait_for(job.id, one_running_with_batches, timeout=180)
    except TimeoutError:
        pytest.fail(f"progress never showed a run training: {job.snapshot()['tasks']}")
    statuses = [t["status"] for t in job.snapshot()["tasks"]]
    assert "waiting" in statuses and statuses.count("running") in (1, 2)
    assert runner.cancel(job.id, job.spec.owner)
    runner.wait(job.id, timeout=120)
    snap = job.snapshot()
    assert snap["status"] == "cancelled"
    assert [t["status"] for t in snap["tasks"]] == ["cancelled"] * 3
    assert not snap["run_ids"]


def test_a_run_cancelled_as_it_starts_leaves_ray_able_to_train():
    # Cancelled at once, the task may be waiting for a place or already importing TensorFlow on a Ray worker.
    # Interrupting that import (a cancel without force) left a half-imported TensorFlow that failed every later run
    # on that worker ("Name tf.RaggedTensorSpec has already been registered"); force stops the worker instead.
    for seed in (30, 31):
        job = runner.submit(spec(["learned"], [seed], run_on="ray"))
        assert runner.cancel(job.id, job.spec.owner)
        runner.wait(job.id, timeout=120)
        assert job.snapshot()["status"] == "cancelled"
    after = runner.submit(spec(["learned", "glove_frozen"], [32], run_on="ray"))
    runner.wait(after.id, timeout=300)
    snap = after.snapshot()
    assert snap["status"] == "done" and [t["status"] for t in snap["tasks"]] == ["done", "done"], snap["tasks"]


def test_a_failing_run_on_ray_does_not_stop_the_others():
    # 5 training texts cannot be split: that run fails with its sentence, the full size still trains.
    job = runner.submit(JobSpec(dataset_key=TOY, strategies=["learned"], settings=TINY, seeds=[9],
                                   train_sizes=[5, None], kind="efficiency", run_on="ray"))
    runner.wait(job.id, timeout=300)
    snap = job.snapshot()
    assert snap["status"] == "done"
    assert [t["status"] for t in snap["tasks"]] == ["failed", "done"]
    assert "fewer than 10 texts" in snap["tasks"][0]["error"]
    assert "1 failed" in snap["message"]


def test_an_upload_travels_through_the_object_store_not_the_disk():
    toy = toy_dataset(120, 60, seed=5)
    upload = uploads.dataset_from_table(
        pd.DataFrame({"text": toy.train_texts + toy.test_texts,
                                        "label": list(toy.train_labels) + list(toy.test_labels)}),
        "text", "label", name="ray upload")
    store.save_dataset(upload)
    backend = ray_backend.RayBackend()
    assert backend.ship(upload.key) is not None  # loaded from this disk into the object store ...
    shutil.rmtree(store._dataset_dir(upload.key))  # ... and gone from the disk before the task runs
    with pytest.raises(UserError):
        store.dataset_by_key(upload.key)
    payload = JobSpec(dataset_key=upload.key, strategies=["learned"], settings=TINY).task_payloads()[0]
    events = []
    result = backend.run(payload, events.append, lambda: False)
    assert result["config"]["dataset_key"] == upload.key and 0.0 <= result["metrics"]["test_accuracy"] <= 1.0
    assert result["weights"] and len(result["test_labels"]) == len(upload.test_texts)
    assert any(e.get("stage") == "epoch_end" for e in events)


def test_the_address_setting_chooses_where_jobs_run(monkeypatch):
    monkeypatch.delenv(ray_backend.ADDRESS_ENV, raising=False)
    assert not ray_backend.runs_on_ray() and runner.backend_name() == "this machine"
    assert ray_backend.runs_on_ray(spec(["learned"], [0], run_on="ray"))
    monkeypatch.setenv(ray_backend.ADDRESS_ENV, "ray://head:10001")
    assert ray_backend.runs_on_ray() and runner.backend_name() == "Ray cluster at ray://head:10001"
    assert not ray_backend.runs_on_ray(spec(["learned"], [0], run_on="local"))
    with pytest.raises(UserError):
        runner.submit(spec(["learned"], [0], run_on="mars"))
    monkeypatch.setenv(ray_backend.CPUS_ENV, "2")
    assert ray_backend.resources_per_run() == {"num_cpus": 2.0, "num_gpus": 0.0}
    monkeypatch.setenv(ray_backend.CPUS_ENV, "many")
    with pytest.raises(UserError):
        ray_backend.resources_per_run()


def test_the_sweep_command_runs_on_ray_and_prints_mean_and_spread(monkeypatch, capsys):
    from lib import sweep

    monkeypatch.setenv(ray_backend.ADDRESS_ENV, "")  # main() sets it from --ray; monkeypatch removes it afterwards
    code = sweep.main(["--dataset", TOY, "--preset", "Tiny (tests)", "--strategies", "learned", "glove_frozen",
                       "--seeds", "0", "1", "--sizes", "100", "all", "--epochs", "2", "--ray", "auto"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "8 runs" in err and "on the Ray cluster started on this machine" in err and "[8/8]" in err
    sweep_job = next(job for job in runner.list_jobs() if job.spec.title == "sweep: Tiny (tests)")
    assert sweep_job.spec.settings["epochs"] == 2  # --epochs, not the preset's 8
    lines = out.strip().splitlines()
    assert lines[0] == "| training texts | Learned from scratch | GloVe, frozen |"
    assert lines[2].startswith("| 100 | ") and lines[3].startswith("| 200 | ") and lines[3].count("(2 seeds)") == 2


def test_the_train_page_offers_ray_and_says_where_it_runs():
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app_pages" / "train.py"),
                           default_timeout=120).run()
    assert not at.exception
    assert any("Running on: **this machine**" in c.value for c in at.caption)
    at.radio(key="train_run_on").set_value("ray").run()
    assert not at.exception
    line = next(c.value for c in at.caption if c.value.startswith("Running on:"))
    assert "Ray cluster started on this machine" in line and "1 node, 2 CPUs" in line and "up to 2 runs" in line
    at.radio(key="train_preset").set_value("Tiny (tests)").run()
    at.multiselect(key="train_strategies").set_value(["learned"]).run()
    at.button(key="train_start").click().run()
    job = runner.get_job(at.session_state["train_job_id"])
    assert job.spec.run_on == "ray"
    runner.cancel(job.id, job.spec.owner)
    runner.wait(job.id, timeout=120)

