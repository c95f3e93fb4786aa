"""docs/nginx.conf in front of the browser tests' server (README, "Serving a class"): a visitor's page works through
nginx, websocket included, and Streamlit's frontend files come from nginx, compressed once, not from the Python
server (which sends them uncompressed). Skipped where nginx is not installed (`apt-get install nginx`)."""
import shutil

import pytest

from benchmarks.bench_classroom import nginx_in_front_of

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed: apt-get install nginx")]


def test_a_page_through_nginx_is_drawn_and_gets_the_frontend_from_nginx(browser, server):
    with nginx_in_front_of(server["url"]) as (_, url):
        context = browser.new_context()
        try:
            page = context.new_page()
            responses = []
            page.on("response", lambda response: responses.append(response))
            page.goto(url + "/glossary")
            # drawn: the script ran in Streamlit and its elements came back over the websocket through nginx
            page.locator('[data-testid="stMain"]').get_by_text("No maths needed.").wait_for(timeout=60_000)
        finally:
            context.close()
    scripts = [r for r in responses if "/static/js/" in r.url]
    assert len(scripts) > 10 and all(r.status == 200 for r in scripts)
    # Streamlit sends its static files uncompressed: gzip means nginx sent them, from the files compressed once
    assert {r.headers.get("content-encoding") for r in scripts} == {"gzip"}
    assert all("immutable" in r.headers.get("cache-control", "") for r in scripts)
