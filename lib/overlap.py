"""Neighbourhood change over all words: which words did two embeddings give different neighbours?

A map shows a few hundred words; this module looks at all of them (up to 20,000). For every
word two embeddings share, take its ``k`` nearest neighbours in each (cosine, among the shared
words only, so both lists are drawn from the same candidates) and measure how much the two
lists agree with the *Jaccard overlap*::

    J = |A ∩ B| / |A ∪ B|          1 = the same k neighbours, 0 = none in common

With ``k = 10``, sharing 5 neighbours gives 5 / 15 = 0.33, sharing 9 gives 9 / 11 = 0.82.
J can only take ``k + 1`` values (one per number of shared neighbours), so the histogram has
one bar per count. A word whose J is low is a word whose *meaning* (as the embedding sees
it) changed: after sentiment training, "good" may trade "decent, nice" for "great, excellent".

The pipeline, all arrays::

    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=(200, 16))
    >>> b = a + rng.normal(scale=0.01, size=a.shape)      # the same embedding, barely moved
    >>> nn_a, nn_b = neighbour_sets(a, k=5), neighbour_sets(b, k=5)
    >>> nn_a.shape
    (200, 5)
    >>> bool(jaccard(nn_a, nn_b).mean() > 0.9)
    True
    >>> float(jaccard(nn_a, neighbour_sets(rng.normal(size=(200, 16)), k=5)).mean()) < 0.2
    True

Cost: the neighbours of every word are one blocked matrix product and one
``argpartition`` per block (:func:`lib.neighbours.nearest_all`), about 0.3 s for 10,000 words
on one core; the overlaps are one vectorised comparison.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from lib.neighbours import nearest, nearest_all, rows_of, unit_rows

#: The most shared words an overview looks at (the most frequent ones).
MAX_WORDS = 20_000
K_RANGE = (5, 50)


def shared_words(vocabularies: Sequence[Mapping[str, int]], limit: int = MAX_WORDS) -> list[str]:
    """The words every vocabulary knows, most frequent first, at most ``limit``.

    ``vocabularies`` are ``word -> row`` dicts (a ``KeyedVectors``' ``key_to_index``), whose row
    order is frequency order for GloVe, word2vec and a run's vocabulary alike. A word counts
    as frequent when it is frequent *everywhere*: words are ordered by their largest row number
    over all vocabularies (a word common in GloVe but rare in the reviews comes late).

    >>> shared_words([{"the": 0, "film": 1, "good": 2}, {"good": 0, "the": 1, "cat": 2}])
    ['the', 'good']
    """
    if not vocabularies:
        return []
    smallest = min(vocabularies, key=len)
    worst = {}
    for word in smallest:
        if not word:
            continue
        ranks = [v.get(word) for v in vocabularies]
        if all(r is not None for r in ranks):
            worst[word] = max(ranks)
    return sorted(worst, key=worst.__getitem__)[:limit]


def neighbour_sets(matrix: np.ndarray, k: int = 10) -> np.ndarray:
    """Each row's ``k`` nearest rows by cosine (itself left out), ``(n, k)`` indices in no order."""
    return nearest_all(unit_rows(matrix), k)


def jaccard(nn_a: np.ndarray, nn_b: np.ndarray, block: int = 4096) -> np.ndarray:
    """Per row, the Jaccard overlap of two neighbour index sets of equal size ``k``.

    With ``s`` shared neighbours, ``J = s / (2k - s)``. Counted without Python loops: the
    ``(n, k, k)`` table of "is neighbour i of A neighbour j of B" summed, a block of rows at a time.

    >>> jaccard(np.array([[1, 2, 3], [1, 2, 3]]), np.array([[3, 2, 1], [4, 5, 1]])).round(2).tolist()
    [1.0, 0.2]
    """
    A, B = np.asarray(nn_a), np.asarray(nn_b)
    if A.shape != B.shape or A.ndim != 2:
        raise ValueError(f"Neighbour sets must have the same shape, got {A.shape} and {B.shape}.")
    k = A.shape[1]
    shared = np.empty(A.shape[0], dtype=np.int64)
    for start in range(0, A.shape[0], block):
        a, b = A[start:start + block], B[start:start + block]
        shared[start:start + block] = (a[:, :, None] == b[:, None, :]).sum(axis=(1, 2))
    return shared / np.maximum(2 * k - shared, 1)


def jaccard_values(k: int) -> np.ndarray:
    """The ``k + 1`` values Jaccard can take with ``k`` neighbours a side: ``s / (2k - s)``, ``s = 0..k``.

    >>> jaccard_values(2).round(2).tolist()
    [0.0, 0.33, 1.0]
    """
    s = np.arange(k + 1)
    return s / (2 * k - s)


def shared_counts(values: np.ndarray, k: int) -> np.ndarray:
    """How many neighbours were shared, recovered from Jaccard values (``s = 2kJ / (1 + J)``)."""
    jaccards = np.asarray(values, dtype=float)
    return np.rint(2 * k * jaccards / (1 + jaccards)).astype(np.int64)


def histogram(values: np.ndarray, k: int) -> np.ndarray:
    """How many words share ``s`` of their ``k`` neighbours, for ``s = 0..k`` (one bar per possible J)."""
    return np.bincount(shared_counts(values, k), minlength=k + 1)[: k + 1]


def in_range(words: Sequence[str], values: np.ndarray, low: float, high: float) -> list[tuple[str, float]]:
    """``(word, J)`` of the words whose overlap lies in ``[low, high]``, most frequent first.

    >>> in_range(["a", "b", "c"], np.array([0.1, 0.5, 0.9]), 0.4, 1.0)
    [('b', 0.5), ('c', 0.9)]
    """
    jaccards = np.asarray(values, dtype=float)
    keep = np.flatnonzero((jaccards >= low - 1e-12) & (jaccards <= high + 1e-12))
    return [(words[i], float(jaccards[i])) for i in keep]


def most_and_least_changed(words: Sequence[str], values: np.ndarray, n: int = 20, closeness: np.ndarray | None = None
                           ) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """``(most changed, least changed)``: the ``n`` lowest and ``n`` highest overlaps as ``(word, J)``.

    J takes only ``k + 1`` values, so thousands of words tie. ``closeness`` (:func:`kept_closeness`) breaks
    the ties by how close each word's old neighbours still are in the second embedding, so "most changed"
    lists the words whose old neighbours went furthest, not the most frequent of a tie (which listed
    "of, to, and"). Without it, ties go to the more frequent word.

    >>> most_and_least_changed(["a", "b", "c"], np.array([0.5, 0.0, 1.0]), n=1)
    ([('b', 0.0)], [('c', 1.0)])
    >>> most_and_least_changed(["of", "to", "awful"], np.zeros(3), n=1, closeness=np.array([0.6, 0.5, 0.1]))[0]
    [('awful', 0.0)]
    """
    jaccards = np.asarray(values, dtype=float)
    tie = np.zeros_like(jaccards) if closeness is None else np.nan_to_num(np.asarray(closeness, dtype=float))
    position = np.arange(len(jaccards))
    order = np.lexsort((position, tie, jaccards))
    most = [(words[i], float(jaccards[i])) for i in order[:n]]
    least_order = np.lexsort((position, -tie, -jaccards))
    least = [(words[i], float(jaccards[i])) for i in least_order[:n]]
    return most, least


def kept_closeness(matrix_b: np.ndarray, nn_a: np.ndarray, block: int = 2048) -> np.ndarray:
    """For each word: the mean cosine, in the second embedding, between it and its ``k`` neighbours from the first
    (1 = its old neighbours still sit right beside it; about 0 = they went anywhere). Computed in blocks.

    >>> b = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> kept_closeness(b, np.array([[1], [0], [0]])).tolist()
    [1.0, 1.0, 0.0]
    """
    unit = unit_rows(np.asarray(matrix_b, dtype=np.float32))
    out = np.empty(len(nn_a), dtype=np.float64)
    for start in range(0, len(nn_a), block):
        rows = unit[start:start + block]
        out[start:start + block] = np.einsum("id,ikd->i", rows, unit[nn_a[start:start + block]]) / max(nn_a.shape[1], 1)
    return out


#: A mean overlap below this: the two embeddings share (almost) no neighbourhoods at all.
UNRELATED_MEAN = 0.05


def chance_overlap(n_words: int, k: int) -> float:
    """The Jaccard overlap two unrelated embeddings get by chance: ``k`` neighbours drawn at random twice from
    the other ``n_words - 1`` words share ``k² / (n_words - 1)`` on average.

    >>> round(chance_overlap(10_000, 10), 4), round(chance_overlap(51, 5), 3)
    (0.0005, 0.053)
    """
    shared = k * k / max(n_words - 1, 1)
    return shared / max(2 * k - shared, 1e-9)


def unrelated_note(name_a: str, name_b: str, values: np.ndarray, k: int) -> str:
    """A warning when two embeddings share no more neighbours than chance would give (or almost none at all),
    which is what two spaces trained separately look like by design (each from its own random start); ``""``
    otherwise.

    >>> unrelated_note("A", "B", np.zeros(1000), 10).startswith("A and B share almost no neighbours")
    True
    >>> unrelated_note("A", "B", np.array([0.5, 0.2] * 500), 10)
    ''
    """
    mean = float(np.mean(values)) if len(values) else 0.0
    chance = chance_overlap(len(values), k)
    if mean >= max(UNRELATED_MEAN, 2 * chance):
        return ""
    return (f"{name_a} and {name_b} share almost no neighbours: their mean overlap ({mean:.2f} for {k} "
            f"neighbours) is about what two unrelated embeddings of {len(values):,} words get by chance "
            f"({chance:.2f}). That is what two embeddings trained separately look like, by design: each one starts "
            "from its own random numbers (or another method's vectors), so their neighbourhoods were never the "
            "same and “most changed” means little. To see what training changed, compare one run before and after "
            "training (the button below).")


def neighbour_sets_of(vectors: Sequence, k: int, limit: int = MAX_WORDS) -> tuple[list[str], list[np.ndarray]]:
    """``(shared words, one (n, k) neighbour-set array per embedding)`` for several ``KeyedVectors``.

    The ``limit`` most frequent words every embedding knows (:func:`shared_words`), and their ``k``
    neighbours among themselves in each (:func:`neighbour_sets`). With ``k`` or fewer shared words
    there are no neighbour lists to compare: the arrays are then empty, ``(n, 0)``.
    """
    words = shared_words([kv.key_to_index for kv in vectors], limit)
    if len(words) <= k:
        return words, [np.empty((len(words), 0), dtype=np.int64) for _ in vectors]
    return words, [neighbour_sets(rows_of(kv, words), k) for kv in vectors]


@dataclass(frozen=True)
class AgainstFirst:
    """Every embedding after the first, compared with the first: one per-word Jaccard array per pair."""

    pair_names: list[str]         # "B vs A", "C vs A", ...
    values: list[np.ndarray]      # values[i][w]: word w's Jaccard overlap in pair i

    def histograms(self, k: int) -> dict[str, list[int]]:
        """``pair name -> words per number of shared neighbours`` (the bars of the histogram)."""
        return {name: histogram(v, k).tolist() for name, v in zip(self.pair_names, self.values)}


def against_first(names: Sequence[str], sets: Sequence[np.ndarray]) -> AgainstFirst:
    """Each embedding's neighbour sets against the first one's (:func:`jaccard`), named ``"<other> vs <first>"``.

    >>> nn = np.array([[1], [0], [3], [2]])
    >>> result = against_first(["A", "B"], [nn, nn[[1, 0, 2, 3]]])
    >>> result.pair_names, result.values[0].tolist()
    (['B vs A'], [0.0, 0.0, 1.0, 1.0])
    """
    return AgainstFirst([f"{names[i]} vs {names[0]}" for i in range(1, len(names))],
                        [jaccard(sets[0], sets[i]) for i in range(1, len(sets))])


def pair_matrix(neighbour_lists: Sequence[np.ndarray]) -> np.ndarray:
    """Mean Jaccard over all words for every pair of embeddings (diagonal 1), ``(m, m)``."""
    m = len(neighbour_lists)
    out = np.ones((m, m))
    for i in range(m):
        for j in range(i + 1, m):
            out[i, j] = out[j, i] = float(jaccard(neighbour_lists[i], neighbour_lists[j]).mean())
    return out


def pair_matrix_sentence(names: Sequence[str], matrix: np.ndarray, k: int, n_words: int) -> str:
    """What the every-pair matrix shows, naming the pair that disagrees most.

    >>> pair_matrix_sentence(["A", "B", "C"], np.array([[1, .5, .2], [.5, 1, .4], [.2, .4, 1]]), 10, 900)
    'Mean Jaccard overlap of the 10 nearest neighbours over 900 shared words, for every pair; the pair that disagrees most is A and C (0.20).'
    """
    i, j = np.unravel_index(np.argmin(matrix + np.eye(len(names))), matrix.shape)
    return (f"Mean Jaccard overlap of the {k} nearest neighbours over {n_words:,} shared words, for every pair; "
            f"the pair that disagrees most is {names[i]} and {names[j]} ({matrix[i, j]:.2f}).")


def changed_sentence(most: Sequence[tuple[str, float]], least: Sequence[tuple[str, float]], pair_name: str) -> str:
    """The most and least changed words of a pair, five each (:func:`most_and_least_changed`).

    >>> changed_sentence([("good", 0.1)], [("the", 1.0)], "B vs A")
    'Ties go to the more frequent word. Most changed: “good”; least changed: “the” (B vs A).'
    """
    return (f"Ties go to the more frequent word. Most changed: {_few(most, 5)}; "
            f"least changed: {_few(least, 5)} ({pair_name}).")


def overlap_summary(name_a: str, name_b: str, values: np.ndarray, k: int) -> str:
    """One sentence from the numbers: mean overlap, how many words kept most / lost all neighbours.

    >>> overlap_summary("A", "B", np.array([1.0, 0.0, 0.0, 1 / 3]), 2)
    'Over 4 shared words, A and B agree on 33% of each word’s 2 nearest neighbours on average (Jaccard); 1 word (25%) keeps every neighbour and 2 (50%) keep none.'
    """
    s = shared_counts(values, k)
    n = len(s)
    same, none = int((s == k).sum()), int((s == 0).sum())
    return (f"Over {n:,} shared words, {name_a} and {name_b} agree on {float(np.mean(values)):.0%} of each word’s "
            f"{k} nearest neighbours on average (Jaccard); {same:,} word{'' if same == 1 else 's'} "
            f"({same / max(n, 1):.0%}) keep{'s' if same == 1 else ''} every "
            f"neighbour and {none:,} ({none / max(n, 1):.0%}) keep none.")


# --- one word up close: the domino -----------------------------------------------------------------


@dataclass(frozen=True)
class Domino:
    """One word's neighbours in two embeddings: the two lists, what they share and what each has alone."""

    word: str
    lists: tuple[list[tuple[str, float]], list[tuple[str, float]]]   # (neighbour, cosine), nearest first
    common: list[str]
    only: tuple[list[str], list[str]]
    jaccard: float

    @property
    def union(self) -> list[str]:
        """The word itself, then the common neighbours, then each side's own: the words of the small map."""
        return [self.word, *self.common, *self.only[0], *self.only[1]]


def domino(word: str, words: Sequence[str], matrix_a: np.ndarray, matrix_b: np.ndarray, k: int = 10) -> Domino:
    """``word``'s ``k`` nearest neighbours among ``words`` in two embeddings, side by side.

    ``matrix_a`` and ``matrix_b`` hold the rows of ``words`` (same order) in each embedding.
    Neighbours are searched among the shared words, as for :func:`jaccard`, so the domino's
    overlap is the word's bar in the histogram.

    >>> a = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=float)
    >>> d = domino("w0", ["w0", "w1", "w2", "w3"], a, a[[0, 2, 1, 3]], k=1)
    >>> d.common, d.only, d.jaccard
    ([], (['w1'], ['w2']), 0.0)
    """
    index = list(words).index(word)
    lists = []
    for matrix in (matrix_a, matrix_b):
        unit = unit_rows(matrix)
        idx, sims = nearest(unit, unit[index], k, exclude=(index,))
        lists.append([(words[i], float(s)) for i, s in zip(idx, sims)])
    sets = [[w for w, _ in lst] for lst in lists]
    common = [w for w in sets[0] if w in set(sets[1])]
    only = ([w for w in sets[0] if w not in set(sets[1])], [w for w in sets[1] if w not in set(sets[0])])
    n_union = len(set(sets[0]) | set(sets[1]))
    return Domino(word, (lists[0], lists[1]), common, only, len(common) / n_union if n_union else float("nan"))


def domino_groups(d: Domino, name_a: str, name_b: str) -> list[str]:
    """The group of each word of :attr:`Domino.union`, for the small map's legend.

    >>> domino_groups(Domino("good", ([], []), ["fine"], (["nice"], []), 0.5), "A", "B")
    ['the word', 'in both', 'only A']
    """
    return (["the word"] + ["in both"] * len(d.common) + [f"only {name_a}"] * len(d.only[0])
            + [f"only {name_b}"] * len(d.only[1]))


def domino_sentence(d: Domino, name_a: str, name_b: str) -> str:
    """What a domino shows, in one sentence from its lists.

    >>> domino_sentence(Domino("good", ([("nice", .9)], [("great", .8)]), [], (["nice"], ["great"]), 0.0), "A", "B")
    '“good” keeps none of its 1 nearest neighbours from A to B (Jaccard 0.00): A alone has “nice”, B alone has “great”.'
    """
    k = max(len(d.lists[0]), len(d.lists[1]))
    shared = (f"shares {len(d.common)} of its {k} nearest neighbours ({', '.join(f'“{w}”' for w in d.common[:5])}"
              f"{'…' if len(d.common) > 5 else ''})" if d.common else f"keeps none of its {k} nearest neighbours")
    return (f"“{d.word}” {shared} from {name_a} to {name_b} (Jaccard {d.jaccard:.2f}): "
            f"{name_a} alone has {_few(d.only[0])}, {name_b} alone has {_few(d.only[1])}.")


def _few(words: Sequence, n: int = 4) -> str:
    """Up to ``n`` words quoted, and how many more (``(word, value)`` pairs count by their word)."""
    words = [w[0] if isinstance(w, tuple) else w for w in words]
    if not words:
        return "nothing"
    return ", ".join(f"“{w}”" for w in words[:n]) + (f" and {len(words) - n} more" if len(words) > n else "")


def overlap_rows(words: Sequence[str], names: Sequence[str], values: Sequence[np.ndarray], k: int) -> list[dict]:
    """Per-word overlap as table rows (the CSV people download): one column per compared pair."""
    rows = []
    for i, w in enumerate(words):
        row = {"word": w, "frequency rank": i + 1}
        for name, jaccards in zip(names, values):
            row[f"Jaccard@{k} {name}"] = round(float(jaccards[i]), 4)
        rows.append(row)
    return rows
