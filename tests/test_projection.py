"""PCA, t-SNE and Procrustes alignment of 2-D maps, on tiny data."""
import numpy as np
import pytest

from lib.maps import align_all, aligned_maps, align_to, disparity
from lib.projection import (
    ProjectionError,
    effective_perplexity,
    method_for,
    pca_2d,
    project_2d,
    tsne_2d,
    umap_available,
    umap_2d,
)


def _rotation(theta):
    return np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])


@pytest.mark.parametrize("reflect", [False, True])
def test_align_recovers_known_rotation_reflection_shift_and_scale(reflect):
    rng = np.random.default_rng(0)
    ref = rng.normal(size=(50, 2))
    Q = _rotation(1.1)
    if reflect:
        Q = Q @ np.diag([1.0, -1.0])
    moving = (ref @ Q) * 3.7 + np.array([10.0, -4.0])
    aligned = align_to(ref, moving)
    assert np.allclose(aligned, ref, atol=1e-9)
    assert disparity(ref, moving) < 1e-12


def test_align_with_noise_is_close_and_unrelated_maps_are_not():
    rng = np.random.default_rng(1)
    ref = rng.normal(size=(100, 2))
    noisy = ref @ _rotation(2.0) + rng.normal(scale=0.05, size=ref.shape)
    assert np.abs(align_to(ref, noisy) - ref).mean() < 0.1
    unrelated = rng.normal(size=(100, 2))
    assert 0.8 < disparity(ref, unrelated) <= 1.0
    from scipy.spatial import procrustes

    assert abs(disparity(ref, unrelated) - procrustes(ref, unrelated)[2]) < 1e-9


def test_align_all_keeps_first_and_rejects_mismatched_maps():
    a = np.random.default_rng(2).normal(size=(10, 2))
    out = align_all([a, -a, a[:, ::-1]])
    assert np.array_equal(out[0], a)
    assert np.allclose(out[1], a) and np.allclose(out[2], a)
    with pytest.raises(ProjectionError):
        align_to(a, a[:5])


def test_pca_finds_the_main_direction_and_is_deterministic():
    rng = np.random.default_rng(0)
    t = rng.normal(size=200)
    X = np.outer(t, [3.0, 0, 0, 4.0]) + rng.normal(scale=0.01, size=(200, 4))
    P = pca_2d(X)
    assert P.shape == (200, 2)
    assert abs(np.corrcoef(P[:, 0], t)[0, 1]) > 0.999
    assert np.array_equal(P, pca_2d(X))
    assert np.var(P[:, 0]) > 100 * np.var(P[:, 1])


def test_pca_edge_cases():
    assert pca_2d(np.ones((1, 5))).shape == (1, 2)
    assert pca_2d(np.random.default_rng(0).normal(size=(4, 1))).shape == (4, 2)
    with pytest.raises(ProjectionError):
        pca_2d(np.array([[np.nan, 1.0], [1.0, 2.0]]))


@pytest.mark.parametrize("method", ["opentsne", "sklearn"])
def test_tsne_keeps_clusters_apart(method):
    rng = np.random.default_rng(0)
    centres = np.array([[10.0] * 5, [-10.0] * 5])
    X = np.vstack([c + rng.normal(size=(30, 5)) for c in centres])
    Y = tsne_2d(X, perplexity=10, n_iter=300, seed=0, method=method)
    assert Y.shape == (60, 2)
    a, b = Y[:30], Y[30:]
    gap = np.linalg.norm(a.mean(0) - b.mean(0))
    spread = max(a.std(0).max(), b.std(0).max())
    assert gap > 2 * spread


def test_tsne_is_seeded_and_handles_few_words():
    X = np.random.default_rng(0).normal(size=(8, 4))
    assert np.allclose(tsne_2d(X, seed=3, n_iter=300), tsne_2d(X, seed=3, n_iter=300))
    assert effective_perplexity(8, 30) < 3
    with pytest.raises(ProjectionError, match="at least"):
        tsne_2d(X[:3])


def test_project_2d_dispatch_and_umap_message():
    X = np.random.default_rng(0).normal(size=(10, 3))
    assert np.array_equal(project_2d(X, "pca"), pca_2d(X))
    with pytest.raises(ProjectionError):
        project_2d(X, "nope")
    if not umap_available():
        with pytest.raises(ProjectionError, match="umap-learn"):
            umap_2d(X)


def _standardised(P):
    centred = P - P.mean(axis=0)
    return centred / np.linalg.norm(centred)


def test_aligned_maps_agree_with_scipy_procrustes():
    from scipy.spatial import procrustes

    from lib.neighbours import unit_rows

    rng = np.random.default_rng(3)
    A = rng.normal(size=(40, 12))
    B = A[:, ::-1] + rng.normal(scale=0.3, size=A.shape)  # the same words, another (noisier) embedding
    first, second = aligned_maps([A, B])
    ref, moved, scipy_disparity = procrustes(pca_2d(unit_rows(A)), pca_2d(unit_rows(B)))
    assert np.allclose(_standardised(first), ref, atol=1e-9)
    # scipy also scales the moved map by the fit's quality; the shape and orientation must match ours
    assert np.allclose(_standardised(second), moved / np.linalg.norm(moved), atol=1e-9)
    assert disparity(first, second) == pytest.approx(scipy_disparity, abs=1e-12)
    assert 0.0 < scipy_disparity < 0.5


def test_aligned_maps_normalise_rows_so_length_does_not_move_a_word():
    rng = np.random.default_rng(4)
    A = rng.normal(size=(20, 6))
    longer = A * rng.uniform(1, 50, size=(20, 1))  # same directions, frequent words have long vectors
    assert np.allclose(*aligned_maps([A, longer]), atol=1e-9)


def test_too_few_words_for_tsne_falls_back_to_pca():
    assert method_for("tsne", 4) == "pca" and method_for("tsne", 5) == "tsne" and method_for("umap", 2) == "pca"
