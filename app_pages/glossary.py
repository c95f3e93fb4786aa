"""Glossary: every technical word the dashboard uses, in plain words."""
import streamlit as st

from lib.glossary import TERMS
from ui.text import md

st.title("Glossary")
st.markdown("The words this dashboard uses, each in a sentence or two. No maths needed.")

query = st.text_input("Find a word", placeholder="e.g. epoch, cosine, fine-tuned",
                      help="Type part of a term or of its explanation.")
shown = {t: e for t, e in TERMS.items() if query.lower() in t.lower() or query.lower() in e.lower()}
if not shown:
    st.info(f"Nothing in the glossary mentions “{md(query)}”. Try a shorter part of the word.")
for term, explanation in shown.items():
    st.markdown(f"**{term}** — {explanation}")
