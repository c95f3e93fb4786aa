"""Issue 22, second pass: the worker dies with its server, names are plain text, odd upload names get a
sentence, exports neutralise formulas in text only, and a run's arrays are checked before they are allocated."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from lib.paths import REPO_ROOT


# --- 1. the worker dies with the server ------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, killed but not yet reaped by its new parent, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def _wait_gone(pid: int, deadline: float = 15.0) -> bool:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if not _alive(pid):
            return True
        time.sleep(0.2)
    return False


SERVER = textwrap.dedent("""
    import threading, time
    from lib.jobs.worker import LocalWorker

    def start():
        worker.start()
        time.sleep(3)  # long enough for the worker to ask for its parent-death signal while this thread lives

    worker = LocalWorker()
    # started from a short-lived thread, as a page script starts it: the worker must outlive that thread
    starter = threading.Thread(target=start)
    starter.start()
    starter.join()
    time.sleep(2)
    print(worker.pid, flush=True)
    time.sleep(600)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_worker_outlives_the_thread_that_started_it_and_dies_with_a_killed_server():
    server = subprocess.Popen([sys.executable, "-c", SERVER], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    worker_pid = None
    try:
        line = server.stdout.readline().strip()
        assert line.isdigit(), f"the worker did not survive the end of the thread that started it ({line!r})"
        worker_pid = int(line)
        assert _alive(worker_pid)
        children = {int(pid) for task in Path(f"/proc/{server.pid}/task").iterdir()
                    for pid in (task / "children").read_text().split()}
        assert worker_pid in children  # and multiprocessing's resource tracker
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        assert _wait_gone(worker_pid), "the worker lived on after its server was killed"
        assert all(_wait_gone(pid) for pid in children), "a helper process lived on after its server was killed"
    finally:
        if server.poll() is None:
            server.kill()
        if worker_pid and _alive(worker_pid):
            os.kill(worker_pid, signal.SIGKILL)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_watchdog_alone_ends_a_worker_whose_parent_changed():
    """Without the parent-death signal (other systems), the watchdog thread still ends an orphan."""
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import os, threading, time
        from lib.jobs import worker
        threading.Thread(target=worker._watch_parent, args=(os.getppid() + 1_000_000, 0.1), daemon=True).start()
        time.sleep(600)
    """)], cwd=REPO_ROOT)
    try:
        assert child.wait(timeout=30) != 0
    finally:
        if child.poll() is None:
            child.kill()


# --- 2. run names are plain text -------------------------------------------------------------------------------


@pytest.fixture
def private_store(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDDING_LAB_DATA", str(tmp_path))
    yield tmp_path


def _save_run(name=None, vocab=("", "the", "movie")):
    import numpy as np

    from lib import runs

    vocab = list(vocab)
    initial = np.zeros((len(vocab), 4), np.float32)
    config = {"strategy": "learned", "strategy_label": "Learned from scratch", "architecture": "average",
              "dataset_key": "imdb", "train_size": 300, "vocab_size": len(vocab), "sequence_length": 6,
              "embedding_dim": 4, "seed": 0, "num_classes": 2}
    if name is not None:
        config["name"] = name
    return runs.save_run(config, {"loss": [0.7]}, {"test_accuracy": 0.5}, vocab, initial, initial + 1)


HOSTILE = "good\x00 run\u202e\u2066\u200f\x1b[31m\x85"


def test_run_names_lose_control_and_direction_characters_everywhere(private_store):
    import json

    from lib import runs

    saved = _save_run(name=HOSTILE)
    assert saved.name == "good run[31m"
    renamed = runs.rename_run(saved.run_id, "my\u202d run\u2068\x07 ")
    assert renamed.name == "my run" and runs.load_run(saved.run_id).config["name"] == "my run"
    # a name stored before this rule (or written by hand) is shown cleaned too
    config_path = saved.path / "config.json"
    config = json.loads(config_path.read_text())
    config_path.write_text(json.dumps(dict(config, name=HOSTILE)))
    assert runs.list_runs()[0][0].name == "good run[31m"


def test_a_name_with_nothing_readable_left_is_refused_with_a_sentence(private_store):
    from lib import runs

    saved = _save_run()
    for unreadable in ("\u202e\x00\u200f", "\u200b\u2066 \x7f", "\u0301"):
        with pytest.raises(runs.RunStoreError, match="needs letters, digits or punctuation"):
            runs.rename_run(saved.run_id, unreadable)
    assert runs.load_run(saved.run_id).name == saved.name
    # a finished run is never lost over its name: saved under its default name instead
    assert _save_run(name="\u202e\x00").name.startswith("Learned from scratch · 300 reviews · seed 0")


def test_one_control_character_rule_for_names_and_exports():
    from lib import exports, io

    assert exports.strip_controls is io.strip_controls
    assert exports.sanitize_token("left\u200eright\u200fmark\u061c") == "leftrightmark"


# --- 3. upload names that name no file ---------------------------------------------------------------------------

TABLE = b"text,label\n" + b"".join(f"good text {i},pos\nbad text {i},neg\n".encode() for i in range(10))
VECTORS = b"2 2\na 0.1 0.2\nb 0.3 0.4\n"
NO_NAMES = ["", ".", "..", " .. ", "folder/..", "C:\\..\\."]


@pytest.mark.parametrize("name", NO_NAMES)
def test_a_table_named_dot_or_dot_dot_is_refused_with_one_sentence(name, private_store):
    from lib.data import store, tables, uploads
    from lib.data.dataset import DatasetError
    from lib.paths import uploads_dir

    import io

    import pandas as pd

    parquet = io.BytesIO()
    pd.read_csv(io.BytesIO(TABLE)).to_parquet(parquet)
    for call in (lambda: tables.table_columns(name, TABLE), lambda: tables.table_columns(name, parquet.getvalue()),
                 lambda: tables.read_table(name, TABLE),
                 lambda: uploads.dataset_from_upload(name, TABLE, "text", "label"),
                 lambda: store.save_upload(name, TABLE)):
        with pytest.raises(DatasetError, match=r"^The uploaded file has no usable name; rename it"):
            call()
    assert not uploads_dir().exists() or not any(uploads_dir().rglob("*.*"))  # nothing was stored


@pytest.mark.parametrize("name", NO_NAMES)
def test_a_vector_file_named_dot_or_dot_dot_is_refused_with_one_sentence(name, private_store):
    from lib.vectors import VectorError
    from lib.vectors.files import load_vector_file
    from ui import sources

    for call in (lambda: load_vector_file(name, VECTORS), lambda: sources.add_uploaded_vectors(name, VECTORS)):
        with pytest.raises(VectorError, match=r"^The uploaded file has no usable name; rename it"):
            call()


def test_ordinary_upload_names_still_work(private_store):
    from lib.data import tables
    from lib.vectors.files import load_vector_file

    assert tables.table_columns("..reviews.csv", TABLE) == ["text", "label"]
    assert len(load_vector_file("my vectors.txt", VECTORS).index_to_key) == 2


# --- 4. exports: formulas in text are neutralised, numbers are not ------------------------------------------------


def test_projector_metadata_neutralises_formulas_like_the_csv_export():
    import numpy as np

    from lib import exports

    words = ['=HYPERLINK("http://evil","x")', "+cmd", "@SUM(A1)", "-bad", "good", "\t=1"]
    matrix = np.ones((len(words), 2), np.float32)
    _, single = exports.projector_files(words, matrix)
    expected = ["'=HYPERLINK(\"http://evil\",\"x\")", "'+cmd", "'@SUM(A1)", "'-bad", "good", "'=1"]
    assert single.splitlines() == expected
    assert single.splitlines() == [exports.neutralise_cell(exports.sanitize_token(w)) for w in words]  # one rule
    scores = [-0.086, 0.5, float("nan"), -1234567.0, 2.0, -3e-7]
    _, table = exports.projector_files(words, matrix, {"=sentiment": scores})
    rows = [line.split("\t") for line in table.splitlines()]
    assert rows[0] == ["word", "'=sentiment"]
    assert [r[0] for r in rows[1:]] == expected
    assert [r[1] for r in rows[1:]] == ["-0.086", "0.5", "<empty>", "-1.235e+06", "2", "-3e-07"]  # numbers as numbers


def test_numbers_in_csv_exports_are_never_neutralised():
    import io

    import pandas as pd

    from lib import exports, wordbench

    row = wordbench.table_row("GloVe", wordbench.Benchmarks(wordbench.Score(-0.086, 300, 353),
                                                              wordbench.Score(-0.25, 900, 999),
                                                              wordbench.Score(0.5, 10, 20)))
    text = exports.table_csv(pd.DataFrame([row])).decode("utf-8-sig")
    assert "-0.086" in text and "'-0.086" not in text and "'-0.250" not in text
    df = pd.DataFrame({"word": ["-0.5", "+1.5e-3", "-12%", "-1+2", "-0.5\x00", "1-2"],
                       "score": [-0.086, 1.0, -2.5, 0.0, 3.0, -1e-9]})
    back = pd.read_csv(io.BytesIO(exports.table_csv(df)), encoding="utf-8-sig", keep_default_na=False)
    assert back["word"].tolist() == ["-0.5", "+1.5e-3", "-12%", "'-1+2", "'-0.5", "1-2"]
    assert back["score"].tolist() == df["score"].tolist()
    assert text.splitlines()[1].split(",")[1] == "-0.086"


# --- 5. a run's arrays are checked before they are allocated -------------------------------------------------------


def _npy_claiming(shape: tuple, descr: str = "<f4", data: bytes = b"\0" * 64) -> bytes:
    """A hand-written .npy (version 1.0) whose header claims ``shape``, followed by only ``data``."""
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}"
    header += " " * (-(10 + len(header) + 1) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode("latin1") + data


@pytest.mark.parametrize("file_name", ["embedding_initial.npy", "embedding_final.npy"])
@pytest.mark.parametrize("shape", [(10**6, 10**6), (3, 10**6), (3, 900), (10**12,), (1, 12)])
def test_a_run_matrix_claiming_a_huge_shape_is_refused_before_it_is_allocated(file_name, shape, private_store,
                                                                               monkeypatch):
    import numpy as np

    from lib import runs

    saved = _save_run()
    (saved.path / file_name).write_bytes(_npy_claiming(shape))
    real_load = np.load

    def load(path, *args, **kwargs):
        assert not str(path).endswith(file_name), "np.load was reached for a file claiming an impossible shape"
        return real_load(path, *args, **kwargs)

    monkeypatch.setattr(np, "load", load)
    with pytest.raises(runs.RunStoreError, match=r"^The embeddings of run .* could not be read; the folder is damaged"):
        runs.load_embeddings(saved.run_id)
    assert [r.run_id for r in runs.list_runs()[0]] == [saved.run_id]  # the run is still listed; the others unharmed


def test_the_hand_written_header_is_what_numpy_reads():
    import io

    import numpy as np

    fh = io.BytesIO(_npy_claiming((10**6, 10**6)))
    assert np.lib.format.read_magic(fh) == (1, 0)
    assert np.lib.format.read_array_header_1_0(fh) == ((10**6, 10**6), False, np.dtype("<f4"))
    assert np.load(io.BytesIO(_npy_claiming((4, 4)))).shape == (4, 4)  # and a truthful one loads


def test_predictions_claiming_more_than_their_file_holds_are_refused_unread(private_store, monkeypatch):
    import numpy as np

    from lib import runs

    saved = _save_run()
    (saved.path / runs.PREDICTIONS_FILE).write_bytes(_npy_claiming((10**6, 10**6), "<f2"))
    np.save(saved.path / runs.TEST_LABELS_FILE, np.zeros(4, np.int16))
    monkeypatch.setattr(np, "load", lambda *a, **k: pytest.fail("np.load reached"))
    with pytest.raises(runs.RunStoreError, match="could not be read; the folder is damaged"):
        runs.load_predictions(saved.run_id)


# --- 6. Parquet texts stored as bytes, and labels that are long numbers -----------------------------------------


def _parquet_bytes(columns: dict) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = pa.BufferOutputStream()
    pq.write_table(pa.table(columns), buffer)
    return buffer.getvalue().to_pybytes()


def test_a_parquet_text_column_of_bytes_is_read_as_utf8_or_refused_with_one_sentence(private_store):
    import pyarrow as pa

    from lib.data import uploads
    from lib.data.dataset import DatasetError

    labels = pa.array(["pos", "neg"] * 10)
    good = [f"caf\u00e9 {i}".encode() for i in range(20)]
    dataset = uploads.dataset_from_upload("bytes.parquet", _parquet_bytes({"text": pa.array(good, pa.binary()),
                                                                          "label": labels}), "text", "label")
    assert sorted(dataset.train_texts + dataset.test_texts) == sorted(t.decode() for t in good)
    bad = good[:7] + [b"caf\xe9 latin-1"] + good[8:]
    for column in (pa.array(bad, pa.binary()), pa.array(bad, pa.large_binary())):
        with pytest.raises(DatasetError, match=r"^The column “text” of bad\.parquet holds bytes that are not UTF-8 text \(row 8\)"):
            uploads.dataset_from_upload("bad.parquet", _parquet_bytes({"text": column, "label": labels}), "text", "label")
    with pytest.raises(DatasetError, match=r"^The column “text” holds bytes that are not UTF-8 text \(row 8\)"):
        uploads.dataset_from_table(pd_frame({"text": bad, "label": labels.to_pylist()}), "text", "label", "t")


def pd_frame(columns: dict):
    import pandas as pd

    return pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in columns.items()})


def test_huge_integer_labels_stay_exact_and_apart(private_store):
    import decimal

    import pyarrow as pa

    from lib.data import uploads

    ids = ["99999999999999999999999", "99999999999999999999998", "18446744073709551617"]
    rows = "".join(f"text {i},{ids[i % 3]}\n" for i in range(30))
    dataset = uploads.dataset_from_upload("ids.csv", ("text,label\n" + rows).encode(), "text", "label")
    assert dataset.class_names == sorted(ids, key=int)  # three classes, every digit kept, in numeric order
    # in Parquet: 64-bit ids beyond a float's 53 bits (with a missing label, which used to turn them into floats)
    near = [2**53 + 1, 2**53, None] * 10
    decimals = [decimal.Decimal(i) for i in ids] * 10
    texts = pa.array([f"text {i}" for i in range(30)])
    for label, expected in ((pa.array(near, pa.int64()), [str(2**53), str(2**53 + 1)]),
                            (pa.array(decimals, pa.decimal128(38, 0)), sorted(ids, key=int))):
        data = _parquet_bytes({"text": texts, "label": label})
        assert uploads.dataset_from_upload("ids.parquet", data, "text", "label").class_names == expected
    assert uploads.label_classes(["1", "1.0", "01", "+1", "2.50", "2.5"])[0] == ["1", "2.5"]  # one number, one class


# --- 7. numbers that mean nothing are not shown as findings ----------------------------------------------------


def test_an_all_zero_vector_has_no_cosine_and_no_rank():
    import numpy as np

    from lib import neighbours
    from lib.vectors.matrix import keyed_vectors_from_arrays

    words = ["good", "bad", "fine", "awful"]
    matrix = np.array([[0, 0, 0], [1, 0, 0], [0.9, 0.1, 0], [0, 1, 0]], np.float32)  # "good" is all zeros
    kv = keyed_vectors_from_arrays(words, matrix)
    sentence = r"^“good” has an all-zero vector in my run, so it points in no direction: its closeness .* is undefined"
    for ask in (lambda: neighbours.cosine(kv, "good", "bad", "my run"), lambda: neighbours.cosine(kv, "bad", "good", "my run"),
                lambda: neighbours.rank_of(kv, "good", "bad", "my run"), lambda: neighbours.rank_of(kv, "bad", "good", "my run"),
                lambda: neighbours.pair_reading(kv, "my run", "good", "bad")):
        with pytest.raises(neighbours.ZeroVectorError, match=sentence):  # was cosine 0.0 and "neighbour #1"
            ask()
    assert issubclass(neighbours.ZeroVectorError, neighbours.NeighbourError)  # a UserError: pages show its sentence
    assert neighbours.cosine(kv, "bad", "fine") == pytest.approx(0.9 / np.hypot(0.9, 0.1))
    assert neighbours.rank_of(kv, "bad", "fine") == 1 and neighbours.rank_of(kv, "bad", "awful") == 2


def test_a_run_vocabulary_is_bounded_before_it_is_read(private_store, monkeypatch):
    from pathlib import Path

    from lib import runs

    saved, other = _save_run(), _save_run(vocab=("", "a", "film"))
    vocab = saved.path / "vocab.txt"
    monkeypatch.setattr(runs, "MAX_VOCAB_BYTES", 4096)
    monkeypatch.setattr(runs, "MAX_WORD_BYTES", 100)
    real_read = Path.read_bytes
    for hostile, why in ((b"\n" * 5000, "larger than 4,096 bytes"),   # refused from its size, unread
                         (b"\n" * 2000, "has 2,000 lines"),            # 2,000 lines for a 3-row matrix
                         (b"\nthe\n" + b"m" * 101 + b"\n", "a line longer than 100 bytes")):
        vocab.write_bytes(hostile)
        reads = []
        monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self.name) or real_read(self))
        with pytest.raises(runs.RunStoreError, match=r"^The embeddings of run .* could not be read; the folder is damaged") as err:
            runs.load_embeddings(saved.run_id)
        assert why in str(err.value.__cause__)  # refused by its bound, before the words were split and decoded
        assert reads == ([] if len(hostile) > 4096 else ["vocab.txt"])  # the too-large one was never read
        monkeypatch.setattr(Path, "read_bytes", real_read)
    assert runs.load_embeddings(other.run_id)[0] == ["", "a", "film"]  # the other run is unharmed
    assert {r.run_id for r in runs.list_runs()[0]} == {saved.run_id, other.run_id}
    with pytest.raises(runs.RunStoreError, match="vocabulary is too large to store"):
        _save_run(vocab=("", "the", "m" * 101))  # never saved, so never unreadable


# --- 8. crash leftovers: cleared at start-up when no live process owns them ------------------------------------


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_temporary_names_say_who_writes_them(private_store):
    from lib import io

    with io.atomic_path(private_store / "run.json") as tmp:
        assert io.temp_writer(tmp.name) == (io.HOST, os.getpid())
        assert tmp.name.startswith(".tmp-run.json~")
    assert not list(private_store.glob(".tmp-*"))


def test_leftovers_of_a_dead_writer_on_this_host_are_cleared_at_start_up(private_store, monkeypatch):
    from lib import io, runs

    monkeypatch.setattr(io, "_ready_stores", set())  # as in a freshly started server
    folder = runs.runs_dir()
    folder.mkdir(parents=True, exist_ok=True)
    dead, alive = _dead_pid(), os.getpid()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        young = time.time()
        half_hour_ago = young - 1800
        made = {
            f".tmp-20261202-run~{io.HOST}~{dead}~abc": (young, False),         # its writer died: cleared at once
            f".tmp-upload~{io.HOST}~{dead}~x1": (young, False),
            f".tmp-20261202-live~{io.HOST}~{alive}~abc": (young, True),        # this process is writing it
            f".tmp-upload~{io.HOST}~{sleeper.pid}~x2": (young, True),         # a live process on this host
            f".tmp-reused~{io.HOST}~{sleeper.pid}~x3": (half_hour_ago, False),  # older than the process with its id
            f".tmp-20261202-run~other-server~{dead}~abc": (young, True),    # another host's: maybe alive, young
            f".tmp-20261202-run~other-server~{dead}~def": (young - 7200, False),  # ... but not after an hour
            ".tmp-untagged.x7": (young, True),                                # says nothing: only the age counts
            ".tmp-untagged.x8": (young - 7200, False),
        }
        for name, (when, _) in made.items():
            path = folder / name
            if "run" in name:
                path.mkdir()
                (path / "config.json").write_text("{}")
            else:
                path.write_bytes(b"half")
            os.utime(path, (when, when))
        runs.list_runs()  # the first use of the store in this process
        kept = {p.name for p in folder.iterdir()}
        assert kept == {name for name, (_, keep) in made.items() if keep}
    finally:
        sleeper.kill()
        sleeper.wait()


# --- 9. upload quotas: per session and for the whole server ------------------------------------------------------


def _table(tag: str, rows: int = 40) -> bytes:
    return ("text,label\n" + "".join(f"{tag} review number {i} of some length,{'pos' if i % 2 else 'neg'}\n"
                                     for i in range(rows))).encode()


@pytest.fixture
def quotas(private_store, monkeypatch):
    from lib.data import quota

    monkeypatch.setattr(quota, "LEDGER", quota.Ledger())
    return quota


def _stored(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def test_a_session_may_store_only_so_much_and_is_told_how_much(quotas, monkeypatch):
    from lib.data import uploads
    from lib.data.dataset import DatasetError
    from lib.paths import uploads_dir

    first = uploads.dataset_from_upload("first.csv", _table("first"), "text", "label", owner="session-a")
    used = quotas.LEDGER.used("session-a")
    assert used > len(_table("first"))  # the file and the dataset stored from it
    monkeypatch.setattr(quotas, "MAX_SESSION_BYTES", used + 1000)  # room for the first, not for a second
    before = _stored(uploads_dir())
    with pytest.raises(DatasetError, match=r"^Your uploads on this server already take \d+\.\d\d MB and this one "
                                           r"needs \d+\.\d\d MB; a session may keep \d+\.\d\d MB\. Upload a smaller "
                                           r"sample \(at most 0\.00 MB\), or keep working with the datasets"):
        uploads.dataset_from_upload("second.csv", _table("second"), "text", "label", owner="session-a")
    assert _stored(uploads_dir()) == before  # nothing of the refused upload stayed, nothing earlier was lost
    again = uploads.dataset_from_upload("first.csv", _table("first"), "text", "label", owner="session-a")
    assert again.key == first.key  # the same file again takes no more room
    other = uploads.dataset_from_upload("second.csv", _table("second"), "text", "label", owner="session-b")
    assert other.key != first.key  # another session has its own room


def test_the_server_stores_only_so_much_and_keeps_what_it_has(quotas, monkeypatch):
    from lib.data import store, uploads
    from lib.data.dataset import DatasetError
    from lib.paths import uploads_dir

    kept = uploads.dataset_from_upload("kept.csv", _table("kept"), "text", "label", owner="session-a")
    total = quotas.size_of([uploads_dir()])
    monkeypatch.setattr(quotas, "MAX_TOTAL_BYTES", total + len(_table("late")) + 10)  # the file fits, its dataset not
    before = _stored(uploads_dir())
    with pytest.raises(DatasetError, match=r"^The server's space for uploads is full: this upload needs \d+\.\d\d MB "
                                           r"and \d+\.\d\d MB of \d+\.\d\d MB are left\. Upload a smaller sample, or "
                                           r"ask whoever runs the server to delete old uploads\.$"):
        uploads.dataset_from_upload("late.csv", _table("late"), "text", "label", owner="session-c")
    assert _stored(uploads_dir()) == before  # what it had written was taken back, and only that
    assert store.dataset_by_key(kept.key).train_texts == kept.train_texts
    monkeypatch.setattr(quotas, "MAX_TOTAL_BYTES", total - 1)  # already over: refused before writing anything
    with pytest.raises(DatasetError, match="space for uploads is full"):
        uploads.dataset_from_upload("late.csv", _table("late"), "text", "label")
    assert _stored(uploads_dir()) == before
