"""Fixtures for tests/: the browser tests' shared server, Chromium and finished Tiny job (tests/browser_support.py)."""
from browser_support import browser, server, tiny_job

__all__ = ["browser", "server", "tiny_job"]  # pytest finds fixtures by name in a conftest
