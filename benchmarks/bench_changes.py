"""What changed: neighbourhood overlap, word benchmarks, replay, and what epoch snapshots cost.

    python benchmarks/run.py --only changes

Baselines, measured in the same run:
* overlap: a loop of gensim ``KeyedVectors.most_similar`` over the same 10,000 words, in both embeddings;
* analogies / word pairs: gensim's ``evaluate_word_analogies`` (restrict_vocab=30,000) and
  ``evaluate_word_pairs`` on the same GloVe vectors (the scores are equal; tests/test_changes.py);
* replay: scikit-learn PCA per epoch and ``scipy.spatial.procrustes`` onto the epoch before;
* snapshots: the same Quick-demo training (learned, 2,000 IMDB reviews, up to 12 epochs) without the
  snapshot callback. Training time is the run's own ``train_seconds`` (best of two).
"""
from __future__ import annotations

import copy

import numpy as np

from benchmarks.harness import Case

N_WORDS, K = 10_000, 10


def _two_embeddings():
    """GloVe's 10,000 most frequent words, and the same words turned and nudged (a stand-in for fine-tuning)."""
    from lib.vectors.matrix import keyed_vectors_from_arrays
    from lib.vectors.packaged import load_glove_50d

    glove = load_glove_50d()
    words = glove.index_to_key[:N_WORDS]
    rng = np.random.default_rng(0)
    A = np.array(glove.vectors[:N_WORDS], dtype=np.float32)
    Q = np.linalg.qr(rng.normal(size=(50, 50)))[0].astype(np.float32)
    B = A @ Q + rng.normal(scale=0.3, size=A.shape).astype(np.float32)
    return glove, words, keyed_vectors_from_arrays(words, A), keyed_vectors_from_arrays(words, B)


def cases() -> list[Case]:
    from gensim.test.utils import datapath

    from lib import overlap, plots, replay, wordbench
    from lib.neighbours import rows_of

    glove, words, kv_a, kv_b = _two_embeddings()

    def ours_overlap():
        shared = overlap.shared_words([kv_a.key_to_index, kv_b.key_to_index], N_WORDS)
        nn = [overlap.neighbour_sets(rows_of(kv, shared), K) for kv in (kv_a, kv_b)]
        return overlap.jaccard(*nn)

    def gensim_overlap():
        a, b = copy.copy(kv_a), copy.copy(kv_b)
        out = np.empty(len(words))
        for i, w in enumerate(words):
            na = {x for x, _ in a.most_similar(w, topn=K)}
            nb = {x for x, _ in b.most_similar(w, topn=K)}
            out[i] = len(na & nb) / len(na | nb)
        return out

    wordbench.benchmark_sets()  # both sides read their files; ours keeps them parsed

    def ours_analogies():
        return wordbench.analogy_accuracy(glove.index_to_key, glove.vectors, wordbench.benchmark_sets()[2])

    def gensim_analogies():
        return copy.copy(glove).evaluate_word_analogies(datapath("questions-words.txt"), restrict_vocab=30_000)

    def ours_pairs():
        wordsim, simlex, _ = wordbench.benchmark_sets()
        return [wordbench.pair_correlation(glove.index_to_key, glove.vectors, p) for p in (wordsim, simlex)]

    def gensim_pairs():
        kv = copy.copy(glove)
        return [kv.evaluate_word_pairs(datapath(f)) for f in ("wordsim353.tsv", "simlex999.txt")]

    rng = np.random.default_rng(1)
    walk = np.cumsum(rng.normal(scale=0.05, size=(13, N_WORDS, 50)), axis=0)
    snapshots = (np.array(glove.vectors[:N_WORDS])[None] + walk).astype(np.float16)
    rows = list(range(1, 101))
    labels = ["start"] + [f"epoch {e}" for e in range(1, 13)]

    def ours_replay():
        positions = replay.replay_positions(snapshots, rows)
        return plots.replay_figure(words[1:101], positions, labels, ["good", "bad"]).to_json()

    def sklearn_replay():
        from scipy.spatial import procrustes
        from sklearn.decomposition import PCA

        from lib.neighbours import unit_rows

        previous = None
        for e in range(len(snapshots)):
            xy = PCA(2).fit_transform(unit_rows(snapshots[e, rows].astype(np.float32)))
            if previous is not None:
                _, xy, _ = procrustes(previous, xy)
            previous = xy

    return [
        Case(area="changes", what=f"Jaccard@{K} neighbourhood overlap, {N_WORDS:,} shared words × 2 embeddings",
             target="< 1 s", run=ours_overlap, baseline="loop of gensim most_similar (both embeddings)",
             baseline_run=gensim_overlap, repeat=3),
        Case(area="changes", what="Google analogies on GloVe 6B 50-d (19,544 questions, 30,000 words)",
             target="< 3 s", run=ours_analogies, baseline="gensim evaluate_word_analogies",
             baseline_run=gensim_analogies),
        Case(area="changes", what="WordSim-353 + SimLex-999 on GloVe 6B 50-d", target="< 0.5 s", run=ours_pairs,
             baseline="gensim evaluate_word_pairs ×2", baseline_run=gensim_pairs, repeat=3),
        Case(area="changes", what="training replay, 100 words × 13 snapshots: align + animated figure + JSON",
             target="< 2 s", run=ours_replay, baseline="sklearn PCA + scipy procrustes per epoch (no figure)",
             baseline_run=sklearn_replay, repeat=3),
        Case(area="changes", what="Quick-demo training (learned, 2,000 reviews) with epoch snapshots",
             target="< +5%", run=_quick_demo(snapshots=True), baseline="same without the snapshot callback",
             baseline_run=_quick_demo(snapshots=False), repeat=2),
        Case(area="changes", what="… of which copying the snapshots (the callback's own clock, last run above)",
             target="< 5% of training", run=lambda: _DATA["metrics"]["snapshot_seconds"],
             baseline="that run's train_seconds", baseline_run=lambda: _DATA["metrics"]["train_seconds"]),
    ]


_DATA: dict = {}


def _quick_demo(snapshots: bool):
    def run() -> float:
        from lib import training
        from lib.config import PRESETS, make_config
        from lib.data.imdb import load_imdb

        config = make_config(**dict(PRESETS["Quick demo"], strategy="learned", dataset_key="imdb"))
        if "data" not in _DATA:
            _DATA["data"] = training.prepare_data(load_imdb(), config)
        original = training._snapshot_callback
        if not snapshots:
            import keras

            training._snapshot_callback = lambda initial, rows: _NoSnapshots(keras, initial)
        try:
            result = training.train(config, data=_DATA["data"], keep_model=False)
        finally:
            training._snapshot_callback = original
        if snapshots:
            _DATA["metrics"] = result.metrics
        return float(result.metrics["train_seconds"])
    return run


def _NoSnapshots(keras, initial):  # noqa: N802 - a callback that keeps only the start, as before snapshots existed
    callback = keras.callbacks.Callback()
    callback.frames = [np.asarray(initial[:1], dtype=np.float16)]
    callback.seconds = 0.0
    return callback
