"""Fixtures for tests/: the browser tests' shared server, Chromium and finished Tiny job (tests/browser_support.py),
and one speed-up for every AppTest."""
import functools

from browser_support import browser, server, tiny_job
from streamlit.components.v2 import manifest_scanner

__all__ = ["browser", "server", "tiny_job"]  # pytest finds fixtures by name in a conftest

# Each new AppTest scans the metadata of every installed distribution for Streamlit component manifests: about
# 0.2 s of CPU per AppTest (0.24 s against 0.02 s for a whole Explain run, measured with cProfile), hundreds of
# times a suite. What is installed does not change while the tests run, so the scan runs once per process; its
# result is the same list. (A real server scans once at start.)
manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)
