"""Files people can take away: Projector TSVs, word2vec text, CSV tables, HTML and PNG figures.

Everything returns ``bytes`` ready for ``st.download_button``; nothing is written to disk.

TensorBoard Projector (https://projector.tensorflow.org, "Load") wants two files:

* ``vectors.tsv`` - one row per word, the numbers separated by tabs, no header;
* ``metadata.tsv`` - one row per word in the same order. With a *single* column
  it must have **no header** (the Projector would otherwise show the header as a
  word and shift every label by one); with several columns the first row is a
  header.

A tab or a line break inside a token would break both formats, so tokens are
sanitised (:func:`sanitize_token`): tabs and line breaks become spaces, other
control characters (and the Unicode bidi overrides that can make a word display
as another) are removed (:func:`lib.io.strip_controls`, the one rule), and an
empty token becomes ``<empty>``. Words come from uploaded files, so they are
hostile until cleaned, in every export.
:func:`read_projector_zip` reads the zip back (used by the tests to check the round trip).

TensorBoard's own projector (``tensorboard --logdir <the unzipped folder>``) finds the files
through ``projector_config.pbtxt``, a ``ProjectorConfig`` message in protobuf text format
(``tensorboard/plugins/projector/projector_config.proto``): one ``embeddings { ... }`` block per
tensor with ``tensor_name``, ``metadata_path``, ``tensor_shape`` (rows, then columns) and
``tensor_path``; relative paths are read from the folder the config is in
(:func:`projector_config`).

CSV tables and ``metadata.tsv`` open in spreadsheets, which run a cell starting with
``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) as a formula: a
word list from an uploaded file could carry ``=HYPERLINK(...)``. :func:`table_csv` and
:func:`projector_files` follow the OWASP rule through one helper, :func:`neutralise_cell`:
such *text* cells get a single quote in front, which the spreadsheet shows as text.
Numbers stay numbers, including negative ones and numbers already written as text
(a table of formatted scores says ``-0.086``, which no spreadsheet runs)::

    >>> neutralise_cell("=1+1"), neutralise_cell("-bad"), neutralise_cell(-0.5), neutralise_cell("-0.086")
    ("'=1+1", "'-bad", -0.5, '-0.086')

Every export says what it shows (:func:`export_title`): a CSV's first line is a title naming the
embeddings or runs and their settings (read it with ``pandas.read_csv(..., skiprows=1)``), the HTML page
carries it as its ``<title>`` and a line above the chart, a PNG as the chart's title, the Projector zip in its
``README.txt``. Two formats have no room for one: ``metadata.tsv`` (a header would shift every label) and the
word2vec text format (its first line is ``"<count> <dim>"``); the zip's README and the file name say it there.

PNG export goes through plotly's ``kaleido`` (version 1.x), which drives a
headless Chrome/Chromium. It works offline here with Debian's ``chromium``
package; MathJax (fetched from a CDN by default) is switched off so no network
is needed. Each PNG takes a few seconds (a browser is started), so pages make
it on request. :func:`png_support` says whether it can work on this machine and,
if not, why; the interactive HTML export always works (plotly.js is embedded, so
the file opens offline too).
"""
from __future__ import annotations

import html
import io
import re
import shutil
import zipfile
from collections.abc import Sequence

import numpy as np

from lib.errors import UserError
from lib.io import safe_name, strip_controls

#: A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A number written as text ("-0.086", "+1.5e-3", "-12%"): a spreadsheet reads it as that number, never a formula.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")


class ExportError(UserError):
    """An export that cannot be made; the message says why and what to use instead."""


def sanitize_token(token: str) -> str:
    """A token safe for one TSV cell / one word2vec line: no control characters or line breaks, never empty."""
    cleaned = strip_controls(token).strip()
    return cleaned if cleaned else "<empty>"


