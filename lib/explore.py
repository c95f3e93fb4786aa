"""What the Explore page says about one or two vector sets: their short names and the slots good and bad share.

The Explore page asks one or two vector sets the same questions side by side (neighbours,
similarity, analogies, a map); the answers come from :mod:`lib.neighbours` and :mod:`lib.maps`.
This module holds the little the page adds on top: a vector set's menu label cut down to a
column title (:func:`set_short_label`), whether word2vec is among the chosen sets
(:func:`includes_word2vec`), and the sentence slots that *good* and *bad* both fill
(:func:`context_slots`, from :func:`lib.vectors.shared_contexts`)::

    >>> set_short_label("word2vec trained on IMDB (all training texts; 50-d, CBOW, window 5)")
    'word2vec trained on IMDB (all training texts)'
"""
from __future__ import annotations

from collections.abc import Sequence


def set_short_label(label: str) -> str:
    """A vector set's menu label without its details.

    >>> set_short_label("GloVe 6B 50-d (400,000 words)")
    'GloVe 6B 50-d'
    >>> set_short_label("word2vec trained on IMDB (all training texts; 50-d, CBOW, window 5)")
    'word2vec trained on IMDB (all training texts)'
    """
    if label.startswith("word2vec"):
        return label.split(";")[0] + ")"
    return label.split(" (")[0]


def includes_word2vec(labels: Sequence[str]) -> bool:
    """Whether any of the chosen sets is a word2vec set (their labels start with "word2vec").

    >>> includes_word2vec(["GloVe 6B 50-d (400,000 words)"]), includes_word2vec(["word2vec trained on IMDB (…)"])
    (False, True)
    """
    return any(label.startswith("word2vec") for label in labels)




def context_slots(contexts: Sequence[tuple[str, str, int, int]]) -> list[tuple[str, int, int]]:
    """``(slot, times with a, times with b)`` rows from :func:`lib.vectors.shared_contexts`' tuples.

    >>> context_slots([("was", "", 12, 30)])
    [('was ___ (end)', 12, 30)]
    """
    return [(f"{left or '(start)'} ___ {right or '(end)'}", a, b) for left, right, a, b in contexts]
