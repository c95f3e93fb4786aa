"""The presenter's race, timed in a real browser: from the click on Start to "All 5 models finished".

    python benchmarks/run.py --only browser

Each row starts `streamlit run app.py` with an empty data folder (so word2vec is
trained too, as on a fresh install), opens the guided tour in Debian's Chromium,
reads the estimate the page announces, presses Start, goes to the race screen
and waits. The baseline column is the announced estimate itself: the target is
to finish within 1.5x of it, on a quiet machine and with one CPU-bound process
running beside the server.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.harness import Case, serve

CHROMIUM = os.environ.get("EMBEDDING_LAB_CHROMIUM", "/usr/bin/chromium")
_announced: dict[str, float] = {}


def _idle(page) -> None:
    """Wait until Streamlit has finished running the page (a click during a rerun can be lost)."""
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)


def _race(busy: bool) -> float:
    from playwright.sync_api import expect, sync_playwright

    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    server, url = serve()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{url}/tour")
            caption = page.get_by_text(re.compile(r"About \d+ s on this machine")).first
            expect(caption).to_be_visible(timeout=120_000)
            key = "busy" if busy else "quiet"
            _announced[key] = float(re.search(r"About (\d+) s", caption.inner_text()).group(1))
            _idle(page)
            start = time.perf_counter()
            page.get_by_role("button", name="Start the demo training").click()
            expect(page.get_by_role("button", name="Start the demo training")).to_have_count(0, timeout=60_000)
            for screen in (2, 3, 4):  # to the race screen, as a presenter would
                _idle(page)
                page.get_by_role("button", name="Next").first.click()
                expect(page.get_by_text(f"Screen {screen} of 6").first).to_be_visible(timeout=60_000)
            expect(page.get_by_text("All 5 models finished").first).to_be_visible(timeout=900_000)
            elapsed = time.perf_counter() - start
            browser.close()
            return elapsed
    finally:
        server.terminate()
        server.wait(timeout=30)
        if hog is not None:
            hog.kill()


def cases() -> list[Case]:
    if not Path(CHROMIUM).exists():
        return []
    return [
        Case("browser", "tour race, Quick demo, click on Start to “All 5 models finished”, fresh install, quiet machine",
             "≤ 1.5× announced", lambda: _race(busy=False), "the estimate the page announced",
             lambda: _announced.get("quiet")),
        Case("browser", "the same with one CPU-bound process running beside the server", "≤ 1.5× announced",
             lambda: _race(busy=True), "the estimate the page announced", lambda: _announced.get("busy")),
    ]
