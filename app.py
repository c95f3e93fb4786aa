"""Embedding Lab: start with `streamlit run app.py`.

This file only configures the page and the navigation; every page lives in pages/.
"""
import streamlit as st

st.set_page_config(page_title="Embedding Lab", page_icon="🔡", layout="wide")

navigation = st.navigation(
    {
        "Start here": [
            st.Page("pages/home.py", title="Welcome", icon="🏠", default=True),
        ],
        "Learn": [
            st.Page("pages/explain.py", title="What an Embedding layer does", icon="🔢"),
            st.Page("pages/vectors.py", title="Explore pretrained vectors", icon="🧭"),
        ],
        "Experiment": [
            st.Page("pages/train.py", title="Train and compare strategies", icon="🏋️"),
            st.Page("pages/compare.py", title="Compare embeddings side by side", icon="🗺️"),
        ],
    }
)
navigation.run()
