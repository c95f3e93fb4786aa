"""Presentation mode: for showing the dashboard on a projector to people who do not program.

When it is on, the sidebar and the settings are tucked away, text and charts are
larger, and each screen's story sentence is shown big. ``app.py`` calls
:func:`controls` once per run (so the switch exists on every page); pages wrap
their settings in :func:`settings` and their main message in :func:`story`.
"""
from __future__ import annotations

from contextlib import contextmanager

import streamlit as st

KEY = "presentation_mode"

_LARGE = """
<style>
html { font-size: 20px; }                         /* Streamlit sizes text in rem: this scales it all */
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] { display: none; }
[data-testid="stHeader"] { display: none; }
.embedding-lab-story { font-size: 1.6rem; line-height: 1.35; font-weight: 600;
    border-left: 0.4rem solid #0072B2; padding: 0.4rem 0 0.4rem 1rem; margin: 0.5rem 0 1rem 0; }
</style>
"""
_NORMAL = """
<style>
.embedding-lab-story { font-size: 1.2rem; line-height: 1.4; font-weight: 600;
    border-left: 0.3rem solid #0072B2; padding: 0.3rem 0 0.3rem 0.8rem; margin: 0.4rem 0 0.8rem 0; }
</style>
"""


def is_on() -> bool:
    return bool(st.session_state.get(KEY, False))


def _set(value: bool) -> None:
    st.session_state[KEY] = value


def controls() -> None:
    """The on/off switch (in the sidebar; in presentation mode a small button at the top)."""
    if is_on():
        st.html(_LARGE)
        st.button("Leave presentation mode", on_click=_set, args=(False,), key="presentation_off",
                  icon=":material/close_fullscreen:", type="tertiary")
    else:
        st.html(_NORMAL)
        with st.sidebar:
            st.button("Presentation mode", on_click=_set, args=(True,), key="presentation_on",
                      icon=":material/open_in_full:",
                      help="For a projector: hides settings and this sidebar, makes text and charts larger.")


@contextmanager
def settings(label: str = "Settings"):
    """A place for controls: shown normally, folded away in presentation mode."""
    if is_on():
        with st.expander(label, expanded=False):
            yield
    else:
        with st.container():
            yield


def story(sentence: str) -> None:
    """The one sentence a screen is about, shown prominently (more so in presentation mode)."""
    import html

    st.html(f'<div class="embedding-lab-story">{html.escape(sentence)}</div>')
