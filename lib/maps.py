"""The one map pipeline: rows of word vectors -> 2-D maps turned to face the same way -> a figure.

Every map in the dashboard (the home page's GloVe map, Explore's word map, Compare's panels and
its one-word "domino", the tour's before/after map) is made the same three steps:

1. the same words' rows from each embedding, one ``(n, d)`` matrix per embedding
   (:func:`lib.neighbours.rows_of`);
2. :func:`aligned_maps`: every row scaled to length 1 (the cosine geometry the neighbour lists
   use), squashed to two numbers per word (:func:`lib.projection.project_2d`: PCA, t-SNE or UMAP),
   and every map turned onto the first (:func:`align_all`);
3. :func:`map_figure`: one panel per map, the same colour scale, circled words, and a note
   that the axes mean nothing.

The axes of a 2-D map carry no meaning: a map rotated or mirrored is the same map. That is why
two maps of two embeddings cannot be compared by eye until one is turned onto the other:
:func:`align_to` finds the rotation or reflection (orthogonal Procrustes) that best lays one set
of 2-D points onto another, after centring both and scaling them to the same size, and
:func:`disparity` says how different they still are after that::

    >>> rng = np.random.default_rng(0)
    >>> glove_rows = rng.normal(size=(30, 50))
    >>> trained_rows = glove_rows @ np.linalg.qr(rng.normal(size=(50, 50)))[0]  # the same shape, turned
    >>> first, second = aligned_maps([glove_rows, trained_rows])
    >>> first.shape, bool(np.abs(first - second).max() < 1e-4)   # float32 round-off only
    ((30, 2), True)
    >>> figure = map_figure(["GloVe", "after training"], [first, second], [f"w{i}" for i in range(30)])
    >>> len(figure.data)   # one scatter per panel
    2

Arrays in, arrays (or a plotly figure) out; no Streamlit here.
"""
from __future__ import annotations

from collections.abc import Container, Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy.linalg import orthogonal_procrustes

from lib.neighbours import unit_rows
from lib.plots import BASE_FONT_SIZE, DIVERGING, HIGHLIGHT_COLOUR, NO_AXES_NOTE, OKABE_ITO, plain, style
from lib.projection import ProjectionError, checked_matrix, project_2d

# --- turning maps onto each other ----------------------------------------------------------------


