"""The hand-out report (lib/report.py, ui/report.py): numbers read back equal the run store's, user text is
escaped, the file references nothing on a network, plotly.js is inlined once, and its size is measured.

The runs are tiny saved runs with stored test predictions (the helpers of tests/test_page_compare.py), three seeds
each of learning from scratch and GloVe fine-tuned, in a data folder of this module's own.
"""
from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from test_page_compare import _app, _save_run_with_predictions, _tiny_dataset

HOSTILE = "<script>alert(1)</script> **bold**"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """Six runs (two strategies x three seeds), one of them renamed to :data:`HOSTILE`; the folder's path."""
    from lib import runs

    shared, folder = os.environ["EMBEDDING_LAB_DATA"], tmp_path_factory.mktemp("report-data")
    os.environ["EMBEDDING_LAB_DATA"] = str(folder)
    try:
        _tiny_dataset()
        made = []
        for seed in range(3):
            made.append(_save_run_with_predictions("learned", "Learned from scratch", seed, 300, offset=40))
            made.append(_save_run_with_predictions("glove_finetuned", "GloVe, fine-tuned", seed, 340))
        runs.rename_run(made[1].run_id, HOSTILE)
    finally:
        os.environ["EMBEDDING_LAB_DATA"] = shared
    return folder, [r.run_id for r in made]


@pytest.fixture
def records(store, monkeypatch):
    from lib.data.keys import EVERY_DATASET
    from lib.runs import list_runs

    folder, run_ids = store
    monkeypatch.setenv("EMBEDDING_LAB_DATA", str(folder))
    return list_runs(private_datasets=EVERY_DATASET)[0], run_ids


def _train_report(records, run_ids) -> str:
    from lib import report
    from lib.runs import display_names

    mine = [r for r in records if r.run_id in run_ids]
    embeddings = report.run_embeddings(records, report.job_panels(mine), display_names(records))
    selection = report.Selection("Train", "Which start is better?", run_ids, embeddings,
                                 link="http://127.0.0.1:8501/train?job=abc")
    return report.build(records, selection)


@pytest.fixture(scope="module")
def train_html(store):
    """The Train report of the six runs, built once for the module (a build takes a few seconds)."""
    from lib.data.keys import EVERY_DATASET
    from lib.runs import list_runs

    folder, run_ids = store
    shared = os.environ["EMBEDDING_LAB_DATA"]
    os.environ["EMBEDDING_LAB_DATA"] = str(folder)
    try:
        return _train_report(list_runs(private_datasets=EVERY_DATASET)[0], run_ids)
    finally:
        os.environ["EMBEDDING_LAB_DATA"] = shared


