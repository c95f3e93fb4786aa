"""A class at once: N browsers open the same link together; what does each visit cost the web server?

    python benchmarks/run.py --only classroom      # rows beside the glossary, in run.py's table
    python -m benchmarks.bench_classroom           # the README's tables, with memory per idle session
    EMBEDDING_LAB_CLASS_SIZES=1,10 python benchmarks/run.py --only classroom   # a shorter run

One fresh `streamlit run app.py` (production settings from .streamlit/config.toml, empty data folder) is
warmed by two visits to every page, each drawn to the end. Then, for each page and each class size N, N
Chromium contexts of one browser open the page's URL at the same moment; each waits until the page's key text
is visible (its time is the row's wall time) and then until the page has finished drawing (Streamlit's script
state is "notRunning"), before it closes: a visitor who stays sees the whole page, so the CPU counts the whole
script run (until 2026-12 the visit closed at the key text, which stopped the script there). For every row the
table gives the slowest visitor's time and the web server's CPU per visit (user + system time of the server
process from /proc, divided by N; the training worker and the Keras helper are separate processes and are not
counted), each beside the same figure for the glossary measured in the same run: the glossary is a static page,
so it is Streamlit's own floor (static files, session, navigation). A class of one is five visits one after
another (median and slowest of the five, CPU per visit over all five). A last row opens 30 sessions, leaves them
idle and reports the server's memory growth per session.

**One visitor on a warm server** (measured after the classes, once two saved runs are in the data folder so
that Compare has maps to draw, and after two more visits to each page), for every page:

- the time to its key text, opening its link in a new browser (target ≤ 1 s), and clicking its name in the
  sidebar from another page (the browser has Streamlit loaded; the median of three clicks), and to the end of its
  drawing (Compare: ≤ 4 s); on Compare the redraw after changing one choice (“Colour by”: how frequent; ≤ 2 s),
  from the click until the page is idle again;
- how many files a first visit fetches (Streamlit's frontend comes in pieces, one or more per element type used,
  each sent by the Python server: ~2 ms of its CPU per file here), and the server CPU per visit of a
  **returning visitor** whose browser already holds those files (ten visits one after another, in new tabs of one
  browser context): what the page's own script run and session cost, beside the glossary's.

The browsers share the machine's cores with the server, so wall times are inflated for every row alike;
the CPU per visit is the part the project owns.

With ``EMBEDDING_LAB_CLASS_PROXY=nginx`` the browsers connect through nginx started from ``docs/nginx.conf``
(the README's "Serving a class"), which sends Streamlit's frontend files itself; the tables then also give
nginx's own CPU per visit (its master and worker processes), so the two servers' costs are both on the table.
"""
from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from benchmarks.harness import REPO, Case, answers_health_check, free_port, serve

