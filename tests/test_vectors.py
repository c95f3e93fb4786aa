"""lib.vectors and lib.words: GloVe from the package, user files (and the ones we refuse), word2vec, the embedding
matrix, word lookup."""
import gzip
import io
import pickle

import numpy as np
import pytest
from gensim.models import KeyedVectors

from lib.paths import cache_dir
from lib.vectors import VectorError, files, packaged
from lib.vectors.files import load_vector_file
from lib.vectors.matrix import embedding_matrix, keyed_vectors_from_arrays
from lib.vectors.word2vec import train_word2vec
from lib.words import WORD_LISTS, known_and_unknown, shared_contexts, split_words, suggest_words, unknown_word_message

WORDS = ["the", "good", "bad", "movie", "film", "café"]


@pytest.fixture(scope="module")
def small_kv():
    rng = np.random.default_rng(0)
    return keyed_vectors_from_arrays(WORDS, rng.normal(size=(len(WORDS), 4)).astype(np.float32), read_only=False)


def _w2v_text(kv, header=True) -> bytes:
    lines = [f"{len(kv)} {kv.vector_size}"] if header else []
    for w in kv.index_to_key:
        lines.append(w + " " + " ".join(f"{x:.6f}" for x in kv[w]))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _w2v_binary(kv, tmp_path) -> bytes:
    path = tmp_path / "vectors.bin"
    kv.save_word2vec_format(str(path), binary=True)
    return path.read_bytes()


# --- GloVe ------------------------------------------------------------------------------------------


def test_glove_package_loads_400k_words_and_knows_countries():
    glove = packaged.load_glove_50d()
    assert glove.vectors.shape == (400_000, 50) and glove.vectors.dtype == np.float32
    assert glove.index_to_key[0] == "the" and glove.key_to_index["the"] == 0
    assert not glove.vectors.flags.writeable  # shared between sessions: must not be changed in place
    neighbours = {w for w, _ in glove.most_similar("france", topn=10)}
    assert len(neighbours & {"belgium", "spain", "italy", "germany", "netherlands", "britain"}) >= 3
    # row for a word matches gensim lookup, so words and rows are in the same order
    assert np.allclose(glove["france"], glove.vectors[glove.key_to_index["france"]])
    assert glove.similarity("good", "bad") > 0.6


def test_gensim_data_offline_is_a_clear_message(monkeypatch):
    monkeypatch.setattr(packaged, "can_reach", lambda *a, **k: False)
    with pytest.raises(VectorError, match="needs the internet"):
        packaged.load_gensim_data("glove-wiki-gigaword-100")
    with pytest.raises(VectorError, match="not one of"):
        packaged.load_gensim_data("my-own-set")


# --- files users upload ----------------------------------------------------------------------------------


def test_word2vec_text_binary_glove_and_gzip_all_load(small_kv, tmp_path):
    for name, data in [
        ("v.txt", _w2v_text(small_kv)),
        ("v.vec", _w2v_text(small_kv)),
        ("glove.txt", _w2v_text(small_kv, header=False)),
        ("v.bin", _w2v_binary(small_kv, tmp_path)),
        ("v.txt.gz", gzip.compress(_w2v_text(small_kv))),
        ("glove.txt.gz", gzip.compress(_w2v_text(small_kv, header=False))),
        ("v.bin.gz", gzip.compress(_w2v_binary(small_kv, tmp_path))),
    ]:
        kv = load_vector_file(name, data)
        assert kv.index_to_key == WORDS, name
        assert np.allclose(kv.vectors, small_kv.vectors, atol=1e-5), name
        assert kv.notes == []


def test_vocabulary_cap_is_applied_and_stated(small_kv):
    kv = load_vector_file("v.txt", _w2v_text(small_kv), max_words=3)
    assert kv.index_to_key == WORDS[:3]
    assert "only the first 3" in kv.notes[0]
    glove_style = load_vector_file("g.txt", _w2v_text(small_kv, header=False), max_words=2)
    assert len(glove_style) == 2 and "only the first 2" in glove_style.notes[0]


@pytest.mark.parametrize("suffix", [".model", ".kv", ".pkl", ".npy", ".model.gz"])
def test_pickle_based_names_are_refused(suffix):
    with pytest.raises(VectorError, match="run any code"):
        load_vector_file("vectors" + suffix, b"3 2\na 1 2\n")


