"""Unit tests of the "what changed" lib parts: Jaccard@k overlap, meaning axes, word benchmarks, epoch snapshots, replay."""
import numpy as np
import pytest

from lib import axes, overlap, replay, runs, wordbench
from lib.neighbours import keyed_vectors


# --- overlap ------------------------------------------------------------------------------------------------------


def _brute_neighbours(X, k):
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    S = U @ U.T
    np.fill_diagonal(S, -np.inf)
    return [set(np.argsort(-S[i], kind="stable")[:k].tolist()) for i in range(len(X))]


@pytest.mark.parametrize("k", [5, 10, 50])
def test_jaccard_at_k_equals_brute_force(k):
    rng = np.random.default_rng(k)
    A = rng.normal(size=(600, 20))
    B = A + rng.normal(scale=0.7, size=A.shape)
    got = overlap.jaccard(overlap.neighbour_sets(A, k), overlap.neighbour_sets(B, k))
    na, nb = _brute_neighbours(A, k), _brute_neighbours(B, k)
    want = np.array([len(a & b) / len(a | b) for a, b in zip(na, nb)])
    assert np.allclose(got, want)
    assert 0 < got.mean() < 1
    assert overlap.histogram(got, k).sum() == len(A)


def test_neighbour_sets_blocks_give_the_same_answer():
    from lib.neighbours import nearest_all, unit_rows

    rng = np.random.default_rng(1)
    U = unit_rows(rng.normal(size=(300, 8)))
    small, large = nearest_all(U, 7, block=16), nearest_all(U, 7, block=1000)
    assert np.array_equal(np.sort(small, axis=1), np.sort(large, axis=1))
    assert not (small == np.arange(300)[:, None]).any()  # never its own neighbour


def test_shared_words_and_domino():
    words = overlap.shared_words([{"": 0, "a": 1, "b": 2, "c": 3}, {"c": 0, "a": 1, "z": 2}])
    assert words == ["a", "c"]
    rng = np.random.default_rng(2)
    A = rng.normal(size=(40, 6))
    names = [f"w{i}" for i in range(40)]
    d = overlap.domino("w3", names, A, A, k=6)
    assert d.jaccard == 1.0 and not d.only[0] and not d.only[1] and len(d.common) == 6
    d2 = overlap.domino("w3", names, A, rng.normal(size=(40, 6)), k=6)
    assert set(d2.common) | set(d2.only[0]) == {w for w, _ in d2.lists[0]}
    assert d2.union[0] == "w3" and len(set(d2.union)) == len(d2.union)


# --- axes ------------------------------------------------------------------------------------------------------------


def test_axis_positions_by_hand():
    kv = keyed_vectors(["", "bad", "awful", "good", "great", "film", "meh"],
                       np.array([[0, 0, 0], [-2, 0, 0], [-1, 1, 0], [2, 0, 0], [1, 1, 0], [0, 0, 5], [1, -1, 1]],
                                dtype=np.float32))
    axis = axes.place_words(kv, "toy", ["bad", "awful", "unknown"], ["good", "great"], ["film", "meh", "great"])
    # by hand: unit(bad) = (-1,0,0), unit(awful) = (-.7071,.7071,0), mean = (-.8536,.3536,0);
    # good/great mean = (.8536,.3536,0); difference (1.7071,0,0) -> direction (1,0,0)
    assert axis.low_used == ["bad", "awful"] and axis.high_used == ["good", "great"]
    assert np.allclose(axis.direction, [1, 0, 0])
    assert np.allclose(axis.positions, [0.0, 1 / np.sqrt(3), 1 / np.sqrt(2)])
    rho, n = axes.agreement(axis.positions, np.array([0.0, 0.5, 2.0]))
    assert rho == pytest.approx(1.0) and n == 3


def test_preset_sentiment_axis_uses_the_projects_list():
    low, high = axes.PRESET_AXES["negative ↔ positive"]
    assert "good" in high and "bad" in low and not set(low) & set(high)


# --- word benchmarks ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_kv():
    """GloVe's rows of the words of 430 analogy questions and 300 frequent words, plus case variants.

    Real vectors, so that some analogies are answered right and some wrong; "Athens" and "Paris"
    come before "athens" and "paris" with slightly different vectors (gensim takes the first form of a word).
    """
    from lib.vectors.packaged import load_glove_50d

    glove = load_glove_50d()
    questions = wordbench.read_analogies(wordbench.data_path(wordbench.ANALOGIES))[:3000:7]
    real = sorted({w.lower() for q in questions for w in q[1:]} & set(glove.key_to_index))
    words = list(dict.fromkeys(glove.index_to_key[:300] + real))
    rows = [glove[w] for w in words]
    rng = np.random.default_rng(7)
    variants = [("Athens", "athens"), ("Paris", "paris"), ("GREECE", "greece")]
    front = [v for v, w in variants] + words
    rows = [glove[w] + rng.normal(scale=0.3, size=50).astype(np.float32) for _, w in variants] + rows
    return keyed_vectors([""] + front, np.vstack([np.zeros((1, 50), np.float32), np.array(rows)]))


