"""A real browser: `streamlit run app.py` headless, Debian's Chromium driven by Playwright.

Every page is opened, waited for until Streamlit has finished running it, checked
for exceptions and error boxes, checked for its key element, and screenshotted to
tests/artifacts/screenshots/ (copy them to docs/screenshots/ to refresh the README).

Needs Chromium at /usr/bin/chromium (`apt-get install chromium`); browser downloads
do not work here. Without it the test is skipped, except in CI where it fails.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import shutil
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from browser_support import (CHROMIUM, FINISHED_TINY_JOBS, REPO, assert_no_errors,  # noqa: F401
                             assert_no_tensorflow_in_the_server, demo_timeout_ms, start_tiny_training, wait_until_idle)  # (also used by the other modules)
ARTIFACTS = REPO / "tests" / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        pytest.fail(f"The browser test needs Chromium at {CHROMIUM} (apt-get install chromium).", pytrace=False)
    pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install chromium", allow_module_level=True)

from playwright.sync_api import Page, expect  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]
# Playwright's default of 5 s is too short for a page on a 2-core machine that is also training or busy.
expect.set_options(timeout=30_000)


# Every browser test opens the tour at the tiny size, by its address. Opened at the default size (Quick demo), the
# tour warms up the runner for that size: it has the server's worker train word2vec on all 25,000 training reviews
# (about 45 s of a core, more on a busy machine), which no browser test needs and every Tiny job then queues behind.
# (That warm-up, and switching the size with the radio, are checked by tests/test_page_tour.py.)
TOUR = "tour?size=tiny"

# path on the server, its title (the page's h1), key element that proves the page did its job, screenshot name
# The first visit on the fresh server goes to a page, not home: that is when a pages/ folder used
# to make Streamlit skip app.py (see app.py); the presentation-mode button proves app.py ran.
PAGES = [
    ("explain", "What an Embedding layer does", "text=[0 0 1 2 3 4]", "explain"),
    ("", "Embedding Lab", '[data-testid="stPlotlyChart"]', "home"),
    (TOUR, "Guided tour", "text=Screen 1 of 6", "tour"),
    ("vectors", "Explore pretrained vectors", '[data-testid="stPlotlyChart"]', "vectors"),
    ("train", "Train and compare initialization strategies", "text=1. Settings", "train"),
    ("compare", "Compare embeddings side by side", "text=1. Pick the embeddings", "compare"),
    ("glossary", "Glossary", "text=epoch", "glossary"),
]


def screenshot(page: Page, name: str, full_page: bool = False) -> None:
    """Screenshot the window, or with ``full_page`` the whole page (Streamlit scrolls inside its main area, so the
    viewport grows to fit it). A full page is several times the pixels to lay out, redraw every chart for and paint
    in software, so only the screenshots the README shows are taken whole (see docs/screenshots/)."""
    if full_page:
        height = page.evaluate(
            "() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"], [data-testid=\"stAppViewContainer\"]')]"
            ".map(e => e.scrollHeight), 900)"
        )
        page.set_viewport_size({"width": 1400, "height": min(int(height) + 40, 12_000)})
        page.wait_for_timeout(300)
    # plotly draws after Streamlit is idle: wait until every chart on the page has its SVG
    # (counted as "charts still without their SVG", so a chart a finishing rerun removes cannot be waited for forever)
    expect(page.locator('[data-testid="stPlotlyChart"]:not(:has(.main-svg))')).to_have_count(0, timeout=90_000)
    page.wait_for_timeout(300)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    if full_page:
        page.set_viewport_size({"width": 1400, "height": 900})


def open_page(browser, server, path: str, title: str, key: str, name: str, timings: dict) -> Page:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(f"{server['url']}/{path}")
    wait_until_idle(page)
    expect(page.locator(key).first).to_be_visible(timeout=30_000)
    timings[name] = round(time.perf_counter() - start, 2)
    # the page asked for, not another one (home and Explore share their key element, a chart)
    expect(page.locator("h1").first).to_contain_text(title)
    assert_no_errors(page)
    expect(page.get_by_role("button", name="Presentation mode")).to_be_visible()
    screenshot(page, name)
    return page


def test_every_page_renders_without_errors(browser, server):
    first = {}
    for path, title, key, name in PAGES:  # each page once (another test may have warmed some of them)
        open_page(browser, server, path, title, key, name, first).context.close()
    # Each visit above checked its page's title, key element, errors and app.py's button. The times are a record
    # for people, not a pass/fail line (another process on the machine can double them); render times on a warm
    # server are measured by the benchmarks (`EMBEDDING_LAB_CLASS_SIZES=1 python benchmarks/run.py --only classroom`).
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "page_render_seconds.json").write_text(json.dumps({"first visit": first}, indent=2))
    print("\nseconds to render, first visit:", first)
    assert_no_tensorflow_in_the_server(server)


def in_server_store(data: Path, code: str, **args) -> str:
    """Run ``code`` in a child Python whose data folder is the server's, ``args`` given to it as the dict ``args``;
    what it prints comes back. Not in this process: pointing this process's data folder elsewhere, even briefly,
    would send a run that its runner thread is saving for an earlier test to the wrong folder."""
    script = "import json, sys\nargs = json.loads(sys.argv[1])\n" + textwrap.dedent(code)
    out = subprocess.run([sys.executable, "-c", script, json.dumps(args)], cwd=REPO, capture_output=True, text=True,
                         env={**os.environ, "EMBEDDING_LAB_DATA": str(data), "PYTHONPATH": str(REPO)}, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip()


def save_runs_for_compare(data: Path) -> None:
    """Two runs in the server's store (GloVe rows before, nudged rows after), so Compare has something to map."""
    in_server_store(data, "from benchmarks.compare_runs import save_two_runs\nsave_two_runs()")


