"""Cosine nearest neighbours, and the numbers that say how two embeddings differ.

Two word vectors are "close" when they point the same way: their *cosine
similarity* is near 1. Once every row of a matrix is scaled to length 1
(:func:`unit_rows`), the cosine of a query with every word is a single
matrix-vector product, and the top ``k`` come out of :func:`numpy.argpartition`
without sorting the whole vocabulary::

    >>> vectors = np.array([[1.0, 0.1], [0.9, 0.2], [0.7, -0.6], [-0.1, 1.0]])  # good, great, bad, table
    >>> unit = unit_rows(vectors)                    # once per embedding (cached)
    >>> idx, sim = nearest(unit, unit[0], k=2, exclude=[0])   # "good" is not its own neighbour
    >>> idx.tolist(), [round(float(s), 2) for s in sim]
    ([1, 2], [0.99, 0.69])

On GloVe 50-d the same search for "good" gives better, really, always, you, well.

:func:`most_similar` does exactly that for a gensim ``KeyedVectors`` and keeps the
normalised matrix per ``KeyedVectors`` object, so the 400,000 GloVe words are
normalised once, not on every query (and the shared object is never modified).

The rest compares embeddings:

* :func:`nearest_all` - the top ``k`` of every word at once, in blocks (behind :mod:`lib.overlap`);
* :func:`overlap_at_k` - how many of the top-k neighbours two embeddings share;
* :func:`movement` - how far each word's vector turned during training
  (cosine between its initial and final row);
* :func:`sentiment_table` - how strongly a word leans
  positive or negative *in the training data* (smoothed log-odds, Monroe et al. 2008);
* :func:`separation_score` - how well positive and negative words can be told
  apart from their vectors alone (cross-validated logistic regression).
"""
from __future__ import annotations

from lib.errors import UserError
from lib.words import known_form

import threading
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np


class NeighborError(UserError):
    """A query the user can fix: an unknown word, too few words, ... (message says what to do)."""


# --- normalised matrices and the top-k search ---------------------------------------------


def unit_rows(X: np.ndarray) -> np.ndarray:
    """Scale every row of ``X`` to length 1 (float32). All-zero rows stay zero (similarity 0 to everything)."""
    X = np.asarray(X, dtype=np.float32)
    if X.ndim == 1:
        X = X[None, :]
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return X / norms


