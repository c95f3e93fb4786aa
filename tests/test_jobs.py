"""The runner: work happens in a worker process; jobs queue, cancel keeps finished runs, failures stay local."""
import os
import re
import signal

import numpy as np
import pytest

from lib import runs, training
from lib.config import PRESETS
from lib.data.toy import toy_key
from lib.jobs import runner
from lib.jobs.progress import task_fraction
from lib.jobs.protocol import TaskCancelled, TaskFailed
from lib.jobs.spec import JobSpec
from lib.errors import UserError

TINY = dict(PRESETS["Tiny (tests)"], sequence_length=12, epochs=1)
TOY = toy_key(n_train=200, n_test=100, seed=3)


def spec(strategies, seeds=(0,), owner="", **settings):
    return JobSpec(dataset_key=TOY, strategies=list(strategies), settings=dict(TINY, **settings),
                        seeds=list(seeds), title="test", owner=owner)


@pytest.fixture(autouse=True)
def no_leftover_jobs():
    yield
    for job in runner.list_jobs():
        if not job.done:
            runner.cancel(job.id, job.spec.owner)
            runner.wait(job.id, timeout=120)


def running_batches(task_index: int):
    """A wait_for condition: the task is training and has finished at least one batch."""
    def condition(snap):
        task = snap["tasks"][task_index]
        return task["status"] == "running" and task["stage"] == "training" and task["batch"] > 0
    return condition


class _HeldBackend:
    """Stands in for the worker where a test is about the runner's bookkeeping (queue, owners, ids), not training:
    records which task starts (a word2vec job's tag, a training's seed) and holds it until the test lets it go or
    cancels it, without starting a process or TensorFlow. Training, cancel mid-task, queueing behind a training
    and a killed worker are tested on the real worker below."""

    name = "the test backend"

    def __init__(self):
        import threading

        self.started: list = []
        self.go = threading.Semaphore(0)

    def slots(self) -> int:
        return 1

    def run(self, payload, on_event, cancelled):
        self.started.append(payload["params"]["tag"] if payload["kind"] == "word2vec" else payload["config"]["seed"])
        while not self.go.acquire(timeout=0.05):  # a cancel ends the task as the worker's does, between two batches
            if cancelled():
                raise TaskCancelled()
        if payload["kind"] != "word2vec":
            raise TaskFailed("the test backend trains nothing")
        return {}


def _w2v(tag: str, owner: str) -> JobSpec:
    return JobSpec(dataset_key=TOY, kind="word2vec", owner=owner, title=tag,
                   word2vec={"n_train": None, "subset_seed": 0, "corpus": "labelled_only", "params": {"tag": tag}})


@pytest.fixture
def held_runner(monkeypatch):
    """A runner of its own whose backend holds every task until released (the real one is untouched)."""
    fresh = runner._Runner()
    fresh.backend = backend = _HeldBackend()
    monkeypatch.setattr(runner, "_runner", fresh)
    yield backend
    for job in runner.list_jobs():
        runner.cancel(job.id, job.spec.owner)
    for _ in range(len(runner.list_jobs()) + 1):
        backend.go.release()
    if fresh.thread is not None:
        fresh.thread.join(timeout=30)


def test_a_job_trains_in_another_process_saves_and_reports():
    job = runner.submit(spec(["learned", "glove_frozen"], seeds=[1]))
    runner.wait_for(job.id, running_batches(0), timeout=300)
    assert runner.worker_pid() not in (None, os.getpid())  # the training is not in this (the server's) process
    runner.wait(job.id, timeout=300)
    snap = job.snapshot()
    assert snap["status"] == "done", snap
    assert [t["status"] for t in snap["tasks"]] == ["done", "done"]
    saved = {r.run_id: r for r in runs.list_runs()[0]}
    for task in snap["tasks"]:
        record = saved[task["run_id"]]
        assert record.config["strategy"] == task["strategy"] and record.config["seed"] == task["seed"] == 1
        assert task["history"]["loss"] and task["metrics"]["test_accuracy"] == record.metrics["test_accuracy"]
        assert record.has_model
        predictions, labels = runs.load_predictions(record.run_id)
        assert predictions.dtype == np.float16 and len(predictions) == len(labels) == 100
        # the stored predictions reproduce the stored accuracy
        assert np.mean((predictions > 0.5) == labels) == pytest.approx(record.metrics["test_accuracy"], abs=0.011)
    assert "Finished 2 of 2" in snap["message"]
    # asking again for the same work gives the same job instead of training twice
    assert runner.submit(spec(["learned", "glove_frozen"], seeds=[1]), reuse=True) is job
    # a late cancel changes nothing
    assert not runner.cancel(job.id, job.spec.owner) and job.snapshot()["status"] == "done"


