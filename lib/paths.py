"""Where Embedding Lab keeps what it writes: caches, uploads and the run store.

Everything lives under one data folder, ``data/`` beside the code unless the
environment variable ``EMBEDDING_LAB_DATA`` names another one. Tests and the
browser test point it at a temporary folder so they never touch a user's runs.
"""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """The data folder, read from the environment on every call so tests can redirect it."""
    configured = os.environ.get("EMBEDDING_LAB_DATA")
    return Path(configured) if configured else REPO_ROOT / "data"


def cache_dir() -> Path:
    return data_dir() / "cache"


def runs_dir() -> Path:
    return data_dir() / "runs"


def uploads_dir() -> Path:
    return data_dir() / "uploads"
