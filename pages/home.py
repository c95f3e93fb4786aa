"""Welcome: what the dashboard shows, and where to go first."""
import streamlit as st

st.title("Embedding Lab")
st.markdown(
    "A neural network cannot read words, so the first thing a text model does is turn each word "
    "into a short list of numbers: its **embedding**. This dashboard shows what that step really "
    "does, what pretrained embeddings such as GloVe already know, and whether starting from them "
    "beats learning the numbers from scratch."
)

st.subheader("Where to go, in order")
st.page_link("pages/explain.py", label="1. What an Embedding layer does: two sentences, step by step", icon=":material/pin:")
st.page_link("pages/vectors.py", label="2. Explore pretrained vectors: what GloVe and word2vec know", icon=":material/explore:")
st.page_link("pages/train.py", label="3. Train and compare strategies on movie reviews", icon=":material/model_training:")
st.page_link("pages/compare.py", label="4. Compare embeddings side by side", icon=":material/compare:")
