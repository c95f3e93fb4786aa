"""A class at once: N browsers open the same link together; what does each visit cost the web server?

    python benchmarks/run.py --only classroom      # rows beside the glossary, in run.py's table
    python -m benchmarks.bench_classroom           # the README's table, with memory per idle session
    EMBEDDING_LAB_CLASS_SIZES=1,10 python benchmarks/run.py --only classroom   # a shorter run

One fresh `streamlit run app.py` (production settings from .streamlit/config.toml, empty data folder) is
warmed by two visits to every page. Then, for each page and each class size N, N Chromium contexts of one
browser open the page's URL at the same moment and wait until its key text is visible. For every row the
table gives the slowest visitor's time and the web server's CPU per visit (user + system time of the server
process from /proc, divided by N; the training worker is a separate process and is not counted), each beside
the same figure for the glossary measured in the same run: the glossary is a static page, so it is
Streamlit's own floor (static files, session, navigation). A last row opens 30 sessions, leaves them idle and
reports the server's memory growth per session.

The browsers share the machine's cores with the server, so wall times are inflated for every row alike;
the CPU per visit is the part the project owns.
"""
from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from pathlib import Path

from benchmarks.harness import REPO, Case, serve

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
if os.environ.get("EMBEDDING_LAB_CLASS_PAGES"):  # e.g. "glossary,explain,tour" for a shorter run
    PAGES = {name: PAGES[name] for name in os.environ["EMBEDDING_LAB_CLASS_PAGES"].split(",")}
#: Extra `streamlit run` flags, e.g. the development settings as a baseline:
#: "--server.fileWatcherType auto --runner.postScriptGC true"
SERVER_ARGS = os.environ.get("EMBEDDING_LAB_CLASS_SERVER_ARGS", "").split()
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (its children, such as the training worker, excluded)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


async def _visit(browser, url: str, key_text: str, keep_open: list | None = None) -> float:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    start = time.perf_counter()
    await page.goto(url, wait_until="commit", timeout=600_000)
    await page.get_by_text(key_text, exact=False).first.wait_for(state="visible", timeout=600_000)
    elapsed = time.perf_counter() - start
    if keep_open is not None:
        keep_open.append(context)
    else:
        await context.close()
    return elapsed


async def _class(browser, url: str, key_text: str, n: int, pid: int) -> dict:
    """N visitors open ``url`` together; wall times and the server's CPU per visit."""
    cpu_before = cpu_seconds(pid)
    times = sorted(await asyncio.gather(*(_visit(browser, url, key_text) for _ in range(n))))
    await asyncio.sleep(1.0)  # the last script runs end after the text shows: count their CPU too
    cpu = cpu_seconds(pid) - cpu_before
    return {"median": times[len(times) // 2], "slowest": times[-1], "cpu_per_visit": cpu / n}


async def _measure_all(url: str, pid: int) -> dict:
    from playwright.async_api import async_playwright

    results: dict = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for path, key_text in PAGES.values():  # warm-up: two visits to every page
            for _ in range(2):
                await _visit(browser, url + path, key_text)
        for n in CLASS_SIZES:
            for page, (path, key_text) in PAGES.items():
                results[(page, n)] = await _class(browser, url + path, key_text, n, pid)
                print(f"{path} x{n}: {results[(page, n)]}", file=sys.stderr, flush=True)  # partial results as they come
        idle: list = []
        before = rss_mb(pid)
        await asyncio.gather(*(_visit(browser, url + PAGES[FLOOR][0], PAGES[FLOOR][1], idle) for _ in range(30)))
        await asyncio.sleep(5.0)
        results["idle_mb_per_session"] = (rss_mb(pid) - before) / 30
        for context in idle:
            await context.close()
        await browser.close()
    return results


_results: dict = {}


def _run() -> dict:
    if not _results:
        server, url = serve(None, *SERVER_ARGS)
        try:
            _results.update(asyncio.run(_measure_all(url, server.pid)))
        finally:
            server.terminate()
            server.wait(timeout=30)
    return _results


def _value(page: str, n: int, what: str):
    return lambda: _run()[(page, n)][what]


def cases() -> list[Case]:
    if not Path(CHROMIUM).exists():
        return []
    rows = []
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
    """The README's table: one row per page and class size, the glossary's figures beside each."""
    results = _run()
    lines = ["| page | visitors at once | median | slowest | server CPU per visit | glossary: slowest / CPU per visit |",
             "|---|---|---|---|---|---|"]
    for n in CLASS_SIZES:
        floor = results[(FLOOR, n)]
        for page, (path, _) in PAGES.items():
            r = results[(page, n)]
            lines.append(f"| `{path}` | {n} | {r['median']:.1f} s | {r['slowest']:.1f} s | {r['cpu_per_visit']:.2f} s "
                         f"({r['cpu_per_visit'] / floor['cpu_per_visit']:.1f}×) | {floor['slowest']:.1f} s / "
                         f"{floor['cpu_per_visit']:.2f} s |")
    lines.append(f"\nServer memory growth per idle session (30 sessions): {results['idle_mb_per_session']:.1f} MB")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    print(table())
