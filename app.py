"""Embedding Lab: start with `streamlit run app.py`.

This file only configures the page and the navigation; every page lives in pages/.
"""
import streamlit as st

from ui import presentation

st.set_page_config(page_title="Embedding Lab", page_icon=":material/grid_on:", layout="wide")

presentation.controls()
navigation = st.navigation(
    {
        "Start here": [
            st.Page("pages/home.py", title="Welcome", icon=":material/home:", default=True),
            st.Page("pages/tour.py", title="Guided tour", icon=":material/slideshow:"),
        ],
        "Learn": [
            st.Page("pages/explain.py", title="What an Embedding layer does", icon=":material/pin:"),
            st.Page("pages/vectors.py", title="Explore pretrained vectors", icon=":material/explore:"),
        ],
        "Experiment": [
            st.Page("pages/train.py", title="Train and compare strategies", icon=":material/model_training:"),
            st.Page("pages/compare.py", title="Compare embeddings side by side", icon=":material/compare:"),
        ],
        "Help": [
            st.Page("pages/glossary.py", title="Glossary", icon=":material/menu_book:"),
        ],
    }
)
navigation.run()