def neutralise_cell(value):
    """A CSV cell that a spreadsheet shows as written: text is stripped of control characters and, if it
    starts like a formula (:data:`FORMULA_STARTS`), prefixed with ``'``; anything not text, and text that is
    just a number, is returned as it is."""
    if not isinstance(value, str) or _NUMBER.fullmatch(value):
        return value
    cleaned = strip_controls(value)
    if value.startswith(FORMULA_STARTS) or cleaned.startswith(FORMULA_STARTS):
        return "'" + cleaned
    return cleaned


def one_line(text: str) -> str:
    r"""``text`` on one line without control characters (a title inside a file).

    >>> one_line("Runs\tA\nand B\u202e")
    'Runs A and B'
    """
    return " ".join(strip_controls(str(text)).split())


def export_title(what: str, shown: Sequence[str], settings: str = "", when: str = "") -> str:
    """The title line of an export: what it is, which embeddings or runs it shows (with their settings), when.

    ``shown`` are descriptions such as ``"A = GloVe 50-d"``, ``"B = Quick demo #3 · GloVe, fine-tuned · seed 0
    (after training; 2,000 IMDB reviews, average model, 12 epochs)"``; ``settings`` the page's own settings
    for this export (``"k = 10, 10,000 most frequent shared words"``).

    >>> export_title("Word benchmarks", ["A = GloVe 50-d", "B = run 1 · after"], "scored on 353 pairs", "2026-12-02 17:00")
    'Embedding Lab · Word benchmarks · A = GloVe 50-d; B = run 1 · after · scored on 353 pairs · made 2026-12-02 17:00'
    """
    parts = ["Embedding Lab", what, "; ".join(shown)] + ([settings] if settings else []) + \
        ([f"made {when}"] if when else [])
    return one_line(" · ".join(p for p in parts if p))


def now_stamp() -> str:
    """The time an export is made, for its title: ``"2026-12-02 17:10 UTC"``."""
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def benchmark_rows(names: Sequence[str], results: Sequence) -> list[dict]:
    """The word-benchmark table as numbers for a CSV (the page's table shows them formatted as text):
    Spearman's rho and the analogy accuracy as fractions, how many items were used out of how many as
    integers, an empty cell where a score could not be computed. ``results`` are
    :class:`lib.wordbench.Benchmarks`.

    >>> from types import SimpleNamespace as S
    >>> r = S(wordsim=S(value=-0.0861, used=300, total=353), simlex=S(value=float("nan"), used=0, total=999),
    ...       analogies=S(value=0.5, used=100, total=200))
    >>> benchmark_rows(["A"], [r])[0]
    {'embedding': 'A', 'WordSim-353 rho': -0.0861, 'WordSim used': 300, 'WordSim total': 353, 'SimLex-999 rho': None, 'SimLex used': 0, 'SimLex total': 999, 'analogy accuracy': 0.5, 'analogies used': 100, 'analogies total': 200}
    """
    def number(value: float):
        return round(float(value), 4) if np.isfinite(value) else None

    rows = []
    for name, r in zip(names, results):
        row: dict = {"embedding": name}
        for label, short, score in (("WordSim-353 rho", "WordSim", r.wordsim), ("SimLex-999 rho", "SimLex", r.simlex),
                                    ("analogy accuracy", "analogies", r.analogies)):
            row.update({label: number(score.value), f"{short} used": int(score.used), f"{short} total": int(score.total)})
        rows.append(row)
    return rows


def _format_rows(matrix: np.ndarray, sep: str) -> str:
    buf = io.StringIO()
    np.savetxt(buf, np.asarray(matrix, dtype=np.float32), fmt="%.6g", delimiter=sep)
    return buf.getvalue()


