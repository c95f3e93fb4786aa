"""Glossary: every technical word the dashboard uses, in plain words.

Storyboard: a search box -> the terms it matches (all of them while it is empty).
The terms and the search are lib.glossary's.
"""
import streamlit as st

from lib.glossary import matching_terms
from ui.text import md


def search_box() -> str:
    return st.text_input("Find a word", placeholder="e.g. epoch, cosine, fine-tuned",
                         help="Type part of a term or of its explanation.")


def term_list(query: str) -> None:
    shown = matching_terms(query)
    if not shown:
        st.info(f"Nothing in the glossary mentions “{md(query)}”. Try a shorter part of the word.")
    for term, explanation in shown.items():
        st.markdown(f"**{term}** — {explanation}")


def main() -> None:
    st.title("Glossary")
    st.markdown("The words this dashboard uses, each in a sentence or two. No maths needed.")
    term_list(search_box())


if __name__ == "__main__":  # run as a file (AppTest, `streamlit run` on this page); app.py calls main()
    main()
