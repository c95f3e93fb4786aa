"""Placeholder until this page is built: it says so instead of pretending."""
import streamlit as st

st.title("Coming soon")
st.info("This page is not built yet. Start with **What an Embedding layer does**.")