def projector_files(words: Sequence[str], matrix: np.ndarray, extra_columns: dict[str, Sequence] | None = None
                    ) -> tuple[str, str]:
    """``(vectors.tsv, metadata.tsv)`` contents for the TensorBoard Projector.

    ``extra_columns`` (e.g. ``{"sentiment": scores}``) adds metadata columns; then
    the metadata gets a header row ``word<TAB>sentiment``. Without them it is a
    single column and has no header, as the Projector requires. Text that a
    spreadsheet would run as a formula is neutralised (:func:`neutralise_cell`).
    """
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != len(words):
        raise ExportError(f"{len(words)} words but {matrix.shape[0] if matrix.ndim else 0} vectors; nothing was exported.")
    if len(words) == 0:
        raise ExportError("There are no words to export.")
    tokens = [_metadata_cell(w) for w in words]
    vectors_tsv = _format_rows(matrix, "\t")
    if extra_columns:
        names = ["word"] + [_metadata_cell(n) for n in extra_columns]
        cols = [list(v) for v in extra_columns.values()]
        for name, col in zip(names[1:], cols):
            if len(col) != len(tokens):
                raise ExportError(f"The metadata column {name!r} has {len(col)} values for {len(tokens)} words.")
        lines = ["\t".join(names)]
        for i, tok in enumerate(tokens):
            lines.append("\t".join([tok] + [_metadata_cell(_cell(col[i])) for col in cols]))
    else:
        lines = tokens
    metadata_tsv = "\n".join(lines) + "\n"
    return vectors_tsv, metadata_tsv


def _metadata_cell(value) -> str:
    """One cell of ``metadata.tsv``: a clean token (:func:`sanitize_token`), formulas neutralised as in CSV."""
    return neutralise_cell(sanitize_token(value))


def _cell(value) -> str:
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else f"{float(value):.4g}"
    return str(value)


def _text_format_string(value: str) -> str:
    r"""A string literal of protobuf's text format: double-quoted, with ``\``, ``"`` and control characters escaped.

    >>> print(_text_format_string('say "hi"\tthere'))
    "say \"hi\"\011there"
    """
    escaped = []
    for ch in value:
        if ch in '"\\':
            escaped.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            escaped.append(f"\\{ord(ch):03o}")
        else:
            escaped.append(ch)
    return '"' + "".join(escaped) + '"'


def projector_config(embeddings: Sequence[dict]) -> str:
    """``projector_config.pbtxt``: TensorBoard's ``ProjectorConfig`` in protobuf text format.

    Each item of ``embeddings`` has ``tensor_name``, ``tensor_path``, ``metadata_path`` (paths
    relative to the config's folder) and ``shape`` ``(rows, columns)``; fields are written in the
    order of their numbers in ``projector_config.proto``, as ``text_format.MessageToString`` does.

    >>> print(projector_config([dict(tensor_name="glove", tensor_path="vectors.tsv",
    ...                              metadata_path="metadata.tsv", shape=(3, 50))]), end="")
    embeddings {
      tensor_name: "glove"
      metadata_path: "metadata.tsv"
      tensor_shape: 3
      tensor_shape: 50
      tensor_path: "vectors.tsv"
    }
    """
    blocks = []
    for e in embeddings:
        lines = [f"  tensor_name: {_text_format_string(e['tensor_name'])}"]
        if e.get("metadata_path"):
            lines.append(f"  metadata_path: {_text_format_string(e['metadata_path'])}")
        lines += [f"  tensor_shape: {int(d)}" for d in e["shape"]]
        lines.append(f"  tensor_path: {_text_format_string(e['tensor_path'])}")
        blocks.append("embeddings {\n" + "\n".join(lines) + "\n}\n")
    return "".join(blocks)


