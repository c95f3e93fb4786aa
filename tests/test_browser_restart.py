"""A link to a training job outlives the server: train a Tiny job, stop the server, start a new one on the
same data folder, open ``/train?job=<id>`` and see the job's results (not "Nothing trained yet").

Uses the browser, the waits and the checks of tests/test_browser.py; the two servers are its own, started
one after the other on one data folder, as a restart is.
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from browser_support import streamlit_server
from test_browser import assert_no_errors, demo_timeout_ms, start_tiny_training, wait_until_idle

from playwright.sync_api import expect  # noqa: E402  (after test_browser, which skips without Chromium)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_job_link_shows_its_results_after_a_restart(browser, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    with streamlit_server(data, tmp_path / "first.log") as (url, _):
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        start_tiny_training(page, url)
        page.wait_for_function("() => window.location.search.includes('job=')", timeout=30_000)
        # A generous wait: the job also waits for the worker to import TensorFlow, and on a 2-core machine shared
        # with other test runs (load 14) the "about 20 seconds" job took over 270 s. A wait, not a timing assert.
        expect(page.get_by_text("did best").first).to_be_visible(timeout=demo_timeout_ms(factor=40))
        wait_until_idle(page)
        job_id = parse_qs(urlparse(page.url).query)["job"][0]
        page.context.close()
    assert (data / "jobs" / f"{job_id}.json").is_file()

    with streamlit_server(data, tmp_path / "second.log") as (url, _):   # a new server: no job in its memory
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        page.goto(f"{url}/train?job={job_id}")
        wait_until_idle(page)
        expect(page.get_by_text("did best").first).to_be_visible(timeout=60_000)
        expect(page.get_by_text("Nothing trained yet in this session")).to_have_count(0)
        expect(page.get_by_text("not known here")).to_have_count(0)
        expect(page.get_by_text("Finished 5 of 5").first).to_be_visible()
        assert parse_qs(urlparse(page.url).query).get("job") == [job_id]   # the address still names the job
        assert_no_errors(page)
        page.context.close()
