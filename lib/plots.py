"""Plotly figures shared by the pages.

Every figure is meant to be read from the back of a room: large fonts, a
colour-blind-safe palette (Okabe–Ito), labelled axes, or an explicit note when
axes carry no meaning (as on PCA/t-SNE maps).
"""
from __future__ import annotations

import colorsys
import html

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

# Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
#: A diverging scale for "negative ... positive" that stays readable for red-green colour blindness.
DIVERGING = "RdBu"
BASE_FONT_SIZE = 16


#: Background colours of token ids 1-24 (plotly's qualitative Light24): 24 colours that are told apart at a glance.
ID_COLOURS = ["#FD3216", "#00FE35", "#6A76FC", "#FED4C4", "#FE00CE", "#0DF9FF", "#F6F926", "#FF9616", "#479B55",
              "#EEA6FB", "#DC587D", "#D626FF", "#6E899C", "#00B5F7", "#B68E00", "#C9FBE5", "#FF0092", "#22FFA7",
              "#E3EE9E", "#86CE00", "#BC7196", "#7E7DCD", "#FC6955", "#E48F72"]
#: Grey, kept for padding (id 0) only.
PADDING_COLOUR = "#DDDDDD"


def id_colour(i: int) -> str:
    """A light background colour for token id ``i`` (grey for padding), the same wherever the id appears.

    Ids 1-24 take the 24 colours of :data:`ID_COLOURS`; beyond that each id gets its own hue on a
    golden-angle ring (every step turns by 137.5°, so no two ids share a hue and neighbouring ids
    never look alike), with alternating lightness. No two of the first 1,000 ids share a colour
    (the Explain page shows at most 200), and none gets the padding grey. Half transparent (``80``), so the numbers on it stay readable.

    >>> id_colour(0), id_colour(1), id_colour(25)
    ('#DDDDDD', '#FD321680', '#67E48C80')
    """
    i = int(i)
    if i == 0:
        return PADDING_COLOUR
    if i <= len(ID_COLOURS):
        return ID_COLOURS[i - 1] + "80"
    k = i - len(ID_COLOURS)
    hue = (k * 137.508) % 360 / 360
    lightness = (0.55, 0.65, 0.45)[k % 3]
    r, g, b = (round(c * 255) for c in colorsys.hls_to_rgb(hue, lightness, 0.7))
    return f"#{r:02X}{g:02X}{b:02X}80"


def style(fig, title: str | None = None, height: int | None = None):
    """Apply the project's readable defaults to a plotly figure and return it."""
    fig.update_layout(
        font=dict(size=BASE_FONT_SIZE),
        colorway=OKABE_ITO,
        margin=dict(l=40, r=20, t=60 if title else 30, b=40),
        template="plotly_white",
    )
    if title:
        fig.update_layout(title=dict(text=title))
    if height:
        fig.update_layout(height=height)
    return fig


# --- maps (drawn by lib.maps.map_figure) and neighbours --------------------------

#: Note shown on every 2-D map of word vectors.
NO_AXES_NOTE = "Axes have no meaning: only which words sit near which matters."
#: Colour of circled (searched-for) words and of the "chance" reference line.
HIGHLIGHT_COLOUR = "#000000"


def wrap_label(text: str, width: int = 28) -> str:
    """Break a long label into lines of about ``width`` characters (plotly does not wrap), shown as text.

    Plotly reads a few HTML tags in labels, so each line goes through :func:`plain`:
    a run or file name such as ``"<b>x</b>"`` shows as typed.

    >>> wrap_label("a <b>bold</b> name", 14)
    'a &lt;b&gt;bold&lt;/b&gt;<br>name'
    """
    lines, line = [], ""
    for w in str(text).split():
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "<br>".join(plain(part) for part in lines)