class Parsed(HTMLParser):
    """Tags with their attributes, script bodies, text outside scripts, and table cells by table id."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.scripts, self.text, self.tables = [], [], [], {}
        self._in_script, self._table, self._row, self._cell = False, None, None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "script":
            self._in_script, self._script_attrs = True, attrs
            self.scripts.append([attrs, ""])
        elif tag == "table":
            self._table = self.tables.setdefault(attrs.get("id", ""), [])
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._table.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = {"text": "", "value": attrs.get("data-value")}
            self._row.append(self._cell)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False
        elif tag == "table":
            self._table = self._row = None
        elif tag in ("td", "th"):
            self._cell = None

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1][1] += data
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell["text"] += data

    def data(self) -> dict:
        [body] = [body for attrs, body in self.scripts if attrs.get("id") == "report-data"]
        return json.loads(body)

    def rows(self, table_id: str) -> list[dict]:
        head, *body = self.tables[table_id]
        return [{h["text"]: c for h, c in zip(head, row)} for row in body]


def test_every_number_read_back_equals_the_run_store(train_html, records):
    from lib.runs import load_run

    _, run_ids = records
    page = Parsed(train_html)
    data = page.data()
    assert [r["run_id"] for r in data["runs"]] == run_ids
    shown = {row["run id"]["text"]: row for row in page.rows("runs")}
    assert set(shown) == set(run_ids)
    for entry in data["runs"]:
        stored = load_run(entry["run_id"])
        assert entry["test_accuracy"] == stored.metrics["test_accuracy"]
        assert entry["test_loss"] == stored.metrics["test_loss"]
        assert entry["seed"] == stored.config["seed"]
        assert entry["name"] == stored.name
        row = shown[entry["run_id"]]
        assert float(row["test accuracy"]["value"]) == stored.metrics["test_accuracy"]
        assert row["test accuracy"]["text"] == f"{stored.metrics['test_accuracy']:.1%}"
        assert int(float(row["seed"]["value"])) == stored.config["seed"]
        assert row["run"]["text"] == stored.name
    # the results table: each strategy's mean over its seeds, as the store's accuracies give it
    by_strategy = {}
    for run_id in run_ids:
        stored = load_run(run_id)
        by_strategy.setdefault(stored.config["strategy_label"], []).append(stored.metrics["test_accuracy"])
    results = {row["Strategy"]["text"]: row for row in page.rows("results")}
    assert set(results) == set(by_strategy)
    for label, accuracies in by_strategy.items():
        assert float(results[label]["Test accuracy (mean)"]["value"]) == pytest.approx(np.mean(accuracies), abs=1e-12)
        assert int(float(results[label]["Seeds"]["value"])) == len(accuracies)


def test_the_verdict_and_the_tests_behind_it_are_the_owners_sentences(train_html, records):
    from lib.results import comparisons_with_learned, results_table, summary_details, summary_sentence

    all_records, run_ids = records
    mine = [r for r in all_records if r.run_id in run_ids]
    table, comparisons = results_table(mine), comparisons_with_learned(mine)
    text = " ".join(Parsed(train_html).text)
    assert summary_sentence(table, comparisons) in text
    assert "beyond noise" in summary_sentence(table, comparisons)  # three seeds, McNemar on each: both kinds judged
    assert summary_details(table, comparisons) in text
    assert "McNemar" in text and "95% interval" in text


def test_a_hostile_run_name_is_shown_as_text(train_html):
    assert "<script>alert(1)" not in train_html
    assert "<b>bold</b>" not in train_html and "<strong>bold</strong>" not in train_html
    page = Parsed(train_html)
    assert HOSTILE in "".join(page.text)  # as typed, once the entities are read
    assert all("alert(1)" not in body or attrs.get("id") == "report-data" or "Plotly.newPlot" in body
               for attrs, body in page.scripts)
    assert not any(body.strip() == "alert(1)" for _, body in page.scripts)
    assert HOSTILE in [r["name"] for r in page.data()["runs"]]


def test_the_file_references_nothing_on_a_network(train_html):
    page = Parsed(train_html)
    assert not [tag for tag, _ in page.tags if tag in ("link", "img", "iframe", "object", "embed", "base")]
    for tag, attrs in page.tags:
        for name in ("src", "href", "srcset", "data"):
            value = (attrs.get(name) or "").strip().lower()
            if tag == "a" and name == "href":
                continue  # a link a reader may follow, not something the page loads
            assert not value.startswith(("http:", "https:", "//")), (tag, attrs)
    assert [attrs.get("src") for tag, attrs in page.tags if tag == "script"] == [None] * len(
        [t for t, _ in page.tags if t == "script"])
    styles = re.findall(r"<style>(.*?)</style>", train_html, flags=re.S)
    assert styles and not any(re.search(r"url\(|@import|@font-face", s) for s in styles)


def test_plotly_is_inlined_once_and_every_chart_is_there(train_html):
    assert train_html.count("* plotly.js v") == 1
    assert train_html.count("Plotly.newPlot(") == 3  # the accuracy bars, the coverage chart, the three maps
    assert "@media print" in train_html


def test_the_size_is_measured(train_html, records):
    from lib import report

    size = len(train_html.encode("utf-8"))
    print(f"report: {size:,} bytes ({size / 1e6:.2f} MB), {len(records[1])} runs, three maps")
    assert size < 5_000_000
    assert size > report.chart_library_bytes()  # plotly.js is inside


def test_a_compare_report_judges_the_chosen_runs_with_their_seeds(records):
    from lib import report, verdicts
    from lib.runs import display_names, load_predictions

    all_records, run_ids = records
    chosen = [run_ids[0], run_ids[1]]  # learned seed 0, GloVe seed 0 (named HOSTILE)
    names = display_names(all_records)
    embeddings = report.run_embeddings(all_records, [(i, "final") for i in chosen], names)
    selection = report.Selection("Compare", "What changed?", chosen, embeddings, words=["good", "bad", "great", "awful"],
                                 queries=["great"], judge_chosen=True, link_note="Pick them again.")
    html = report.build(all_records, selection)
    page = Parsed(html)
    text = " ".join(page.text)
    judgement = verdicts.judge_runs(chosen, all_records, load_predictions)
    for sentence in judgement.sentences() + judgement.details():
        assert sentence in text or sentence in "\n".join(page.text)
    rows = page.rows("judgement")
    assert [r["Seeds"]["text"] for r in rows] == [str(g.accuracy.n) for g in judgement.groups]
    assert "<script>alert(1)" not in html
    assert page.data()["neighbours"]["great"]  # the neighbour word's lists
    assert "Pick them again." in text


def test_the_compare_page_offers_the_report(store, monkeypatch):
    folder, run_ids = store
    monkeypatch.setenv("EMBEDDING_LAB_DATA", str(folder))
    at = _app(f"run:{run_ids[0]}:final", f"run:{run_ids[1]}:final")
    at.run()
    assert not at.exception
    labels = [getattr(e, "label", "") or e.proto.label for e in at.get("download_button")]
    assert "Download report" in labels
