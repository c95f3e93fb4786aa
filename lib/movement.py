"""What training did to a run's word vectors: how far each one turned, and which turned most.

Training moves a row of the embedding matrix only when the row is trainable and its word
appears in a batch. :func:`movement` measures the turn as the cosine between a word's vector
before and after training (1 = still the same direction)::

    >>> before = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])   # padding, "good", "bad"
    >>> after = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
    >>> [round(float(c), 2) for c in movement(before, after)[1:]]
    [1.0, 0.71]

:func:`moved_words` sums that up for the Compare page (how many rows changed at all, which of the
words on the map turned most) and :func:`movement_sentence` says it in one sentence.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lib.errors import UserError


class MovementError(UserError):
    """Two matrices of one run that cannot be compared row by row (a damaged run)."""


def movement(initial: np.ndarray, final: np.ndarray) -> np.ndarray:
    """Cosine between each row of ``initial`` and the same row of ``final``.

    1 means the word's vector still points the same way after training (it may
    have grown or shrunk), 0 that it turned a right angle. Rows that are all zero
    in either matrix (the padding row) give ``nan``.
    """
    A = np.asarray(initial, dtype=np.float64)
    B = np.asarray(final, dtype=np.float64)
    if A.shape != B.shape:
        raise MovementError(f"Initial and final matrices differ in shape ({A.shape} vs {B.shape}).")
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


# --- one run, summed up for the Compare page --------------------------------------------------------

# A frozen row comes back from training bit-for-bit or within float32 round-off (cosine
# 1 - 1e-7); a fine-tuned row that any gradient touched turns by far more than 1e-4.
CHANGED_BELOW_COSINE = 0.9999


@dataclass(frozen=True)
class Movement:
    """What training did to one run's word vectors."""

    moved: list[tuple[str, float]]  # the words (of those asked about) that turned most: (word, cosine)
    changed: int                    # rows that changed at all
    total: int                      # rows, padding left out


def moved_words(vocabulary: Sequence[str], initial: np.ndarray, final: np.ndarray, words: Sequence[str],
                k: int = 15) -> Movement:
    """How many rows training changed, and which ``k`` of ``words`` it turned most.

    Restricted to ``words`` (those on the map): over the whole vocabulary the list is
    dominated by rare words that started as small random vectors (words the pretrained set lacks).
    """
    cosines = movement(initial, final)[1:]  # row 0 is padding
    changed = int(np.sum(np.nan_to_num(cosines, nan=1.0) < CHANGED_BELOW_COSINE))
    index = {w: i for i, w in enumerate(vocabulary) if i > 0}
    rows = [index[w] for w in words if w in index]
    if not rows:
        return Movement([], changed, len(cosines))
    moved = most_moved([vocabulary[i] for i in rows], initial[rows], final[rows], k=k, skip_padding=False)
    return Movement(moved, changed, len(cosines))


def movement_sentence(title: str, result: Movement) -> str:
    """What training did to a run, in one sentence (frozen, moved words off the map, or the words shown)."""
    if result.changed == 0:
        return f"**{title}**: none of its {result.total:,} word vectors changed; the embedding was frozen."
    if not result.moved:
        return f"**{title}**: training changed {result.changed:,} of {result.total:,} word vectors; none of them is on the map."
    return (f"**{title}**: training changed {result.changed:,} of {result.total:,} word vectors. "
            "Of the words on the map, the ones that turned most:")


#: Bars whose cosines all lie within this of each other rank words by differences too small to mean anything.
FLAT_SPREAD = 0.02
#: ... and when even the word that turned most still points this much the same way, training barely turned any.
BARELY_TURNED = 0.9


def flat_bars_note(result: Movement) -> str:
    """A sentence when the "turned most" bars say nothing (all about equally high), else ``""``.

    >>> flat_bars_note(Movement([("good", 0.970), ("bad", 0.975), ("plot", 0.981)], 900, 1000))
    'These bars say little: even the word that turned most (“good”) still points 97% the same way, and all 3 lie within 0.011 of each other, so training turned every word on the map only slightly and their order here means little.'
    >>> flat_bars_note(Movement([("good", 0.40), ("plot", 0.95)], 900, 1000))
    ''
    """
    if len(result.moved) < 2:
        return ""
    cosines = [c for _, c in result.moved]
    spread = max(cosines) - min(cosines)
    if min(cosines) < BARELY_TURNED or spread > FLAT_SPREAD:
        return ""
    return (f"These bars say little: even the word that turned most (“{result.moved[0][0]}”) still points "
            f"{min(cosines):.0%} the same way, and all {len(cosines)} lie within {spread:.3f} of each other, so "
            "training turned every word on the map only slightly and their order here means little.")
