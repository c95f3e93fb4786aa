"""What the Explore page says about one or two vector sets: their short names and the slots good and bad share.

The Explore page asks one or two vector sets the same questions side by side (neighbours,
similarity, analogies, a map); the answers come from :mod:`lib.neighbours` and :mod:`lib.maps`.
This module holds the little the page adds on top: a vector set's menu label cut down to a
column title (:func:`set_short_label`), whether a set learned from the reviews is among the chosen
sets (:func:`includes_word2vec`), the sentence slots that *good* and *bad* both fill
(:func:`context_slots`, from :func:`lib.vectors.shared_contexts`), and what fastText makes of a
word it never kept whole (:func:`built_from_pieces`, :func:`pieces_sentence`)::

    >>> set_short_label("word2vec trained on IMDB (all training texts; 50-d, CBOW, window 5)")
    'word2vec trained on IMDB (all training texts)'
"""
from __future__ import annotations

from collections.abc import Sequence

from lib.vectors.word2vec import METHODS
from lib.words import known_form

#: The menu labels of sets trained here start with their method's name ("word2vec trained on ...").
TRAINED_HERE = tuple(METHODS.values())


def set_short_label(label: str) -> str:
    """A vector set's menu label without its details.

    >>> set_short_label("GloVe 6B 50-d (400,000 words)")
    'GloVe 6B 50-d'
    >>> set_short_label("word2vec trained on IMDB (all training texts; 50-d, CBOW, window 5)")
    'word2vec trained on IMDB (all training texts)'
    >>> set_short_label("fastText trained on IMDB (all training texts; 50-d, CBOW, window 5)")
    'fastText trained on IMDB (all training texts)'
    """
    if label.startswith(TRAINED_HERE):
        return label.split(";")[0] + ")"
    return label.split(" (")[0]


def includes_word2vec(labels: Sequence[str]) -> bool:
    """Whether any of the chosen sets was learned here from reviews: word2vec or fastText (by their labels).

    >>> includes_word2vec(["GloVe 6B 50-d (400,000 words)"]), includes_word2vec(["fastText trained on IMDB (…)"])
    (False, True)
    """
    return any(label.startswith(TRAINED_HERE) for label in labels)


def builds_from_pieces(kv) -> bool:
    """Whether a vector set can build words it does not list from their character n-grams (fastText)."""
    return getattr(kv, "vectors_ngrams", None) is not None


def built_from_pieces(kv, word: str, k: int = 5) -> list[tuple[str, float]]:
    """The ``k`` nearest words of the vector fastText ``kv`` builds for ``word`` from its n-grams, with cosines."""
    return [(w, float(c)) for w, c in kv.similar_by_vector(kv.get_vector(word.lower()), topn=k)]


def pieces_sentence(word: str, missing_from: Sequence[str], name: str, neighbours: Sequence[tuple[str, float]]) -> str:
    """The line under the neighbour lists when some sets lack a word that fastText builds from its pieces.

    >>> pieces_sentence("goooood", ["word2vec"], "fastText", [("goood", 0.91), ("good", 0.8)])
    "'goooood' is not in word2vec; fastText builds it from its pieces: nearest goood (0.91), good (0.80)."
    >>> pieces_sentence("zqx", [], "fastText", [("zq", 0.5)])
    "'zqx' is not one of fastText's own words; it builds it from its pieces: nearest zq (0.50)."
    """
    nearest = ", ".join(f"{w} ({c:.2f})" for w, c in neighbours)
    if not missing_from:
        return f"'{word}' is not one of {name}'s own words; it builds it from its pieces: nearest {nearest}."
    return f"'{word}' is not in {' or '.join(missing_from)}; {name} builds it from its pieces: nearest {nearest}."




def subword_line(chosen: Sequence[tuple[str, object]], word: str, k: int = 5) -> str:
    """The :func:`pieces_sentence` for ``word`` and the chosen ``(label, KeyedVectors)``, or "" when no chosen
    fastText set has to build the word from its pieces (or the word has no letters to build it from)."""
    unknown = [(label, kv) for label, kv in chosen if known_form(kv.key_to_index, word) is None]
    builders = [(label, kv) for label, kv in unknown if builds_from_pieces(kv)]
    if not builders or not word.strip():
        return ""
    label, kv = builders[0]
    missing = [set_short_label(other) for other, other_kv in unknown if not builds_from_pieces(other_kv)]
    return pieces_sentence(word.strip(), missing, set_short_label(label), built_from_pieces(kv, word.strip(), k))


def context_slots(contexts: Sequence[tuple[str, str, int, int]]) -> list[tuple[str, int, int]]:
    """``(slot, times with a, times with b)`` rows from :func:`lib.vectors.shared_contexts`' tuples.

    >>> context_slots([("was", "", 12, 30)])
    [('was ___ (end)', 12, 30)]
    """
    return [(f"{left or '(start)'} ___ {right or '(end)'}", a, b) for left, right, a, b in contexts]