def test_pickle_bytes_are_refused_whatever_the_name(small_kv, monkeypatch, tmp_path):
    # If anything tried to unpickle this (pickle.load/loads and gensim all go through Unpickler),
    # the test would fail loudly.
    class NoUnpickling:
        def __init__(self, *args, **kwargs):
            pytest.fail("unpickled an upload")

    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("unpickled an upload"))
    monkeypatch.setattr(pickle, "load", lambda *a, **k: pytest.fail("unpickled an upload"))
    monkeypatch.setattr(pickle, "Unpickler", NoUnpickling)
    payload = pickle.dumps({"the": [1.0, 2.0]}, protocol=4)
    with pytest.raises(VectorError, match="pickle"):
        load_vector_file("innocent.txt", payload)
    with pytest.raises(VectorError, match="pickle"):
        load_vector_file("innocent.txt.gz", gzip.compress(payload))
    small_kv.save(str(tmp_path / "own.kv"))  # gensim's own (pickle) format
    with pytest.raises(VectorError, match="pickle"):
        load_vector_file("vectors.txt", (tmp_path / "own.kv").read_bytes())
    npy = io.BytesIO()
    np.save(npy, small_kv.vectors)
    with pytest.raises(VectorError, match="pickle"):
        load_vector_file("vectors.bin", npy.getvalue())
    with pytest.raises(VectorError, match="zip"):
        load_vector_file("vectors.bin", b"PK\x03\x04" + b"\x00" * 64)


def test_forged_header_is_refused_before_allocating(monkeypatch):
    calls = []
    monkeypatch.setattr(KeyedVectors, "load_word2vec_format", classmethod(lambda cls, *a, **k: calls.append(1)))
    with pytest.raises(VectorError, match="999,999,999 words"):
        load_vector_file("forged.txt", b"999999999 300\nthe " + b"0.1 " * 300 + b"\n")
    with pytest.raises(VectorError, match="at most 1,000"):
        load_vector_file("wide.txt", b"2 5000000\nthe 0.1\n")
    with pytest.raises(VectorError, match="at most 1,000"):
        load_vector_file("wide_glove.txt", b"the " + b"0.5 " * 1500 + b"\n")
    assert calls == []  # never got as far as gensim


@pytest.mark.parametrize(
    "name,data,pattern",
    [
        ("empty.txt", b"", "empty"),
        ("prose.txt", b"Dear diary, today I uploaded the wrong file.\n", "does not look like a vector file"),
        ("ragged.txt", b"2 3\nthe 0.1 0.2 0.3\ncat 0.1 0.2\n", "malformed"),
        ("words.txt", b"2 3\nthe 0.1 0.2 0.3\ncat x y z\n", "malformed"),
        ("short.txt", b"3 2\nthe 0.1 0.2\ncat 0.1 0.2\n", "ends before"),
        ("zero.txt", b"0 50\n", "nothing to load"),
        ("nan.txt", b"2 2\nthe 0.1 nan\ncat 0.1 0.2\n", "not finite"),
        ("broken.gz", b"\x1f\x8b\x08\x00garbage", "could not be unpacked"),
        ("glove_ragged.txt", b"the 0.1 0.2 0.3\ncat 0.1 0.2\n", "malformed"),
    ],
)
def test_malformed_files_get_one_clear_sentence(name, data, pattern):
    with pytest.raises(VectorError, match=pattern) as err:
        load_vector_file(name, data)
    assert "\n" not in str(err.value) and name in str(err.value)


def test_temporary_copies_are_cleaned_up(small_kv):
    load_vector_file("v.txt", _w2v_text(small_kv))
    with pytest.raises(VectorError):
        load_vector_file("bad.txt", b"2 3\nthe 0.1 0.2 0.3\ncat 0.1 0.2\n")
    assert not list(cache_dir().glob(".upload-*")) and not list(cache_dir().glob(".tmp-*"))


def test_gzip_bomb_is_capped(monkeypatch):
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 10_000)
    with pytest.raises(VectorError, match="unpacks to more than"):
        load_vector_file("bomb.txt.gz", gzip.compress(b"0" * 5_000_000))


# --- word2vec trained here --------------------------------------------------------------------------------


CORPUS = [
    "the movie was good and the acting was good",
    "the film was bad and the acting was bad",
    "a good film with a good story",
    "a bad movie with a bad story",
] * 30


def test_word2vec_trains_reports_progress_and_caches_without_pickle():
    seen = []
    kv = train_word2vec(CORPUS, dim=8, epochs=3, min_count=2, workers=1, cache_key="tiny", on_progress=seen.append)
    assert {"good", "bad", "movie", "film"} <= set(kv.key_to_index) and kv.vector_size == 8
    assert seen[-1] == pytest.approx(1.0) and seen == sorted(seen) and len(seen) == 4
    files = list((cache_dir() / "word2vec").glob("tiny-*.w2v.bin"))
    assert len(files) == 1
    assert not files[0].read_bytes().startswith(b"\x80")  # word2vec binary, not a pickle
    again = train_word2vec(CORPUS, dim=8, epochs=3, min_count=2, workers=1, cache_key="tiny")
    assert np.allclose(again["good"], kv["good"], atol=1e-6)
    # other parameters or other texts -> another cache file, not a stale hit
    train_word2vec(CORPUS, dim=8, epochs=2, min_count=2, workers=1, cache_key="tiny")
    train_word2vec(CORPUS[:40], dim=8, epochs=3, min_count=2, workers=1, cache_key="tiny")
    assert len(list((cache_dir() / "word2vec").glob("tiny-*.w2v.bin"))) == 3