CHROMIUM = os.environ.get("EMBEDDING_LAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
CLASS_SIZES = [int(n) for n in os.environ.get("EMBEDDING_LAB_CLASS_SIZES", "1,10,30").split(",")]
FLOOR = "glossary"

#: page -> (path, text that shows the page's first section has been drawn)
PAGES = {
    "glossary": ("/glossary", "Embedding"),
    "home": ("/", "Where to go, in order"),
    "explain": ("/explain", "[0 0 1 2 3 4]"),
    "tour": ("/tour?screen=2&size=quick", "Screen 2 of 6"),
    "vectors": ("/vectors", "Explore pretrained vectors"),
    "train": ("/train", "Train and compare initialization strategies"),
    "compare": ("/compare", "Compare embeddings side by side"),
}
#: page -> (its title in the sidebar's list of pages, text of its first section when reached from that list: the
#: tour's link opens its first screen)
NAVIGATION = {
    "glossary": ("Glossary", "No maths needed."),
    "home": ("Welcome", "Where to go, in order"),
    "explain": ("What an Embedding layer does", "[0 0 1 2 3 4]"),
    "tour": ("Guided tour", "Screen 1 of 6"),
    "vectors": ("Explore pretrained vectors", "Explore pretrained vectors"),
    "train": ("Train and compare strategies", "Train and compare initialization strategies"),
    "compare": ("Compare embeddings side by side", "Compare embeddings side by side"),
}
ALL_PAGES = PAGES
if os.environ.get("EMBEDDING_LAB_CLASS_PAGES"):  # e.g. "glossary,explain,tour" for a shorter run
    PAGES = {name: PAGES[name] for name in os.environ["EMBEDDING_LAB_CLASS_PAGES"].split(",")}
#: Visits, one after another, behind each "returning visitor" figure.
RETURNING_VISITS = 10
#: Extra `streamlit run` flags, e.g. the development settings as a baseline:
#: "--server.fileWatcherType auto --runner.postScriptGC true"
SERVER_ARGS = os.environ.get("EMBEDDING_LAB_CLASS_SERVER_ARGS", "").split()
#: "nginx": the browsers connect through nginx configured by docs/nginx.conf; "" (default): to Streamlit directly.
PROXY = os.environ.get("EMBEDDING_LAB_CLASS_PROXY", "")
NGINX_CONF = REPO / "docs" / "nginx.conf"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (its children, such as the training worker, excluded)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of a process and of its children that are still running (nginx: its master and workers)."""
    total = cpu_seconds(pid)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                total += cpu_seconds(int(stat.parent.name))
        except (OSError, ValueError):  # a process that ended while we looked
            continue
    return total


@contextmanager
def nginx_in_front_of(upstream_url: str) -> Iterator[tuple[subprocess.Popen, str]]:
    """nginx in the foreground, configured by docs/nginx.conf, in front of ``upstream_url``; yields it and its URL,
    and afterwards stops it and removes its folder (its configuration, logs and a ~35 MB copy of Streamlit's
    frontend)."""
    run_dir = Path(tempfile.mkdtemp(prefix="embedding-lab-nginx-"))
    try:
        proxy, url = _start_nginx(upstream_url, run_dir)
        try:
            yield proxy, url
        finally:
            proxy.terminate()  # not kill(): a killed master leaves its workers running, orphaned
            proxy.wait(timeout=30)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def _start_nginx(upstream_url: str, run_dir: Path) -> tuple[subprocess.Popen, str]:
    import streamlit

    port = free_port()
    # nginx's workers run as an unprivileged user, who may not read a Python installed under /root: they get a copy
    static = shutil.copytree(Path(streamlit.__file__).parent / "static", run_dir / "static")
    run_dir.chmod(0o755)
    subprocess.run(["find", str(static / "static"), "(", "-name", "*.js", "-o", "-name", "*.css", ")",  # compressed
                    "-exec", "gzip", "-k", "-9", "{}", "+"], check=True)  # once, as docs/nginx.conf says
    values = {"@LISTEN@": f"127.0.0.1:{port}", "@UPSTREAM@": upstream_url.removeprefix("http://"),
              "@STATIC_DIR@": str(static), "@RUN_DIR@": str(run_dir)}
    conf = NGINX_CONF.read_text()
    for placeholder, value in values.items():
        conf = conf.replace(placeholder, value)
    (run_dir / "nginx.conf").write_text(conf)
    proxy = subprocess.Popen(["nginx", "-c", str(run_dir / "nginx.conf"), "-g", "daemon off;"])
    url = f"http://127.0.0.1:{port}"
    if answers_health_check(url, 30):  # through nginx to Streamlit
        return proxy, url
    proxy.terminate()  # SIGTERM, as in nginx_in_front_of
    proxy.wait(timeout=30)
    log = (run_dir / "error.log").read_text(errors="replace") if (run_dir / "error.log").exists() else ""
    raise RuntimeError("nginx did not answer within 30 s; the end of its error log:\n" + log[-2000:])


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


#: The page has finished its script run (the attribute Streamlit's own end-to-end tests read).
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
#: Compare's one change for the redraw timing: a choice of its map settings, and the text of the option picked.
REDRAW_PAGE, REDRAW_CHOICE = "compare", "how frequent"


async def _key_text(page, key_text: str) -> None:
    """Wait until the key text shows in the page itself (not in the sidebar's list of pages)."""
    main = page.locator('[data-testid="stMain"]')
    await main.get_by_text(key_text, exact=False).first.wait_for(state="visible", timeout=600_000)


async def _until_idle(page, timeout_ms: float = 600_000) -> None:
    """Wait until Streamlit has finished running the page's script (drawn to the end)."""
    await page.locator(IDLE).wait_for(state="attached", timeout=timeout_ms)


#: Notes when the script starts running, however briefly (a redraw can start and end between two polls).
_WATCH_FOR_A_RUN = """() => {
    window.__sawRun = false;
    const app = document.querySelector('[data-testid="stApp"]');
    new MutationObserver(() => { if (app.dataset.testScriptState === 'running') window.__sawRun = true; })
        .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


async def _one_visitor(browser, url: str, key_text: str, redraw_choice: str | None = None,
                       keep_open: list | None = None) -> dict:
    """One visitor: seconds to the key text, to the end of drawing and, given a choice, to redraw. The visit stays
    until the page has finished drawing; with ``keep_open`` its browser context is left open there, not closed."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    start = time.perf_counter()
    await page.goto(url, wait_until="commit", timeout=600_000)
    await _key_text(page, key_text)
    first = time.perf_counter() - start
    await _until_idle(page)
    result = {"first": first, "idle": time.perf_counter() - start}
    if redraw_choice:
        await asyncio.sleep(1.0)  # nothing pending: the click starts a fresh run
        await page.evaluate(_WATCH_FOR_A_RUN)
        start = time.perf_counter()
        await page.locator('[data-testid="stMain"]').get_by_text(redraw_choice, exact=True).first.click()
        await page.wait_for_function("() => window.__sawRun && document.querySelector("
                                     "'[data-testid=\"stApp\"]').dataset.testScriptState === 'notRunning'",
                                     timeout=600_000, polling=20)  # the rerun has started and ended
        result["redraw"] = time.perf_counter() - start
    if keep_open is not None:
        keep_open.append(context)
    else:
        await context.close()
    return result


async def _visit(browser, url: str, key_text: str, keep_open: list | None = None) -> float:
    """Seconds until the key text shows (the visit then stays until the page has finished drawing)."""
    return (await _one_visitor(browser, url, key_text, keep_open=keep_open))["first"]


async def _open_until_drawn(page, url: str, key_text: str) -> None:
    """Open ``url`` in ``page`` and wait until its key text shows and its script has finished."""
    await page.goto(url, wait_until="commit", timeout=600_000)
    await _key_text(page, key_text)
    await _until_idle(page)


async def _files_of_a_first_visit(browser, url: str, key_text: str) -> int:
    """How many files a browser with an empty cache fetches for one visit, drawn to the end. Streamlit's frontend
    comes in pieces, one or more per element type a page uses, and the Python server sends each one."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    fetched: list = []
    page.on("requestfinished", lambda request: fetched.append(request))
    await _open_until_drawn(page, url, key_text)
    await asyncio.sleep(0.5)  # fonts and images the last elements asked for
    await context.close()
    return len(fetched)


async def _returning_visitor(browser, url: str, key_text: str, meters: dict) -> dict:
    """Server CPU per visit when the browser already holds Streamlit's files (a visitor's second page, or a reload):
    what the page's own script run and its session cost. Visits one after another, each in a new tab of one
    browser context whose cache one earlier visit filled, each drawn to the end."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})

    async def visit() -> None:
        page = await context.new_page()
        await _open_until_drawn(page, url, key_text)
        await page.close()

    await visit()
    before = _cpu(meters)
    for _ in range(RETURNING_VISITS):
        await visit()
    await asyncio.sleep(0.5)
    cpu = _cpu(meters, since=before)
    await context.close()
    return {name: seconds / RETURNING_VISITS for name, seconds in cpu.items()}


async def _navigate(browser, base_url: str, page_name: str) -> float:
    """Seconds from a click on the page's name in the sidebar until its first section shows, the way a visitor
    moves between pages (the browser has Streamlit loaded; only the page's script runs). The median of three
    clicks, each from another page (the glossary; for the glossary itself, the home page)."""
    title, key_text = NAVIGATION[page_name]
    origin = "home" if page_name == "glossary" else "glossary"
    origin_title, origin_key = NAVIGATION[origin]
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    await _open_until_drawn(page, base_url + ALL_PAGES[origin][0], origin_key)
    sidebar = page.locator('[data-testid="stSidebarNav"]')
    times = []
    for _ in range(3):
        start = time.perf_counter()
        await sidebar.get_by_text(title, exact=True).click()
        await _key_text(page, key_text)
        times.append(time.perf_counter() - start)
        await _until_idle(page)
        await sidebar.get_by_text(origin_title, exact=True).click()
        await _key_text(page, origin_key)
        await _until_idle(page)
    await context.close()
    return sorted(times)[1]


def _cpu(meters: dict, since: dict | None = None) -> dict:
    """CPU seconds of each measured server (``meters``: name -> reading), so far or ``since`` an earlier reading."""
    return {name: read() - (since[name] if since else 0.0) for name, read in meters.items()}


#: A class of one is measured this many times, one visit after another (the CPU clock ticks in 10 ms: one visit of
#: 0.1 s is too few ticks to compare two pages by).
ROUNDS_OF_ONE = 5


async def _class(browser, url: str, key_text: str, n: int, meters: dict) -> dict:
    """N visitors open ``url`` together; wall times and each server's CPU per visit."""
    before = _cpu(meters)
    times = []
    for _ in range(ROUNDS_OF_ONE if n == 1 else 1):
        times += await asyncio.gather(*(_visit(browser, url, key_text) for _ in range(n)))
    await asyncio.sleep(1.0)  # the last script runs end after the text shows: count their CPU too
    cpu = _cpu(meters, since=before)
    times.sort()
    return {"median": times[len(times) // 2], "slowest": times[-1], "cpu_per_visit": cpu["server"] / len(times),
            "proxy_cpu_per_visit": cpu.get("proxy", 0.0) / len(times)}


def save_two_runs(data: str) -> None:
    """Two small runs in the server's store, so Compare draws maps (:mod:`benchmarks.compare_runs`, in a child
    process whose data folder is the server's, as the browser tests do, so nothing here moves)."""
    subprocess.run([sys.executable, "-m", "benchmarks.compare_runs"], cwd=REPO, check=True, timeout=300,
                   env={**os.environ, "EMBEDDING_LAB_DATA": data, "PYTHONPATH": str(REPO)})


async def _measure_all(url: str, pid: int, data: str, proxy_pid: int | None = None) -> dict:
    from playwright.async_api import async_playwright

    results: dict = {}
    meters = {"server": lambda: cpu_seconds(pid)}
    if proxy_pid:
        meters["proxy"] = lambda: tree_cpu_seconds(proxy_pid)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for path, key_text in PAGES.values():  # warm-up: two visits to every page, each drawn to the end
            for _ in range(2):
                await _visit(browser, url + path, key_text)
        for n in CLASS_SIZES:
            for page, (path, key_text) in PAGES.items():
                results[(page, n)] = await _class(browser, url + path, key_text, n, meters)
                print(f"{path} x{n}: {results[(page, n)]}", file=sys.stderr, flush=True)  # partial results as they come
        idle: list = []
        before = rss_mb(pid)
        await asyncio.gather(*(_visit(browser, url + PAGES[FLOOR][0], PAGES[FLOOR][1], idle) for _ in range(30)))
        await asyncio.sleep(5.0)
        results["idle_mb_per_session"] = (rss_mb(pid) - before) / 30
        for context in idle:
            await context.close()
        save_two_runs(data)
        for page, (path, key_text) in PAGES.items():  # one visitor at a time, on the warm server
            for _ in range(2):
                await _visit(browser, url + path, key_text)
            results[("one", page)] = await _one_visitor(browser, url + path, key_text,
                                                        REDRAW_CHOICE if page == REDRAW_PAGE else None)
            results[("one", page)]["navigation"] = await _navigate(browser, url, page)
            results[("one", page)]["files"] = await _files_of_a_first_visit(browser, url + path, key_text)
            returning = await _returning_visitor(browser, url + path, key_text, meters)
            results[("one", page)]["returning_cpu"] = returning["server"]
            results[("one", page)]["returning_proxy_cpu"] = returning.get("proxy", 0.0)
            print(f"{path} alone: {results[('one', page)]}", file=sys.stderr, flush=True)
        await browser.close()
    return results


_results: dict = {}


def _run() -> dict:
    if not _results:
        data = tempfile.mkdtemp(prefix="embedding-lab-bench-")
        server, url = serve(data, *SERVER_ARGS)
        try:
            with nginx_in_front_of(url) if PROXY == "nginx" else nullcontext((None, url)) as (proxy, browsers_url):
                _results.update(asyncio.run(_measure_all(browsers_url, server.pid, data, proxy.pid if proxy else None)))
        finally:
            server.terminate()
            server.wait(timeout=30)
    return _results


def _value(page: str, n: int, what: str):
    return lambda: _run()[(page, n)][what]


def _one(page: str, what: str):
    return lambda: _run()[("one", page)][what]


def cases() -> list[Case]:
    if not Path(CHROMIUM).exists():
        return []
    rows = []
    for page, (path, _) in PAGES.items():
        rows.append(Case("classroom", f"one visitor, warm server, `{path}`: first section visible (opening the link)",
                         "≤ 1 s", _one(page, "first")))
        rows.append(Case("classroom", f"one visitor, warm server, {NAVIGATION[page][0]}: first section visible "
                         "(from the sidebar)", "≤ 1 s", _one(page, "navigation")))
        rows.append(Case("classroom", f"one visitor, warm server, `{path}`: fully drawn",
                         "≤ 4 s" if page == REDRAW_PAGE else "—", _one(page, "idle")))
        if page != FLOOR and FLOOR in PAGES:
            rows.append(Case("classroom", f"returning visitor (browser has Streamlit's files), `{path}`: web-server "
                             "CPU per visit (s)", "—", _one(page, "returning_cpu"), "`/glossary`, returning",
                             _one(FLOOR, "returning_cpu")))
    if REDRAW_PAGE in PAGES:
        rows.append(Case("classroom", f"one visitor, warm server, `{PAGES[REDRAW_PAGE][0]}`: redraw after one change "
                         f"(“{REDRAW_CHOICE}”)", "≤ 2 s", _one(REDRAW_PAGE, "redraw")))
    for n in CLASS_SIZES:
        for page, (path, _) in PAGES.items():
            if page == FLOOR:
                continue
            rows.append(Case("classroom", f"{n} at once on `{path}`: web-server CPU per visit (s)", "≤ 1.5× glossary",
                             _value(page, n, "cpu_per_visit"), f"`/glossary`, {n} at once",
                             _value(FLOOR, n, "cpu_per_visit")))
            rows.append(Case("classroom", f"{n} at once on `{path}`: slowest visitor",
                             "≤ 1.3× glossary" if n >= 30 else "—",
                             _value(page, n, "slowest"), f"`/glossary`, {n} at once", _value(FLOOR, n, "slowest")))
    return rows  # memory per idle session is in table() (`python -m benchmarks.bench_classroom`): not a time


def table() -> str:
    """The README's tables: one visitor on a warm server; then one row per page and class size, the glossary's
    figures beside each."""
    results = _run()
    proxy_header, proxy_rule = (f" {PROXY} CPU per visit |", "---|") if PROXY else ("", "")
    lines = ["| page (one visitor, warm server) | first section: opening the link | first section: from the sidebar "
             "| fully drawn | redraw after one change | files a first visit fetches | server CPU per returning visit |"
             + proxy_header, "|---|---|---|---|---|---|---|" + proxy_rule]
    floor_returning = results[("one", FLOOR)]["returning_cpu"] if FLOOR in PAGES else None
    for page, (path, _) in PAGES.items():
        one = results[("one", page)]
        redraw = f"{one['redraw']:.1f} s (“{REDRAW_CHOICE}”)" if "redraw" in one else "—"
        returning = f"{one['returning_cpu'] * 1000:.0f} ms"
        if floor_returning:
            returning += f" ({one['returning_cpu'] / floor_returning:.1f}×)"
        lines.append(f"| `{path}` | {one['first']:.1f} s | {one['navigation']:.1f} s | {one['idle']:.1f} s | {redraw} "
                     f"| {one['files']} | {returning} |"
                     + (f" {one['returning_proxy_cpu'] * 1000:.0f} ms |" if PROXY else ""))
    lines += ["",
              "| page (first visits, empty browser caches) | visitors at once | median | slowest | server CPU per visit "
              "| glossary: slowest / CPU per visit |" + proxy_header, "|---|---|---|---|---|---|" + proxy_rule]
    for n in CLASS_SIZES:
        floor = results[(FLOOR, n)]
        for page, (path, _) in PAGES.items():
            r = results[(page, n)]
            lines.append(f"| `{path}` | {n} | {r['median']:.1f} s | {r['slowest']:.1f} s | {r['cpu_per_visit']:.2f} s "
                         f"({r['cpu_per_visit'] / floor['cpu_per_visit']:.1f}×) | {floor['slowest']:.1f} s / "
                         f"{floor['cpu_per_visit']:.2f} s |"
                         + (f" {r['proxy_cpu_per_visit'] * 1000:.0f} ms |" if PROXY else ""))
    lines.append(f"\nServer memory growth per idle session (30 sessions): {results['idle_mb_per_session']:.1f} MB")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    print(table())