def click_button(page: Page, name: str) -> None:
    page.get_by_role("button", name=name).first.click()
    wait_until_idle(page)


def test_tour_click_through_on_the_tiny_preset(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(f"{server['url']}/{TOUR}")
    wait_until_idle(page)
    expect(page.get_by_role("radio", name="Tiny (rough numbers)", exact=False)).to_be_checked()
    # another test may have run the same tiny demo on this server already: then the tour attaches to it
    if page.get_by_role("button", name="Start the demo training").count():
        click_button(page, "Start the demo training")
    screenshot(page, "tour-1")
    for screen in range(2, 7):
        click_button(page, "Next")
        expect(page.get_by_text(f"Screen {screen} of 6").first).to_be_visible()
        if screen == 4:  # the race: wait for the five tiny models and the finished screen's winner sentence
            expect(page.get_by_text("reviews it had never seen").first).to_be_visible(timeout=demo_timeout_ms())
            wait_until_idle(page)
            expect(page.get_by_text("All 5 models finished").first).to_be_visible()
        if screen == 5:  # the before/after maps
            expect(page.locator('[data-testid="stPlotlyChart"] .main-svg').first).to_be_attached(timeout=30_000)
        assert_no_errors(page)
        screenshot(page, f"tour-{screen}", full_page=screen == 5)  # the README shows the whole of screen 5
    expect(page.get_by_text("labelled reviews").first).to_be_visible()
    context.close()
    assert_no_tensorflow_in_the_server(server)


def test_compare_page_shows_maps_of_saved_runs(browser, server):
    save_runs_for_compare(server["data"])
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(f"{server['url']}/compare")
    wait_until_idle(page)
    expect(page.locator('[data-testid="stPlotlyChart"]').first).to_be_visible(timeout=60_000)
    assert_no_errors(page)
    screenshot(page, "compare-with-runs")
    context.close()


def test_two_sessions_one_training_one_exploring(browser, server, tmp_path):
    """One person trains while another explores: both pages answer, and uploads stay private. The trainer reloads
    mid-training and finds the same job, followed to its results (one Tiny job for both checks)."""
    trainer = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    explorer = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()

    start_tiny_training(trainer, server["url"])
    expect(trainer.get_by_text("Nothing trained yet in this session")).to_have_count(0, timeout=30_000)
    trainer.wait_for_function("() => window.location.search.includes('job=')", timeout=30_000)
    job = parse_qs(urlparse(trainer.url).query)["job"]
    trainer.reload()  # mid-training: the address brings the page back to the same job
    wait_until_idle(trainer)
    expect(trainer.get_by_text("Nothing trained yet in this session")).to_have_count(0, timeout=60_000)
    assert parse_qs(urlparse(trainer.url).query)["job"] == job
    # (that the "someone else's job" notice never means your own is checked by the AppTest: here another
    # test's demo may really be running on the same server)

    # While the job trains: the explorer uploads a vector file and uses pages that need no training.
    vector_file = tmp_path / "private_vectors.txt"
    vector_file.write_text("".join(f"{w} {i * 0.1:.1f} {1 - i * 0.1:.1f} 0.5\n"
                                   for i, w in enumerate(["good", "bad", "movie", "film", "great"])))
    timings = {}
    start = time.perf_counter()
    explorer.goto(f"{server['url']}/vectors")
    wait_until_idle(explorer)
    timings["vectors while training"] = round(time.perf_counter() - start, 2)
    explorer.get_by_text("Add a vector set").click()
    wait_until_idle(explorer)
    explorer.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(vector_file))
    wait_until_idle(explorer)
    expect(explorer.get_by_text("private_vectors.txt").first).to_be_visible(timeout=30_000)
    assert_no_errors(explorer)
    start = time.perf_counter()
    explorer.goto(f"{server['url']}/explain")
    wait_until_idle(explorer)
    expect(explorer.get_by_text("[0 0 1 2 3 4]").first).to_be_visible()
    timings["explain while training"] = round(time.perf_counter() - start, 2)

    # The trainer's (reloaded) page follows the job to its results; the explorer's upload is not in its menus.
    expect(trainer.get_by_text("did best").first).to_be_visible(timeout=demo_timeout_ms())
    assert parse_qs(urlparse(trainer.url).query)["job"] == job
    assert_no_errors(trainer)
    FINISHED_TINY_JOBS.append(job[0])  # the tiny_job fixture's finished job, if no test has asked for it yet
    screenshot(trainer, "train-results")
    trainer.goto(f"{server['url']}/compare")
    wait_until_idle(trainer)
    assert trainer.get_by_text("private_vectors.txt").count() == 0
    trainer.goto(f"{server['url']}/vectors")
    wait_until_idle(trainer)
    trainer.get_by_text("Add a vector set").click()
    wait_until_idle(trainer)
    assert trainer.get_by_text("private_vectors.txt").count() == 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "two_sessions_seconds.json").write_text(json.dumps(timings, indent=2))
    assert_no_tensorflow_in_the_server(server)
    print("\nexplorer page times while the other session trained:", timings)
    trainer.context.close()
    explorer.context.close()