def test_second_job_queues_and_says_so():
    first = runner.submit(spec(["learned"], seeds=[5], epochs=300))
    second = runner.submit(spec(["learned"], seeds=[6]))
    runner.wait_for(first.id, running_batches(0), timeout=300)
    assert runner.current_job() is first
    snap = second.snapshot()
    assert snap["status"] == "queued" and snap["queue_position"] == 1
    assert "Waiting" in snap["message"]
    runner.cancel(first.id, first.spec.owner)
    runner.wait(second.id, timeout=300)
    assert first.status == "cancelled" and second.status == "done"
    assert first.finished <= second.started


def test_cancel_mid_task_saves_nothing_half_done():
    saved_before = {r.run_id for r in runs.list_runs()[0]}
    job = runner.submit(spec(["learned", "glove_finetuned", "word2vec_frozen"], seeds=[7], epochs=300))
    runner.wait_for(job.id, running_batches(0), timeout=300)
    assert runner.cancel(job.id, job.spec.owner)
    runner.wait(job.id, timeout=120)
    snap = job.snapshot()
    assert snap["status"] == "cancelled"
    assert [t["status"] for t in snap["tasks"]] == ["cancelled", "cancelled", "cancelled"]
    assert not snap["run_ids"]
    assert not [r for r in runs.list_runs()[0] if r.run_id not in saved_before and r.config["seed"] == 7]  # none saved
    assert not runs.runs_dir().is_dir() or not [p for p in runs.runs_dir().iterdir() if p.name.startswith(".tmp-")]


def test_cancel_after_a_finished_task_keeps_it():
    job = runner.submit(spec(["learned", "glove_finetuned"], seeds=[12], epochs=1))
    runner.wait_for(job.id, lambda s: s["tasks"][0]["status"] == "done", timeout=300)
    runner.cancel(job.id, job.spec.owner)
    runner.wait(job.id, timeout=120)
    snap = job.snapshot()
    assert snap["tasks"][0]["status"] == "done" and runs.run_exists(snap["tasks"][0]["run_id"])
    # the second task either finished before the cancel arrived or was cancelled; never failed
    assert snap["tasks"][1]["status"] in ("done", "cancelled")
    assert snap["status"] == ("done" if snap["tasks"][1]["status"] == "done" else "cancelled")


def test_a_killed_worker_fails_one_task_and_the_next_runs_in_a_fresh_process():
    job = runner.submit(spec(["learned", "glove_frozen"], seeds=[8], epochs=300))
    runner.wait_for(job.id, running_batches(0), timeout=300)
    killed = runner.worker_pid()
    os.kill(killed, signal.SIGKILL)  # as the kernel's out-of-memory killer would
    runner.wait_for(job.id, lambda s: s["tasks"][0]["status"] == "failed", timeout=60)
    runner.wait_for(job.id, running_batches(1), timeout=300)
    assert runner.worker_pid() not in (None, killed)
    runner.cancel(job.id, job.spec.owner)
    runner.wait(job.id, timeout=120)
    snap = job.snapshot()
    assert "stopped unexpectedly" in snap["tasks"][0]["error"]
    assert snap["tasks"][1]["status"] == "cancelled"


def test_a_failing_task_does_not_stop_the_others():
    # 5 training texts cannot be split: that task fails with a sentence, the full size still trains.
    job = runner.submit(JobSpec(dataset_key=TOY, strategies=["learned"], settings=TINY, seeds=[9],
                                   train_sizes=[5, None], kind="efficiency"))
    runner.wait(job.id, timeout=300)
    snap = job.snapshot()
    assert snap["status"] == "done"
    assert [t["status"] for t in snap["tasks"]] == ["failed", "done"]
    assert "fewer than 10 texts" in snap["tasks"][0]["error"]
    assert "1 failed" in snap["message"]