def score_bars(names: list[str], values: list[float], value_label: str, reference: float | None = None,
               reference_label: str = "", value_range: tuple[float, float] | None = None,
               number_format: str = ".2f", height: int | None = None, title: str | None = None):
    """Horizontal bars, one per embedding, with the value printed on each bar and an optional reference line.

    Used for the per-embedding headline numbers: sentiment separation (reference:
    chance, 0.5) and the cosine between two words (reference: 0).
    """
    colours = [OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(names))]
    labels = [wrap_label(n) for n in names]
    fig = go.Figure(go.Bar(
        x=values, y=labels, orientation="h", marker_color=colours, cliponaxis=False,
        text=[format(v, number_format) for v in values], textposition="outside",
        textfont=dict(size=BASE_FONT_SIZE + 2), hovertemplate="%{y}: %{x:" + number_format + "}<extra></extra>",
    ))
    if reference is not None:
        fig.add_vline(x=reference, line_dash="dash", line_color="#555555",
                      annotation_text=reference_label, annotation_position="top",
                      annotation_font_size=BASE_FONT_SIZE - 2)
    fig.update_xaxes(title_text=value_label, range=list(value_range) if value_range else None)
    fig.update_yaxes(autorange="reversed", title_text="", tickfont=dict(size=BASE_FONT_SIZE))
    style(fig, title=title, height=height or 140 + 70 * len(names))
    fig.update_layout(margin=dict(r=70))  # room for the value printed after the longest bar
    return fig


def overlap_heatmap(names: list[str], matrix, k: int, height: int | None = None):
    """The share of top-``k`` neighbours each pair of embeddings has in common, as a labelled grid."""
    shares = np.asarray(matrix, dtype=float)
    short = [wrap_label(n, 22) for n in names]
    fig = go.Figure(go.Heatmap(
        z=shares, x=short, y=short, zmin=0, zmax=1, colorscale="Blues",
        text=[[f"{v:.0%}" for v in row] for row in shares], texttemplate="%{text}",
        textfont=dict(size=BASE_FONT_SIZE + 2), hovertemplate="%{y} / %{x}: %{z:.0%}<extra></extra>",
        colorbar=dict(title=dict(text=f"shared of top {k}", side="right"), tickformat=".0%"),
    ))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickfont=dict(size=BASE_FONT_SIZE))
    fig.update_yaxes(tickfont=dict(size=BASE_FONT_SIZE))
    return style(fig, height=height or 160 + 70 * len(names))


def movement_bars(words: list[str], cosines: list[float], height: int | None = None, title: str | None = None):
    """The words whose vectors turned most in training: cosine between before and after (1 = unchanged)."""
    fig = go.Figure(go.Bar(
        x=cosines, y=words, orientation="h", marker_color=OKABE_ITO[3], cliponaxis=False,
        text=[f"{c:.2f}" for c in cosines], textposition="outside", textfont=dict(size=BASE_FONT_SIZE),
        hovertemplate="%{y}: cosine before/after %{x:.2f}<extra></extra>",
    ))
    fig.update_xaxes(title_text="cosine between the vector before and after training (1 = unchanged)",
                     range=[min(-0.05, min(cosines, default=0) - 0.1), 1.05])
    fig.update_yaxes(autorange="reversed", title_text="", tickfont=dict(size=BASE_FONT_SIZE))
    return style(fig, title=title, height=height or 140 + 30 * len(words))



# --- training: learning curves, accuracy bars, data efficiency (owned by the training work) ---


#: One fixed colour per initialization strategy, the same on every training chart.
STRATEGY_COLOURS = {
    "learned": OKABE_ITO[7],
    "glove_frozen": OKABE_ITO[5],
    "glove_finetuned": OKABE_ITO[0],
    "word2vec_frozen": OKABE_ITO[1],
    "word2vec_finetuned": OKABE_ITO[3],
    "fasttext_frozen": OKABE_ITO[4],
    "fasttext_finetuned": OKABE_ITO[2],
}


