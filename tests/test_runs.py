"""The run store: atomic writes, round trips, broken folders reported, nothing unpickled."""
import errno
import json
import os

import numpy as np
import pytest

from lib import runs
from lib.training import weights_bytes
from lib.paths import runs_dir


@pytest.fixture(autouse=True)
def private_store(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDDING_LAB_DATA", str(tmp_path))
    yield tmp_path


def _save(strategy="learned", seed=0, model=None, vocab=("", "the", "movie", "great")):
    vocab = list(vocab)
    initial = np.random.default_rng(seed).normal(size=(len(vocab), 4)).astype("float32")
    config = {"strategy": strategy, "strategy_label": "Learned from scratch", "architecture": "average",
              "dataset_key": "imdb", "dataset_name": "Toy", "train_size": 300, "vocab_size": len(vocab),
              "sequence_length": 6, "embedding_dim": 4, "epochs": 1, "batch_size": 32, "learning_rate": 0.001,
              "seed": seed, "job_id": "job-1", "num_classes": 2}
    return runs.save_run(config, {"loss": [0.7], "accuracy": [0.5]}, {"test_accuracy": 0.5, "test_loss": 0.69},
                         vocab, initial, initial + 1, weights=weights_bytes(model))


def test_round_trip():
    record = _save()
    assert (runs_dir() / record.run_id).is_dir()
    assert record.name == "Learned from scratch · 300 reviews · seed 0"
    records, problems = runs.list_runs()
    assert [r.run_id for r in records] == [record.run_id] and problems == []
    vocab, initial, final = runs.load_embeddings(record.run_id)
    assert vocab == ["", "the", "movie", "great"]
    assert np.allclose(final - initial, 1.0)
    loaded = runs.load_run(record.run_id)
    assert loaded.config["seed"] == 0 and loaded.metrics["test_accuracy"] == 0.5 and loaded.history["loss"] == [0.7]


def test_model_rebuilt_from_config_and_weights():
    from lib.models import build_model

    model = build_model("average", 4, 6, 4)
    record = _save(model=model)
    assert record.has_model
    rebuilt = runs.load_model(record.run_id)
    for a, b in zip(model.get_weights(), rebuilt.get_weights()):
        assert np.array_equal(a, b)


def test_failed_write_leaves_nothing(monkeypatch):
    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(runs.np, "save", disk_full)
    with pytest.raises(runs.RunStoreError, match="disk is full") as err:
        _save()
    assert "/" not in str(err.value)  # no server path reaches a browser
    assert [p.name for p in runs_dir().iterdir()] in ([], [".lock"])  # no run, no half-written folder
    assert runs.list_runs() == ([], [])


def test_unwritable_data_folder_gives_a_clear_message(monkeypatch):
    def denied(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(runs.Path, "mkdir", denied)
    with pytest.raises(runs.RunStoreError, match="may not write to its data folder") as err:
        _save()
    assert "/" not in str(err.value)  # no server path reaches a browser


def test_interrupted_write_is_invisible():
    record = _save()
    half = runs_dir() / ".tmp-20260101-000000-learned-s0-abcdef"
    half.mkdir()
    (half / "config.json").write_text("{}")
    records, problems = runs.list_runs()
    assert [r.run_id for r in records] == [record.run_id] and problems == []


def test_a_crashed_write_is_cleared_by_the_one_stale_rule(monkeypatch):
    import time

    from lib import io as lib_io

    monkeypatch.setattr(lib_io, "_ready_stores", set())  # the store is prepared afresh, as after a restart
    crashed, writing = runs_dir() / ".tmp-crashed-run", runs_dir() / ".tmp-being-written"
    for folder in (crashed, writing):
        folder.mkdir(parents=True)
    stale = time.time() - lib_io.STALE_TEMP_SECONDS - 60
    os.utime(crashed, (stale, stale))
    _save()
    assert not crashed.exists() and writing.exists()


def test_broken_folders_are_skipped_with_a_sentence_each():
    good = _save()
    missing = _save(seed=1)
    os.remove(runs_dir() / missing.run_id / "embedding_final.npy")
    corrupt = _save(seed=2)
    (runs_dir() / corrupt.run_id / "metrics.json").write_text("{not json")
    records, problems = runs.list_runs()
    assert [r.run_id for r in records] == [good.run_id]
    assert len(problems) == 2
    assert any(missing.run_id in p and "embedding_final.npy" in p for p in problems)
    assert any(corrupt.run_id in p and "metrics.json" in p for p in problems)


def test_pickled_arrays_are_refused():
    record = _save()
    np.save(runs_dir() / record.run_id / "embedding_final.npy", np.array([{"x": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(runs.RunStoreError):
        runs.load_embeddings(record.run_id)


def test_rename_delete_and_newest_first():
    first = _save(seed=0)
    second = _save(seed=1)
    # same second: order by creation time then id; make the second clearly newer
    cfg = json.loads((second.path / "config.json").read_text())
    cfg["created"] = "2999-01-01T00:00:00+00:00"
    (second.path / "config.json").write_text(json.dumps(cfg))
    assert [r.run_id for r in runs.list_runs()[0]] == [second.run_id, first.run_id]
    renamed = runs.rename_run(first.run_id, "  My   baseline ")
    assert renamed.name == "My baseline" and runs.load_run(first.run_id).name == "My baseline"
    with pytest.raises(runs.RunStoreError):
        runs.rename_run(first.run_id, "   ")
    runs.delete_run(first.run_id)
    assert [r.run_id for r in runs.list_runs()[0]] == [second.run_id]
    with pytest.raises(runs.RunStoreError):
        runs.load_run(first.run_id)
    with pytest.raises(runs.RunStoreError):
        runs.load_run("../etc")


def test_concurrent_renames_never_corrupt_a_run():
    import threading

    record = _save()
    names = [f"name {i}" for i in range(200)]
    threads = [threading.Thread(target=runs.rename_run, args=(record.run_id, n)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert runs.load_run(record.run_id).name in names  # still readable, one of the names
    assert not [p for p in (runs_dir() / record.run_id).iterdir() if p.name.startswith(".tmp-")]


@pytest.mark.parametrize("content", ['{"strategy": ["x"], "architecture": "average"}', "[" * 100_000 + "]" * 100_000,
                                     '{"strategy": "learned", "architecture": "average", "vocab_size": 10000000000}'])
def test_a_hostile_config_is_skipped_and_never_hides_the_others(content):
    good = _save()
    bad = _save(seed=1)
    (bad.path / "config.json").write_text(content)
    records, problems = runs.list_runs()
    assert [r.run_id for r in records] == [good.run_id]
    assert len(problems) == 1 and bad.run_id in problems[0]


def test_arrays_with_nan_are_refused_at_load():
    record = _save()
    np.save(record.path / "embedding_final.npy", np.full((4, 4), np.nan, dtype="float32"))
    with pytest.raises(runs.RunStoreError, match="damaged"):
        runs.load_embeddings(record.run_id)


def test_names_stay_unique_across_a_store_with_repeated_configs():
    records = [_save(seed=0) for _ in range(4)] + [_save(seed=1)]
    names = [r.name for r in records]
    assert len(set(names)) == len(names)
    assert names[0] == "Learned from scratch · 300 reviews · seed 0"
    assert names[4] == "Learned from scratch · 300 reviews · seed 1"  # a different config keeps its plain name
    for record in records[1:4]:  # the same config again: told apart by the time ("· 14:32"), then a short id
        suffix = record.name.removeprefix(names[0] + " · ")
        assert suffix != record.name
        assert suffix[:5].replace(":", "").isdigit() and suffix[2] == ":"
        assert suffix[5:] in ("", " · " + record.run_id.rsplit("-", 1)[-1])
    stored = [r.name for r in runs.list_runs()[0]]
    assert sorted(stored) == sorted(names)
    # and Compare's "<name> — before training" labels can no longer repeat
    from lib.compare import EmbeddingRef

    labels = [EmbeddingRef.run(r.run_id, after_training=False).label(r.name) for r in records]
    assert len(set(labels)) == len(labels)


def test_a_rename_to_another_runs_name_is_refused_with_a_sentence():
    first, second = _save(seed=0), _save(seed=1)
    with pytest.raises(runs.RunStoreError, match="Another run already has that name"):
        runs.rename_run(second.run_id, "  learned FROM scratch ·  300 reviews · seed 0")  # case and spacing do not count
    assert runs.load_run(second.run_id).name == second.name
    assert runs.rename_run(first.run_id, first.name.upper()).name == first.name.upper()  # its own name, recased: fine
    assert runs.rename_run(second.run_id, "My baseline").name == "My baseline"


def test_display_names_tell_apart_runs_saved_with_the_same_name_before_names_were_unique():
    records = [_save(seed=0), _save(seed=1), _save(seed=2)]
    for record, created in zip(records, ["2026-11-25T09:00:00+00:00", "2026-11-25T10:15:00+00:00",
                                         "2026-11-25T10:15:30+00:00"]):
        cfg = json.loads((record.path / "config.json").read_text())
        cfg.update(name="Same old name", created=created)  # as an older version of the store could leave them
        (record.path / "config.json").write_text(json.dumps(cfg))
    names = runs.display_names(runs.list_runs()[0])
    assert len(set(names.values())) == 3
    assert names[records[0].run_id] == "Same old name"  # the oldest keeps its name
    assert all(names[r.run_id].startswith("Same old name · ") for r in records[1:])


def test_a_run_name_is_chosen_while_other_servers_sharing_the_folder_are_locked_out(monkeypatch):
    """Two servers on one data folder must not both pick "... · seed 0": the name is chosen under an flock."""
    import fcntl

    held = []
    taken_names = runs._taken_names

    def checking(*args, **kwargs):
        with open(runs_dir() / ".lock", "a") as other_writer:  # another open file: as another process would hold it
            try:
                fcntl.flock(other_writer, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(other_writer, fcntl.LOCK_UN)
                held.append(False)
            except BlockingIOError:
                held.append(True)
        return taken_names(*args, **kwargs)

    monkeypatch.setattr(runs, "_taken_names", checking)
    _save()
    assert held == [True]


def test_runs_are_named_by_their_job_and_yours_are_marked():
    from lib.run_labels import job_names

    def saved(job, seed, strategy="learned"):
        config = {"strategy": strategy, "strategy_label": "Learned from scratch", "seed": seed, "train_size": 500,
                  "dataset_key": "imdb", "architecture": "average", "job_id": job, "job_title": "Quick demo"}
        return runs.save_run(config, {"loss": [0.5]}, {"test_accuracy": 0.7}, ["", "a"], np.zeros((2, 2), "float32"),
                             np.ones((2, 2), "float32"))

    tour = runs.save_run({"strategy": "learned", "strategy_label": "Learned from scratch", "seed": 0, "train_size": 500,
                          "dataset_key": "imdb", "architecture": "average"}, {}, {}, ["", "a"],
                         np.zeros((2, 2), "float32"), np.ones((2, 2), "float32"))
    first, mine_0, mine_1 = saved("job-first", 0), saved("job-mine", 0), saved("job-mine", 1)
    renamed = runs.rename_run(saved("job-mine", 2).run_id, "My favourite")
    names = job_names(runs.list_runs()[0], mine={"job-mine"})
    assert names[tour.run_id] == tour.name                      # no job: its own name
    assert names[first.run_id] == "Quick demo #1 · Learned from scratch · seed 0"
    assert names[mine_0.run_id] == "Quick demo #2 · Learned from scratch · seed 0 · yours"
    assert names[mine_1.run_id] == "Quick demo #2 · Learned from scratch · seed 1 · yours"   # no clock time needed
    assert names[renamed.run_id] == "My favourite"              # a name someone chose stays
    assert len(set(names.values())) == len(names)