def save_public_run(data: Path, name: str) -> str:
    """One small run on IMDB (public) in the server's store, renamed to ``name``; returns its id."""
    return in_server_store(data, """
        import numpy as np
        from lib import runs

        vocabulary = ["", "good", "bad", "movie", "film", "great"]
        initial = np.random.default_rng(3).normal(size=(len(vocabulary), 4)).astype("float32")
        config = {"strategy": "learned", "strategy_label": "Learned from scratch", "architecture": "average",
                  "dataset_key": "imdb", "dataset_name": "IMDB", "train_size": 500, "vocab_size": len(vocabulary),
                  "sequence_length": 20, "embedding_dim": 4, "epochs": 1, "batch_size": 32, "learning_rate": 0.01,
                  "seed": 7}
        record = runs.save_run(config, {"loss": [0.6]}, {"test_accuracy": 0.6, "test_loss": 0.6},
                               vocabulary, initial, initial + 0.1)
        runs.rename_run(record.run_id, args["name"])
        print(record.run_id)
    """, name=name)


def test_a_markdown_image_in_a_run_name_makes_no_browser_fetch_anything(browser, server):
    """A visitor names a run like an image; another visitor's browser must show the text and request nothing."""
    marker = "embedding-lab-canary"
    save_public_run(server["data"], f"![x](http://127.0.0.1:9/{marker}.png) <img src='http://127.0.0.1:9/{marker}2.png'>")
    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    fetched = []
    page.on("request", lambda request: fetched.append(request.url) if marker in request.url else None)
    for path in ("train", "compare"):
        page.goto(f"{server['url']}/{path}")
        wait_until_idle(page)
        expect(page.get_by_text("![x]").first).to_be_attached(timeout=60_000)  # shown as the text it is
        assert_no_errors(page)
    page.wait_for_timeout(1000)
    assert fetched == []
    page.context.close()


