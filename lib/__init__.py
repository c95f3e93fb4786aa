"""Embedding Lab's logic: importable and testable without Streamlit running."""
