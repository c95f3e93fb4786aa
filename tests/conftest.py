"""Fixtures for tests/: the browser tests' shared server and Chromium (tests/browser_support.py)."""
from browser_support import browser, server

__all__ = ["browser", "server"]  # pytest finds fixtures by name in a conftest
