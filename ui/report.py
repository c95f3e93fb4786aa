"""The **Download report** button of the Train and Compare pages: one self-contained HTML file (lib/report.py).

The file is made only when the visitor clicks (``st.download_button`` with a callable), from the run store
as this session may see it, so a page that merely shows the button costs nothing. The file name is a safe
slug (:func:`lib.io.safe_name`).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timezone

import streamlit as st

from lib import report
from lib.compare import EmbeddingRef, chosen_runs
from lib.errors import UserError
from lib.io import safe_name
from lib.jobs import runner
from lib.runs import display_names
from ui import sources

TRAIN_QUESTION = ("Does a model learn better when its Embedding layer starts from pretrained vectors (GloVe, word2vec "
                  "or fastText) than when it learns them from scratch, and should they stay frozen or be fine-tuned?")
COMPARE_QUESTION = ("What do the chosen embeddings make of the same words, and did the chosen runs score "
                    "differently by more than noise?")
#: The Compare page's neighbour word (its session-state key), looked up in the report as on the page.
COMPARE_QUERY_KEY = "compare_query"


def page_address(path: str, query: str = "") -> str:
    """The address of a page of this dashboard as the visitor's browser sees it (path only outside a browser)."""
    here = st.context.url or ""
    base = here.rsplit("/", 1)[0] if "://" in here else ""
    return f"{base}/{path}" + (f"?{query}" if query else "")


def report_html(build: Callable[[], str]) -> bytes:
    """The report's bytes; a problem with the run store becomes a one-page file that says so (never a traceback)."""
    try:
        return build().encode("utf-8")
    except UserError as exc:
        return (f"<!DOCTYPE html><meta charset='utf-8'><title>Embedding Lab report</title>"
                f"<p>The report could not be made: {report.esc(exc)}</p>").encode("utf-8")


def download_button(build: Callable[[], str], name: str, key: str) -> None:
    """The button; the HTML is built when it is clicked."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M")
    st.download_button(
        "Download report", lambda: report_html(build), file_name=f"{safe_name(name, default='report')}-{stamp}.html",
        mime="text/html", on_click="ignore", key=key, icon=":material/description:",
        help="One HTML file to hand out or attach to a decision: the verdicts and the tests behind them, the "
             "results, the charts, maps and neighbour lists, and where they came from. It opens offline in any "
             "browser and prints to PDF.")
    st.caption(f"About {report.chart_library_bytes() / 1e6:.1f} MB of it is the chart library, carried inside the "
               "file so it opens without a network.")


def job_report(job_id: str | None) -> None:
    """The Train page's button for a job's finished runs; nothing while none is saved."""
    job = runner.get_job(job_id)
    if job is None:
        return
    run_ids = list(job.snapshot()["run_ids"])
    if not run_ids:
        return
    records = sources.saved_runs()[0]  # read now: the session's view of the store (the click runs outside it)
    link = page_address("train", f"job={job_id}")

    def build() -> str:
        names = display_names(records)
        mine = [r for r in records if r.run_id in set(run_ids)]
        embeddings = report.run_embeddings(records, report.job_panels(mine), names)
        selection = report.Selection("Train", TRAIN_QUESTION, run_ids, embeddings, link=link, link_note=(
            "The link reopens this job on the Train page while the server that ran it is up; after a restart its "
            "runs are still under “Saved runs” and on the Compare page (the run ids below name them)."))
        return report.build(records, selection)

    download_button(build, f"embedding-lab-train-{job.spec.title}", key="report_train")


def compare_report(keys: Sequence[str], names: Sequence[str], vectors: Sequence, words: Sequence[str],
                   records: Sequence) -> None:
    """The Compare page's button for the chosen embeddings, the words on the maps and the neighbour word."""
    refs = [EmbeddingRef.parse(k) for k in keys]
    query = str(st.session_state.get(COMPARE_QUERY_KEY) or "good").strip().lower()
    embeddings = [report.Embedding(n, kv, ref.name if ref.is_run else None, ref.stage or None)
                  for ref, n, kv in zip(refs, names, vectors)]
    selection = report.Selection(
        "Compare", COMPARE_QUESTION, chosen_runs(refs), embeddings, words=list(words), queries=[query],
        link=page_address("compare"), judge_chosen=True,
        link_note="The Compare page does not keep its selection in its address: open it and pick "
                  + "; ".join(names) + " again.")
    download_button(lambda: report.build(list(records), selection), "embedding-lab-compare", key="report_compare")