def test_analogy_accuracy_equals_gensim(small_kv, tmp_path):
    questions = wordbench.read_analogies(wordbench.data_path(wordbench.ANALOGIES))[:3000:7]
    path = tmp_path / "questions.txt"
    section = None
    with open(path, "w", encoding="utf8") as fh:
        for sec, a, b, c, e in questions:
            if sec != section:
                fh.write(f": {sec}\n")
                section = sec
            fh.write(f"{a.lower()} {b} {c.lower()} {e.lower()}\n")
    for restrict in (420, 100_000):
        theirs, sections = small_kv.evaluate_word_analogies(str(path), restrict_vocab=restrict)
        ours = wordbench.analogy_accuracy(small_kv.index_to_key, small_kv.vectors,
                                          wordbench.read_analogies(path), restrict=restrict)
        used = len(sections[-1]["correct"]) + len(sections[-1]["incorrect"])
        assert ours.used == used > 0
        assert ours.value == pytest.approx(theirs)
        assert restrict < 1000 or 0.1 < theirs < 1   # not trivially all wrong
        assert ours.total == len(questions)


def test_word_pairs_equal_gensim(small_kv, tmp_path):
    rng = np.random.default_rng(3)
    words = small_kv.index_to_key
    path = tmp_path / "pairs.tsv"
    lines = ["# a comment", "Athens\tgreece\t7.5", "nonsense line"]
    lines += [f"{words[i]}\t{words[j]}\t{rng.uniform(0, 10):.2f}" for i, j in rng.integers(0, len(words), (80, 2))]
    lines += ["zzzunknown\tathens\t3.0"]
    path.write_text("\n".join(lines) + "\n", encoding="utf8")
    _, spearman, oov = small_kv.evaluate_word_pairs(str(path))
    ours = wordbench.pair_correlation(words, small_kv.vectors, wordbench.read_pairs(path))
    assert ours.value == pytest.approx(spearman.statistic)
    assert 100 * (1 - ours.used / ours.total) == pytest.approx(oov)


def test_benchmark_sentence_says_gain_or_loss():
    s = wordbench.Score
    before = wordbench.Benchmarks(s(0.5, 353, 353), s(0.3, 999, 999), s(0.4, 10, 20))
    after = wordbench.Benchmarks(s(0.4, 353, 353), s(0.2, 999, 999), s(0.3, 10, 20))
    sentence = wordbench.benchmark_sentence(["GloVe · before", "GloVe · after"], [before, after], [(0, 1)])
    assert "Highest on WordSim-353: GloVe · before (0.50" in sentence and "lost on WordSim (-0.100)" in sentence
    assert "lost on analogies (-10.0 points)" in sentence


# --- snapshots and replay -------------------------------------------------------------------------------------------


def _config(vocab, dim):
    return {"strategy": "learned", "architecture": "average", "vocab_size": vocab, "embedding_dim": dim,
            "sequence_length": 8, "seed": 0}


def test_snapshots_written_and_read_back():
    rng = np.random.default_rng(0)
    vocabulary = [""] + [f"w{i}" for i in range(30)]
    initial = rng.normal(size=(31, 6)).astype(np.float32)
    snapshots = np.stack([initial + 0.1 * e for e in range(4)])[:, :20]   # only the first 20 rows kept
    record = runs.save_run(_config(31, 6), {}, {}, vocabulary, initial, initial + 0.3, snapshots=snapshots)
    back = runs.load_snapshots(record.run_id)
    assert back.dtype == np.float16 and back.shape == (4, 20, 6)
    assert np.allclose(back, snapshots, atol=1e-2)
    plain = runs.save_run(_config(31, 6), {}, {}, vocabulary, initial, initial)
    assert runs.load_snapshots(plain.run_id) is None
    with pytest.raises(runs.RunStoreError):
        runs.save_run(_config(31, 6), {}, {}, vocabulary, initial, initial, snapshots=snapshots[:, :, :5])


@pytest.mark.parametrize("bad", ["nan", "float32", "too_wide", "too_many_rows", "two_dims", "pickle"])
def test_damaged_snapshots_are_refused(bad):
    vocabulary = [""] + [f"w{i}" for i in range(9)]
    initial = np.zeros((10, 4), np.float32)
    record = runs.save_run(_config(10, 4), {}, {}, vocabulary, initial, initial, snapshots=np.zeros((2, 10, 4)))
    path = record.path / runs.SNAPSHOTS_FILE
    arrays = {"nan": np.full((2, 10, 4), np.nan, np.float16), "float32": np.zeros((2, 10, 4), np.float32),
              "too_wide": np.zeros((2, 10, 5), np.float16), "too_many_rows": np.zeros((2, 11, 4), np.float16),
              "two_dims": np.zeros((2, 40), np.float16)}
    if bad == "pickle":
        np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    else:
        np.save(path, arrays[bad], allow_pickle=False)
    with pytest.raises(runs.RunStoreError):
        runs.load_snapshots(record.run_id)


