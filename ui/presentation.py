"""Presentation mode: for showing the dashboard on a projector to people who do not program.

When it is on, the sidebar and the settings are tucked away, text and charts are
larger, and each screen's story sentence is shown big. ``app.py`` calls
:func:`controls` once per run (so the switch exists on every page); pages wrap
their settings in :func:`settings` and their main message in :func:`story`.
"""
from __future__ import annotations

import html
from contextlib import contextmanager

import streamlit as st

KEY = "presentation_mode"

URL_KEY = "present"  # ?present=1 in the address: a reload, or a link sent to a room, opens in presentation mode

# Sized for a 1280×720 projector: the chrome above a screen's title is one short row, so a
# screen's title, sentence and chart fit without scrolling (checked by the browser test).
_LARGE = """
<style>
html { font-size: 18px; }                         /* Streamlit sizes text in rem: this scales it all */
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] { display: none; }
[data-testid="stHeader"] { display: none; }
[data-testid="stMainBlockContainer"], .block-container { padding-top: 0.6rem !important; padding-bottom: 1rem !important; }
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] { gap: 0.55rem; }
h1 { font-size: 1.7rem !important; padding: 0.1rem 0 !important; }
h2 { font-size: 1.5rem !important; padding: 0.1rem 0 !important; }
.embedding-lab-story { font-size: 1.35rem; line-height: 1.3; font-weight: 600;
    border-left: 0.4rem solid #0072B2; padding: 0.2rem 0 0.2rem 0.9rem; margin: 0.1rem 0 0.3rem 0; }
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


def controls(pages: list | None = None) -> None:
    """The on/off switch, once per run (in the sidebar; in presentation mode one small row at the top
    with a menu of ``pages``, since the sidebar is hidden). The mode also lives in the URL."""
    if KEY not in st.session_state:  # a new session (a reload, or a shared link): take the URL's word for it
        st.session_state[KEY] = st.query_params.get(URL_KEY) == "1"
    if is_on():
        st.query_params[URL_KEY] = "1"
        st.html(_LARGE)
        leave, menu, _ = st.columns([2, 1, 4], vertical_alignment="center")
        leave.button("Leave presentation mode", on_click=_set, args=(False,), key="presentation_off",
                     icon=":material/close_fullscreen:", type="tertiary")
        if pages:
            with menu.popover("Pages", icon=":material/menu:"):
                for page in pages:
                    st.page_link(page)
    else:
        st.query_params.pop(URL_KEY, None)
        st.html(_NORMAL)
        with st.sidebar:
            st.button("Presentation mode", on_click=_set, args=(True,), key="presentation_on",
                      icon=":material/open_in_full:",
                      help="For a projector: hides settings and this sidebar, makes text and charts larger.")


def chart_height(normal: int, projector: int = 330) -> int:
    """A chart's height: as designed, or short enough (``projector`` pixels) to sit under its sentence on a
    720-pixel projector."""
    return min(normal, projector) if is_on() else normal


def chart_fonts(fig):
    """Larger chart text in presentation mode (plotly's default 12 px cannot be read from the back of a room)."""
    if is_on():
        fig.update_layout(font_size=18)
        fig.update_xaxes(tickfont_size=18)  # Streamlit's chart theme sets tick labels to 0.75 rem (13.5 px here)
        fig.update_yaxes(tickfont_size=18)
    return fig


@contextmanager
def settings(label: str = "Settings"):
    """A place for controls: shown normally, folded away in presentation mode."""
    if is_on():
        with st.expander(label, expanded=False):
            yield
    else:
        with st.container():
            yield


def story_html(sentence: str) -> str:
    """The HTML of a story sentence. It is written from a session's numbers and may quote a visitor's text
    (a run or file name, an error), so every character shows as typed, markup included.

    >>> story_html('All 5 models finished, in 12 s.')
    '<div class="embedding-lab-story">All 5 models finished, in 12 s.</div>'
    >>> story_html('<img src=x onerror="alert(1)"> & **bold**')
    '<div class="embedding-lab-story">&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; **bold**</div>'
    """
    return f'<div class="embedding-lab-story">{html.escape(sentence)}</div>'


def story(sentence: str) -> None:
    """The one sentence a screen is about, shown prominently (more so in presentation mode)."""
    st.html(story_html(sentence))
