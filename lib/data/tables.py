"""Reading an uploaded table (CSV, TSV or Parquet) into a DataFrame, within fixed bounds.

:func:`read_table` reads the bytes of an upload and explains in one sentence what is
wrong with a file it cannot use; :func:`table_columns` lists its columns for a "pick
the text and label columns" menu. Checking the columns' *content* (labels, classes,
the split) is :mod:`lib.data.uploads`' job; nothing here writes to disk.

An upload is hostile until parsed. The 200 MB limit (:data:`MAX_UPLOAD_BYTES`) counts
*compressed* bytes, and a 570 KB Parquet file can decode to gigabytes, so before
anything is decoded:

* Parquet (:mod:`lib.data.parquet`): the row count and column sizes in the file's
  metadata are checked, then only the chosen columns are read, in batches small
  enough that none can decode to more than a few megabytes, each counted as Python
  will hold it, and the file is refused above :data:`lib.data.parquet.MAX_DECODED_BYTES`
  (600 MiB) before the next batch is decoded.
* CSV/TSV: the separator is guessed from the first :data:`SNIFF_BYTES` only, and a
  physical line longer than :data:`MAX_LINE_BYTES`, a header wider than
  :data:`MAX_COLUMNS` or a first row wider than the header is refused before
  pandas parses (each has a pathological case in pandas or ``csv.Sniffer``).
* :func:`table_columns` lists a Parquet file's columns from its schema alone, so
  a file with one huge column can still be used for its text and label columns.
* :func:`read_table` remembers its last results by the SHA-256 of the bytes (and
  the columns asked for), so a page that calls it on every rerun parses once.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import threading
from collections import OrderedDict

import numpy as np
import pandas as pd

from lib.data import parquet
from lib.data.dataset import DatasetError
from lib.data.parquet import out_of_memory
from lib.io import upload_name

#: Largest dataset upload accepted, in bytes (the 50k IMDB CSV is about 66 MB).
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
#: Longest physical line accepted in a CSV/TSV upload (a very long review is ~15 KB).
MAX_LINE_BYTES = 1024 * 1024
#: More columns than this in a CSV header is not a table of texts.
MAX_COLUMNS = 1_000
#: The separator of a CSV is guessed from this many bytes at its start.
SNIFF_BYTES = 64 * 1024


def _looks_binary(sample: bytes) -> bool:
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return control > max(8, len(sample) // 100)


def _longest_line(data: bytes) -> tuple[int, int]:
    """``(length, 1-based line number)`` of the longest physical line of ``data``, in bounded pieces."""
    step = 8 * 1024 * 1024
    best, best_line, lines, current = 0, 1, 0, 0
    view = memoryview(data)
    for start in range(0, len(data), step):
        piece = np.frombuffer(view[start: start + step], dtype=np.uint8)
        breaks = np.flatnonzero(piece == 0x0A)
        if breaks.size:
            lengths = np.diff(breaks, prepend=-1) - 1
            lengths[0] += current
            i = int(np.argmax(lengths))
            if lengths[i] > best:
                best, best_line = int(lengths[i]), lines + i + 1
            lines += breaks.size
            current = len(piece) - int(breaks[-1]) - 1
        else:
            current += len(piece)
        if current > best:
            best, best_line = current, lines + 1
    return best, best_line


def _text_encoding(data: bytes) -> str | None:
    """``"utf-8-sig"`` or ``"cp1252"``, whichever decodes all of ``data`` (checked in pieces), else ``None``."""
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        try:
            for start in range(0, len(data), 1 << 20):
                decoder.decode(data[start: start + (1 << 20)])
            decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    return None


def sniff_delimiter(sample: str) -> str:
    """The separator of a CSV whose first lines are ``sample``: ``,`` ``;`` tab or ``|``.

    ``csv.Sniffer`` runs regular expressions that a crafted 20 KB line keeps busy
    for seconds; this parses at most the first 20 complete lines once per candidate
    (linear time) and takes the first candidate, in the order ``, TAB ; |``, that
    splits every line into the same number (two or more) of fields. Failing that,
    the one that gives most lines two or more fields; failing that, a comma::

        >>> sniff_delimiter("text;label\\nfun, really;pos\\n")
        ';'
    """
    cut = sample.rfind("\n")
    lines = (sample[:cut] if cut > 0 else sample).splitlines()[:20]
    best, best_score = ",", 0
    for sep in (",", "\t", ";", "|"):
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=sep)]
        except csv.Error:
            continue
        if counts and min(counts) > 1 and len(set(counts)) == 1:
            return sep
        score = sum(1 for c in counts if c > 1)
        if score > best_score:
            best, best_score = sep, score
    return best


def _check_shape(file_name: str, data: bytes, encoding: str, sep: str) -> None:
    """Refuse a header with more than :data:`MAX_COLUMNS` fields, or first rows with more fields than it.

    pandas turns the extra leading fields of a first row that is longer than the
    header into a (multi-level) index: 18 KB of ``, "`` takes it seconds, and a
    300,000-field header tens of seconds. Both are refused here, on the first 20
    rows (at most two maximal lines are decoded), before pandas sees the file.
    """
    prefix = data[: 2 * (MAX_LINE_BYTES + 1)]
    text = prefix.decode(encoding, errors="ignore")
    if len(prefix) < len(data):
        text = text[: text.rfind("\n") + 1]  # whole lines only: the first two always are
    try:
        rows = list(itertools.islice(csv.reader(io.StringIO(text), delimiter=sep), 20))
    except csv.Error:
        return  # pandas will say what is wrong with it
    header = rows[0] if rows else []
    if len(header) > MAX_COLUMNS:
        raise DatasetError(
            f"{file_name} has {len(header):,} columns; at most {MAX_COLUMNS:,} are read. Keep the text and label "
            "columns and upload that."
        )
    for number, row in enumerate(rows[1:], start=2):
        if len(row) > len(header):
            raise DatasetError(
                f"{file_name} is not a well-formed table: row {number:,} has {len(row):,} fields but the header "
                f"has {len(header):,}."
            )


def _read_text_table(file_name: str, data: bytes, columns: list[str] | None) -> pd.DataFrame:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with BOM: Excel's "Unicode text"
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise DatasetError(f"{file_name} starts like UTF-16 text but is not valid UTF-16.") from None
    if data[:2] == b"PK" or _looks_binary(data[:8192]):
        raise DatasetError(
            f"{file_name} looks like a binary file (a spreadsheet, archive or image?), not CSV/TSV text; "
            "save it as CSV (UTF-8) and upload that."
        )
    longest, line_no = _longest_line(data)
    if longest > MAX_LINE_BYTES:
        raise DatasetError(
            f"{file_name} has a line (line {line_no:,}) longer than {MAX_LINE_BYTES / 1e6:,.0f} MB; "
            "a table of texts has one text per row, so this is probably not a CSV/TSV file."
        )
    encoding = _text_encoding(data)
    if encoding is None:
        raise DatasetError(
            f"{file_name} could not be read as text: it is neither UTF-8 nor Windows-1252. "
            "Save it as “CSV UTF-8” and upload it again."
        )
    sample = data[:SNIFF_BYTES].decode(encoding, errors="ignore")
    sep = "\t" if file_name.lower().endswith((".tsv", ".tab")) else sniff_delimiter(sample)
    _check_shape(file_name, data, encoding, sep)
    # A callable never fails on a missing name: dataset_from_table then names the missing column.
    wanted = None if columns is None else (lambda name, keep=frozenset(columns): name in keep)
    try:
        df = pd.read_csv(io.BytesIO(data), sep=sep, encoding=encoding, dtype=str, keep_default_na=False,
                         na_values=[""], usecols=wanted, engine="c")
    except pd.errors.EmptyDataError:
        raise DatasetError(f"{file_name} has no columns; it needs a header line and rows.") from None
    except MemoryError:
        raise out_of_memory(file_name) from None
    except (pd.errors.ParserError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatasetError(f"{file_name} is not a well-formed table ({first}).") from exc
    return df


def _read_table_uncached(file_name: str, data: bytes, columns: list[str] | None) -> pd.DataFrame:
    if len(data) > MAX_UPLOAD_BYTES:
        raise DatasetError(
            f"{file_name} is {len(data) / 1e6:,.0f} MB; the limit is {MAX_UPLOAD_BYTES / 1e6:,.0f} MB. "
            "Upload a smaller sample of it."
        )
    if len(data) == 0 or not data.strip():
        raise DatasetError(f"{file_name} is empty.")
    if _is_parquet(file_name, data):
        df = parquet.read_parquet(file_name, data, columns)
    else:
        df = _read_text_table(file_name, data, columns)
    if df.shape[1] == 0:
        raise DatasetError(f"{file_name} has no columns.")
    if len(df) == 0:
        raise DatasetError(f"{file_name} has a header but no rows.")
    df.columns = [str(c) for c in df.columns]
    return df


#: How many parsed tables :func:`read_table` keeps, and roughly how much memory they may take together.
TABLE_CACHE_ENTRIES = 8
TABLE_CACHE_BYTES = 400 * 1024 * 1024
_table_cache: OrderedDict[tuple, tuple[int, pd.DataFrame | tuple[str, str]]] = OrderedDict()
_table_cache_lock = threading.Lock()


def _is_parquet(file_name: str, data: bytes) -> bool:
    return data[:4] == b"PAR1" or file_name.lower().endswith((".parquet", ".pq"))


def table_columns(file_name: str, data: bytes) -> list[str]:
    """The column names of an uploaded table, for a "pick the text and label columns" menu.

    For Parquet they come from the file's schema alone, so a file whose *other*
    columns are too large to read can still be used for its text and label
    columns (then read with ``read_table(..., columns=[text, label])``). A CSV/TSV
    is read (bounded and cached) by :func:`read_table`.
    """
    upload_name(file_name, DatasetError)
    if not _is_parquet(file_name, data):
        return list(read_table(file_name, data).columns)
    if len(data) > MAX_UPLOAD_BYTES:
        return list(read_table(file_name, data).columns)  # raises the size sentence
    names, rows = parquet.columns_of(file_name, data)
    if not names:
        raise DatasetError(f"{file_name} has no columns.")
    if rows == 0:
        raise DatasetError(f"{file_name} has a header but no rows.")
    return names


def read_table(file_name: str, data: bytes, columns: list[str] | None = None) -> pd.DataFrame:
    """Read an uploaded CSV, TSV or Parquet file into a DataFrame, or raise :class:`DatasetError`.

    Parquet is recognised by its ``PAR1`` magic bytes (or its extension) and read
    within :data:`lib.data.parquet.MAX_DECODED_BYTES` (:func:`lib.data.parquet.read_parquet`). Anything else must
    be text: UTF-8 (with or without BOM) is tried first, then Windows-1252 (what
    Excel on Windows writes); UTF-16 with a BOM (Excel's "Unicode text") is
    recognised too. Lines longer than :data:`MAX_LINE_BYTES` are refused. The
    separator comes from the extension (``.tsv``/``.tab`` -> tab) or from
    :func:`sniff_delimiter` on the first :data:`SNIFF_BYTES`.

    ``columns`` reads only those columns (all by default). Columns are read as
    they are; checking them is :func:`lib.data.uploads.dataset_from_table`'s job.

    Pages call this on every rerun, so results (and refusals) are remembered by
    the SHA-256 of ``data``, the kind of file and ``columns``: a repeat costs one
    hash, and asking for some columns of a table already read whole costs no parse.
    At most :data:`TABLE_CACHE_BYTES` are remembered; a larger table is not. Each call returns its own DataFrame (a shallow copy; pandas' copy-on-write
    keeps changes to it away from the remembered one).

    A name that is no file name ("", ".", "..") is refused with a sentence (:func:`lib.io.upload_name`).
    """
    upload_name(file_name, DatasetError)
    kind = "parquet" if _is_parquet(file_name, data) else (
        "tsv" if file_name.lower().endswith((".tsv", ".tab")) else "text")
    digest = hashlib.sha256(data).hexdigest()
    key = (digest, kind, None if columns is None else tuple(columns))
    with _table_cache_lock:
        hit = _table_cache.get(key)
        whole = _table_cache.get((digest, kind, None)) if hit is None and columns is not None else None
        if hit is not None:
            _table_cache.move_to_end(key)
    if hit is None and whole is not None and isinstance(whole[1], pd.DataFrame) and set(columns) <= set(whole[1].columns):
        return whole[1][list(dict.fromkeys(columns))].copy(deep=False)  # the columns of the table already read
    if hit is None:
        try:
            result: pd.DataFrame | tuple[str, str] = _read_table_uncached(file_name, data, None if columns is None else list(columns))
        except DatasetError as exc:
            result = (str(exc), file_name)
        # what the entry holds: pandas keeps the texts in Arrow memory, or as one Python object per cell
        size = int(result.memory_usage(index=False, deep=True).sum()) if isinstance(result, pd.DataFrame) else 0
        hit = (size, result)
        if size <= TABLE_CACHE_BYTES:  # a table larger than the whole cache is not kept (it would push out the rest)
            with _table_cache_lock:
                _table_cache[key] = hit
                while len(_table_cache) > TABLE_CACHE_ENTRIES or sum(n for n, _ in _table_cache.values()) > TABLE_CACHE_BYTES:
                    _table_cache.popitem(last=False)
    result = hit[1]
    if isinstance(result, tuple):  # a refusal: the same sentence, naming the file as it is called now
        message, named = result
        raise DatasetError(message.replace(named, file_name) if named else message)
    return result.copy(deep=False)
