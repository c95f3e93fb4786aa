"""A link to a training job outlives the server: a new server process on the same data folder opens
``/train?job=<id>`` of a job it never ran and shows the job's results (not "Nothing trained yet").

The job is the session's finished Tiny job on the browser tests' shared server (``tiny_job``, tests/browser_support.py);
the new server is this test's own, started on the shared server's data folder (two servers on one data folder is a
supported setup, README "Serving a class"). What it knows of the job it can only have read from disk: a finished job
is re-opened from its record the same way whether the server that ran it has stopped or not (lib/jobs/runner.py,
``restore``).
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from browser_support import streamlit_server
from test_browser import assert_no_errors, wait_until_idle  # (test_browser skips without Chromium, fails in CI)

from playwright.sync_api import expect  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_job_link_shows_its_results_after_a_restart(browser, server, tiny_job, tmp_path):
    job_id = tiny_job["id"]
    assert (server["data"] / "jobs" / f"{job_id}.json").is_file()

    with streamlit_server(server["data"], tmp_path / "second.log") as (url, _):   # a new server: no job in its memory
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
