"""Meaning axes: a direction in the embedding defined by two word lists, and where words fall on it.

Take a few clearly negative words (bad, awful, ...) and a few clearly positive ones (good,
great, ...). Scale every vector to length 1, average each list, and subtract: the difference
points from "negative" towards "positive". A word's *position* on that axis is the cosine
between its vector and the axis direction: above 0 it leans to the positive end, below 0 to
the negative one (Bolukbasi et al. 2016 used the same construction for he ↔ she)::

    >>> lo = np.array([[-1.0, 0.0], [-1.0, 0.2]])      # the "negative" words
    >>> hi = np.array([[1.0, 0.0], [1.0, 0.2]])        # the "positive" words
    >>> direction = axis_direction(lo, hi)
    >>> direction.round(3).tolist()
    [1.0, 0.0]
    >>> positions(np.array([[3.0, 0.0], [0.0, 5.0], [-1.0, 1.0]]), direction).round(3).tolist()
    [1.0, 0.0, -0.707]

Every embedding gets its own axis from its own vectors of the same pole words, so positions
can be compared across embeddings even though their coordinates cannot. One number per
embedding says whether its sentiment axis means what the reviews mean:
:func:`agreement` is the Spearman correlation between a word's axis position and its
log-odds of appearing in positive rather than negative reviews (:class:`lib.sentiment.SentimentTable`).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr

from lib.compare import best_and_worst
from lib.errors import UserError
from lib.neighbours import rows_of, unit_rows
from lib.words import WORD_LISTS

_SENTIMENT = WORD_LISTS["sentiment words"]

#: Ready-made axes: name -> (low-end words, high-end words). The sentiment one reuses the
#: project's ready "sentiment words" list (its first eight words are positive, the last eight negative).
PRESET_AXES: dict[str, tuple[list[str], list[str]]] = {
    "negative ↔ positive": (list(_SENTIMENT[8:]), list(_SENTIMENT[:8])),
    "small ↔ big": (["small", "little", "tiny", "short", "minor", "miniature"],
                    ["big", "large", "huge", "giant", "enormous", "massive"]),
    "man ↔ woman": (["man", "he", "him", "his", "boy", "father", "male", "husband"],
                    ["woman", "she", "her", "hers", "girl", "mother", "female", "wife"]),
}

#: Words placed on the axis by default, per preset (a mix of both ends and some neutral words).
PRESET_WORDS: dict[str, list[str]] = {
    "negative ↔ positive": ["masterpiece", "superb", "enjoyed", "fun", "okay", "average", "plot", "actor",
                            "predictable", "boring", "waste", "worst", "funny", "scary"],
    "small ↔ big": ["ant", "mouse", "cat", "dog", "horse", "elephant", "whale", "village", "city", "planet"],
    "man ↔ woman": ["king", "queen", "actor", "actress", "nurse", "doctor", "engineer", "dancer", "soldier",
                    "teacher"],
}


class AxisError(UserError):
    """An axis that cannot be made (an empty end, no word known)."""


def axis_direction(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """The unit vector from the mean of the ``low`` rows to the mean of the ``high`` rows (rows unit-scaled first)."""
    low, high = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
    if low.ndim != 2 or high.ndim != 2 or not len(low) or not len(high):
        raise AxisError("Each end of an axis needs at least one word the embedding knows.")
    d = unit_rows(high).astype(np.float64).mean(axis=0) - unit_rows(low).astype(np.float64).mean(axis=0)
    norm = float(np.linalg.norm(d))
    if norm == 0.0:
        raise AxisError("The two ends of the axis are the same; use different words at each end.")
    return d / norm


def positions(rows: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Each row's cosine with ``direction``: -1 at the low end, +1 at the high end, 0 neither."""
    return unit_rows(rows).astype(np.float64) @ np.asarray(direction, dtype=np.float64)


