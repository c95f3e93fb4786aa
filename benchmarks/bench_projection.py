"""Maps and neighbours: PCA, t-SNE (openTSNE vs scikit-learn), a cached map redraw, GloVe neighbours.

    python benchmarks/run.py --only projection

The words are GloVe 6B 50-d's most frequent ones, each vector scaled to length 1
(as the Compare page does). t-SNE: 500 iterations, PCA init, seed 0, one thread
for both libraries (see lib/projection.py for why one thread). The numbers
decided which t-SNE the app uses: openTSNE, the faster of the two here.
"""
from __future__ import annotations

import statistics
import time

import numpy as np

from benchmarks.harness import Case

QUERIES = ["good", "bad", "king", "movie", "france", "computer", "awful", "music", "river", "seven"]


def cases() -> list[Case]:
    from lib.neighbours import most_similar, unit_matrix_of, unit_rows
    from lib.maps import align_all, map_figure
    from lib.projection import pca_2d, tsne_2d
    from lib.vectors.packaged import load_glove_50d

    kv = load_glove_50d()
    words = kv.index_to_key[:3000]
    X3000 = unit_rows(kv.vectors[:3000]).astype(np.float64)
    X1000 = X3000[:1000]

    def sklearn_pca():
        from sklearn.decomposition import PCA

        PCA(n_components=2, random_state=0).fit_transform(X3000)

    def tsne(X, method):
        return lambda: tsne_2d(X, perplexity=30, n_iter=500, seed=0, method=method, n_jobs=1)

    # A cached redraw: the projections come from st.cache_data (as on the page); the
    # redraw is the cache lookup, the Procrustes alignment, the figure and its JSON.
    import streamlit as st


    @st.cache_data(show_spinner=False)
    def cached_map(which: str, words_key: tuple[str, ...]) -> np.ndarray:
        return pca_2d(X3000 if which == "a" else X3000[:, ::-1])

    key = tuple(words)
    cached_map("a", key), cached_map("b", key)  # fill the cache
    scores = np.random.default_rng(0).normal(size=len(words))

    def redraw():
        maps = align_all([cached_map("a", key), cached_map("b", key)])
        map_figure(["GloVe", "other"], maps, words, scores, highlight=["good", "bad"]).to_json()

    def redraw_uncached():
        maps = align_all([pca_2d(X3000), pca_2d(X3000[:, ::-1])])
        map_figure(["GloVe", "other"], maps, words, scores, highlight=["good", "bad"]).to_json()

    unit_matrix_of(kv)  # the page pays this once per server, not per query
    kv.fill_norms()  # same for gensim

    def per_query(fn):
        def run():
            times = []
            for w in QUERIES:
                start = time.perf_counter()
                fn(w)
                times.append(time.perf_counter() - start)
            return statistics.median(times)

        return run

    return [
        Case("projection", "PCA map of 3,000 GloVe words", "< 0.5 s", lambda: pca_2d(X3000),
             "scikit-learn PCA", sklearn_pca, repeat=3),
        Case("projection", "t-SNE of 1,000 words, openTSNE (used by the app)", "< 5 s", tsne(X1000, "opentsne"),
             "scikit-learn TSNE", tsne(X1000, "sklearn")),
        Case("projection", "t-SNE of 3,000 words, openTSNE (used by the app)", "< 15 s", tsne(X3000, "opentsne"),
             "scikit-learn TSNE", tsne(X3000, "sklearn")),
        Case("projection", "cached redraw of a 2-panel map of 3,000 words (align + figure + JSON)", "< 0.3 s",
             redraw, "same redraw recomputing both PCAs", redraw_uncached, repeat=3),
        Case("projection", "10 nearest neighbours among 400,000 GloVe words (median of 10 queries)", "< 50 ms",
             per_query(lambda w: most_similar(kv, w, 10)), "gensim KeyedVectors.most_similar",
             per_query(lambda w: kv.most_similar(w, topn=10)), repeat=3),
    ]
