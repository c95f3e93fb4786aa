"""Plotly figures shared by the pages.

Every figure is meant to be read from the back of a room: large fonts, a
colour-blind-safe palette (Okabe–Ito), labelled axes, or an explicit note when
axes carry no meaning (as on PCA/t-SNE maps).
"""
from __future__ import annotations

# Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
#: A diverging scale for "negative ... positive" that stays readable for red-green colour blindness.
DIVERGING = "RdBu"
BASE_FONT_SIZE = 16


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


# --- maps and neighbours (owned by the compare/projection work) ---------------


# --- training: learning curves, accuracy bars, data efficiency (owned by the training work) ---
