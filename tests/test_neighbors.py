"""Cosine neighbours, overlap, movement, sentiment log-odds and the separation score, on tiny data."""
import numpy as np
import pytest

from lib.movement import most_moved, movement
from lib.neighbours import (
    NeighbourError,
    analogy,
    keyed_vectors,
    most_similar,
    nearest,
    overlap_at_k,
    overlap_matrix,
    rank_of,
    unit_rows,
)
from lib.sentiment import sentiment_table, separation_score


def _brute_force(X, q, k, exclude=()):
    sims = [(float(np.dot(x, q) / (np.linalg.norm(x) * np.linalg.norm(q))), i) for i, x in enumerate(X) if i not in exclude]
    sims.sort(key=lambda t: -t[0])
    return [i for _, i in sims[:k]], [s for s, _ in sims[:k]]


@pytest.fixture
def random_kv():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(500)]
    X = rng.normal(size=(500, 16)).astype(np.float32)
    return keyed_vectors([""] + words, np.vstack([np.zeros((1, 16), np.float32), X])), words, X


def test_unit_rows_keeps_zero_rows_zero():
    U = unit_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert np.allclose(U, [[0.6, 0.8], [0.0, 0.0]])


def test_nearest_matches_brute_force():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 8))
    q = rng.normal(size=8)
    idx, sims = nearest(unit_rows(X), q, k=12, exclude=[5, 7])
    ref_idx, ref_sims = _brute_force(X, q, 12, exclude={5, 7})
    assert idx.tolist() == ref_idx
    assert np.allclose(sims, ref_sims, atol=1e-5)


def test_nearest_k_larger_than_matrix_and_all_excluded():
    U = unit_rows(np.eye(3))
    idx, _ = nearest(U, np.ones(3), k=10)
    assert sorted(idx.tolist()) == [0, 1, 2]
    idx, sims = nearest(U, np.ones(3), k=5, exclude=[0, 1, 2])
    assert idx.size == 0 and sims.size == 0
    with pytest.raises(NeighbourError):
        nearest(U, np.zeros(3), k=1)


def test_keyed_vectors_drops_padding_and_keeps_rows(random_kv):
    kv, words, X = random_kv
    assert kv.index_to_key == words
    assert kv.vectors.shape == X.shape
    assert np.allclose(kv["w3"], X[3])


def test_most_similar_matches_gensim_and_brute_force(random_kv):
    kv, words, X = random_kv
    ours = most_similar(kv, "w10", k=7)
    ref_idx, ref_sims = _brute_force(X, X[10], 7, exclude={10})
    assert [w for w, _ in ours] == [words[i] for i in ref_idx]
    assert np.allclose([s for _, s in ours], ref_sims, atol=1e-5)
    assert [w for w, _ in ours] == [w for w, _ in kv.most_similar("w10", topn=7)]


def test_most_similar_unknown_word_is_a_clear_value_error(random_kv):
    kv, _, _ = random_kv
    with pytest.raises(ValueError, match="not in the vocabulary of GloVe"):
        most_similar(kv, "zzzz", 5, name="GloVe")


def test_unit_matrix_cache_follows_replaced_vectors(random_kv):
    kv, words, X = random_kv
    first = most_similar(kv, "w1", 3)
    kv.vectors = -kv.vectors[::-1].copy()  # a different matrix: the cache must notice
    kv.key_to_index = {w: i for i, w in enumerate(reversed(words))}
    kv.index_to_key = list(reversed(words))
    assert [w for w, _ in most_similar(kv, "w1", 3)] == [w for w, _ in first]


def test_analogy_matches_gensim_and_leaves_the_question_words_out(random_kv):
    kv, _, _ = random_kv
    ours = analogy(kv, ["w1", "w2"], ["w3"], k=5)
    theirs = kv.most_similar(positive=["w1", "w2"], negative=["w3"], topn=5)  # on this test's own object
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    assert np.allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)
    assert not {"w1", "w2", "w3"} & {w for w, _ in ours}


def test_analogy_with_an_unknown_word_says_which(random_kv):
    kv, _, _ = random_kv
    with pytest.raises(NeighbourError, match="zzzz"):
        analogy(kv, ["w1", "zzzz"], ["w3"])


def test_rank_of(random_kv):
    kv, _, _ = random_kv
    top = most_similar(kv, "w0", 5)
    assert rank_of(kv, "w0", top[0][0]) == 1
    assert rank_of(kv, "w0", top[3][0]) == 4


def test_overlap_at_k_and_matrix():
    assert overlap_at_k(["a", "b", "c", "d"], [("c", 0.9), ("a", 0.5), ("x", 0.1), ("y", 0.0)]) == 0.5
    assert overlap_at_k([], []) != overlap_at_k([], [])  # nan
    M = overlap_matrix([["a", "b"], ["a", "c"], ["d", "e"]])
    assert M[0, 1] == 0.5 and M[0, 2] == 0 and np.all(np.diag(M) == 1)


def test_movement_and_most_moved():
    initial = np.array([[0, 0], [1, 0], [1, 0], [1, 0]], dtype=float)
    final = np.array([[0, 0], [2, 0], [0, 1], [-1, 0]], dtype=float)
    cos = movement(initial, final)
    assert np.isnan(cos[0])
    assert np.allclose(cos[1:], [1, 0, -1])
    assert [w for w, _ in most_moved(["", "same", "turned", "flipped"], initial, final, k=2)] == ["flipped", "turned"]


def test_sentiment_table_signs_and_smoothing():
    texts = ["great great film", "great fun", "a great movie", "awful film", "awful boring", "boring movie"] * 10
    labels = [1, 1, 1, 0, 0, 0] * 10
    table = sentiment_table(texts, labels)
    s = dict(zip(table.words, table.log_odds))
    assert s["great"] > 0 > s["awful"]
    assert abs(s["film"]) < abs(s["great"])  # 'film' appears on both sides
    assert s["great"] < 10  # the prior keeps one-sided words finite
    assert np.isnan(table.scores(["never-seen"])[0])
    pos, neg = table.top(2, min_docs=1)
    assert "great" in pos and "awful" in neg


def test_sentiment_table_counts_documents_not_repeats():
    table = sentiment_table(["bad bad bad bad", "good"], [0, 1])
    i = table.index()["bad"]
    assert table.neg_docs[i] == 1


def test_sentiment_needs_both_classes():
    with pytest.raises(ValueError):
        sentiment_table(["a", "b"], [1, 1])


def test_separation_high_on_separable_and_chance_on_shuffled():
    rng = np.random.default_rng(0)
    n = 200
    y = np.repeat([0, 1], n // 2)
    X = rng.normal(size=(n, 10))
    X[:, 0] += np.where(y == 1, 3.0, -3.0)
    assert separation_score(X, y) > 0.95
    shuffled = rng.permutation(y)
    assert abs(separation_score(X, shuffled) - 0.5) < 0.15


def test_separation_needs_two_of_each():
    with pytest.raises(ValueError):
        separation_score(np.zeros((3, 2)), [0, 1, 1])


def test_sentiment_table_frequent_and_exclude():
    table = sentiment_table(["the good film", "the bad film", "the film"], [1, 0, 1])
    assert table.frequent(2) == ["the", "film"]
    assert table.frequent(1, exclude={"the"}) == ["film"]
    pos, neg = table.top(5, min_docs=1, exclude={"the", "film"})
    assert "the" not in pos + neg
