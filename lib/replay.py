"""Training replay: where chosen words sit after every epoch, as one animation.

Training keeps the embedding at the start and after every epoch (:func:`lib.training.snapshot_rows`
says how many rows; ``lib.runs.load_snapshots`` reads them back). To watch words move, each
epoch's rows are drawn as a 2-D map (PCA of the unit-length rows, as every map in the project),
and each map is turned (orthogonal Procrustes, :func:`lib.maps.align_to`) onto the map of
the epoch before. Without that step PCA may mirror or spin the picture from one epoch to the
next and the words would seem to jump although they hardly moved::

    >>> rng = np.random.default_rng(0)
    >>> start = rng.normal(size=(30, 8))
    >>> snapshots = np.stack([start + 0.05 * e * rng.normal(size=start.shape) for e in range(4)])
    >>> xy = replay_positions(snapshots, list(range(30)))
    >>> xy.shape
    (4, 30, 2)
    >>> bool(np.abs(xy[1] - xy[0]).mean() < 0.2 * np.abs(xy[0]).mean())   # small steps stay small
    True

:func:`path_lengths` says how far each word travelled on the map, for the caption, and
:func:`lib.plots.replay_figure` turns the positions into a plotly animation (one frame per epoch).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lib.errors import UserError
from lib.maps import align_to
from lib.neighbours import unit_rows
from lib.projection import pca_2d


class ReplayError(UserError):
    """A replay that cannot be made (no snapshots, too few words among the kept rows)."""


def replay_positions(snapshots: np.ndarray, rows: Sequence[int]) -> np.ndarray:
    """``(epochs + 1, n, 2)`` map positions of the given ``rows`` in every snapshot, each epoch turned onto the last."""
    S = np.asarray(snapshots)
    rows = list(rows)
    if S.ndim != 3 or len(S) < 1:
        raise ReplayError("This run has no epoch snapshots to replay.")
    if len(rows) < 3:
        raise ReplayError("A replay needs at least three words among the words the run kept.")
    out = np.empty((len(S), len(rows), 2))
    for e in range(len(S)):
        xy = pca_2d(unit_rows(S[e, rows].astype(np.float32)))
        out[e] = xy if e == 0 else align_to(out[e - 1], xy)
    return out


def path_lengths(positions: np.ndarray) -> np.ndarray:
    """How far each word travelled on the map over all epochs (sum of its steps), ``(n,)``.

    >>> path_lengths(np.array([[[0, 0]], [[3, 4]], [[3, 4]]], dtype=float)).tolist()
    [5.0]
    """
    path = np.asarray(positions, dtype=float)
    return np.linalg.norm(np.diff(path, axis=0), axis=2).sum(axis=0)


def rows_of_words(vocabulary: Sequence[str], kept_rows: int, words: Sequence[str]) -> tuple[list[str], list[int]]:
    """``(words, rows)`` of the ``words`` the snapshots hold (row 0 is padding; only the first ``kept_rows`` kept)."""
    index = {w: i for i, w in enumerate(vocabulary[:kept_rows]) if i > 0 and w}
    kept = [w for w in dict.fromkeys(words) if w in index]
    return kept, [index[w] for w in kept]


def replay_sentence(words: Sequence[str], positions: np.ndarray, epochs: int, highlight: Sequence[str] = ()) -> str:
    """Which words travelled furthest and least on the map, from the numbers.

    >>> P = np.array([[[0, 0], [0, 0], [1, 1]], [[3, 4], [0, 1], [1, 1]]], dtype=float)
    >>> replay_sentence(["good", "film", "the"], P, 1)
    'Over 1 epoch, “good” travelled furthest on the map (5.0 map units), “the” least (0.0); 3 words shown, each epoch turned onto the one before.'
    """
    lengths = path_lengths(positions)
    far, near = int(np.argmax(lengths)), int(np.argmin(lengths))
    sentence = (f"Over {epochs} epoch{'s' if epochs != 1 else ''}, “{words[far]}” travelled furthest on the map "
                f"({lengths[far]:.1f} map units), “{words[near]}” least ({lengths[near]:.1f}); {len(words):,} words "
                "shown, each epoch turned onto the one before.")
    marked = [w for w in highlight if w in words]
    if marked:
        sentence += " Trails: " + ", ".join(f"“{w}” {lengths[list(words).index(w)]:.1f}" for w in marked[:6]) + "."
    return sentence


def replay_words(highlight: Sequence[str], page_words: Sequence[str], n_words: int) -> list[str]:
    """The words to replay: those with a trail first, then the page's words, ``n_words`` besides the trails.

    >>> replay_words(["good"], ["film", "good", "bad", "plot"], 2)
    ['good', 'film', 'bad']
    """
    return list(dict.fromkeys([*highlight, *page_words]))[: n_words + len(highlight)]


def epoch_labels(n_maps: int) -> list[str]:
    """The slider's labels: the start, then each epoch.

    >>> epoch_labels(3)
    ['start', 'epoch 1', 'epoch 2']
    """
    return ["start"] + [f"epoch {e}" for e in range(1, n_maps)]


def early_stopping_note(metrics: dict) -> str:
    """A sentence when early stopping kept an earlier epoch's weights than the last one trained, else ``""``.

    >>> early_stopping_note({"best_epoch": 2, "epochs_completed": 4})
    ' Early stopping kept the weights of epoch 2 of 4 (its “after training” matrix).'
    >>> early_stopping_note({"best_epoch": 4, "epochs_completed": 4})
    ''
    """
    best, done = metrics.get("best_epoch"), metrics.get("epochs_completed")
    return (f" Early stopping kept the weights of epoch {best} of {done} (its “after training” matrix)."
            if best and done and best != done else "")
