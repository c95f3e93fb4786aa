"""The hand-out report in a real browser: Debian's Chromium (the setup of tests/test_browser.py) opens a report
file with every network request blocked, draws its charts, requests nothing and prints to PDF.

* the file lib.report.build makes from the tiny runs of tests/test_report.py (with a run named like a script
  tag), screenshotted to tests/artifacts/screenshots/report.png (docs/screenshots/ holds a copy);
* the files downloaded with **Download report** from a real server (the browser tests' shared ``server``, tests/browser_support.py): from
  Compare with two saved runs, and from Train after a job on the "Tiny (tests)" preset (the session's one finished
  Tiny job, ``tiny_job`` in tests/browser_support.py, started with Train and downloaded from its results page).
"""
from __future__ import annotations

from pathlib import Path

import pytest

import test_report
from browser_support import assert_no_errors, assert_no_tensorflow_in_the_server, wait_until_idle
from test_browser import SCREENSHOTS, save_runs_for_compare
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]
store, train_html = test_report.store, test_report.train_html  # the report of tests/test_report.py's runs
SCREENSHOT = SCREENSHOTS / "report.png"  # like every browser-test screenshot; copied to docs/screenshots/ by hand


def open_offline(browser, path: Path, title: str, screenshot: Path | None = None) -> int:
    """Open a report file with every non-file request aborted: it renders, plotly draws each of its charts, it
    prints to PDF, and nothing was requested and no script failed. Returns how many charts it drew."""
    charts = path.read_text(encoding="utf-8").count("Plotly.newPlot(")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    requested, errors = [], []

    def block(route):
        if not route.request.url.startswith("file://"):
            requested.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", block)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: (errors.append("dialog: " + dialog.message), dialog.dismiss()))
    page.goto(path.as_uri())
    expect(page.locator("h1")).to_have_text(title)
    drawn = page.locator("div.plotly-graph-div")
    expect(drawn).to_have_count(charts)
    for i in range(charts):  # plotly drew every chart: an svg inside each
        expect(drawn.nth(i).locator("svg.main-svg").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)  # "prints cleanly": Chromium's own print to PDF
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 2
    assert requested == []
    assert errors == []
    context.close()
    return charts


def test_the_report_opens_offline_draws_its_charts_and_requests_nothing(browser, train_html, tmp_path):
    path = tmp_path / "report.html"
    path.write_text(train_html, encoding="utf-8")
    assert open_offline(browser, path, "Embedding Lab report: Train", screenshot=SCREENSHOT) == 3
    context = browser.new_context()
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://") else route.abort())
    page.goto(path.as_uri())
    expect(page.get_by_text("<script>alert(1)</script> **bold**", exact=True).first).to_be_visible()
    context.close()


def download_report(page, tmp_path: Path, name: str) -> Path:
    button = page.get_by_role("button", name="Download report")
    with page.expect_download(timeout=120_000) as download:
        button.click()
    path = tmp_path / name
    download.value.save_as(path)
    assert download.value.suggested_filename.endswith(".html")
    return path


def test_a_report_downloaded_from_compare_opens_offline(browser, server, tmp_path):
    save_runs_for_compare(server["data"])
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(f"{server['url']}/compare")
    wait_until_idle(page, timeout=300)  # a fresh server counts the IMDB words first (longer on a busy machine)
    expect(page.get_by_role("button", name="Download report")).to_be_visible(timeout=60_000)
    compare = download_report(page, tmp_path, "compare.html")
    html = compare.read_text(encoding="utf-8")
    assert "does not keep its selection in its address" in html
    assert open_offline(browser, compare, "Embedding Lab report: Compare") >= 2  # the accuracy bars and the maps
    context.close()


def test_a_report_downloaded_from_train_after_a_tiny_job_opens_offline(browser, server, tiny_job, tmp_path):
    page, job_id = tiny_job["page"], tiny_job["id"]  # Train, on the finished job's results
    expect(page.get_by_role("button", name="Download report")).to_be_visible(timeout=60_000)
    wait_until_idle(page)
    assert_no_errors(page)
    assert page.url.split("job=")[1].split("&")[0] == job_id
    train = download_report(page, tmp_path, "train.html")
    html = train.read_text(encoding="utf-8")
    assert f"/train?job={job_id}" in html
    print(f"Tiny (tests) job report: {len(html.encode()):,} bytes")
    assert open_offline(browser, train, "Embedding Lab report: Train") == 3  # accuracy, coverage, the maps
    assert_no_tensorflow_in_the_server(server)
