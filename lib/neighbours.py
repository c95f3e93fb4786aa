"""Cosine nearest neighbours: of one word, of every word, and side by side in several embeddings.

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
* :func:`pair_reading` / :func:`pair_summary` - how close two words are in each embedding, in one sentence;
* :func:`neighbour_lists` - one word's neighbours in every embedding that knows it, as table columns and rows.

How words lean in labelled texts lives in :mod:`lib.sentiment`; how training turned a run's
vectors in :mod:`lib.movement`.
"""
from __future__ import annotations

from lib.errors import UserError
from lib.words import known_form

import threading
import weakref
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits


class NeighbourError(UserError):
    """A query the user can fix: an unknown word, too few words, ... (message says what to do)."""


class ZeroVectorError(NeighbourError):
    """A word's vector is all zeros, so how close it is to anything is undefined; the message names the word."""


# --- normalised matrices and the top-k search ---------------------------------------------


def unit_rows(X: np.ndarray) -> np.ndarray:
    """Scale every row of ``X`` to length 1 (float32).

    All-zero rows stay zero, so a search over the whole matrix can run (they score 0 against
    everything); :func:`cosine` and :func:`rank_of` refuse to report such a row as a finding.
    """
    X = np.asarray(X, dtype=np.float32)
    if X.ndim == 1:
        X = X[None, :]
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return X / norms


def rows_of(kv, words: Sequence[str]) -> np.ndarray:
    """The vectors of ``words`` (all known to ``kv``) as one ``(len(words), d)`` matrix, in that order.

    >>> kv = keyed_vectors(["", "good", "bad"], np.array([[0, 0], [1, 2], [3, 4]]))
    >>> rows_of(kv, ["bad", "good"]).tolist(), rows_of(kv, []).shape
    ([[3.0, 4.0], [1.0, 2.0]], (0, 2))
    """
    if not len(words):
        return np.empty((0, kv.vector_size), dtype=kv.vectors.dtype)
    return kv.vectors[[kv.key_to_index[w] for w in words]]


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
        raise NeighbourError("The query vector is all zeros, so it has no direction and no neighbours.")
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
        raise NeighbourError(f"“{word}” is not in the vocabulary of {name}. Check the spelling or pick another word.")
    return int(index)


def most_similar(kv, word: str, k: int = 10, name: str = "this embedding") -> list[tuple[str, float]]:
    """The ``k`` words whose vectors point most nearly the same way as ``word``'s, with cosines.

    Same answer as gensim's ``kv.most_similar(word, topn=k)``, but the normalised
    matrix is cached per ``kv`` and the top ``k`` come from ``argpartition``
    (about 5-10 ms over the 400,000 GloVe words instead of a full sort).
    Unknown words raise :class:`NeighbourError` (a ``ValueError``) with a sentence
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
    ``KeyedVectors``, which are shared by every session. Unknown words raise :class:`NeighbourError`.
    """
    unit = unit_matrix_of(kv)
    rows = {w: _index_of(kv, w, name) for w in [*positive, *negative]}
    target = sum(unit[rows[w]] for w in positive) - sum(unit[rows[w]] for w in negative)
    return _words_nearest(kv, target, k, exclude=rows.values())


def _defined_rows(kv, words: Sequence[str], name: str) -> list[int]:
    """The rows of ``words`` in ``kv``; :class:`ZeroVectorError` if any of them is all zeros.

    An all-zero vector points nowhere: its cosine with any word is 0 / 0, which
    :func:`unit_rows` turns into 0.0 only so that whole-matrix searches can run. Asked
    about directly, the honest answer is "undefined", with the reason.
    """
    rows = [_index_of(kv, w, name) for w in words]
    unit = unit_matrix_of(kv)
    for word, row in zip(words, rows):
        if not unit[row].any():
            raise ZeroVectorError(
                f"“{word}” has an all-zero vector in {name}, so it points in no direction: its closeness to other "
                "words is undefined (not 0). Pick another word or another embedding."
            )
    return rows


def cosine(kv, word_a: str, word_b: str, name: str = "this embedding") -> float:
    """Cosine similarity of two words of one embedding (:class:`ZeroVectorError` if either vector is all zeros)."""
    i, j = _defined_rows(kv, [word_a, word_b], name)
    unit = unit_matrix_of(kv)
    return float(unit[i] @ unit[j])