def projector_zip(words: Sequence[str], matrix: np.ndarray, extra_columns: dict[str, Sequence] | None = None,
                  folder: str = "projector", title: str = "") -> bytes:
    """A zip with ``<folder>/vectors.tsv``, ``<folder>/metadata.tsv`` (see :func:`projector_files`) and
    ``<folder>/projector_config.pbtxt`` pointing at them (see :func:`projector_config`); ``README.txt`` says how
    to open them, after the ``title`` (:func:`export_title`)."""
    vectors_tsv, metadata_tsv = projector_files(words, matrix, extra_columns)
    # "/" would make safe_name keep only the last part; a run name like "my run/1" keeps all of it
    folder = safe_name(folder.replace("/", "_").replace("\\", "_"), default="projector").strip("._-") or "projector"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{folder}/vectors.tsv", vectors_tsv)
        zf.writestr(f"{folder}/metadata.tsv", metadata_tsv)
        zf.writestr(f"{folder}/projector_config.pbtxt", projector_config([dict(
            tensor_name=folder, tensor_path="vectors.tsv", metadata_path="metadata.tsv", shape=np.shape(matrix))]))
        zf.writestr(f"{folder}/README.txt",
                    (one_line(title) + "\n\n" if title else "") +
                    "Open https://projector.tensorflow.org, click 'Load', choose vectors.tsv as step 1 "
                    "and metadata.tsv as step 2.\n"
                    f"Or, with TensorBoard installed: tensorboard --logdir {folder} (this folder, unzipped), "
                    "then open its Projector tab; projector_config.pbtxt tells it where the files are.\n")
    return buf.getvalue()