def learning_curves(curves: list[dict], metric: str = "accuracy", height: int | None = None, title: str | None = None):
    """Training (dashed) and validation (solid) ``metric`` per epoch, one colour per strategy.

    ``curves``: dicts with ``label``, ``strategy`` and ``history`` (Keras-style lists:
    ``accuracy``, ``val_accuracy``, ``loss``, ``val_loss``).
    """
    fig = go.Figure()
    for curve in curves:
        history = curve.get("history") or {}
        colour = STRATEGY_COLOURS.get(curve.get("strategy"), OKABE_ITO[0])
        for key, dash, suffix in ((metric, "dash", "training"), (f"val_{metric}", "solid", "validation")):
            values = history.get(key) or []
            if not values:
                continue
            fig.add_trace(go.Scatter(
                x=list(range(1, len(values) + 1)), y=values, mode="lines+markers",
                name=f"{curve.get('label', '')} ({suffix})", line=dict(color=colour, dash=dash, width=3),
                legendgroup=curve.get("label", ""),
            ))
    fig.update_xaxes(title_text="epoch", dtick=1)
    fig.update_yaxes(title_text=metric if metric != "accuracy" else "accuracy", tickformat=".0%" if metric == "accuracy" else None)
    return style(fig, title=title, height=height or 380)


def accuracy_bars(table, height: int | None = None, title: str | None = None, chance: float | None = 0.5):
    """Test accuracy per strategy (mean over seeds) with error bars of one standard deviation.

    ``table`` is :func:`lib.results.results_table` for one training-set size. A
    dashed line marks ``chance`` (what guessing scores: 50% for two balanced classes),
    so 60% is not mistaken for a good score.
    """
    labels = list(table["Strategy"])
    means = [float(v) for v in table["accuracy_mean"]]
    stds = [float(v) for v in table["accuracy_std"]]
    seeds = [int(v) for v in table["seeds"]]
    colours = [STRATEGY_COLOURS.get(k, OKABE_ITO[0]) for k in table["strategy"]]
    fig = go.Figure(go.Bar(
        x=labels, y=means, marker_color=colours,
        error_y=dict(type="data", array=stds, visible=any(s > 1 for s in seeds), thickness=2, width=8),
        text=[f"{m:.1%}" for m in means], textposition="outside", cliponaxis=False,  # big labels: not cut at the top
        hovertemplate="%{x}: %{y:.1%}<extra></extra>",
    ))
    if chance is not None:  # the label sits right of the plot, never on a bar
        fig.add_hline(y=chance, line_dash="dash", line_color=HIGHLIGHT_COLOUR, line_width=2)
        fig.add_annotation(x=1.0, xref="paper", xanchor="left", y=chance, yref="y", showarrow=False,
                           text=f"{chance:.0%} =<br>guessing", align="left")
    # Bars start at 0, so a bar twice as tall is twice the accuracy (a bar axis cut at 45% made 73% look half of 83%).
    fig.update_yaxes(title_text="test accuracy", tickformat=".0%", range=[0.0, min(1.0, max(means, default=1) + 0.08)])
    fig.update_xaxes(title_text="")
    fig = style(fig, title=title, height=height or 400)
    fig.update_layout(margin_r=max(fig.layout.margin.r or 0, 90))
    return fig


