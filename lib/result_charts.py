"""The Train page's result charts where many runs would crowd the shared ones in :mod:`lib.plots`.

:func:`learning_bands` draws one line per strategy (the mean over its seeds, epoch by epoch) with a
shaded band from the lowest to the highest seed, instead of one line per run: five strategies on
four seeds were twenty crossing lines. :func:`accuracy_bars` is :func:`lib.plots.accuracy_bars` with
each value written inside its bar's foot, where no error bar can cover it.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from lib import plots


def epoch_summary(histories: Sequence[Sequence[float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(mean, low, high, seeds)`` per epoch over runs that may have stopped at different epochs (early stopping):
    each epoch counts the runs that reached it.

    >>> mean, low, high, n = epoch_summary([[0.5, 0.7, 0.8], [0.6, 0.9]])
    >>> mean.round(2).tolist(), low.tolist(), high.tolist(), n.tolist()
    ([0.55, 0.8, 0.8], [0.5, 0.7, 0.8], [0.6, 0.9, 0.8], [2, 2, 1])
    """
    histories = [list(h) for h in histories if h]
    epochs = max((len(h) for h in histories), default=0)
    table = np.full((len(histories), epochs), np.nan)
    for i, h in enumerate(histories):
        table[i, :len(h)] = h
    n = np.sum(~np.isnan(table), axis=0)
    if not epochs:
        empty = np.empty(0)
        return empty, empty, empty, n
    return np.nanmean(table, axis=0), np.nanmin(table, axis=0), np.nanmax(table, axis=0), n


def _rgba(colour: str, alpha: float) -> str:
    """``"#0072B2"`` as ``"rgba(0,114,178,alpha)"`` for a band's fill."""
    r, g, b = (int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def learning_bands(curves: list[dict], metric: str = "accuracy", height: int | None = None, title: str | None = None):
    """Validation (solid, with a band over seeds) and training (dashed) ``metric`` per epoch, one line per strategy.

    ``curves``: dicts with ``label``, ``strategy`` and ``history`` (Keras-style lists), one per run; the runs
    of one strategy (its seeds) become one mean line, and the band spans the lowest to the highest seed at
    each epoch (where at least two seeds reached it).
    """
    by_strategy: dict[str, list[dict]] = {}
    for curve in curves:
        by_strategy.setdefault(curve.get("strategy") or curve.get("label", ""), []).append(curve)
    fig = go.Figure()
    for strategy, group in by_strategy.items():
        colour = plots.STRATEGY_COLOURS.get(strategy, plots.OKABE_ITO[0])
        label = plots.plain(group[0].get("label", strategy))
        seeds = f" ({len(group)} seeds)" if len(group) > 1 else ""
        val_mean, low, high, n = epoch_summary([(c.get("history") or {}).get(f"val_{metric}") or [] for c in group])
        if len(val_mean):
            epochs = list(range(1, len(val_mean) + 1))
            banded = [e for e, k in zip(epochs, n) if k >= 2]
            if banded:
                fig.add_trace(go.Scatter(
                    x=banded + banded[::-1], y=[high[e - 1] for e in banded] + [low[e - 1] for e in banded[::-1]],
                    fill="toself", fillcolor=_rgba(colour, 0.18), line=dict(width=0), hoverinfo="skip",
                    showlegend=False, legendgroup=label))
            fig.add_trace(go.Scatter(x=epochs, y=val_mean, mode="lines+markers", name=f"{label} (validation){seeds}",
                                     line=dict(color=colour, width=3), legendgroup=label))
        train_mean, *_ = epoch_summary([(c.get("history") or {}).get(metric) or [] for c in group])
        if len(train_mean):
            fig.add_trace(go.Scatter(x=list(range(1, len(train_mean) + 1)), y=train_mean, mode="lines",
                                     name=f"{label} (training)", line=dict(color=colour, dash="dash", width=2),
                                     legendgroup=label))
    fig.update_xaxes(title_text="epoch", dtick=1)
    fig.update_yaxes(title_text=metric, tickformat=".0%" if metric == "accuracy" else None)
    return plots.style(fig, title=title, height=height or 420)


def accuracy_bars(table, height: int | None = None, title: str | None = None, chance: float | None = 0.5):
    """:func:`lib.plots.accuracy_bars` with each bar's value inside its foot, clear of the error bar on its top."""
    fig = plots.accuracy_bars(table, height=height, title=title, chance=chance)
    fig.update_traces(textposition="inside", insidetextanchor="start", textangle=0,
                      textfont=dict(color="white"), selector=dict(type="bar"))
    return fig