def test_cancelling_a_queued_job_drops_it(held_runner):
    first = runner.submit(spec(["learned"], seeds=[13], epochs=300))
    second = runner.submit(spec(["learned"], seeds=[10]))
    assert runner.cancel(second.id, second.spec.owner)
    assert second.status == "cancelled" and second.snapshot()["tasks"][0]["status"] == "cancelled"
    runner.cancel(first.id, first.spec.owner)
    runner.wait(first.id, timeout=300)


def test_bad_specs_are_refused_with_a_sentence():
    with pytest.raises(UserError):
        runner.submit(spec([]))
    with pytest.raises(UserError):
        runner.submit(spec(["bert"]))
    with pytest.raises(UserError, match="Epochs"):
        runner.submit(spec(["learned"], epochs=0))


def test_one_owner_may_queue_only_a_few_jobs(held_runner):
    mine = [runner.submit(spec(["learned"], seeds=[20 + i], owner="session-a", epochs=300))
            for i in range(runner.MAX_QUEUED_PER_OWNER)]
    with pytest.raises(UserError, match="already have"):
        runner.submit(spec(["learned"], seeds=[30], owner="session-a"))
    other = runner.submit(spec(["learned"], seeds=[31], owner="session-b"))  # someone else is not blocked
    for job in mine + [other]:
        runner.cancel(job.id, job.spec.owner)


def test_a_double_click_is_one_job_that_stays_cancellable(held_runner):
    first = runner.submit(spec(["learned"], seeds=[40], owner="session-c", epochs=300))
    second = runner.submit(spec(["learned"], seeds=[40], owner="session-c", epochs=300))
    assert second.id == first.id  # the second click found the first job, not a new, untracked one
    someone_else = runner.submit(spec(["learned"], seeds=[40], owner="session-d", epochs=300))
    assert someone_else.id != first.id  # another visitor's identical job is theirs to cancel
    assert runner.cancel(first.id, "session-c") and runner.cancel(someone_else.id, "session-d")
    runner.wait(first.id, timeout=120)
    again = runner.submit(spec(["learned"], seeds=[40], owner="session-c", epochs=300))
    assert again.id != first.id  # once the first has ended, Train means train again
    runner.cancel(again.id, again.spec.owner)


def test_only_the_owner_may_cancel_a_job(held_runner):
    job = runner.submit(spec(["learned"], seeds=[42], owner="session-e", epochs=300))
    assert not runner.cancel(job.id, "session-f")  # someone who was sent the link
    assert not runner.cancel(job.id, "")           # a script, which owns only the jobs it submitted without an owner
    assert not job.snapshot()["cancel_requested"] and not job.done
    assert runner.cancel(job.id, "session-e")
    assert runner.wait(job.id, timeout=120).status == "cancelled"


def test_job_ids_cannot_be_guessed_from_one_another(held_runner):
    first = runner.submit(spec(["learned"], seeds=[43], owner="session-g", epochs=300))
    second = runner.submit(spec(["learned"], seeds=[44], owner="session-g", epochs=300))
    for job in (first, second):  # 128 random bits, not a counter, a time or a process id
        assert re.fullmatch(r"job-[A-Za-z0-9_-]{22}", job.id), job.id
        runner.cancel(job.id, "session-g")
    tokens = [runner.new_job_id()[len("job-"):] for _ in range(200)]
    assert len(set(tokens)) == len(tokens)
    assert all(len({t[i] for t in tokens}) > 20 for i in range(21))  # each position varies (the 22nd holds 2 bits)


def test_a_word2vec_job_caches_vectors_for_the_pages():
    from lib.vectors import pretraining
    from lib.vectors.word2vec import Word2VecParams

    job = runner.submit(JobSpec(dataset_key=TOY, kind="word2vec", word2vec={
        "n_train": None, "subset_seed": 0, "corpus": "labelled_only", "params": {"dim": 8, "epochs": 2}}))
    runner.wait(job.id, timeout=300)
    assert job.status == "done", job.snapshot()
    dataset = training.load_dataset(TOY)
    corpus = pretraining.pretraining_corpus(dataset, dataset, "labelled_only")
    assert pretraining.word2vec_is_ready(corpus, Word2VecParams(dim=8, epochs=2))


