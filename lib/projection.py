"""Word vectors down to two dimensions: PCA, t-SNE or UMAP.

A 50-dimensional vector cannot be drawn, so maps squash it to two numbers per
word. Two ways, with different promises:

* :func:`pca_2d` keeps the two directions along which the words differ most
  (principal component analysis). Fast, deterministic, faithful to large
  distances; close clusters may overlap.
* :func:`tsne_2d` places words so that each word's *nearest neighbours* stay
  near it (t-SNE). Good at showing clusters; distances between clusters and the
  size of a cluster mean little. Iterative, so slower, and seeded.
* :func:`umap_2d` similar in spirit to t-SNE; only if ``umap-learn`` is installed.

In every case the axes themselves carry no meaning: a map rotated or mirrored
is the same map. Turning several maps to face the same way, and drawing them,
is :mod:`lib.maps`; the pages call that, not this module.

All functions take arrays and return arrays (``(n, d)`` in, ``(n, 2)`` out).

Which t-SNE? Both scikit-learn's and openTSNE's implement the same objective
with Barnes-Hut gradients. ``benchmarks/bench_projection.py`` times both here
(500 iterations, PCA init, same thread count): openTSNE is the default because
it was the faster of the two on this machine at 1,000 and 3,000 words (quiet
machine: about 0.7 s vs 0.9 s and 2.1 s vs 3.0 s; see the README table for the
latest run), and it stayed fast when the two cores were busy with other work,
where scikit-learn slowed down most. Both run on **one thread** by default: on
this 2-core machine, shared with background training jobs, two threads made
either library several times slower as soon as the other core was busy (their
threads spin while waiting for each other). openTSNE's FFT gradient only pays off
beyond ~10,000 points and is not used below that. ``method="sklearn"`` is kept
for comparison.
"""
from __future__ import annotations

from lib.errors import UserError

import importlib.util

import numpy as np


class ProjectionError(UserError):
    """A projection the user asked for cannot be made (too few words, missing package, ...)."""