def read_projector_zip(data: bytes) -> tuple[list[str], np.ndarray, list[str] | None]:
    """Read a zip made by :func:`projector_zip`: ``(tokens, matrix, metadata header or None)``."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        vec_name = next(n for n in names if n.endswith("vectors.tsv"))
        meta_name = next(n for n in names if n.endswith("metadata.tsv"))
        vectors_text = zf.read(vec_name).decode("utf-8")
        meta_lines = zf.read(meta_name).decode("utf-8").split("\n")
    if meta_lines and meta_lines[-1] == "":
        meta_lines = meta_lines[:-1]
    rows = [line.split("\t") for line in vectors_text.splitlines()]
    matrix = np.array(rows, dtype=np.float32)
    header = None
    if meta_lines and "\t" in meta_lines[0]:
        header = meta_lines[0].split("\t")
        tokens = [line.split("\t")[0] for line in meta_lines[1:]]
    else:
        tokens = meta_lines
    return tokens, matrix, header


def word2vec_text(words: Sequence[str], matrix: np.ndarray) -> bytes:
    """The word2vec text format: a ``"<count> <dim>"`` header, then ``word v1 v2 ...`` per line.

    Readable by ``gensim.models.KeyedVectors.load_word2vec_format(path, binary=False)``.
    Spaces inside a token would split it, so they become ``_`` (after :func:`sanitize_token`).
    """
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != len(words):
        raise ExportError(f"{len(words)} words but {matrix.shape[0] if matrix.ndim else 0} vectors; nothing was exported.")
    if len(words) == 0:
        raise ExportError("There are no words to export.")
    tokens = [re.sub(r"\s+", "_", sanitize_token(w)) for w in words]
    body = _format_rows(matrix, " ").splitlines()
    lines = [f"{len(tokens)} {matrix.shape[1]}"] + [f"{t} {row}" for t, row in zip(tokens, body)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def table_csv(df, title: str = "") -> bytes:
    """A pandas DataFrame as UTF-8 CSV (with a BOM so Excel shows accents correctly), no index.

    Text cells and column names go through :func:`neutralise_cell` (no formulas,
    no control characters); numeric columns are written as they are. A ``title``
    (:func:`export_title`) becomes the first line, one quoted cell, before the header::

        >>> import pandas as pd
        >>> print(table_csv(pd.DataFrame({"x": [-0.086]}), "Scores of A").decode("utf-8-sig"), end="")
        "Scores of A"
        x
        -0.086
    """
    import csv

    import pandas as pd

    out = df.copy()
    for name in out.columns:
        column = out[name]
        if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)
                or pd.api.types.is_datetime64_any_dtype(column)):
            out[name] = column.map(neutralise_cell).astype(object)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    head = ""
    if title:
        line = io.StringIO()
        csv.writer(line, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow([neutralise_cell(one_line(title))])
        head = line.getvalue()
    return (head + out.to_csv(index=False)).encode("utf-8-sig")


def with_query(query: str, rows: Sequence[dict]) -> list[dict]:
    """The neighbour rows with the looked-up word in a first column ``query``, so the CSV says what was asked.

    >>> with_query("good", [{"embedding": "GloVe", "rank": 1, "word": "great"}])
    [{'query': 'good', 'embedding': 'GloVe', 'rank': 1, 'word': 'great'}]
    """
    return [{"query": query, **{k: v for k, v in row.items() if k != "query"}} for row in rows]


def neighbours_file_name(query: str) -> str:
    """The neighbour CSV's file name, after the word looked up (made safe for any file system).

    >>> neighbours_file_name("good"), neighbours_file_name("../../x y"), neighbours_file_name("東京")
    ('neighbours-good.csv', 'neighbours-x_y.csv', 'neighbours-word.csv')
    """
    return f"neighbours-{safe_name(str(query).strip(), default='word', max_length=60).strip('._-') or 'word'}.csv"


def figure_html(fig, title: str = "") -> bytes:
    """A plotly figure as a self-contained interactive HTML page (plotly.js embedded: opens offline).

    A ``title`` (:func:`export_title`) becomes the page's ``<title>`` and a line above the chart, escaped.
    """
    page = fig.to_html(include_plotlyjs=True, full_html=True, config={"displaylogo": False})
    if title:
        text = html.escape(one_line(title))
        page = page.replace("<head>", f'<head><meta charset="utf-8"><title>{text}</title>', 1)
        page = page.replace("<body>", f'<body><p style="font-family: sans-serif">{text}</p>', 1)
    return page.encode("utf-8")


CHROME_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def png_support() -> tuple[bool, str]:
    """``(can_make_png, reason)``: whether kaleido and a Chrome/Chromium are present here.

    This is a cheap check (no browser is started); :func:`figure_png` can still
    fail, and then raises :class:`ExportError` with the reason.
    """
    import importlib.util
    import os

    if importlib.util.find_spec("kaleido") is None:
        return False, ("PNG export needs the package kaleido (pip install 'kaleido>=1.0') and a Chrome/Chromium; "
                       "download the interactive HTML instead and use the camera icon in it to save a PNG.")
    browser = os.environ.get("BROWSER_PATH") or next((p for p in map(shutil.which, CHROME_CANDIDATES) if p), None)
    if not browser:
        return False, ("PNG export needs a Chrome or Chromium browser on the server (on Debian: apt install chromium); "
                       "download the interactive HTML instead and use the camera icon in it to save a PNG.")
    return True, f"PNG made by kaleido with {browser}."


def titled_figure(fig, title: str):
    """A copy of ``fig`` whose title is ``title`` (escaped for plotly), above any title it had; ``fig`` is untouched."""
    import plotly.graph_objects as go

    copy = go.Figure(fig)
    old = copy.layout.title.text
    text = html.escape(one_line(title), quote=False) + (f"<br><sub>{old}</sub>" if old else "")
    top = max(int(copy.layout.margin.t or 0), 100)
    copy.update_layout(title=dict(text=text, x=0, xanchor="left", font=dict(size=13)), margin=dict(t=top))
    return copy


def figure_png(fig, width: int = 1600, height: int | None = None, scale: float = 1.0, title: str = "") -> bytes:
    """A plotly figure as PNG bytes via kaleido + headless Chromium (a few seconds; offline); a ``title`` goes on
    top (:func:`titled_figure`)."""
    ok, reason = png_support()
    if not ok:
        raise ExportError(reason)
    import kaleido

    if title:
        fig = titled_figure(fig, title)

    layout = fig.layout
    height = height or (layout.height if layout.height else 600)
    try:
        return kaleido.calc_fig_sync(
            fig.to_dict(),
            opts=dict(format="png", width=int(width), height=int(height), scale=scale),
            kopts={"mathjax": False},  # MathJax would be fetched from a CDN; we use no LaTeX
        )
    except Exception as exc:  # noqa: BLE001 - a browser failing to start has many shapes
        raise ExportError(
            f"The PNG could not be made ({type(exc).__name__}: {exc}). Download the interactive HTML instead "
            "and use the camera icon in it to save a PNG."
        ) from exc
