"""Links between the pages: a page names another by its address (``link_to("train", ...)``).

app.py makes the ``st.Page`` objects and hands them here (:func:`remember`) before the page runs. Each page is its
module's ``main`` function, not its file: Streamlit imports a page module once per server and calls ``main`` on each
run, where a file page was executed whole on every run of every visitor, remaking its cached functions (Streamlit
keys each one by its source, read with ``inspect.getsource``) and its dataclasses every time (5 ms a visit on
Explain). A function page has no file for ``st.page_link`` to name, hence the pages remembered here.
"""
import streamlit as st

_pages: dict = {}  # url path -> st.Page, the same objects for every session


def remember(pages) -> None:
    """Keep the app's pages (an iterable of ``st.Page``) for :func:`link_to`, by their address."""
    _pages.update({page.url_path: page for page in pages})


def link_to(url_path: str, label: str, icon: str | None = None, where=st) -> None:
    """A link to the page at ``/url_path`` (``where``: a column or container to draw it in)."""
    where.page_link(_pages[url_path], label=label, icon=icon)