def test_the_tour_survives_a_reload_and_a_copied_link(browser, server):
    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    page.goto(f"{server['url']}/{TOUR}")
    wait_until_idle(page)
    expect(page.get_by_role("radio", name="Tiny (rough numbers)", exact=False)).to_be_checked()
    for screen in (2, 3):
        click_button(page, "Next")
        expect(page.get_by_text(f"Screen {screen} of 6").first).to_be_visible()
    page.reload()
    wait_until_idle(page)
    expect(page.get_by_text("Screen 3 of 6").first).to_be_visible()
    expect(page.get_by_role("radio", name="Tiny (rough numbers)", exact=False)).to_be_checked()
    link = page.url
    assert "screen=3" in link and "size=tiny" in link
    other = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()  # a student opening the link
    other.goto(link)
    wait_until_idle(other)
    expect(other.get_by_text("Screen 3 of 6").first).to_be_visible()
    assert_no_errors(other)
    other.context.close()
    page.context.close()


# What a 1280x720 projector must show in full, measured in the browser: the page does not scroll (no element of
# Streamlit's that scrolls holds more than its height), no table scrolls inside its box (rows cut off), no text is
# cut off with an ellipsis, and every chart's tick labels are at least 18 px.
FIT_PROBLEMS_JS = """() => {
  const problems = [];
  const scrollers = [document.scrollingElement, ...document.querySelectorAll(
      '[data-testid="stMain"], [data-testid="stAppViewContainer"], [data-testid="stMainBlockContainer"]')];
  for (const e of scrollers) {
    if (e && e.scrollHeight > e.clientHeight + 1)
      problems.push(`the page scrolls by ${e.scrollHeight - e.clientHeight} px (${e.getAttribute('data-testid') || 'document'})`);
  }
  if (document.documentElement.scrollHeight > window.innerHeight + 1)
    problems.push(`the document is ${document.documentElement.scrollHeight} px tall`);
  document.querySelectorAll('[data-testid="stDataFrame"]').forEach((frame, i) => {
    frame.querySelectorAll('.dvn-scroller').forEach(s => {
      if (s.scrollHeight > s.clientHeight + 1)
        problems.push(`table ${i + 1} hides ${s.scrollHeight - s.clientHeight} px of rows inside its box`);
    });
    const grid = frame.querySelector('[aria-rowcount]');  // the grid draws only the rows in its box
    const drawn = frame.querySelectorAll('[role="row"]').length;
    if (grid && drawn < Number(grid.getAttribute('aria-rowcount')))
      problems.push(`table ${i + 1} draws ${drawn} of its ${grid.getAttribute('aria-rowcount')} rows`);
  });
  document.querySelectorAll('[data-testid="stMain"] *').forEach(e => {
    const style = getComputedStyle(e);
    if (!e.children.length && e.textContent.trim() && e.scrollWidth > e.clientWidth + 1
        && (style.textOverflow === 'ellipsis' || style.whiteSpace === 'nowrap'))
      problems.push(`text cut off: "${e.textContent.trim().slice(0, 60)}"`);
  });
  document.querySelectorAll('[data-testid="stPlotlyChart"] .xtick text, [data-testid="stPlotlyChart"] .ytick text')
    .forEach(t => {
      const size = parseFloat(getComputedStyle(t).fontSize);
      if (size < 18) problems.push(`tick label "${t.textContent}" is ${size} px`);
    });
  return problems;
}"""