def checked_matrix(X, min_rows: int = 1) -> np.ndarray:
    """``X`` as a float64 matrix with at least ``min_rows`` finite rows, or a :class:`ProjectionError` saying why not."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ProjectionError("Expected a matrix with one row per word.")
    if X.shape[0] < min_rows:
        raise ProjectionError(f"This map needs at least {min_rows} words; only {X.shape[0]} were given.")
    if not np.all(np.isfinite(X)):
        raise ProjectionError("Some vectors contain NaN or infinite values, so they cannot be drawn.")
    return X


def pca_2d(X, seed: int = 0) -> np.ndarray:
    """The first two principal components of ``X`` (centred), as ``(n, 2)`` coordinates.

    Computed from the eigenvectors of the centred data's ``d x d`` scatter matrix
    (or a thin SVD when there are fewer words than dimensions). The sign of each axis is
    fixed (the largest loading is positive, as scikit-learn's ``svd_flip``) so the
    same input always gives the same picture. ``seed`` is accepted for a uniform
    signature; PCA needs none. With fewer than two informative directions the
    missing axis is zero.
    """
    X = checked_matrix(X)
    centred = X - X.mean(axis=0)
    n, d = centred.shape
    if n == 1:
        return np.zeros((1, 2))
    if d <= n:
        # Eigenvectors of the small d x d scatter matrix: the same axes as an SVD of
        # the n x d data, several times faster when there are more words than dimensions.
        eigvals, eigvecs = np.linalg.eigh(centred.T @ centred)
        components = eigvecs[:, ::-1][:, :2].T
    else:
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        components = vt[:2]
    signs = np.sign(components[np.arange(components.shape[0]), np.argmax(np.abs(components), axis=1)])
    signs[signs == 0] = 1
    coords = centred @ (components * signs[:, None]).T
    if coords.shape[1] < 2:
        coords = np.hstack([coords, np.zeros((n, 2 - coords.shape[1]))])
    return coords


#: Fewest words a t-SNE map is made of (perplexity needs a neighbourhood).
TSNE_MIN_WORDS = 5
EARLY_EXAGGERATION_ITER = 250


def effective_perplexity(n: int, perplexity: float) -> float:
    """Perplexity is roughly "how many neighbours each point listens to"; it must stay below ``(n - 1) / 3``."""
    return float(max(1.0, min(perplexity, (n - 1) / 3.0)))


def tsne_2d(X, perplexity: float = 30.0, n_iter: int = 500, seed: int = 0, method: str = "opentsne",
            n_jobs: int = 1) -> np.ndarray:
    """A t-SNE map of ``X`` as ``(n, 2)`` coordinates.

    ``n_iter`` counts all optimisation steps, including the first 250 "early
    exaggeration" ones that pull clusters apart (scikit-learn's convention; at
    least 300). Initialised from PCA (stable, keeps the global layout) and seeded,
    so the same inputs give the same map. Perplexity is lowered automatically for
    small word lists. ``method`` is ``"opentsne"`` (default, faster here) or
    ``"sklearn"``. ``n_jobs`` threads (default 1: on a 2-core machine shared
    with a training job, two spinning threads made t-SNE several times *slower*;
    see the module docstring).
    """
    X = checked_matrix(X, min_rows=TSNE_MIN_WORDS)
    n = X.shape[0]
    perplexity = effective_perplexity(n, perplexity)
    n_iter = int(max(n_iter, EARLY_EXAGGERATION_ITER + 50))
    if method == "opentsne":
        from openTSNE import TSNE

        tsne = TSNE(
            n_components=2,
            perplexity=perplexity,
            n_iter=n_iter - EARLY_EXAGGERATION_ITER,
            early_exaggeration_iter=EARLY_EXAGGERATION_ITER,
            initialization="pca",
            metric="euclidean",
            n_jobs=n_jobs,
            random_state=seed,
            # Measured here: Barnes-Hut beats the FFT gradient up to several thousand
            # points, and exact neighbours beat Annoy up to a few thousand.
            negative_gradient_method="bh" if n < 10_000 else "fft",
            neighbors="exact" if n <= 5_000 else "auto",
            verbose=False,
        )
        return np.asarray(tsne.fit(X), dtype=np.float64)
    if method == "sklearn":
        from sklearn.manifold import TSNE

        from threadpoolctl import threadpool_limits

        tsne = TSNE(
            n_components=2,
            perplexity=perplexity,
            max_iter=n_iter,
            init="pca",
            learning_rate="auto",
            random_state=seed,
            n_jobs=n_jobs,
        )
        # scikit-learn's Barnes-Hut gradient uses every OpenMP thread regardless of n_jobs.
        with threadpool_limits(limits=n_jobs, user_api="openmp"):
            return np.asarray(tsne.fit_transform(X), dtype=np.float64)
    raise ProjectionError(f'Unknown t-SNE method "{method}"; use "opentsne" or "sklearn".')


def umap_available() -> bool:
    """Whether the optional ``umap-learn`` package is installed."""
    return importlib.util.find_spec("umap") is not None


def umap_2d(X, n_neighbors: int = 15, min_dist: float = 0.1, seed: int = 0) -> np.ndarray:
    """A UMAP map of ``X`` as ``(n, 2)`` coordinates (needs ``pip install umap-learn``)."""
    if not umap_available():
        raise ProjectionError("UMAP is not installed here; install the package umap-learn or use PCA / t-SNE.")
    X = checked_matrix(X, min_rows=TSNE_MIN_WORDS)
    import umap  # type: ignore[import-not-found]

    reducer = umap.UMAP(n_components=2, n_neighbors=int(min(n_neighbors, X.shape[0] - 1)), min_dist=min_dist,
                        random_state=seed)
    return np.asarray(reducer.fit_transform(X), dtype=np.float64)


METHODS = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}


def project_2d(X, method: str = "pca", seed: int = 0, perplexity: float = 30.0, n_iter: int = 500) -> np.ndarray:
    """Dispatch to :func:`pca_2d`, :func:`tsne_2d` or :func:`umap_2d` by name."""
    if method == "pca":
        return pca_2d(X, seed=seed)
    if method == "tsne":
        return tsne_2d(X, perplexity=perplexity, n_iter=n_iter, seed=seed)
    if method == "umap":
        return umap_2d(X, seed=seed)
    raise ProjectionError(f'Unknown map type "{method}"; use one of {", ".join(METHODS)}.')


def method_for(method: str, n_words: int) -> str:
    """``method``, or ``"pca"`` when there are too few words for t-SNE or UMAP (they need a neighbourhood).

    >>> method_for("tsne", 3), method_for("tsne", 300), method_for("pca", 3)
    ('pca', 'tsne', 'pca')
    """
    return "pca" if method != "pca" and n_words < TSNE_MIN_WORDS else method