def rank_of(kv, word: str, other: str, name: str = "this embedding") -> int:
    """Where ``other`` comes in ``word``'s neighbour list (1 = nearest neighbour).

    :class:`ZeroVectorError` if either vector is all zeros: every word would tie at cosine 0,
    and "neighbour #1" would be an accident of the tie-break, not a finding.
    """
    i, j = _defined_rows(kv, [word, other], name)
    unit = unit_matrix_of(kv)
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
    # gensim takes seconds to import; only a run's matrices need it here, so the pages that only search
    # GloVe (and the home page's first paint) do not wait for it.
    from gensim.models import KeyedVectors

    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != len(vocabulary):
        raise NeighbourError(
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


# --- one word pair, several embeddings --------------------------------------------------------

#: A cosine gap this large between two embeddings is visible on their maps: say one pulls the words apart.
APART_GAP = 0.2
#: Below this gap the difference is within what reruns of the same training give: say they agree.
AGREE_GAP = 0.05


@dataclass(frozen=True)
class PairReading:
    """How close two words are in one embedding: cosine and where the second comes in the first's neighbours."""

    embedding: str
    cosine: float
    rank: int


def pair_reading(kv, embedding: str, word_a: str, word_b: str) -> PairReading:
    """Cosine of two words ``kv`` knows, and the rank of ``word_b`` among ``word_a``'s neighbours.

    :class:`ZeroVectorError` (a sentence naming the word) when either has an all-zero vector in ``kv``:
    "+0.00, neighbour #1" would read as a finding.
    """
    return PairReading(embedding, cosine(kv, word_a, word_b, embedding), rank_of(kv, word_a, word_b, embedding))


def pair_summary(word_a: str, word_b: str, readings: Sequence[PairReading]) -> str:
    """One sentence comparing the closest and the farthest reading of a word pair.

    >>> pair_summary("good", "bad", [PairReading("GloVe", 0.80, 1), PairReading("run", 0.30, 120)])
    '“good” and “bad”: cosine +0.80 in GloVe (neighbour #1) vs +0.30 in run (neighbour #120). run pulls them further apart.'
    """
    high = max(readings, key=lambda r: r.cosine)
    low = min(readings, key=lambda r: r.cosine)
    sentence = (f"“{word_a}” and “{word_b}”: cosine {high.cosine:+.2f} in {high.embedding} (neighbour #{high.rank:,}) "
                f"vs {low.cosine:+.2f} in {low.embedding} (neighbour #{low.rank:,}).")
    gap = high.cosine - low.cosine
    if gap >= APART_GAP:
        sentence += f" {low.embedding} pulls them further apart."
    elif gap < AGREE_GAP:
        sentence += " The embeddings agree on how close they are."
    return sentence


# --- one word's neighbours, several embeddings -------------------------------------------------


def shared_neighbours(neighbour_lists: Sequence[Sequence[tuple[str, float]]]) -> set[str]:
    """The words every ``(word, cosine)`` list contains.

    >>> sorted(shared_neighbours([[("a", .9), ("b", .8)], [("b", .7), ("c", .6)]]))
    ['b']
    """
    return set.intersection(*(set(w for w, _ in lst) for lst in neighbour_lists)) if neighbour_lists else set()


def neighbour_lists(named_vectors: Mapping[str, object], query: str, k: int) -> dict[str, list[tuple[str, float]]]:
    """``name -> the k nearest (word, cosine)`` of ``query`` in every embedding that knows it."""
    lists = {}
    for name, kv in named_vectors.items():
        try:
            lists[name] = most_similar(kv, query, k, name=name)
        except NeighbourError:
            continue  # this embedding lacks the word; the page says so in its column
    return lists


def neighbour_columns(neighbour_list: Sequence[tuple[str, float]], shared: Container[str],
                      shared_label: str = "in all", digits: int | None = None) -> dict[str, list]:
    """One embedding's neighbour table as columns: word, cosine (rounded to ``digits`` if given), and ✓ for
    words in ``shared`` (the column is called ``shared_label``).

    >>> neighbour_columns([("bad", 0.8), ("great", 0.7)], {"great"})
    {'word': ['bad', 'great'], 'cosine': [0.8, 0.7], 'in all': ['', '✓']}
    >>> neighbour_columns([("bad", 0.8123)], set(), "in both", digits=3)["cosine"]
    [0.812]
    """
    return {"word": [w for w, _ in neighbour_list],
            "cosine": [s if digits is None else round(s, digits) for _, s in neighbour_list],
            shared_label: ["✓" if w in shared else "" for w, _ in neighbour_list]}


def neighbour_rows(neighbour_lists: Mapping[str, Sequence[tuple[str, float]]]) -> list[dict]:
    """The neighbour lists as rows of one table (the CSV people download)."""
    shared = shared_neighbours(list(neighbour_lists.values()))
    return [{"embedding": name, "rank": rank, "word": w, "cosine": round(s, 4), "in all": w in shared}
            for name, lst in neighbour_lists.items() for rank, (w, s) in enumerate(lst, start=1)]