def agreement(axis_positions: np.ndarray, log_odds: np.ndarray) -> tuple[float, int]:
    """``(Spearman rho, words used)`` between axis positions and sentiment log-odds (NaNs left out).

    >>> agreement(np.array([0.1, 0.2, 0.3, np.nan]), np.array([-1.0, 0.0, 2.0, 1.0]))
    (1.0, 3)
    """
    x, y = np.asarray(axis_positions, dtype=float), np.asarray(log_odds, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return float("nan"), int(ok.sum())
    return float(spearmanr(x[ok], y[ok]).statistic), int(ok.sum())


@dataclass(frozen=True)
class Axis:
    """One embedding's axis: its direction, the pole words it knew, and the positions of the words asked about."""

    name: str
    direction: np.ndarray
    low_used: list[str]
    high_used: list[str]
    words: list[str]
    positions: np.ndarray


def place_words(kv, name: str, low: Sequence[str], high: Sequence[str], words: Sequence[str]) -> Axis:
    """Build the axis from ``low``/``high`` in ``kv`` (words it lacks are skipped) and place ``words`` on it.

    ``words`` must be known to ``kv``.
    """
    low_used = [w for w in low if w in kv.key_to_index]
    high_used = [w for w in high if w in kv.key_to_index]
    direction = axis_direction(rows_of(kv, low_used), rows_of(kv, high_used))
    return Axis(name, direction, low_used, high_used, list(words), positions(rows_of(kv, words), direction))


def own_axis_name(low: Sequence[str], high: Sequence[str]) -> str:
    """The name of an axis a visitor typed: its first word at each end.

    >>> own_axis_name(["cold", "cool"], ["hot"]), own_axis_name([], [])
    ('cold ↔ hot', 'low ↔ high')
    """
    return f"{low[0] if low else 'low'} ↔ {high[0] if high else 'high'}"


def axis_rows(names: Sequence[str], axes: Sequence[Axis], scores: np.ndarray | None = None) -> list[dict]:
    """The positions as table rows (the CSV people download): one row per word and embedding."""
    rows = []
    for name, axis in zip(names, axes):
        for i, w in enumerate(axis.words):
            row = {"embedding": name, "word": w, "position": round(float(axis.positions[i]), 4)}
            if scores is not None:
                row["sentiment log-odds"] = None if not np.isfinite(scores[i]) else round(float(scores[i]), 4)
            rows.append(row)
    return rows


def axis_sentence(axis_name: str, names: Sequence[str], axes: Sequence[Axis]) -> str:
    """Which word each embedding puts furthest towards each end, and which word moved most between the first two.

    >>> d = np.array([1.0, 0.0])
    >>> a = Axis("A", d, [], [], ["x", "y"], np.array([-0.5, 0.4]))
    >>> b = Axis("B", d, [], [], ["x", "y"], np.array([-0.1, 0.5]))
    >>> axis_sentence("low ↔ high", ["A", "B"], [a, b])
    'On the low ↔ high axis, A puts “x” furthest towards “low” (-0.50) and “y” towards “high” (+0.40); B: “x” (-0.10) and “y” (+0.50). The word that moved most from A to B is “x” (-0.50 → -0.10).'
    """
    low_name, _, high_name = axis_name.partition(" ↔ ")
    parts = []
    for i, (name, axis) in enumerate(zip(names, axes)):
        lo, hi = int(np.argmin(axis.positions)), int(np.argmax(axis.positions))
        if i == 0:
            parts.append(f"On the {axis_name} axis, {name} puts “{axis.words[lo]}” furthest towards “{low_name}” "
                         f"({axis.positions[lo]:+.2f}) and “{axis.words[hi]}” towards “{high_name}” "
                         f"({axis.positions[hi]:+.2f})")
        else:
            parts.append(f"{name}: “{axis.words[lo]}” ({axis.positions[lo]:+.2f}) and “{axis.words[hi]}” "
                         f"({axis.positions[hi]:+.2f})")
    sentence = "; ".join(parts) + "."
    if len(axes) >= 2 and len(axes[0].words):
        delta = np.abs(axes[1].positions - axes[0].positions)
        j = int(np.argmax(delta))
        sentence += (f" The word that moved most from {names[0]} to {names[1]} is “{axes[0].words[j]}” "
                     f"({axes[0].positions[j]:+.2f} → {axes[1].positions[j]:+.2f}).")
    return sentence


# --- does the axis mean what the reviews mean? ------------------------------------------------------

#: The column of :func:`agreement_rows` that holds the number.
AGREEMENT = "Spearman ρ (axis position vs review log-odds)"


def agreement_rows(names: Sequence[str], vectors: Sequence, axes: Sequence[Axis], words: Sequence[str],
                   log_odds: np.ndarray) -> list[dict]:
    """One row per embedding: how well the order of ``words`` along its axis matches their review log-odds.

    ``words`` must be known to every ``KeyedVectors`` in ``vectors``; ``axes`` are their axes
    (:func:`place_words`), in the same order as ``names``.
    """
    rows = []
    for name, kv, axis in zip(names, vectors, axes):
        rho, used = agreement(positions(rows_of(kv, words), axis.direction), log_odds)
        rows.append({"embedding": name, AGREEMENT: round(rho, 3), "words": used})
    return rows


def agreement_sentence(axis_name: str, rows: Sequence[dict]) -> str:
    """What :func:`agreement_rows` found, naming the highest and the lowest embedding.

    >>> print(agreement_sentence("bad ↔ good", [{"embedding": "A", AGREEMENT: 0.5, "words": 900},
    ...                                          {"embedding": "B", AGREEMENT: 0.1, "words": 900}]))
    One number per embedding: how well the order of 900 frequent words along the bad ↔ good axis (end words left out) matches the order of their log-odds of appearing in positive rather than negative training texts (1 = the same order, 0 = unrelated, negative = reversed). Highest: A (+0.50); lowest: B (+0.10).
    """
    (best, best_rho), (worst, worst_rho) = best_and_worst([r["embedding"] for r in rows], [r[AGREEMENT] for r in rows])
    return (f"One number per embedding: how well the order of {rows[0]['words']:,} frequent words along the "
            f"{axis_name} axis (end words left out) matches the order of their log-odds of appearing in positive "
            f"rather than negative training texts (1 = the same order, 0 = unrelated, negative = reversed). "
            f"Highest: {best} ({best_rho:+.2f}); lowest: {worst} ({worst_rho:+.2f}).")