def data_efficiency(table, verdicts: dict | None = None, height: int | None = None, title: str | None = None):
    """Test accuracy against training-set size (log axis), one line per strategy, a 95% band over seeds.

    ``table`` is :func:`lib.results.results_table` over several training-set sizes
    (with ``accuracy_low``/``accuracy_high``, the 95% t-interval of the mean over
    seeds, drawn as a shaded band when a size has 2+ seeds). ``verdicts``
    (``{strategy: {size: "better" | "worse" | "about the same"}}``, against learning from
    scratch) marks points beyond noise: a filled triangle up for better, down for worse.
    """
    verdicts = verdicts or {}
    symbols = {"better": "triangle-up", "worse": "triangle-down"}
    fig = go.Figure()
    for key, group in table.groupby("strategy", sort=False):
        group = group.sort_values("train_size")
        colour = STRATEGY_COLOURS.get(key, OKABE_ITO[0])
        sizes, name = list(group["train_size"]), str(group["Strategy"].iloc[0])
        banded = group[group["seeds"] > 1]
        if len(banded) and "accuracy_low" in group:
            fig.add_trace(go.Scatter(
                x=list(banded["train_size"]) + list(banded["train_size"])[::-1],
                y=list(banded["accuracy_high"]) + list(banded["accuracy_low"])[::-1],
                mode="lines", fill="toself", fillcolor=_transparent(colour, 0.15), line=dict(width=0), hoverinfo="skip",
                legendgroup=name, showlegend=False, name=f"{name} (95% interval)",
            ))
        marks = [symbols.get(verdicts.get(key, {}).get(int(n)), "circle") for n in sizes]
        fig.add_trace(go.Scatter(
            x=sizes, y=list(group["accuracy_mean"]), mode="lines+markers", name=name, legendgroup=name,
            line=dict(color=colour, width=3), marker=dict(size=[14 if m != "circle" else 9 for m in marks], symbol=marks),
            customdata=[verdicts.get(key, {}).get(int(n), "") for n in sizes],
            hovertemplate="%{x:,} reviews: %{y:.1%} %{customdata}<extra>" + name + "</extra>",
        ))
    fig.update_xaxes(title_text="training reviews (log scale)", type="log")
    fig.update_yaxes(title_text="test accuracy", tickformat=".0%")
    return style(fig, title=title, height=height or 420)


def _transparent(hex_colour: str, alpha: float) -> str:
    """``"#0072B2"`` -> ``"rgba(0,114,178,0.15)"``."""
    h = hex_colour.lstrip("#")
    return f"rgba({int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha})"


def coverage_chart(rows, height: int | None = None, title: str | None = None):
    """Per strategy: how many words started pretrained vs random (left), and how far each kind moved (right).

    ``rows`` are :class:`lib.coverage.CoverageRow` (anything with ``label``, ``covered``,
    ``uncovered``, ``moved_covered``, ``moved_uncovered``).
    """
    labels = [wrap_label(r.label, 22) for r in rows]
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.22,
                        subplot_titles=["words by how they started", "mean distance moved in training"])
    started = (("pretrained start", "covered", "moved_covered", OKABE_ITO[0]),
               ("random start", "uncovered", "moved_uncovered", OKABE_ITO[1]))
    base = [0] * len(rows)
    for name, count, moved, colour in started:
        counts = [getattr(r, count) for r in rows]
        # one offset group on the left: the second kind starts where the first ends (stacked)
        fig.add_trace(go.Bar(x=counts, y=labels, base=base, orientation="h", name=name, marker_color=colour,
                             legendgroup=name, offsetgroup="started",
                             hovertemplate="%{y}: %{x:,} words<extra>" + name + "</extra>"), row=1, col=1)
        base = counts
        distances = [getattr(r, moved) if getattr(r, moved) is not None else 0.0 for r in rows]
        fig.add_trace(go.Bar(x=distances, y=labels, orientation="h", name=name, marker_color=colour,
                             legendgroup=name, showlegend=False, offsetgroup=name,
                             text=[f"{d:.2f}" if getattr(r, moved) is not None else "" for d, r in zip(distances, rows)],
                             textposition="outside", cliponaxis=False,
                             hovertemplate="%{y}: moved %{x:.2f}<extra>" + name + "</extra>"), row=1, col=2)
    fig.update_layout(barmode="group")
    fig.update_layout(xaxis2=dict(title_text="distance (0 = unchanged)"), xaxis=dict(title_text="words"))
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=BASE_FONT_SIZE - 2))
    fig.update_yaxes(showticklabels=False, row=1, col=2)
    fig.update_annotations(font_size=BASE_FONT_SIZE)
    style(fig, title=title, height=height or 160 + 55 * len(rows))
    fig.update_layout(legend=dict(orientation="h", y=-0.25), margin=dict(r=50))
    return fig