def test_task_fraction_counts_only_finished_batches_of_the_running_epoch():
    running = {"status": "running", "stage": "training", "epochs": 4, "batches": 10}
    assert task_fraction({**running, "epoch": 1, "batch": 0}) == 0.0
    assert task_fraction({**running, "epoch": 1, "batch": 5}) == 0.125
    assert task_fraction({**running, "epoch": 4, "batch": 0}) == 0.75
    assert task_fraction({**running, "epoch": 4, "batch": 10}) == 1.0
    assert task_fraction({"status": "waiting"}) == 0.0
    assert task_fraction({"status": "done"}) == 1.0
    assert task_fraction({"status": "running", "stage": "word2vec", "strategy": None, "fraction": 0.4}) == 0.4


def test_a_run_repeats_exactly_while_a_page_thread_reseeds_keras():
    """The Explain page calls keras.utils.set_random_seed in the server's threads; runs must not notice."""
    import threading

    from lib import explain

    def trained_weights():
        job = runner.submit(spec(["learned"], seeds=[4], epochs=2))
        runner.wait(job.id, timeout=300)
        assert job.status == "done", job.snapshot()
        return runs.load_embeddings(job.snapshot()["run_ids"][0])[2]

    quiet = trained_weights()
    stop = threading.Event()

    def explain_page_in_a_loop():
        example = explain.tokenize_example(list(explain.CLASSIC_TEXTS), num_words=10, maxlen=6)
        while not stop.is_set():
            explain.train_steps(example.ids, explain.toy_labels(len(example.ids)), vocab_size=10, dim=3, steps=2,
                                seed=int(np.random.randint(1000)))

    page = threading.Thread(target=explain_page_in_a_loop, daemon=True)
    page.start()
    try:
        busy = trained_weights()
    finally:
        stop.set()
        page.join(timeout=60)
    np.testing.assert_array_equal(quiet, busy)


# --- a fair queue and a cap on it (no training: the stand-in backend above, which waits until it is let go) -------


def test_fair_order_lets_owners_take_turns():
    assert runner.fair_order([], {}) == []
    waiting = [("a", 1), ("a", 2), ("a", 3), ("b", 4), ("c", 5)]
    assert runner.fair_order(waiting, {}) == [0, 3, 4, 1, 2]       # a, b, c, then a's others: not a, a, a, b, c
    assert runner.fair_order(waiting, {"a": 9}) == [3, 4, 0, 1, 2]  # a was just served: b and c go first
    assert runner.fair_order(waiting, {"a": 2, "b": 5, "c": 3}) == [0, 4, 3, 1, 2]  # least recently served first
    flood = [("many", i) for i in range(1, 201)] + [("late", 201)]
    assert runner.fair_order(flood, {"many": 1})[0] == 200         # a newcomer is next, not 201st


def test_the_queue_takes_owners_in_turn_and_has_a_cap(held_runner, monkeypatch):
    monkeypatch.setattr(runner, "MAX_QUEUED_TOTAL", 4)
    a1 = runner.submit(_w2v("a1", "session-a"))
    runner.wait_for(a1.id, lambda s: s["status"] == "running", timeout=30)
    a2, a3 = runner.submit(_w2v("a2", "session-a")), runner.submit(_w2v("a3", "session-a"))
    b1 = runner.submit(_w2v("b1", "session-b"))
    c1 = runner.submit(_w2v("c1", "session-c"))
    # b and c came after a's three jobs but start before a's second and third
    assert [runner.queue_position(j.id) for j in (b1, c1, a2, a3)] == [1, 2, 3, 4]
    with pytest.raises(UserError, match=r"^The server's queue is full: 4 jobs are waiting to start\. Try again"):
        runner.submit(_w2v("d1", "session-d"))
    assert len(runner.list_jobs()) == 5  # the refused one was never queued
    for job in (a1, b1, c1, a2, a3):
        held_runner.go.release()
        runner.wait(job.id, timeout=30)
    assert held_runner.started == ["a1", "b1", "c1", "a2", "a3"]
    assert all(j.status == "done" for j in (a1, a2, a3, b1, c1))
    d1 = runner.submit(_w2v("d1", "session-d"))  # room again
    held_runner.go.release()
    assert runner.wait(d1.id, timeout=30).status == "done"


# --- job records: a link to a job outlives the server ---------------------------------------------------------


@pytest.fixture
def restarted(monkeypatch):
    """Call it to replace the runner by a fresh one on the same data folder, as a restarted server has."""
    def restart():
        monkeypatch.setattr(runner, "_runner", runner._Runner())
    return restart


