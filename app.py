"""Embedding Lab: start with `streamlit run app.py`.

This file only configures the page and the navigation; every page lives in app_pages/, as its module's main()
(imported once per server, called on every run: see ui/navigation.py). The folder is deliberately not called
pages/: Streamlit treats a pages/ folder beside the entry point as an old-style multipage app, and the first
visit to a page URL on a fresh server then runs that page without this file (no sections, no presentation mode).
"""
import streamlit as st

from app_pages import compare, explain, glossary, home, tour, train, vectors
from ui import navigation, presentation
from ui.sources import start_helper_process

st.set_page_config(page_title="Embedding Lab", page_icon=":material/grid_on:", layout="wide")
start_helper_process()  # Keras runs in a helper process, never in this web server (see lib/helper_process.py)

PAGES = {  # the url paths are the addresses people share (/tour?screen=2&size=quick): keep them
    "Start here": [
        st.Page(home.main, title="Welcome", icon=":material/home:", url_path="home", default=True),
        st.Page(tour.main, title="Guided tour", icon=":material/slideshow:", url_path="tour"),
    ],
    "Learn": [
        st.Page(explain.main, title="What an Embedding layer does", icon=":material/pin:", url_path="explain"),
        st.Page(vectors.main, title="Explore pretrained vectors", icon=":material/explore:", url_path="vectors"),
    ],
    "Experiment": [
        st.Page(train.main, title="Train and compare strategies", icon=":material/model_training:", url_path="train"),
        st.Page(compare.main, title="Compare embeddings side by side", icon=":material/compare:", url_path="compare"),
    ],
    "Help": [
        st.Page(glossary.main, title="Glossary", icon=":material/menu_book:", url_path="glossary"),
    ],
}
every_page = [page for section in PAGES.values() for page in section]
navigation.remember(every_page)
current = st.navigation(PAGES)
presentation.controls(every_page)
current.run()