# --- what changed: neighbourhood change, meaning axes, training replay ---


def plain(text) -> str:
    """``text`` for a plotly label: plotly reads a subset of HTML (``<b>``, ``<a href>``) in labels, so a word
    or name a visitor typed has ``&``, ``<`` and ``>`` escaped and shows as written.

    >>> plain("<a href='x'>hi</a>")
    "&lt;a href='x'&gt;hi&lt;/a&gt;"
    """
    return html.escape(str(text), quote=False)


def overlap_histogram(k: int, counts: dict[str, list[int]], selected: tuple[float, float] | None = None,
                      height: int | None = None):
    """How many words share 0..k of their ``k`` neighbours, one bar group per compared pair.

    ``counts[name]`` has ``k + 1`` entries (:func:`lib.overlap.histogram`); each bar sits at the
    Jaccard value that count gives. ``selected`` shades the range whose words are listed below.
    """
    s = np.arange(k + 1)
    values = s / (2 * k - s)
    fig = go.Figure()
    for i, (name, row) in enumerate(counts.items()):
        fig.add_trace(go.Bar(
            x=values, y=list(row), name=plain(name), marker_color=OKABE_ITO[i % len(OKABE_ITO)],
            customdata=s, width=0.6 / (2 * k) * (1 if len(counts) == 1 else 0.8),
            hovertemplate="%{customdata} of " + str(k) + " neighbours shared (Jaccard %{x:.2f}): %{y:,} words"
                          "<extra>%{fullData.name}</extra>",
        ))
    if selected is not None:
        fig.add_vrect(x0=selected[0] - 0.01, x1=selected[1] + 0.01, fillcolor="#999999", opacity=0.15, line_width=0)
    fig.update_xaxes(title_text=f"Jaccard overlap of the {k} nearest neighbours (0 = none shared, 1 = all)",
                     range=[-0.04, 1.04])
    fig.update_yaxes(title_text="words")
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=1.12, x=0))
    return style(fig, height=height or 380)


def axis_strip(axis_name: str, words: list[str], names: list[str], positions: list, height: int | None = None):
    """A dumbbell chart: each word on one row, one dot per embedding at its axis position, joined by a line.

    With a run's before and after as the first two embeddings the line shows the move. Rows are
    sorted by the first embedding's position; the axis ends are labelled with the pole names.
    """
    P = np.asarray(positions, dtype=float)  # (embeddings, words)
    words, names = [plain(w) for w in words], [plain(n) for n in names]
    order = np.argsort(P[0])
    ys = [words[i] for i in order]
    fig = go.Figure()
    for i in order:
        fig.add_trace(go.Scatter(x=P[:, i], y=[words[i]] * len(P), mode="lines", hoverinfo="skip",
                                 line=dict(color="#BBBBBB", width=3), showlegend=False))
    for e, name in enumerate(names):
        fig.add_trace(go.Scatter(
            x=P[e, order], y=ys, mode="markers", name=name,
            marker=dict(size=14, color=OKABE_ITO[e % len(OKABE_ITO)], line=dict(width=1, color="#333333")),
            hovertemplate="%{y}: %{x:+.2f}<extra>" + name + "</extra>",
        ))
    low, _, high = plain(axis_name).partition(" ↔ ")
    limit = float(np.nanmax(np.abs(P))) if P.size else 1.0
    limit = max(0.1, min(1.0, limit * 1.15))
    fig.add_vline(x=0, line_dash="dot", line_color="#777777")
    fig.update_xaxes(title_text=f"← {low}      position on the axis (cosine)      {high} →", range=[-limit, limit],
                     zeroline=False)
    fig.update_yaxes(title_text="", tickfont=dict(size=BASE_FONT_SIZE), categoryorder="array", categoryarray=ys)
    fig.update_layout(legend=dict(orientation="h", y=1.08, x=0))
    return style(fig, height=height or 160 + 34 * len(words))


