"""Uploads and downloads on a public server: hostile files stay bounded, storage survives crashes and full disks.

The memory tests run the loader in a child process under ``RLIMIT_AS`` (address
space) with only the modules it needs (``lib.vectors.files`` / ``lib.data.tables``, never
TensorFlow), and check that a crafted file ends in one clean sentence - not a
``MemoryError``, not a killed process - and how much memory the child needed
(``ru_maxrss``). The crafted files are written here in pieces, so the test
process never holds what they unpack to.
"""
from __future__ import annotations

import errno
import gzip
import io
import os
import threading
import time
import tomllib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lib.io as lib_io
from lib import online

from lib import exports
from lib.data import dataset, imdb, keys, parquet, store, tables, uploads
from lib.data.dataset import DatasetError
from lib.paths import REPO_ROOT, cache_dir, uploads_dir
from lib.vectors import VectorError, packaged
from lib.vectors import files as vector_files
from lib.vectors.matrix import keyed_vectors_from_arrays
from lib.vectors.word2vec import train_word2vec

from tests.memory_probe import run_limited as _run_limited, run_limited_each as _run_limited_each


def _gzip_file(path: Path, pieces) -> Path:
    with gzip.open(path, "wb", compresslevel=6) as f:
        for piece in pieces:
            f.write(piece)
    return path