TOUR_SCREENSHOTS = {3: "tour-screen-3", 4: "tour-screen-4-finished", 6: "tour-screen-6"}  # copies in docs/screenshots/


def test_presentation_mode_fits_a_1280x720_projector(browser, server):
    """Every tour screen, the finished race included, fits a 1280x720 window: nothing scrolls, no table hides rows,
    no text is cut off, one navigation row; screens 3, 4 (finished) and 6 are saved beside the other screenshots
    (copy them to docs/screenshots/ to refresh the README's)."""
    page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    page.goto(f"{server['url']}/tour?present=1&size=tiny&screen=1")
    wait_until_idle(page)
    # the script may not have started yet on a fresh server: wait for the screen before asking about its button
    expect(page.get_by_text("Screen 1 of 6").first).to_be_visible(timeout=120_000)
    wait_until_idle(page)
    start = page.get_by_role("button", name="Start the demo training")
    if start.count():
        start.click()
        wait_until_idle(page)
    unfit = {}  # screen -> what does not fit; every screen is checked (and photographed) before the test says so
    for screen in range(1, 7):
        page.goto(f"{server['url']}/tour?present=1&size=tiny&screen={screen}")
        wait_until_idle(page)
        if screen >= 4:  # the race and after: wait for the five tiny models
            sign = "of the time in GloVe before training" if screen == 5 else "reviews it had never seen" if screen == 4 else "labelled"
            expect(page.get_by_text(sign).first).to_be_visible(timeout=demo_timeout_ms())
            wait_until_idle(page)
        expect(page.get_by_text(f"Screen {screen} of 6").first).to_be_visible()
        expect(page.get_by_role("button", name="Next")).to_have_count(1)  # one navigation row
        content = {1: '[data-testid="stCode"]', 2: '[data-testid="stDataFrame"]', 3: '[data-testid="stDataFrame"]',
                   4: '[data-testid="stPlotlyChart"]', 5: '[data-testid="stPlotlyChart"]',
                   6: '[data-testid="stPlotlyChart"]'}[screen]
        if screen >= 4:
            expect(page.locator('[data-testid="stPlotlyChart"]:not(:has(.main-svg))')).to_have_count(0, timeout=60_000)
        page.wait_for_timeout(500)
        problems = page.evaluate(FIT_PROBLEMS_JS)
        for what, selector in (("title", "h2"), ("sentence", ".embedding-lab-story"), ("chart", content)):
            box = page.locator(selector).first.bounding_box()
            if box is None or box["y"] < 0 or box["y"] + box["height"] > 720:
                problems.append(f"the {what} is not inside the window ({box})")
        if problems:
            unfit[screen] = problems
        assert_no_errors(page)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"present-1280x720-tour-{screen}.png"))
        if screen in TOUR_SCREENSHOTS and not problems:
            shutil.copyfile(SCREENSHOTS / f"present-1280x720-tour-{screen}.png",
                            SCREENSHOTS / f"{TOUR_SCREENSHOTS[screen]}.png")
    page.context.close()
    assert not unfit, f"screens that do not fit 1280x720 (screenshots in {SCREENSHOTS}): {unfit}"
