"""Streamlit-side helpers shared by the pages: cached loaders, error display, page chrome.

lib/ never imports Streamlit; this package is the thin layer that does, so the
pages stay storyboards and the Streamlit glue is written once.
"""
