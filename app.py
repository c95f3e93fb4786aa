"""Embedding Lab: start with `streamlit run app.py`.

This file only configures the page and the navigation; every page lives in app_pages/.
The folder is deliberately not called pages/: Streamlit treats a pages/ folder beside
the entry point as an old-style multipage app, and the first visit to a page URL on a
fresh server then runs that page without this file (no sections, no presentation mode).
"""
import streamlit as st

from ui import presentation
from ui.sources import start_helper_process

st.set_page_config(page_title="Embedding Lab", page_icon=":material/grid_on:", layout="wide")
start_helper_process()  # Keras runs in a helper process, never in this web server (see lib/helper_process.py)

PAGES = {
    "Start here": [
        st.Page("app_pages/home.py", title="Welcome", icon=":material/home:", default=True),
        st.Page("app_pages/tour.py", title="Guided tour", icon=":material/slideshow:"),
    ],
    "Learn": [
        st.Page("app_pages/explain.py", title="What an Embedding layer does", icon=":material/pin:"),
        st.Page("app_pages/vectors.py", title="Explore pretrained vectors", icon=":material/explore:"),
    ],
    "Experiment": [
        st.Page("app_pages/train.py", title="Train and compare strategies", icon=":material/model_training:"),
        st.Page("app_pages/compare.py", title="Compare embeddings side by side", icon=":material/compare:"),
    ],
    "Help": [
        st.Page("app_pages/glossary.py", title="Glossary", icon=":material/menu_book:"),
    ],
}
navigation = st.navigation(PAGES)
presentation.controls([page for section in PAGES.values() for page in section])
navigation.run()