def _repeat(block: bytes, total: int):
    for _ in range(total // len(block)):
        yield block


# --- 1. vector files are bounded before they are parsed ------------------------------------------------------


def test_vector_files_with_one_huge_row_are_refused_in_bounded_memory(tmp_path):
    # ~50 KB of gzip that unpacks to a 32 MB row. A 200 MB one once drove the server to 5.6 GB: holding the row,
    # as gensim's readline does, costs at least its size, and the check below allows half of it.
    huge = 32 * 1024 * 1024
    crafted = {
        "word2vec-text": [b"2 50\nthe ", *_repeat(b"0.1 " * 65536, huge), b"\ncat " + b"0.5 " * 50 + b"\n"],
        "glove": [b"the " + b"0.5 " * 50 + b"\ncat ", *_repeat(b"0.1 " * 65536, huge), b"\n"],
        "binary": [b"2 50\n", *_repeat(b"\x01" * 262144, huge)],  # binary word2vec whose first "word" never ends
    }
    paths = [_gzip_file(tmp_path / f"{kind}.txt.gz", pieces) for kind, pieces in crafted.items()]
    assert all(path.stat().st_size < 500_000 for path in paths)
    for path, out in zip(paths, _run_limited_each("lib.vectors.files", "load_vector_file", [(p, p.name) for p in paths],
                                                  tmp_path)):
        assert out["error"] == "VectorError", out
        assert "longer than" in out["message"] and path.name in out["message"]
        assert out["peak_mb"] - out["before_mb"] < huge / 2**20 / 2, out  # the input and a few 1 MB pieces
        assert out["seconds"] < 30


def test_gzip_that_unpacks_beyond_the_cap_is_stopped_early(tmp_path):
    # Well-formed lines, just far too many: the cap (lowered here to 16 MB) must stop the unpacking without
    # holding what came out; the file unpacks to 64 MB.
    cap = 16 * 1024 * 1024
    line = b"the " + b"0.25 " * 50 + b"\n"
    path = _gzip_file(tmp_path / "many.txt.gz", _repeat(line * 4096, 4 * cap))
    out = _run_limited("lib.vectors.files", "load_vector_file", path, path.name, tmp_path, _patch={"MAX_FILE_BYTES": cap})
    assert out["error"] == "VectorError" and "unpacks to more than 17 MB" in out["message"], out
    assert out["peak_mb"] - out["before_mb"] < cap / 2**20, out


def test_loading_a_real_sized_file_needs_a_small_multiple_of_its_matrix(tmp_path):
    rng = np.random.default_rng(0)
    words, dims = 20_000, 100  # 17 MB of text
    path = tmp_path / "real.txt"
    line = "w%d " + " ".join(["%.5f"] * dims) + "\n"
    with open(path, "w") as f:
        f.write(f"{words} {dims}\n")
        for start in range(0, words, 5_000):
            block = rng.normal(size=(5_000, dims)).astype(np.float32)
            f.writelines(line % (start + i, *row) for i, row in enumerate(block.tolist()))
    matrix_mb = words * dims * 4 / 2**20
    out = _run_limited("lib.vectors.files", "load_vector_file", path, path.name, tmp_path)
    assert out["ok"] and out["shape"] == [words, dims], out
    assert out["peak_mb"] - out["before_mb"] < 3 * matrix_mb + 16, out  # measured: about twice the matrix


# --- 2. duplicate words ------------------------------------------------------------------------------------


def test_duplicate_words_keep_the_first_row_and_never_leave_none(tmp_path):
    rows = [
        b"the 1 2 3", b"caf\xe9 4 5 6", b"caf\xff 7 8 9",      # two byte strings, both "caf\ufffd" once decoded
        "cafe\u0301 1 1 1".encode(), "caf\u00e9 2 2 2".encode(),  # NFD and NFC spellings of one word
        b"the 0 0 0", b"good 3 3 3",
    ]
    for name, data in [("dups.txt", f"{len(rows)} 3\n".encode() + b"\n".join(rows) + b"\n"),
                       ("dups_glove.txt.gz", gzip.compress(b"\n".join(rows) + b"\n"))]:
        kv = vector_files.load_vector_file(name, data)
        assert None not in kv.index_to_key, name
        assert len(set(kv.index_to_key)) == len(kv.index_to_key) == len(kv.vectors) == 4, kv.index_to_key
        assert kv.index_to_key == ["the", "caf\ufffd", "caf\u00e9", "good"]
        assert np.array_equal(kv["the"], [1, 2, 3]) and np.array_equal(kv["caf\u00e9"], [1, 1, 1])
        assert any("3 rows repeat a word" in n for n in kv.notes), kv.notes
        assert kv.most_similar("good", topn=3)  # neighbour lists work (no None keys, no zero rows)


def test_binary_duplicates_are_dropped_too(tmp_path):
    kv = keyed_vectors_from_arrays(["a", "b"], np.eye(2, dtype=np.float32))
    kv.save_word2vec_format(str(tmp_path / "v.bin"), binary=True)
    body = (tmp_path / "v.bin").read_bytes().split(b"\n", 1)[1]
    data = b"3 2\n" + body + b"a " + np.array([9, 9], np.float32).tobytes() + b"\n"
    got = vector_files.load_vector_file("v.bin", data)
    assert got.index_to_key == ["a", "b"] and np.array_equal(got["a"], [1, 0])
    assert "1 row repeats a word" in " ".join(got.notes)


# --- 3. tables ---------------------------------------------------------------------------------------------


def _parquet_bomb(path: Path, rows: int = 1_000_000, extra: dict | None = None) -> Path:
    """A column of ``rows`` copies of one 2,700-character text: dictionary-encoded, a few KB on disk.

    The metadata's sizes are honest and tiny (one dictionary entry, run-length
    encoded indices), so only measuring what the texts decode to catches it.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    text = pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows, np.int32)), pa.array(["x" * 2700]))
    columns = {"junk": text, **(extra or {})}
    # store_schema=False: like a file from another tool, nothing tells pandas to keep the texts as categories
    pq.write_table(pa.table(columns), path, compression="zstd", store_schema=False)
    return path


def test_parquet_bomb_is_refused_before_decoding(tmp_path):
    path = _parquet_bomb(tmp_path / "bomb.parquet")
    assert path.stat().st_size < 1_000_000  # decodes to 2.7 GB of text
    out = _run_limited("lib.data.tables", "read_table", path, "bomb.parquet", tmp_path)
    assert out["error"] == "DatasetError" and "MB of memory once unpacked" in out["message"], out
    assert out["peak_mb"] - out["before_mb"] < 200, out


def test_an_ordinary_parquet_upload_reads_in_bounded_memory(tmp_path):
    texts = [f"review {i} " + "a fairly ordinary sentence about a film. " * 30 for i in range(50_000)]
    path = tmp_path / "reviews.parquet"
    pd.DataFrame({"text": texts, "label": ["pos", "neg"] * 25_000}).to_parquet(path, index=False)
    text_mb = sum(map(len, texts)) / 2**20
    out = _run_limited("lib.data.tables", "read_table", path, "reviews.parquet", tmp_path)
    assert out["ok"] and out["shape"] == [50_000, 2], out
    assert out["peak_mb"] - out["before_mb"] < 6 * text_mb + 100, out


def test_parquet_reads_only_the_chosen_columns(tmp_path, monkeypatch):
    import pyarrow as pa

    monkeypatch.setattr(parquet, "MAX_DECODED_BYTES", 100 * 1024 * 1024)  # lowered: the junk decodes to 270 MB
    n = 100_000
    labels = pa.DictionaryArray.from_arrays(pa.array(np.arange(n, dtype=np.int32) % 2), pa.array(["neg", "pos"]))
    texts = pa.array([f"review {i}" for i in range(n)])
    path = _parquet_bomb(tmp_path / "wide.parquet", rows=n, extra={"text": texts, "label": labels})
    data = path.read_bytes()
    with pytest.raises(DatasetError, match="once unpacked"):
        tables.read_table("wide.parquet", data)  # all columns: the junk one is too big
    assert tables.table_columns("wide.parquet", data) == ["junk", "text", "label"]  # from the schema alone
    df = tables.read_table("wide.parquet", data, columns=["text", "label"])
    assert list(df.columns) == ["text", "label"] and len(df) == n
    assert df["label"].tolist()[:2] == ["neg", "pos"] and df["text"].dtype != "category"


def test_csv_separator_is_guessed_from_a_bounded_prefix_in_linear_time(monkeypatch):
    import csv

    monkeypatch.setattr(csv.Sniffer, "sniff", lambda *a, **k: pytest.fail("csv.Sniffer is quadratic on crafted input"))
    crafted = ("text,label\n" + ', "' * 6000).encode()  # csv.Sniffer needs seconds for these 18 KB
    started = time.perf_counter()
    try:
        tables.read_table("crafted.csv", crafted)
    except DatasetError:
        pass
    assert time.perf_counter() - started < 1.0
    wide = ("," * 300_000 + "\n" + "," * 300_000 + "\n").encode()  # pandas needs 18 s for this one
    started = time.perf_counter()
    with pytest.raises(DatasetError, match="300,001 columns"):
        tables.read_table("wide.csv", wide)
    assert time.perf_counter() - started < 1.0
    assert tables.sniff_delimiter("a;b\n1;2\n") == ";"
    assert tables.sniff_delimiter("text\tlabel\nfun, really\tpos\n") == "\t"
    assert tables.sniff_delimiter('text,label\n"a; b, c",pos\n') == ","


def test_csv_line_longer_than_the_bound_is_refused():
    data = b"text,label\nshort,pos\n" + b"x" * (tables.MAX_LINE_BYTES + 10) + b",neg\n"
    with pytest.raises(DatasetError, match=r"line 3.*longer than"):
        tables.read_table("long.csv", data)


def test_read_table_parses_each_upload_once_and_hands_out_copies(monkeypatch):
    data = b"text,label\n" + b"".join(f"review {i},{'pos' if i % 2 else 'neg'}\n".encode() for i in range(50))
    calls = []
    real = tables._read_table_uncached
    monkeypatch.setattr(tables, "_read_table_uncached", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = tables.read_table("mine.csv", data)
    first.loc[0, "text"] = "changed by a page"
    first["extra"] = 1
    second = tables.read_table("renamed.csv", data)
    assert len(calls) == 1
    assert second.loc[0, "text"] == "review 0" and "extra" not in second.columns
    bad = b"a,b\nonly in this test,2\n3,4,5,6\n"  # bytes no other test uses: the cache is per process
    for name in ("bad.csv", "other.csv"):
        with pytest.raises(DatasetError, match=name.replace(".", r"\.")):
            tables.read_table(name, bad)
    assert len(calls) == 2  # the refusal is remembered too


def test_missing_label_markers_never_become_a_class():
    rows = ["text,label"] + [f"text {i},{'pos' if i % 2 else 'neg'}" for i in range(20)]
    rows += ["nan one,NaN", "na two,NA", "empty three,", "null four,null", "none five, None "]
    ds = uploads.dataset_from_upload("labels.csv", "\n".join(rows).encode(), "text", "label")
    assert ds.class_names == ["neg", "pos"]
    assert len(ds.train_texts) + len(ds.test_texts) == 20
    assert "5 rows without a label" in ds.notes
    with pytest.raises(DatasetError, match="no label column called “stars”"):
        uploads.dataset_from_upload("labels.csv", "\n".join(rows).encode(), "text", "stars")


# --- 4. storage that survives crashes and full disks ---------------------------------------------------------


def _age(path: Path, seconds: float) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


@pytest.fixture
def fresh_stores(monkeypatch):
    """Forget which stores were already prepared, so the next use clears stale files again."""
    monkeypatch.setattr(lib_io, "_ready_stores", set())


def test_stale_temporary_files_are_cleared_on_first_use(fresh_stores, small_text_vectors):
    files = uploads_dir() / "files"
    scratch = cache_dir()
    for folder in (files, scratch):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / ".tmp-crashed").write_bytes(b"x" * 1000)
        _age(folder / ".tmp-crashed", 2 * 3600)
        (folder / ".tmp-writing-now").write_bytes(b"x")
    (scratch / ".tmp-crashed-dir").mkdir()
    _age(scratch / ".tmp-crashed-dir", 2 * 3600)
    (files / "0123456789ab").mkdir(exist_ok=True)  # a crash inside one upload's own folder
    (files / "0123456789ab" / ".tmp-a.csv.x1").write_bytes(b"half")
    _age(files / "0123456789ab" / ".tmp-a.csv.x1", 2 * 3600)
    store.save_upload("a.csv", b"text,label\nx,1\n")
    vector_files.load_vector_file("v.txt", small_text_vectors)
    for folder in (files, scratch):
        assert not (folder / ".tmp-crashed").exists()
        assert (folder / ".tmp-writing-now").exists()  # young: may belong to a write in progress
        (folder / ".tmp-writing-now").unlink()
    assert not (scratch / ".tmp-crashed-dir").exists()
    assert not (files / "0123456789ab" / ".tmp-a.csv.x1").exists()


@pytest.fixture
def small_text_vectors() -> bytes:
    return b"3 2\nthe 0.1 0.2\ngood 0.3 0.4\nbad 0.5 0.6\n"


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_disk_full_while_storing_an_upload_is_one_sentence(monkeypatch):
    monkeypatch.setattr(os, "fsync", _disk_full)  # lib.io.atomic_write fsyncs every file it writes
    with pytest.raises(DatasetError, match="disk is full") as err:
        store.save_upload("full.csv", b"text,label\nfull disk,1\n")
    assert "/" not in str(err.value)  # no server path
    assert not list((uploads_dir() / "files").rglob(".tmp-*"))


def test_disk_full_while_storing_a_dataset_leaves_no_temporary_folder(monkeypatch):
    table = pd.DataFrame({"text": [f"t{i}" for i in range(20)], "label": ["a", "b"] * 10})
    ds = uploads.dataset_from_table(table, "text", "label", "t.csv", key="upload-diskfull")
    import pyarrow.parquet as pq

    monkeypatch.setattr(pq.ParquetWriter, "write_table", _disk_full)  # the disk fills while the rows are written
    with pytest.raises(DatasetError, match="disk is full"):
        store.save_dataset(ds)
    root = uploads_dir() / "datasets"
    assert not list(root.glob(".tmp-*")) and not (root / ds.key).exists()


def test_a_failed_word2vec_cache_write_still_returns_the_vectors(monkeypatch):
    from gensim.models import KeyedVectors

    monkeypatch.setattr(KeyedVectors, "save_word2vec_format", _disk_full)
    corpus = ["the good film was good", "the bad film was bad"] * 10
    kv = train_word2vec(corpus, dim=4, epochs=1, workers=1, cache_key="disk-full")
    assert "good" in kv.key_to_index
    folder = cache_dir() / "word2vec"
    assert not list(folder.glob("disk-full-*")) and not list(folder.glob(".tmp-*"))


def test_the_temporary_copy_for_gensim_is_removed_even_when_gensim_crashes(monkeypatch, small_text_vectors):
    from gensim.models import KeyedVectors

    def crash(*args, **kwargs):
        raise RuntimeError("gensim crashed")

    monkeypatch.setattr(KeyedVectors, "load_word2vec_format", classmethod(lambda cls, *a, **k: crash()))
    with pytest.raises(RuntimeError):
        vector_files.load_vector_file("v.txt", small_text_vectors)
    assert not list(cache_dir().glob(".tmp-*")) and not list(cache_dir().glob(".upload-*"))


# --- 5. exports --------------------------------------------------------------------------------------------


def test_csv_export_neutralises_formulas_but_keeps_numbers():
    df = pd.DataFrame({
        "word": ['=HYPERLINK("http://evil","x")', "+1+cmd", "-cmd", "@SUM(A1)", "\t=1", "\r=1", "good", "-0.5"],
        "similarity": [-0.5, 0.25, 1.0, -1.0, 0.0, 0.5, 0.75, -0.125],
    })
    back = pd.read_csv(io.BytesIO(exports.table_csv(df)), encoding="utf-8-sig", keep_default_na=False)
    words = back["word"].tolist()
    assert all(w.startswith("'") for w in words[:6]), words
    assert words[6] == "good" and words[7] == "-0.5"  # a number written as text is no formula: left alone
    assert back["similarity"].dtype == np.float64 and back["similarity"].tolist() == df["similarity"].tolist()
    header = pd.DataFrame({"=cmd": [1]})
    assert exports.table_csv(header).decode("utf-8-sig").splitlines()[0] == "'=cmd"


def test_control_characters_are_stripped_from_words_in_every_export():
    words = ["bell\x07", "esc\x1b[31mred", "nul\x00", "rtl\u202eevil", "ok"]
    matrix = np.ones((len(words), 2), np.float32)
    expected = ["bell", "esc[31mred", "nul", "rtlevil", "ok"]
    tokens, _, _ = exports.read_projector_zip(exports.projector_zip(words, matrix))
    assert tokens == expected
    w2v = exports.word2vec_text(words, matrix).decode("utf-8")
    assert [line.split(" ")[0] for line in w2v.splitlines()[1:]] == expected
    csv_text = exports.table_csv(pd.DataFrame({"word": words})).decode("utf-8-sig")
    assert csv_text.splitlines()[1:] == expected
    assert not any(ch in csv_text for ch in "\x07\x1b\x00\u202e")


# --- 6. downloads --------------------------------------------------------------------------------------------


class _LocalServer:
    """A local HTTP server on a free port, serving ``Handler`` until :meth:`close` (which also sets ``release``)."""

    def _serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        handler.log_message = lambda *args: None  # keep the test output quiet
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class _StallingServer(_LocalServer):
    """A local HTTP server that sends headers and a few bytes of the body, then goes silent."""

    def __init__(self):
        release = self.release = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                self.send_response(200)
                self.send_header("Content-Length", "1000000")
                self.end_headers()
                self.wfile.write(b"x" * 100)
                self.wfile.flush()
                release.wait(10)  # stall; released when the test ends

        self._serve(Handler)


@pytest.fixture
def stalling_server():
    server = _StallingServer()
    yield server
    server.close()


def test_a_stalled_download_ends_with_a_sentence(stalling_server, tmp_path):
    started = time.perf_counter()
    with pytest.raises(VectorError, match="stopped sending data for more than 0.5 s"):
        online.download_file(stalling_server.url + "/file.gz", tmp_path / "file.gz", "the test file", error=VectorError,
                              connect_timeout=2, read_timeout=0.5)
    assert time.perf_counter() - started < 5
    assert not list(tmp_path.iterdir())  # neither the file nor its temporary copy


def test_a_server_that_never_answers_ends_with_a_sentence(tmp_path):
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)  # never accepts: once its queue is full, new connections get no answer
    port = server.getsockname()[1]
    fillers = []
    try:
        for _ in range(5):
            filler = socket.socket()
            filler.settimeout(0.3)
            fillers.append(filler)
            try:
                filler.connect(("127.0.0.1", port))
            except OSError:
                break  # the queue is full
        else:
            pytest.skip("this kernel answers every connection; a connect timeout cannot be staged locally")
        started = time.perf_counter()
        with pytest.raises(VectorError, match="did not answer within 0.5 s"):
            online.download_file(f"http://127.0.0.1:{port}/x.gz", tmp_path / "x.gz", "the test file", error=VectorError,
                                  connect_timeout=0.5, read_timeout=5)
        assert time.perf_counter() - started < 4
    finally:
        for filler in fillers:
            filler.close()
        server.close()


class _TricklingServer(_LocalServer):
    """A local HTTP server that sends ``body`` a few bytes at a time, each well within any read timeout."""

    def __init__(self, body: bytes, piece: int, pause: float):
        release = self.release = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                for start in range(0, len(body), piece):
                    if release.is_set():
                        return
                    self.wfile.write(body[start: start + piece])
                    self.wfile.flush()
                    release.wait(pause)

        self._serve(Handler)


def test_a_download_that_trickles_in_ends_at_its_deadline(tmp_path):
    # 1,000 bytes every 20 ms: never silent for the 2 s read timeout, but it would take 20 s in all
    server = _TricklingServer(b"x" * 1_000_000, 1_000, 0.02)
    try:
        started = time.perf_counter()
        with pytest.raises(VectorError, match=r"^Downloading the test file stopped: it was still arriving after 1 s"):
            online.download_file(server.url + "/slow.gz", tmp_path / "slow.gz", "the test file", error=VectorError,
                                 connect_timeout=2, read_timeout=2, deadline=1)
        assert time.perf_counter() - started < 4  # the deadline, plus at most one read timeout
        assert not list(tmp_path.iterdir())  # neither the file nor its temporary copy
    finally:
        server.close()
    quick = _TricklingServer(bytes(range(256)) * 4_000, 300_000, 0.0)  # and a download within it arrives whole
    try:
        path = online.download_file(quick.url + "/ok.gz", tmp_path / "ok.gz", "the test file", error=VectorError,
                                    connect_timeout=2, read_timeout=2, deadline=10)
        assert path.read_bytes() == bytes(range(256)) * 4_000
    finally:
        quick.close()


def test_stanford_and_gensim_data_downloads_time_out(stalling_server, monkeypatch, tmp_path):
    import gensim.downloader as api

    monkeypatch.setattr(imdb, "can_reach", lambda *a, **k: True)
    monkeypatch.setattr(imdb, "STANFORD_URL", stalling_server.url + "/aclImdb_v1.tar.gz")
    started = time.perf_counter()
    with pytest.raises(DatasetError, match="Stanford's IMDB archive failed: 127.0.0.1:\\d+ stopped sending"):
        imdb.load_imdb("stanford", connect_timeout=2, read_timeout=0.5)
    monkeypatch.setattr(packaged, "can_reach", lambda *a, **k: True)
    monkeypatch.setattr(packaged, "GENSIM_DATA_URL", stalling_server.url)
    monkeypatch.setattr(packaged, "GENSIM_DATA_LIST_URL", stalling_server.url + "/list.json")
    monkeypatch.setattr(api, "BASE_DIR", str(tmp_path))
    with pytest.raises(VectorError, match="stopped sending"):
        packaged.load_gensim_data("glove-wiki-gigaword-100", connect_timeout=2, read_timeout=0.5)
    assert time.perf_counter() - started < 8
    assert not list(tmp_path.rglob("*.gz"))


# --- 7. what the browser may see --------------------------------------------------------------------------------


def test_streamlit_config_hides_error_details_and_caps_uploads():
    from streamlit.config import ShowErrorDetailsConfigOptions

    config = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config == {"client": {"showErrorDetails": "none"},
                      "server": {"maxUploadSize": 200, "fileWatcherType": "none", "runOnSave": False, "headless": True},
                      "runner": {"postScriptGC": False, "magicEnabled": False}, "browser": {"gatherUsageStats": False}}
    assert config["client"]["showErrorDetails"] == ShowErrorDetailsConfigOptions.NONE.value
    assert config["server"]["maxUploadSize"] * 1024 * 1024 == tables.MAX_UPLOAD_BYTES


# --- 8. one source of truth ------------------------------------------------------------------------------------


def test_subset_keys_and_the_one_stratified_sampler():
    assert keys.subset_key("upload-ab12", 500, 3) == "upload-ab12-n500-s3"
    assert keys.parse_subset_key("upload-ab12-n500-s3") == ("upload-ab12", 500, 3)
    assert keys.parse_subset_key("imdb-n2000-s0-n100-s1") == ("imdb-n2000-s0", 100, 1)
    assert keys.parse_subset_key("imdb") is None and keys.parse_subset_key("") is None
    labels = np.array([0] * 60 + [1] * 25 + [2] * 15)
    picked = dataset.stratified_indices(labels, 15, seed=4)  # exact shares 9, 3.75, 2.25
    assert len(picked) == 15 and np.bincount(labels[picked]).tolist() == [9, 4, 2]  # largest remainder
    assert np.array_equal(picked, dataset.stratified_indices(labels, 15, seed=4))
    assert len(dataset.stratified_indices([0, 0, 0, 1], 2, seed=0)) == 2  # one per class, still exactly n
    table = pd.DataFrame({"text": [f"t{i}" for i in range(100)], "label": labels.astype(str)})
    ds = uploads.dataset_from_table(table, "text", "label", "t.csv")
    store.save_dataset(ds)
    sub = store.dataset_by_key(keys.subset_key(ds.key, 15, 4))
    assert sub.key == f"{ds.key}-n15-s4" and sub.train_texts == dataset.subsample(ds, 15, 4).train_texts
    assert store.load_saved_dataset(sub.key).train_texts == sub.train_texts

