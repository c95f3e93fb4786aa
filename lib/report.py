"""The hand-out report: one self-contained HTML file of what the room saw, to hand out or attach to a decision.

:func:`build` takes runs from the run store (:mod:`lib.runs`) and a :class:`Selection` (what a page
showed: the runs, the embeddings on the maps, the words, the neighbour queries, the link that
reopens it) and returns one HTML string that opens offline in any browser and prints to PDF:

* the question, the verdict sentences and the details behind them (both kinds of noise:
  :mod:`lib.results` for a Train job, :func:`lib.verdicts.judge_runs` for Compare's chosen runs),
  the results table, the accuracy chart, the coverage sentence (:mod:`lib.verdicts`);
* the aligned maps (:mod:`lib.maps`), the neighbour lists (:mod:`lib.neighbours`) and what changed
  (:mod:`lib.movement`, :mod:`lib.overlap`);
* the settings and where it came from: date, versions, seeds, dataset and split, run ids, the link.

Every piece comes from its owner module; this one only lays them out. Everything a visitor could
have typed (run names, words, dataset names) goes through :func:`html.escape` (and through
:func:`lib.plots.plain` inside charts, whose JSON plotly writes with ``<`` escaped). plotly.js is
inlined once, with the first chart; the file names no external font, style sheet or script. The
numbers are also embedded as JSON (``<script type="application/json" id="report-data">``), so a
reader (or a test) can check them against the run store.

Nothing here imports Streamlit or TensorFlow (versions are read with :mod:`importlib.metadata`).
"""
from __future__ import annotations

import functools
import html
import json
import platform
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from typing import Sequence

from plotly.offline import get_plotlyjs

from lib import coverage, maps, movement, overlap, plots, verdicts
from lib.config import RunConfig
from lib.io import to_json
from lib.neighbours import keyed_vectors, neighbour_columns, neighbour_lists, rows_of, shared_neighbours
from lib.results import comparisons_with_learned, results_table, summary_details, summary_sentence
from lib.runs import RunStoreError, load_embeddings, load_predictions
from lib.significance import RULE
from lib.words import WORD_LISTS, known_to_all

#: Packages whose versions the report names (Python's own comes from :mod:`platform`).
PACKAGES = ("tensorflow", "keras", "gensim", "streamlit", "numpy", "scikit-learn", "plotly")
#: Settings a reader needs to reproduce the runs, in this order (the rest of RunConfig follows).
FIRST_SETTINGS = ("strategy", "dataset_key", "architecture", "train_size", "test_size", "subset_seed", "seed")
DATA_ID = "report-data"
CHART_CONFIG = {"displaylogo": False, "responsive": True}
#: The words a Train report maps and looks up when the page chose none: every IMDB run knows most of them.
DEFAULT_WORDS = tuple(WORD_LISTS["sentiment words"])
DEFAULT_QUERIES = ("good", "bad")

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 2rem auto;
       max-width: 70rem; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.8rem; margin-bottom: .2rem; } h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