def _centre_scale(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    mean = points.mean(axis=0)
    centred = points - mean
    scale = float(np.linalg.norm(centred))
    return (centred / scale if scale > 0 else centred), mean, scale


def align_to(reference_2d, moving_2d) -> np.ndarray:
    """``moving_2d`` turned (rotated and/or mirrored) to lie as close as possible on ``reference_2d``.

    Both point sets must list the same words in the same order. Each is centred
    and scaled to unit size; :func:`scipy.linalg.orthogonal_procrustes` finds the
    orthogonal matrix ``R`` minimising ``||moving @ R - reference||``; the result is
    put back at the reference's position and size, so aligned panels can share
    axis ranges. Only rotation, reflection, shift and uniform scale are applied:
    distances *within* the moving map keep their proportions.
    """
    ref = np.asarray(reference_2d, dtype=np.float64)
    mov = np.asarray(moving_2d, dtype=np.float64)
    if ref.shape != mov.shape or ref.ndim != 2:
        raise ProjectionError("Maps can only be aligned when they show the same words in the same order.")
    if len(ref) < 2:
        return ref.copy()
    ref_n, ref_mean, ref_scale = _centre_scale(ref)
    mov_n, _, _ = _centre_scale(mov)
    rotation, _ = orthogonal_procrustes(mov_n, ref_n)
    return mov_n @ rotation * ref_scale + ref_mean


def align_all(maps: list[np.ndarray]) -> list[np.ndarray]:
    """Every map in ``maps`` aligned onto the first one (which is returned unchanged)."""
    if not maps:
        return []
    first = np.asarray(maps[0], dtype=np.float64)
    return [first] + [align_to(first, m) for m in maps[1:]]


def disparity(reference_2d, moving_2d) -> float:
    """How different two maps still are after the best rotation/reflection: 0 = same shape, 1 = unrelated.

    The disparity of :func:`scipy.spatial.procrustes`: both maps are centred and
    scaled to unit size, and ``1 - t**2`` is returned, where ``t`` (the sum of the
    singular values of ``moving.T @ reference``) measures how well the best
    rotation/reflection lines them up. Two random clouds score close to 1.
    """
    ref_n, _, _ = _centre_scale(np.asarray(reference_2d, dtype=np.float64))
    mov_n, _, _ = _centre_scale(np.asarray(moving_2d, dtype=np.float64))
    t = np.linalg.svd(mov_n.T @ ref_n, compute_uv=False).sum()
    return float(max(0.0, 1.0 - t**2))


# --- the map pipeline ---------------------------------------------------------------------


def aligned_maps(matrices: list[np.ndarray], method: str = "pca", seed: int = 0, perplexity: float = 30.0,
                 n_iter: int = 500) -> list[np.ndarray]:
    """One 2-D map per matrix, every map turned onto the first: the pipeline behind every map page.

    ``matrices[i]`` holds embedding ``i``'s rows for the same words in the same order
    (``(n, d_i)``; dimensions may differ between embeddings). Each row is scaled to length 1
    first, so the map shows the cosine geometry the neighbour lists use (a frequent word's long
    vector would otherwise sit far out on its own), then projected with ``method`` (see
    :func:`project_2d`), then aligned with :func:`align_all`. Feed the result to
    :func:`map_figure`.
    """
    return align_all([project_2d(unit_rows(checked_matrix(X)), method=method, seed=seed, perplexity=perplexity,
                                 n_iter=n_iter) for X in matrices])


# --- drawing them -------------------------------------------------------------------------------


def map_figure(
    panel_titles: list[str],
    coords: list,
    words: list[str],
    color_values=None,
    color_label: str = "sentiment (log-odds)",
    diverging: bool = True,
    highlight: list[str] | tuple[str, ...] = (),
    label_all_below: int = 40,
    height: int = 620,
    title: str | None = None,
    groups: list[str] | None = None,
    groups_title: str = "",
):
    """Side-by-side scatter maps of the same words, one panel per embedding, sharing one colour scale.

    ``coords[i]`` is the ``(n, 2)`` map of panel ``i`` (from
    :func:`aligned_maps`, so every panel is turned onto panel 0). ``color_values`` (length ``n``,
    ``nan`` allowed) colours the dots: with ``diverging`` a red-white-blue scale
    centred on 0 (negative red, positive blue: readable with red-green colour
    blindness), otherwise a sequential one (e.g. log frequency). Hover shows the
    word and its value. Words in ``highlight`` are labelled and circled in every
    panel; with fewer than ``label_all_below`` words every word is labelled.
    Axis ticks are hidden and a note says the axes have no meaning. ``groups`` (one name per
    word, e.g. the word list it comes from) colours by group with a legend titled ``groups_title``
    instead of by value.
    """
    n_panels = len(coords)
    words = [plain(w) for w in words]  # plotly reads HTML tags in text: words are text
    fig = make_subplots(rows=1, cols=max(1, n_panels), subplot_titles=panel_titles,
                        horizontal_spacing=0.03 if n_panels > 1 else 0.0)
    values = None if color_values is None else np.asarray(color_values, dtype=float)
    marker = dict(size=11, line=dict(width=0.6, color="rgba(0,0,0,0.45)"), opacity=0.9)
    if values is not None:
        finite = values[np.isfinite(values)]
        if diverging:
            limit = float(np.nanpercentile(np.abs(finite), 98)) if finite.size else 1.0
            limit = limit or 1.0
            marker.update(color=np.nan_to_num(values, nan=0.0), coloraxis="coloraxis")
            fig.update_layout(coloraxis=dict(colorscale=DIVERGING, cmin=-limit, cmax=limit, cmid=0.0,
                                             colorbar=dict(title=dict(text=color_label, side="right"))))
        else:
            marker.update(color=np.nan_to_num(values, nan=float(np.nanmin(finite)) if finite.size else 0.0),
                          coloraxis="coloraxis")
            fig.update_layout(coloraxis=dict(colorscale="Viridis",
                                             colorbar=dict(title=dict(text=color_label, side="right"))))
        hover_values = [("–" if not np.isfinite(v) else f"{v:+.2f}" if diverging else f"{v:.2f}") for v in values]
        hovertemplate = "<b>%{text}</b><br>" + color_label + ": %{customdata}<extra></extra>"
    else:
        marker.update(color=OKABE_ITO[0])
        hover_values = [""] * len(words)
        hovertemplate = "<b>%{text}</b><extra></extra>"
    wanted = {plain(w) for w in highlight}
    hi_idx = [i for i, w in enumerate(words) if w in wanted]
    label_all = len(words) < label_all_below
    group_names = list(dict.fromkeys(groups)) if groups is not None else []
    for p, xy in enumerate(coords, start=1):
        xy = np.asarray(xy, dtype=float)
        for g, group in enumerate(group_names):  # one trace per group, so the legend names the colours
            rows = [i for i, name in enumerate(groups) if name == group]
            fig.add_trace(go.Scatter(
                x=xy[rows, 0], y=xy[rows, 1], mode="markers+text" if label_all else "markers",
                text=[words[i] for i in rows], hovertemplate="<b>%{text}</b><extra></extra>",
                marker={**marker, "color": OKABE_ITO[g % len(OKABE_ITO)], "size": 12}, textposition="top center",
                textfont=dict(size=BASE_FONT_SIZE - 2), name=group, legendgroup=group, showlegend=p == 1,
            ), row=1, col=p)
        if not group_names:
            fig.add_trace(go.Scatter(
                x=xy[:, 0], y=xy[:, 1], mode="markers+text" if label_all else "markers",
                text=words, customdata=hover_values, hovertemplate=hovertemplate, marker=marker,
                textposition="top center", textfont=dict(size=BASE_FONT_SIZE - 2), showlegend=False,
                name=panel_titles[p - 1] if p - 1 < len(panel_titles) else "",
            ), row=1, col=p)
        if hi_idx:
            fig.add_trace(go.Scatter(
                x=xy[hi_idx, 0], y=xy[hi_idx, 1], mode="markers+text", text=[words[i] for i in hi_idx],
                # alternate above/below so two close words (good, bad) do not print over each other
                textposition=["top center" if j % 2 == 0 else "bottom center" for j in range(len(hi_idx))], textfont=dict(size=BASE_FONT_SIZE + 2, color=HIGHLIGHT_COLOUR),
                marker=dict(size=22, symbol="circle-open", color=HIGHLIGHT_COLOUR, line=dict(width=3)),
                hoverinfo="skip", showlegend=False,
            ), row=1, col=p)
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, title_text="")
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, title_text="")
    fig.update_annotations(font_size=BASE_FONT_SIZE + 4)  # the panel titles
    fig.add_annotation(text=NO_AXES_NOTE, xref="paper", yref="paper", x=0.0, y=-0.06, showarrow=False,
                       xanchor="left", font=dict(size=BASE_FONT_SIZE - 2, color="#555555"))
    style(fig, title=title, height=height)
    if group_names:
        fig.update_layout(legend_title_text=groups_title)
    title_lines = max((t.count("<br>") + 1 for t in panel_titles), default=1)
    fig.update_layout(margin=dict(b=60, t=(60 if title else 20) + 30 * title_lines))
    return fig


def disparity_text(names: Sequence[str], maps: Sequence[np.ndarray]) -> str:
    """How far each map after the first still is from it after turning: ``"run · after 0.12, w2v 0.40"``.

    >>> square = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    >>> disparity_text(["GloVe", "turned", "shuffled"], [square, square[:, ::-1], square[[0, 2, 1, 3]]])
    'turned 0.00, shuffled 0.75'
    """
    return ", ".join(f"{name} {disparity(maps[0], m):.2f}" for name, m in zip(names[1:], maps[1:]))


def grouped_words(vocabulary: Container[str], word_lists: Mapping[str, Sequence[str]]) -> tuple[list[str], list[str]]:
    """``(words, group of each word)`` of the listed words ``vocabulary`` knows, list by list (``groups=`` of
    :func:`map_figure`).

    >>> grouped_words({"one", "two", "cat"}, {"numbers": ["one", "two", "ten"], "animals": ["cat"]})
    (['one', 'two', 'cat'], ['numbers', 'numbers', 'animals'])
    """
    pairs = [(w, name) for name, words in word_lists.items() for w in words if w in vocabulary]
    return [w for w, _ in pairs], [name for _, name in pairs]