def test_word2vec_is_reproducible_with_one_worker():
    a = train_word2vec(CORPUS, dim=8, epochs=2, workers=1, seed=5)
    b = train_word2vec(CORPUS, dim=8, epochs=2, workers=1, seed=5)
    assert np.array_equal(a["good"], b["good"])


def test_word2vec_with_nothing_to_learn():
    with pytest.raises(VectorError, match="min count"):
        train_word2vec(["one two three"], min_count=5, workers=1)
    with pytest.raises(VectorError, match="no words"):
        train_word2vec(["!!! ...", "?"], workers=1)


# --- embedding matrix -------------------------------------------------------------------------------------


def test_embedding_matrix_rows_follow_the_vocabulary(small_kv):
    vocab = ["", "good", "unknownword", "the", "bad", "zzz"]
    init = embedding_matrix(vocab, small_kv, seed=1)
    assert init.matrix.shape == (6, 4) and init.matrix.dtype == np.float32
    assert np.all(init.matrix[0] == 0)
    assert np.array_equal(init.matrix[1], small_kv["good"])
    assert np.array_equal(init.matrix[3], small_kv["the"])
    assert np.array_equal(init.matrix[4], small_kv["bad"])
    assert (init.hits, init.misses) == (3, 2) and init.missed_examples == ["unknownword", "zzz"]
    assert np.all(np.abs(init.matrix[[2, 5]]) <= 0.05) and np.any(init.matrix[2] != 0)
    assert np.array_equal(embedding_matrix(vocab, small_kv, seed=1).matrix, init.matrix)
    assert not np.array_equal(embedding_matrix(vocab, small_kv, seed=2).matrix[2], init.matrix[2])
    assert init.hit_rate == pytest.approx(0.6)


def test_embedding_matrix_dimension_mismatch_says_what_to_do(small_kv):
    with pytest.raises(VectorError, match="set the embedding size to 4"):
        embedding_matrix(["", "good"], small_kv, dim=32)


# --- helpers for the Explore page ---------------------------------------------------------------------------


def test_unknown_word_gets_close_spellings(small_kv):
    assert suggest_words(small_kv, "gooood") == ["good"]
    assert suggest_words(small_kv, "GOOD")[0] == "good"
    msg = unknown_word_message(small_kv, "moovie", "tiny set")
    assert "“moovie” is not among the 6 words of tiny set" in msg and "“movie”" in msg
    assert "Check the spelling" in unknown_word_message(small_kv, "qqqqq", "tiny set")


def test_split_words_and_known_unknown(small_kv):
    assert split_words("good, bad;  movie good\nfilm") == ["good", "bad", "movie", "film"]
    assert known_and_unknown(small_kv, ["Good", "bad", "nope"]) == (["good", "bad"], ["nope"])


def test_ready_word_lists_are_in_glove():
    glove = packaged.load_glove_50d()
    for name, words in WORD_LISTS.items():
        missing = [w for w in words if w not in glove.key_to_index]
        assert not missing, (name, missing)


def test_shared_contexts_finds_the_slots_both_words_fill():
    texts = ["a good movie", "a bad movie", "a bad movie indeed", "very good", "so bad", "good good"]
    out = shared_contexts(texts, "good", "bad")
    assert out[0] == ("a", "movie", 1, 2)
    assert all(ctx[:2] != ("very", "") for ctx in out)  # only "good" was seen there
    assert shared_contexts(texts, "good", "bad", max_texts=1) == []


def test_word2vec_cache_is_shared_between_keys_for_the_same_texts_and_parameters(monkeypatch):
    first = train_word2vec(CORPUS[:60], dim=6, epochs=1, workers=1, cache_key="page-a")
    import gensim.models

    monkeypatch.setattr(gensim.models, "Word2Vec", lambda *a, **k: pytest.fail("trained again"))
    second = train_word2vec(CORPUS[:60], dim=6, epochs=1, workers=1, cache_key="page-b")
    assert np.allclose(first["good"], second["good"], atol=1e-6)


def test_gensim_data_set_is_parsed_not_imported(tmp_path, monkeypatch):
    """A downloaded gensim-data folder ships a Python module; loading must never run it."""
    import gzip

    import gensim.downloader as api

    name = "glove-wiki-gigaword-100"
    folder = tmp_path / name
    folder.mkdir()
    marker = tmp_path / "code-ran"
    (folder / "__init__.py").write_text(f"open({str(marker)!r}, 'w').write('yes')\ndef load_data():\n    return None\n")
    rows = "3 4\ngood 0.1 0.2 0.3 0.4\nbad 0.1 0.2 0.3 0.5\nfilm 0.9 0.1 0.0 0.2\n"
    with gzip.open(folder / f"{name}.gz", "wt") as f:
        f.write(rows)
    monkeypatch.setattr(api, "BASE_DIR", str(tmp_path))
    monkeypatch.setattr(api, "_get_filename", lambda n: f"{n}.gz")
    kv = packaged.load_gensim_data(name)
    assert list(kv.index_to_key) == ["good", "bad", "film"] and kv.vector_size == 4
    assert not marker.exists()