.question { font-size: 1.15rem; color: #333; } .verdict { font-size: 1.1rem; background: #eef4fb; padding: .6rem .8rem; }
.caption, .note { color: #555; font-size: .92rem; } pre.details { white-space: pre-wrap; background: #f6f6f6; padding: .6rem; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .92rem; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.neighbours { display: flex; flex-wrap: wrap; gap: 1rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; } table, .chart, .verdict, pre.details { break-inside: avoid; }
  .modebar, .modebar-container { display: none !important; }
  a { color: inherit; text-decoration: none; } a[href]::after { content: " (" attr(href) ")"; font-size: .85em; }
}
"""


@dataclass
class Embedding:
    """One panel of the maps: a name, its KeyedVectors, and the run and stage it came from (if any)."""

    name: str
    vectors: object
    run_id: str | None = None
    stage: str | None = None      # "initial" or "final" for a run


@dataclass
class Selection:
    """What the page showed: where from, the question, the runs, the embeddings, the words, the link."""

    origin: str                          # "Train" or "Compare"
    question: str
    run_ids: list[str]                   # the runs whose numbers the report shows, in order
    embeddings: list[Embedding] = field(default_factory=list)
    words: list[str] = field(default_factory=lambda: list(DEFAULT_WORDS))
    queries: list[str] = field(default_factory=lambda: list(DEFAULT_QUERIES))
    link: str = ""                       # the dashboard address that reopens it ("" when the page keeps none)
    link_note: str = ""                  # what the link does, or how to get back without one
    k: int = 10
    judge_chosen: bool = False           # Compare: judge the chosen runs with their sibling seeds


def esc(value) -> str:
    """Text for HTML: ``<``, ``>``, ``&`` and quotes escaped, so a run named ``<script>`` shows as typed.

    >>> esc("<script>alert(1)</script> **bold**")
    '&lt;script&gt;alert(1)&lt;/script&gt; **bold**'
    """
    return html.escape(str(value), quote=True)


def versions() -> dict[str, str]:
    """``package -> version`` of Python and :data:`PACKAGES`, read without importing them."""
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


@functools.cache
def chart_library_bytes() -> int:
    """How many bytes of a report are plotly.js, inlined once so the file opens offline."""
    return len(get_plotlyjs().encode("utf-8"))


def run_embeddings(records: Sequence, run_ids: Sequence[tuple[str, str]], names: dict[str, str]) -> list[Embedding]:
    """Embeddings of saved runs: ``(run_id, "initial" | "final")`` pairs, loaded from the run store."""
    out = []
    for run_id, stage in run_ids:
        vocabulary, initial, final = load_embeddings(run_id)
        when = "before training" if stage == "initial" else "after training"
        out.append(Embedding(f"{names.get(run_id, run_id)} · {when}",
                             keyed_vectors(vocabulary, initial if stage == "initial" else final), run_id, stage))
    return out


def job_panels(records: Sequence) -> list[tuple[str, str]]:
    """The three maps of a Train report: the best pretrained start before and after training, and learning from
    scratch after training (seed 0 or the lowest, at the largest training-set size); fewer when a job lacks them.

    >>> class R:
    ...     def __init__(self, i, s, acc): self.run_id, self.config, self.metrics = i, {"strategy": s, "seed": 0, "train_size": 9}, {"test_accuracy": acc}
    >>> job_panels([R("a", "learned", .7), R("b", "glove_frozen", .6), R("c", "glove_finetuned", .8)])
    [('c', 'initial'), ('c', 'final'), ('a', 'final')]
    """
    if not records:
        return []
    size = max(verdicts.train_size(r.config) for r in records)
    first = {}
    for r in sorted(records, key=lambda r: int(r.config.get("seed", 0))):
        if verdicts.train_size(r.config) == size:
            first.setdefault(r.config["strategy"], r)
    pretrained = sorted((r for s, r in first.items() if s != "learned"), key=lambda r: -r.metrics["test_accuracy"])
    panels = [(pretrained[0].run_id, "initial"), (pretrained[0].run_id, "final")] if pretrained else []
    if "learned" in first:
        panels.append((first["learned"].run_id, "final"))
    if len(panels) < 2:  # one strategy only: its start and its end
        r = next(iter(first.values()))
        panels = [(r.run_id, "initial"), (r.run_id, "final")]
    return panels


# --- pieces of HTML --------------------------------------------------------------------------------------------


def _cell(value, number=None) -> str:
    """A table cell: escaped text, with the exact number in ``data-value`` when there is one."""
    if number is None:
        return f"<td>{esc(value)}</td>"
    return f'<td class="num" data-value="{esc(repr(float(number)))}">{esc(value)}</td>'


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], table_id: str = "") -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(row) + "</tr>" for row in rows)
    ident = f' id="{esc(table_id)}"' if table_id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _p(text: str, cls: str = "") -> str:
    return f'<p class="{cls}">{esc(text)}</p>' if cls else f"<p>{esc(text)}</p>"


class _Charts:
    """Figures as HTML divs; plotly.js goes inline with the first one only."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, fig) -> str:
        self.count += 1
        div = fig.to_html(full_html=False, include_plotlyjs=self.count == 1, config=CHART_CONFIG)
        return f'<div class="chart">{div}</div>'


def _percent(x) -> str:
    return f"{float(x):.1%}"


# --- the sections ---------------------------------------------------------------------------------------------


def verdict_section(records: Sequence, all_records: Sequence, selection: Selection, chart) -> tuple[str, list]:
    """The plain-words verdict, the results table, the details behind the verdict, the accuracy chart."""
    table = results_table(list(records))
    out = ["<h2>Results</h2>"]
    if not len(table):
        return "\n".join(out + [_p("The selection holds no saved runs, so there is no test accuracy to report.",
                                   "note")]), []
    if selection.judge_chosen:
        judgement = verdicts.judge_runs(selection.run_ids, list(all_records), load_predictions)
        sentences = judgement.sentences() if judgement else []
        details = judgement.details() if judgement else []
        notes = judgement.notes if judgement else []
        out += [_p(s, "verdict") for s in sentences] + [_p(n, "note") for n in notes]
        if judgement and judgement.groups:
            rows = judgement.table()
            out.append(_table(list(rows[0]), [[_cell(v) for v in row.values()] for row in rows], "judgement"))
    else:
        comparisons = comparisons_with_learned(list(records))
        out.append(_p(summary_sentence(table, comparisons), "verdict"))
        details = [d for d in [summary_details(table, comparisons)] if d]
    headers = ["Strategy", "Training texts", "Seeds", "Test accuracy (mean)", "± std over seeds",
               "95% interval over seeds", "Test loss", "Epochs", "Training time (s)"]
    rows = [[_cell(r["Strategy"]), _cell(f"{int(r['train_size']):,}", r["train_size"]), _cell(r["seeds"], r["seeds"]),
             _cell(_percent(r["accuracy_mean"]), r["accuracy_mean"]),
             _cell(_percent(r["accuracy_std"]), r["accuracy_std"]),
             _cell(f"{r['accuracy_low']:.1%} – {r['accuracy_high']:.1%}" if r["seeds"] > 1 else "needs 2+ seeds"),
             _cell(f"{r['test_loss']:.3f}", r["test_loss"]), _cell(r["epochs"]),
             _cell(f"{r['train_seconds']:.1f}", r["train_seconds"])] for _, r in table.iterrows()]
    out.append(_table(headers, rows, "results"))
    out.append(_p("Test accuracy is measured on texts no model saw in training. The 95% interval (a t-interval of "
                  "the mean over seeds) is where the mean of many more seeds would plausibly lie.", "caption"))
    if details:
        out += ["<h3>The tests behind the sentences</h3>", f'<pre class="details">{esc(chr(10).join(details))}</pre>']
    out.append(_p(RULE, "caption"))
    size = int(table["train_size"].max())
    out.append(chart(plots.accuracy_bars(table[table["train_size"] == size])))
    out.append(_p(f"Test accuracy at {size:,} training texts, mean over seeds (error bars: one standard deviation "
                  "when there are several seeds); the dashed line is what guessing scores.", "caption"))
    return "\n".join(out), table.to_dict("records")


def coverage_section(records: Sequence, per_run: bool, chart) -> str:
    rows = coverage.coverage_rows(list(records), per_run=per_run)
    if not rows:
        return ""
    return "\n".join(["<h2>Where each word started</h2>", _p(coverage.coverage_sentence(rows), "coverage"),
                      chart(plots.coverage_chart(rows))])


def maps_section(embeddings: Sequence[Embedding], words: Sequence[str], highlight: Sequence[str], chart) -> tuple[str, list]:
    """The aligned maps of the chosen words; the words drawn."""
    if len(embeddings) < 1:
        return "", []
    known, dropped = known_to_all([e.vectors.key_to_index for e in embeddings], list(words))
    out = ["<h2>The words on maps, side by side</h2>"]
    if len(known) < 3:
        return "\n".join(out + [_p(f"Only {len(known)} of the chosen words are known to every embedding; a map needs "
                                   "at least 3.", "note")]), known
    panels = maps.aligned_maps([rows_of(e.vectors, known) for e in embeddings], method="pca")
    names = [e.name for e in embeddings]
    fig = maps.map_figure([plots.wrap_label(n, 30) for n in names], panels, known, None, highlight=list(highlight),
                          height=520)
    out.append(chart(fig))
    caption = (f"{len(known)} words, each placed by PCA from its vector. Every panel was rotated or mirrored "
               "(orthogonal Procrustes) onto the first, so the same region means the same thing across panels; "
               "axes have no meaning.")
    if len(panels) > 1:
        caption += (" How different each layout still is from the first after turning (0 = same shape, "
                    f"1 = unrelated): {maps.disparity_text(names, panels)}.")
    if dropped:
        caption += f" Left out (not known to every embedding): {', '.join(dropped[:10])}."
    out.append(_p(caption, "caption"))
    return "\n".join(out), known


def neighbours_section(embeddings: Sequence[Embedding], queries: Sequence[str], k: int) -> tuple[str, dict]:
    """Each query's k nearest neighbours in every embedding, ✓ on the words all lists share; the lists."""
    named = {e.name: e.vectors for e in embeddings}
    out, found = ["<h2>Nearest neighbours</h2>"], {}
    for query in queries:
        lists = neighbour_lists(named, query, k)
        found[query] = {name: [[w, float(c)] for w, c in lst] for name, lst in lists.items()}
        if not lists:
            out.append(_p(f"No embedding knows “{query}”.", "note"))
            continue
        shared = shared_neighbours(list(lists.values()))
        out.append(f"<h3>“{esc(query)}”</h3><div class=\"neighbours\">")
        for name, lst in lists.items():
            cols = neighbour_columns(lst, shared, digits=2)
            rows = [[_cell(i + 1), _cell(w), _cell(f"{c:.2f}", c), _cell(m)]
                    for i, (w, c, m) in enumerate(zip(cols["word"], cols["cosine"], cols["in all"]))]
            out.append(f"<div><strong>{esc(name)}</strong>{_table(['#', 'word', 'cosine', 'in all'], rows)}</div>")
        out.append("</div>")
        missing = [n for n in named if n not in lists]
        note = f" {', '.join(missing)} do(es) not know “{query}”." if missing else ""
        out.append(_p(f"The {k} words whose vectors point most nearly the same way as “{query}”; ✓ marks words every "
                      f"list shares ({len(shared)} of {k}).{note}", "caption"))
    return "\n".join(out), found


def changes_section(embeddings: Sequence[Embedding], words: Sequence[str], k: int) -> str:
    """What changed: for each run on the maps, the words training turned most; for each panel after the first,
    how many neighbours it shares with the first over the most frequent shared words."""
    out = []
    seen = []
    for e in embeddings:
        if e.run_id and e.run_id not in seen:
            seen.append(e.run_id)
    for run_id in seen:
        try:
            vocabulary, initial, final = load_embeddings(run_id)
        except RunStoreError as exc:
            out.append(_p(str(exc), "note"))
            continue
        result = movement.moved_words(vocabulary, initial, final, list(words), k=10)
        name = next(e.name for e in embeddings if e.run_id == run_id).rsplit(" · ", 1)[0]
        marker = "\x00"
        sentence = movement.movement_sentence(marker, result).replace(f"**{marker}**: ", "")
        moved = ", ".join(f"{w} ({c:+.2f})" for w, c in result.moved)
        out.append(f"<p><strong>{esc(name)}</strong>: {esc(sentence)}{' ' + esc(moved) if moved else ''}</p>")
    if out:
        out.append(_p("In brackets: the cosine between a word's vector before and after training (1 = still points "
                      "the same way).", "caption"))
    if len(embeddings) > 1:
        words_shared, sets = overlap.neighbour_sets_of([e.vectors for e in embeddings], k, limit=2_000)
        if len(words_shared) > k:
            names = [e.name for e in embeddings]
            pairs = overlap.against_first(names, sets)
            for i, values in enumerate(pairs.values):
                out.append(_p(overlap.overlap_summary(names[0], names[i + 1], values, k)))
                most, least = overlap.most_and_least_changed(words_shared, values, 5)
                out.append(_p(overlap.changed_sentence(most, least, pairs.pair_names[i]), "caption"))
    return "\n".join(["<h2>What changed</h2>"] + out) if out else ""


def settings_section(records: Sequence) -> str:
    """The settings the runs share (``varies`` where they differ), RunConfig's fields in a readable order."""
    if not records:
        return ""
    fields = list(FIRST_SETTINGS) + [f for f in RunConfig.__dataclass_fields__ if f not in FIRST_SETTINGS]
    rows = []
    for name in fields:
        if all(name not in r.config for r in records):
            continue
        values = list(dict.fromkeys(json.dumps(r.config.get(name), default=str) for r in records))
        shown = "varies: " + ", ".join(values) if len(values) > 1 else values[0]
        rows.append([_cell(name), _cell(shown)])
    return "<h2>Settings</h2>" + _table(["setting", "value"], rows, "settings")


def provenance_section(records: Sequence, selection: Selection, created: str, found: dict[str, str]) -> str:
    runs = [[_cell(r.name), _cell(r.run_id), _cell(r.config.get("strategy_label") or r.config.get("strategy")),
             _cell(r.config.get("seed", 0), r.config.get("seed", 0)),
             _cell(r.config.get("dataset_name") or r.config.get("dataset_key")),
             _cell(f"{verdicts.train_size(r.config):,}", verdicts.train_size(r.config)),
             _cell("all" if r.config.get("test_size") is None else f"{int(r.config['test_size']):,}"),
             _cell(_percent(r.metrics["test_accuracy"]), r.metrics["test_accuracy"]),
             _cell(f"{r.metrics['test_loss']:.3f}", r.metrics["test_loss"]), _cell(r.created)]
            for r in records]
    link = (f'<p>Reopen it in the dashboard: <a href="{esc(selection.link)}">{esc(selection.link)}</a></p>'
            if selection.link else "")
    versions_text = ", ".join(f"{k} {v}" for k, v in found.items())
    return "\n".join([
        "<h2>Where this came from</h2>",
        _p(f"Made on {created} (UTC) from the {selection.origin} page of Embedding Lab."),
        link, _p(selection.link_note, "note") if selection.link_note else "",
        _p(f"Versions: {versions_text}."),
        _table(["run", "run id", "strategy", "seed", "dataset", "training texts", "test texts", "test accuracy",
                "test loss", "saved"], runs, "runs"),
        _p("Seeds fix each run's starting numbers and the order of its batches; the test texts are the dataset's "
           "held-out split, never used in training. The run ids name the folders of the run store.", "caption"),
    ])


def _data_block(data: dict) -> str:
    """The numbers as JSON in a non-executed script element; ``<``, ``>`` and ``&`` escaped so no text ends it."""
    text = to_json(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{DATA_ID}">{text}</script>'


def build(all_records: Sequence, selection: Selection, created: str | None = None) -> str:
    """The report as one HTML string. ``all_records`` are the run store's records visible to the visitor (the
    chosen runs and, for Compare's judgement, their sibling seeds); ``selection`` says what the page showed."""
    by_id = {r.run_id: r for r in all_records}
    records = [by_id[i] for i in dict.fromkeys(selection.run_ids) if i in by_id]
    created = created or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")
    chart = _Charts()
    found = versions()
    results_html, result_rows = verdict_section(records, all_records, selection, chart)
    maps_html, drawn = maps_section(selection.embeddings, selection.words, selection.queries, chart)
    neighbours_html, lists = neighbours_section(selection.embeddings, selection.queries, selection.k)
    body = [
        f"<h1>Embedding Lab report: {esc(selection.origin)}</h1>",
        _p(selection.question, "question"),
        results_html,
        coverage_section(records, selection.judge_chosen, chart),
        maps_html,
        neighbours_html if selection.embeddings else "",
        changes_section(selection.embeddings, drawn, selection.k),
        settings_section(records),
        provenance_section(records, selection, created, found),
    ]
    data = {
        "origin": selection.origin, "created": created, "link": selection.link, "versions": found,
        "runs": [{"run_id": r.run_id, "name": r.name, "strategy": r.config.get("strategy"),
                  "seed": r.config.get("seed", 0), "dataset_key": r.config.get("dataset_key"),
                  "train_size": r.config.get("train_size"), "test_size": r.config.get("test_size"),
                  "test_accuracy": r.metrics.get("test_accuracy"), "test_loss": r.metrics.get("test_loss")}
                 for r in records],
        "results": result_rows, "maps": [e.name for e in selection.embeddings], "words": drawn, "neighbours": lists,
    }
    title = f"Embedding Lab report ({selection.origin}, {created})"
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>'
            f"<body>\n{chr(10).join(part for part in body if part)}\n{_data_block(data)}\n</body></html>\n")