def test_a_finished_job_reopens_from_its_record_after_a_restart(restarted):
    job = runner.submit(spec(["learned"], seeds=[2]))
    runner.wait(job.id, timeout=300)
    before = job.snapshot()
    assert before["status"] == "done"
    restarted()
    again = runner.get_job(job.id)
    assert again is not None and again is not job
    after = again.snapshot()
    assert after["status"] == "done" and after["message"] == before["message"]
    assert after["run_ids"] == before["run_ids"] and after["title"] == "test"
    assert after["tasks"][0]["metrics"] == before["tasks"][0]["metrics"]
    assert after["tasks"][0]["history"] == before["tasks"][0]["history"]
    assert runs.load_run(after["run_ids"][0]).config["job_id"] == job.id  # the run names the job that trained it
    assert runner.get_job(job.id) is again                                 # re-read once, then remembered


def _cut_off_record(strategies, statuses, run_ids, writer, dataset_key=TOY, status="running"):
    from dataclasses import asdict

    from lib.jobs import records

    job_spec = spec(strategies, owner="session-gone")
    job_spec.dataset_key = dataset_key
    job = runner.Job(runner.new_job_id(), job_spec)
    state = dict(job._state, status=status, started=1.0 if status == "running" else None)
    state["tasks"] = [dict(t, status=s, run_id=r) for t, s, r in zip(state["tasks"], statuses, run_ids)]
    records.save(records.record(job.id, asdict(job_spec), state, writer))
    return job.id


def test_a_job_cut_off_by_a_restart_says_what_became_of_it(restarted):
    from lib.io import HOST

    restarted()
    gone_runner = f"{HOST}~{os.getpid()}~a-runner-that-stopped"
    job_id = _cut_off_record(["learned", "glove_frozen"], ["done", "running"], ["some-run", None], gone_runner)
    snap = runner.get_job(job_id).snapshot()
    assert snap["status"] == "cancelled" and snap["interrupted"]
    assert [t["status"] for t in snap["tasks"]] == ["done", "cancelled"] and snap["run_ids"] == ["some-run"]
    assert "still running when the server stopped" in snap["message"] and "1 of its 2 runs" in snap["message"]
    assert not runner.cancel(job_id, "session-gone")                   # nothing left to cancel
    queued = _cut_off_record(["learned"], ["waiting"], [None], gone_runner, status="queued")
    assert "waiting in the queue when the server stopped" in runner.get_job(queued).snapshot()["message"]
    # another server on another host may still be running its job: shown as it saved it, never cancelled from here
    elsewhere = _cut_off_record(["learned"], ["running"], [None], "other-host~123~x")
    assert runner.get_job(elsewhere).snapshot()["status"] == "running"
    assert not runner.cancel(elsewhere, "session-gone")


def test_a_reopened_job_on_an_upload_stays_private(restarted):
    from lib.io import HOST
    from lib.jobs import access

    restarted()
    job_id = _cut_off_record(["learned"], ["done"], ["r"], f"{HOST}~{os.getpid()}~old", dataset_key="upload-0123456789ab",
                             status="done")
    job = runner.get_job(job_id)
    assert job is not None and job.done
    assert not access.may_see(job, [])                       # a new session (after the restart) does not hold the upload
    assert access.may_see(job, ["upload-0123456789ab"])      # one that uploaded the same table again does


def test_job_records_are_bounded_and_only_job_ids_are_read(restarted, tmp_path, monkeypatch):
    from lib.jobs import records

    monkeypatch.setenv("EMBEDDING_LAB_DATA", str(tmp_path))
    restarted()
    assert runner.get_job("../../etc/passwd") is None and records.record_path("job-../x") is None
    ids = [_cut_off_record(["learned"], ["done"], ["r"], "h~1~x", status="done") for _ in range(4)]
    (records.jobs_dir() / f"{ids[0]}.json").write_text("{not json")
    assert runner.get_job(ids[0]) is None                     # a damaged record is no job, never an error
    for age, job_id in enumerate(ids):
        os.utime(records.jobs_dir() / f"{job_id}.json", (1000 + age, 1000 + age))
    assert records.prune(keep=2) == 2
    assert sorted(p.stem for p in records.jobs_dir().glob("*.json")) == sorted(ids[2:])