def replay_figure(words: list[str], positions, epoch_labels: list[str], highlight: list[str] | tuple = (),
                  title: str | None = None, height: int = 620, frame_ms: int = 700):
    """An animated map: the words at every epoch (one plotly frame each), play/pause and an epoch slider.

    ``positions`` is ``(frames, n, 2)`` (:func:`lib.replay.replay_positions`). Words in ``highlight``
    are labelled and leave a trail (their path from the start up to the frame shown).
    """
    P = np.asarray(positions, dtype=float)
    marked = [i for i, w in enumerate(words) if w in set(highlight)]
    words = [plain(w) for w in words]
    label_all = len(words) <= 40

    def traces(f: int) -> list:
        out = [go.Scatter(x=P[f, :, 0], y=P[f, :, 1], mode="markers+text" if label_all else "markers", text=words,
                          textposition="top center", hovertemplate="<b>%{text}</b><extra></extra>",
                          marker=dict(size=10, color=OKABE_ITO[0], opacity=0.75), showlegend=False)]
        for j, i in enumerate(marked):  # trail then head, one colour per highlighted word
            colour = OKABE_ITO[(j + 1) % len(OKABE_ITO)]
            out.append(go.Scatter(x=P[: f + 1, i, 0], y=P[: f + 1, i, 1], mode="lines+markers",
                                  line=dict(color=colour, width=3), marker=dict(size=5, color=colour),
                                  hoverinfo="skip", name=words[i], legendgroup=words[i], showlegend=False))
            out.append(go.Scatter(x=[P[f, i, 0]], y=[P[f, i, 1]], mode="markers+text", text=[words[i]],
                                  textposition="bottom center", textfont=dict(size=BASE_FONT_SIZE + 2, color=colour),
                                  marker=dict(size=18, color=colour, line=dict(width=2, color="#000000")),
                                  name=words[i], legendgroup=words[i], showlegend=True,
                                  hovertemplate="<b>%{text}</b><extra></extra>"))
        return out

    names = [plain(label) for label in epoch_labels]
    frames = [go.Frame(data=traces(f), name=names[f]) for f in range(len(P))]
    fig = go.Figure(data=traces(0), frames=frames)
    pad = 0.08 * (np.ptp(P[..., 0]) + np.ptp(P[..., 1]) + 1e-9)
    fig.update_xaxes(range=[P[..., 0].min() - pad, P[..., 0].max() + pad], showticklabels=False, showgrid=False,
                     zeroline=False)
    fig.update_yaxes(range=[P[..., 1].min() - pad, P[..., 1].max() + pad], showticklabels=False, showgrid=False,
                     zeroline=False)
    play = dict(label="▶ Play", method="animate",
                args=[None, {"frame": {"duration": frame_ms, "redraw": False}, "fromcurrent": True,
                             "transition": {"duration": frame_ms // 2}}])
    pause = dict(label="❚❚ Pause", method="animate",
                 args=[[None], {"frame": {"duration": 0, "redraw": False}, "mode": "immediate",
                                "transition": {"duration": 0}}])
    fig.update_layout(
        updatemenus=[dict(type="buttons", direction="left", buttons=[play, pause], x=0.0, y=-0.02,
                          xanchor="left", yanchor="top", showactive=False)],
        sliders=[dict(active=0, x=0.2, len=0.8, y=-0.02, yanchor="top", currentvalue=dict(prefix=""),
                      steps=[dict(label=n, method="animate",
                                  args=[[n], {"frame": {"duration": 0, "redraw": False}, "mode": "immediate",
                                              "transition": {"duration": 0}}]) for n in names])],
    )
    fig.add_annotation(text=NO_AXES_NOTE, xref="paper", yref="paper", x=0.0, y=1.02, showarrow=False,
                       xanchor="left", font=dict(size=BASE_FONT_SIZE - 2, color="#555555"))
    style(fig, title=title, height=height)
    fig.update_layout(margin=dict(b=110))
    return fig