def test_huge_claimed_shape_is_refused_before_allocation():
    vocabulary = [""] + [f"w{i}" for i in range(9)]
    initial = np.zeros((10, 4), np.float32)
    record = runs.save_run(_config(10, 4), {}, {}, vocabulary, initial, initial, snapshots=np.zeros((2, 10, 4)))
    path = record.path / runs.SNAPSHOTS_FILE
    with open(path, "wb") as fh:  # a header claiming 10^9 epochs, and no data behind it
        np.lib.format.write_array_header_1_0(fh, {"descr": "<f2", "fortran_order": False, "shape": (10**9, 10, 4)})
    with pytest.raises(runs.RunStoreError):
        runs.load_snapshots(record.run_id)


def test_snapshot_rows_respects_the_budget():
    from lib.training import SNAPSHOT_MAX_BYTES, snapshot_rows

    assert snapshot_rows(10_000, 50, 12) == 10_000                    # Quick demo: every row, 13 MB
    rows = snapshot_rows(100_000, 50, 12)
    assert 5_000 <= rows < 100_000 and rows * 50 * 2 * 13 <= SNAPSHOT_MAX_BYTES
    assert snapshot_rows(400_000, 300, 30) == 5_000                   # never fewer than 5,000 rows


def test_replay_positions_follow_a_rotation():
    rng = np.random.default_rng(4)
    start = rng.normal(size=(25, 10))
    Q = np.linalg.qr(rng.normal(size=(10, 10)))[0]
    snapshots = np.stack([start, start @ Q, start @ Q @ Q])   # the same geometry, turned: nothing moves on the map
    xy = replay.replay_positions(snapshots, list(range(25)))
    assert xy.shape == (3, 25, 2)
    assert np.allclose(xy[0], xy[1], atol=1e-4) and np.allclose(xy[1], xy[2], atol=1e-4)
    assert replay.path_lengths(xy).max() < 1e-3
    with pytest.raises(replay.ReplayError):
        replay.replay_positions(snapshots, [0, 1])


def test_replay_figure_has_one_frame_per_epoch_and_controls():
    from lib.plots import replay_figure

    rng = np.random.default_rng(5)
    positions = rng.normal(size=(4, 12, 2))
    fig = replay_figure([f"w{i}" for i in range(12)], positions, ["start", "epoch 1", "epoch 2", "epoch 3"],
                        highlight=["w1"])
    assert len(fig.frames) == 4
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["▶ Play", "❚❚ Pause"]
    assert len(fig.layout.sliders[0].steps) == 4
    trail = fig.frames[2].data[1]           # the trail of w1 up to epoch 2: three points
    assert len(trail.x) == 3


def test_typed_words_are_shown_as_written_in_figures():
    from lib.plots import axis_strip, replay_figure

    hostile = "<a href='https://evil.example'>click</a>"
    fig = axis_strip(f"{hostile} ↔ b", [hostile, "b", "c"], ["<b>run</b>"], [np.array([0.1, -0.2, 0.3])])
    text = fig.to_json()
    assert "<a href" not in text and "&lt;a href" in text and "<b>run</b>" not in text
    anim = replay_figure([hostile, "b", "c"], np.zeros((2, 3, 2)), ["start", "epoch 1"], highlight=[hostile])
    assert "<a href" not in anim.to_json()


def test_changed_words_are_ranked_without_ties_and_unrelated_spaces_are_named():
    rng = np.random.default_rng(3)
    A = rng.normal(size=(400, 16))
    B = rng.normal(size=(400, 16))                     # trained separately: no neighbourhood in common by design
    words = [f"w{i}" for i in range(400)]
    nn_a, nn_b = overlap.neighbour_sets(A, 5), overlap.neighbour_sets(B, 5)
    values = overlap.jaccard(nn_a, nn_b)
    assert (values == 0).sum() > 100                   # hundreds tie at 0
    closeness = overlap.kept_closeness(B, nn_a)
    most, _ = overlap.most_and_least_changed(words, values, 20, closeness)
    ranked = [closeness[words.index(w)] for w, j in most if j == 0]
    assert ranked == sorted(ranked) and len(set(ranked)) == len(ranked)   # the tie broken by how far neighbours went
    assert [w for w, _ in most] != words[:20]          # no longer simply the most frequent of the tie
    note = overlap.unrelated_note("run A", "run B", values, 5)
    assert "share almost no neighbours" in note and "before and after" in note
    C = A + rng.normal(scale=0.05, size=A.shape)       # one run before and after a little training
    assert overlap.unrelated_note("before", "after", overlap.jaccard(nn_a, overlap.neighbour_sets(C, 5)), 5) == ""