def nearest(
    unit_matrix: np.ndarray,
    query_vector: np.ndarray,
    k: int = 10,
    exclude: Iterable[int] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` rows of ``unit_matrix`` with the highest cosine similarity to ``query_vector``.

    ``unit_matrix`` must already have unit-length rows (:func:`unit_rows`); the
    query is normalised here. Row indices in ``exclude`` (typically the query word
    itself) are skipped. Returns ``(indices, similarities)``, best first.

    Cost: one ``(n, d) @ (d,)`` product and an O(n) :func:`numpy.argpartition`;
    only the ``k`` winners are sorted.
    """
    q = np.asarray(query_vector, dtype=np.float32).ravel()
    norm = float(np.linalg.norm(q))
    if norm == 0.0:
        raise NeighborError("The query vector is all zeros, so it has no direction and no neighbours.")
    sims = unit_matrix @ (q / norm)
    excluded = np.fromiter((int(i) for i in exclude), dtype=np.int64)
    n_candidates = sims.shape[0] - len(np.unique(excluded))
    k = int(max(0, min(k, n_candidates)))
    if k == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
    if excluded.size:
        sims = sims.copy()
        sims[excluded] = -np.inf
    if k < sims.shape[0]:
        top = np.argpartition(-sims, k - 1)[:k]
    else:
        top = np.arange(sims.shape[0])
    order = np.argsort(-sims[top], kind="stable")
    top = top[order]
    return top.astype(np.int64), sims[top].astype(np.float32)


def nearest_all(unit_matrix: np.ndarray, k: int = 10, block: int = 256) -> np.ndarray:
    """The ``k`` nearest rows of *every* row of ``unit_matrix`` (itself left out), as an ``(n, k)`` index array.

    The all-words version of :func:`nearest`, for overviews such as :mod:`lib.overlap`: the
    ``(n, n)`` cosine matrix would not fit in memory for 20,000 words (1.6 GB), so it is made
    ``block`` rows at a time (one ``(block, d) @ (d, n)`` product), and each block's top ``k``
    comes out of one :func:`numpy.argpartition` along the rows. The ``k`` indices of a row are
    the right *set* but in no particular order (overlap needs sets, not ranks).

    >>> unit = unit_rows(np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]]))
    >>> np.sort(nearest_all(unit, k=1), axis=1).ravel().tolist()
    [1, 0, 3, 2]
    """
    from threadpoolctl import threadpool_limits

    U = np.asarray(unit_matrix, dtype=np.float32)
    n = U.shape[0]
    k = int(min(max(k, 0), n - 1))
    out = np.empty((n, k), dtype=np.int64)
    if k == 0:
        return out
    # One BLAS thread: these products are small, and on this 2-core machine with the other core busy,
    # two spinning BLAS threads made this 2.5x slower (0.9 s vs 0.36 s for 10,000 GloVe words, measured).
    with threadpool_limits(limits=1, user_api="blas"):
        for start in range(0, n, block):
            sims = U[start:start + block] @ U.T
            np.negative(sims, out=sims)                   # argpartition finds the smallest: negate in place
            rows = np.arange(sims.shape[0])
            sims[rows, rows + start] = np.inf             # a word is not its own neighbour
            out[start:start + block] = np.argpartition(sims, k - 1, axis=1)[:, :k]
    return out


_UNIT_CACHE: "weakref.WeakKeyDictionary[object, tuple[int, tuple[int, ...], np.ndarray]]" = weakref.WeakKeyDictionary()
_UNIT_LOCK = threading.Lock()


def unit_matrix_of(kv) -> np.ndarray:
    """The row-normalised copy of ``kv.vectors``, computed once per ``KeyedVectors`` object.

    Kept in a weak-keyed cache beside the object (never stored on it: shared,
    ``st.cache_resource`` objects must not be mutated). If ``kv.vectors`` is
    replaced, the cache notices and recomputes.
    """
    vectors = kv.vectors
    stamp = (id(vectors), vectors.shape)
    with _UNIT_LOCK:
        hit = _UNIT_CACHE.get(kv)
        if hit is not None and (hit[0], hit[1]) == stamp:
            return hit[2]
    unit = unit_rows(vectors)
    unit.flags.writeable = False
    with _UNIT_LOCK:
        _UNIT_CACHE[kv] = (stamp[0], stamp[1], unit)
    return unit


def _index_of(kv, word: str, name: str = "this embedding") -> int:
    index = kv.key_to_index.get(known_form(kv.key_to_index, word))
    if index is None:
        raise NeighborError(f"“{word}” is not in the vocabulary of {name}. Check the spelling or pick another word.")
    return int(index)


def most_similar(kv, word: str, k: int = 10, name: str = "this embedding") -> list[tuple[str, float]]:
    """The ``k`` words whose vectors point most nearly the same way as ``word``'s, with cosines.

    Same answer as gensim's ``kv.most_similar(word, topn=k)``, but the normalised
    matrix is cached per ``kv`` and the top ``k`` come from ``argpartition``
    (about 5-10 ms over the 400,000 GloVe words instead of a full sort).
    Unknown words raise :class:`NeighborError` (a ``ValueError``) with a sentence
    for the user; a lower-cased retry is made first.
    """
    index = _index_of(kv, word, name)
    unit = unit_matrix_of(kv)
    return _words_nearest(kv, unit[index], k, exclude=(index,))


def _words_nearest(kv, vector: np.ndarray, k: int, exclude: Iterable[int]) -> list[tuple[str, float]]:
    idx, sims = nearest(unit_matrix_of(kv), vector, k, exclude=exclude)
    keys = kv.index_to_key
    return [(keys[i], float(s)) for i, s in zip(idx, sims)]


def analogy(kv, positive: Sequence[str], negative: Sequence[str], k: int = 5,
            name: str = "this embedding") -> list[tuple[str, float]]:
    """The ``k`` words nearest to the sum of the ``positive`` minus the ``negative`` words' directions.

    ``analogy(kv, ["king", "woman"], ["man"])`` answers *man is to king as woman is to ...*.
    The same answer as gensim's ``kv.most_similar(positive=..., negative=...)``: each word's
    vector is scaled to length 1 first, so a long vector (a frequent word) does not outvote the
    others, and the words asked about are left out of the answer. Computed on the cached
    normalised matrix (:func:`unit_matrix_of`) because gensim's version writes norms onto the
    ``KeyedVectors``, which are shared by every session. Unknown words raise :class:`NeighborError`.
    """
    unit = unit_matrix_of(kv)
    rows = {w: _index_of(kv, w, name) for w in [*positive, *negative]}
    target = sum(unit[rows[w]] for w in positive) - sum(unit[rows[w]] for w in negative)
    return _words_nearest(kv, target, k, exclude=rows.values())


def cosine(kv, word_a: str, word_b: str, name: str = "this embedding") -> float:
    """Cosine similarity of two words of one embedding."""
    unit = unit_matrix_of(kv)
    return float(unit[_index_of(kv, word_a, name)] @ unit[_index_of(kv, word_b, name)])


def rank_of(kv, word: str, other: str, name: str = "this embedding") -> int:
    """Where ``other`` comes in ``word``'s neighbour list (1 = nearest neighbour)."""
    unit = unit_matrix_of(kv)
    i, j = _index_of(kv, word, name), _index_of(kv, other, name)
    sims = unit @ unit[i]
    sims[i] = -np.inf
    return int(np.count_nonzero(sims > sims[j]) + 1)


# --- building KeyedVectors from a run's matrix ----------------------------------------------


def keyed_vectors(vocabulary: Sequence[str], matrix: np.ndarray, skip_padding: bool = True):
    """A gensim ``KeyedVectors`` over a run's vocabulary and embedding matrix.

    Row ``i`` of an ``Embedding`` matrix is the vector of word id ``i``; row 0 is the
    padding id (``vocabulary[0] == ""``) and is left out when ``skip_padding``.
    Empty or repeated tokens (which a word list cannot hold twice) are skipped.
    """
    from gensim.models import KeyedVectors

    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != len(vocabulary):
        raise NeighborError(
            f"The embedding matrix has {matrix.shape[0] if matrix.ndim else 0} rows but the vocabulary has "
            f"{len(vocabulary)} words; the run looks damaged."
        )
    start = 1 if skip_padding else 0
    seen: set[str] = set()
    keep: list[int] = []
    words: list[str] = []
    for i in range(start, len(vocabulary)):
        w = vocabulary[i]
        if not w or w in seen:
            continue
        seen.add(w)
        keep.append(i)
        words.append(w)
    kv = KeyedVectors(vector_size=matrix.shape[1], count=0, dtype=np.float32)  # count>0 would pre-allocate zero rows
    if words:
        kv.add_vectors(words, matrix[keep])
    return kv


# --- comparing embeddings ---------------------------------------------------------------------


def _words(items: Iterable) -> list[str]:
    return [item[0] if isinstance(item, (tuple, list)) else item for item in items]


def overlap_at_k(list_a: Iterable, list_b: Iterable) -> float:
    """Share of neighbours two top-k lists have in common, 0 (none) .. 1 (same set).

    Takes lists of words or of ``(word, similarity)`` pairs; order within the
    lists does not matter. Divides by the longer list's length (k).
    """
    a, b = _words(list_a), _words(list_b)
    k = max(len(a), len(b))
    if k == 0:
        return float("nan")
    return len(set(a) & set(b)) / k


def overlap_matrix(neighbour_lists: Sequence[Iterable]) -> np.ndarray:
    """Pairwise :func:`overlap_at_k` of several neighbour lists (diagonal 1)."""
    lists = [_words(x) for x in neighbour_lists]
    n = len(lists)
    out = np.ones((n, n), dtype=float)
    for i in range(n):
        for j in range(i + 1, n):
            out[i, j] = out[j, i] = overlap_at_k(lists[i], lists[j])
    return out


def movement(initial: np.ndarray, final: np.ndarray) -> np.ndarray:
    """Cosine between each row of ``initial`` and the same row of ``final``.

    1 means the word's vector still points the same way after training (it may
    have grown or shrunk), 0 that it turned a right angle. Rows that are all zero
    in either matrix (the padding row) give ``nan``.
    """
    A = np.asarray(initial, dtype=np.float64)
    B = np.asarray(final, dtype=np.float64)
    if A.shape != B.shape:
        raise NeighborError(f"Initial and final matrices differ in shape ({A.shape} vs {B.shape}).")
    na = np.linalg.norm(A, axis=1)
    nb = np.linalg.norm(B, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.einsum("ij,ij->i", A, B) / (na * nb)
    cos[(na == 0) | (nb == 0)] = np.nan
    return cos


def most_moved(vocabulary: Sequence[str], initial: np.ndarray, final: np.ndarray, k: int = 20,
               skip_padding: bool = True) -> list[tuple[str, float]]:
    """The ``k`` words whose vectors turned most during training: ``(word, cosine initial->final)``, lowest first."""
    cos = movement(initial, final)
    if skip_padding and len(cos):
        cos = cos.copy()
        cos[0] = np.nan
    valid = np.flatnonzero(~np.isnan(cos))
    order = valid[np.argsort(cos[valid], kind="stable")][:k]
    return [(vocabulary[i], float(cos[i])) for i in order]


# --- sentiment of words, from the training data ----------------------------------------------


def function_words() -> frozenset[str]:
    """English function words ("the", "and", "not", ...) plus tokenizer leftovers such as "br" and the
    pieces of contractions ("don", "t"): words too frequent to be interesting on a map, which lean only
    slightly yet have large z-scores. One list, so every page means the same by "most frequent words"."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | {"br", "s", "t", "don", "didn", "doesn", "isn", "wasn", "ve", "ll",
                                            "d", "m", "re", "just", "like", "did", "does"}


@dataclass(frozen=True)
class SentimentTable:
    """Per-word counts and log-odds of appearing in positive vs negative texts.

    ``words[i]`` appears in ``pos_docs[i]`` positive and ``neg_docs[i]`` negative
    texts. ``log_odds[i] > 0`` leans positive; ``exp(log_odds)`` is roughly "how
    many times more likely in a positive text". ``z[i]`` divides by the
    estimate's standard error: it ranks words by how *sure* we are of the lean
    (frequent, consistent words come first), so use it to pick the most
    sentiment-laden words and ``log_odds`` to colour them.
    """

    words: list[str]
    pos_docs: np.ndarray
    neg_docs: np.ndarray
    log_odds: np.ndarray
    z: np.ndarray
    n_pos: int
    n_neg: int

    def index(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.words)}

    def scores(self, words: Iterable[str]) -> np.ndarray:
        """``log_odds`` of each word; ``nan`` for words the texts never contain."""
        idx = self.index()
        return np.array([self.log_odds[idx[w]] if w in idx else np.nan for w in words], dtype=float)

    def doc_counts(self, words: Iterable[str]) -> np.ndarray:
        """How many texts contain each word (float, so ``nan`` can mark words the texts never contain)."""
        idx = self.index()
        return np.array([self.pos_docs[idx[w]] + self.neg_docs[idx[w]] if w in idx else np.nan for w in words],
                        dtype=float)

    def frequent(self, n: int, exclude: Iterable[str] = ()) -> list[str]:
        """The ``n`` words found in the most texts (ties: first seen first), skipping ``exclude``."""
        skip = set(exclude)
        order = np.argsort(-(self.pos_docs + self.neg_docs), kind="stable")
        out: list[str] = []
        for i in order:
            if len(out) >= n:
                break
            if self.words[i] not in skip:
                out.append(self.words[i])
        return out

    def top(self, n: int, min_docs: int = 20, exclude: Iterable[str] = ()) -> tuple[list[str], list[str]]:
        """The ``n`` most clearly positive and the ``n`` most clearly negative words (by ``z``).

        Words in fewer than ``min_docs`` texts are skipped (too rare to trust), and
        so are words in ``exclude`` (e.g. function words such as "and" or "this",
        which lean slightly but are so frequent that their ``z`` is large).
        """
        total = self.pos_docs + self.neg_docs
        skip = set(exclude)
        ok = np.flatnonzero(total >= min_docs)
        if skip:
            ok = np.array([i for i in ok if self.words[i] not in skip], dtype=np.int64)
        by_z = ok[np.argsort(-self.z[ok], kind="stable")]
        positive = [self.words[i] for i in by_z[:n] if self.z[i] > 0]
        negative = [self.words[i] for i in by_z[::-1][:n] if self.z[i] < 0]
        return positive, negative


def sentiment_table(texts: Sequence[str], labels: Sequence[int], positive_label: int = 1,
                    prior_strength: float = 500.0, tokenizer=None) -> SentimentTable:
    """Smoothed log-odds of each word appearing in positive vs negative texts (Monroe et al. 2008).

    Counts are *document* frequencies (a review that says "awful" ten times counts
    once), so one ranting review cannot make a word look negative. For word ``w``
    with ``y_p`` positive and ``y_n`` negative documents out of ``n_p`` and ``n_n``:

        a_w   = prior_strength * (y_p + y_n) / (n_p + n_n)       # informative Dirichlet prior
        delta = log((y_p + a_w) / (n_p + A - y_p - a_w)) - log((y_n + a_w) / (n_n + A - y_n - a_w))
        z     = delta / sqrt(1/(y_p + a_w) + 1/(y_n + a_w))

    where ``A = prior_strength``. The prior pulls rare words towards 0 (no lean).
    Labels other than ``positive_label`` count as negative.

    Vectorised: texts are split with the project's :class:`~lib.text.Tokenizer`,
    turned into one sparse document-term matrix, and counted per class with one
    sparse product (about 2 s for the 25,000 IMDB training reviews).
    """
    from scipy import sparse

    from lib.text import Tokenizer

    labels = np.asarray(labels)
    if len(texts) != len(labels):
        raise NeighborError(f"Got {len(texts)} texts but {len(labels)} labels.")
    is_pos = labels == positive_label
    n_pos, n_neg = int(is_pos.sum()), int((~is_pos).sum())
    if n_pos == 0 or n_neg == 0:
        raise NeighborError("Sentiment scores need both positive and negative texts; this data has only one kind.")
    tok = tokenizer or Tokenizer()
    word_lists = [tok.split(t) for t in texts]
    if tokenizer is None:
        tok.fit_on_word_lists(word_lists)
    seqs = tok.word_lists_to_sequences(word_lists)
    lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
    cols = np.fromiter((i for s in seqs for i in s), dtype=np.int64, count=int(lengths.sum()))
    rows = np.repeat(np.arange(len(seqs)), lengths)
    n_words = len(tok.word_index) + 1
    dtm = sparse.csr_matrix((np.ones_like(cols, dtype=np.float32), (rows, cols)), shape=(len(seqs), n_words))
    dtm.data[:] = 1.0  # presence, not count (duplicates were summed by the constructor)
    pos_docs = np.asarray(dtm[is_pos].sum(axis=0)).ravel()[1:]
    neg_docs = np.asarray(dtm[~is_pos].sum(axis=0)).ravel()[1:]
    words = [tok.index_word[i] for i in range(1, n_words)]

    A = float(prior_strength)
    a = A * (pos_docs + neg_docs) / (n_pos + n_neg)
    a = np.maximum(a, 1e-3)
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = np.log((pos_docs + a) / np.maximum(n_pos + A - pos_docs - a, 1e-9)) - np.log(
            (neg_docs + a) / np.maximum(n_neg + A - neg_docs - a, 1e-9)
        )
        # Correct for unequal class sizes so a balanced word scores 0.
        delta -= np.log(n_pos / n_neg)
        z = delta / np.sqrt(1.0 / (pos_docs + a) + 1.0 / (neg_docs + a))
    return SentimentTable(words, pos_docs.astype(np.int64), neg_docs.astype(np.int64),
                          delta.astype(float), z.astype(float), n_pos, n_neg)


def separation_score(vectors: np.ndarray, labels: Sequence[int], seed: int = 0, folds: int = 5) -> float:
    """How well the word vectors alone tell the two groups apart: cross-validated balanced accuracy.

    The vectors are scaled to length 1 first (only their directions count, as for
    cosine neighbours), so every page that shows this score for the same words gets
    the same number. A logistic regression (on standardised features) is trained on part of the
    words and tested on the others, ``folds`` times. 0.5 means the vectors carry no
    information about the labels (chance), 1.0 that a straight cut separates the
    positive from the negative words perfectly. Balanced accuracy, so an uneven
    number of positive and negative words does not inflate the score.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = unit_rows(np.asarray(vectors, dtype=np.float64))
    y = np.asarray(labels)
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) != 2:
        raise NeighborError("The separation score needs words of exactly two kinds (positive and negative).")
    n_splits = int(min(folds, counts.min()))
    if n_splits < 2:
        raise NeighborError("The separation score needs at least two positive and two negative words.")
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
    cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return float(cross_val_score(model, X, y, cv=cv, scoring="balanced_accuracy").mean())
