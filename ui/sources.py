"""Datasets and vector sets for the pages, loaded once per server and shared read-only.

What other pages call
---------------------
Datasets::

    imdb() -> TextDataset                      # the 50,000 reviews, fixed 25k/25k split (cached per server)
    dataset(key) -> TextDataset                # "imdb", "imdb-n2000-s0", "upload-<hash>" (see lib.datasets)
    dataset_choices() -> dict[label, key]      # IMDB + the datasets this session uploaded (remember_dataset)
    imdb_sentiment() -> lib.neighbors.SentimentTable   # per-word positive/negative lean in the IMDB *training* reviews

Vector sets (every one a gensim ``KeyedVectors``; **never modify one**, they are shared by all sessions)::

    glove() -> KeyedVectors                    # GloVe 6B 50-d, 400,000 words
    word2vec(dataset_key, n_train, dim=50, window=5, min_count=2, sg=0, epochs=5, seed=0,
             subset_seed=0, on_progress=None) -> KeyedVectors
        # trained on the TRAINING texts of dataset(key) subsampled to n_train (None = all);
        # kept in memory per server and on disk (lib.vectors cache), and added to the registry
    add_uploaded_vectors(file_name, data) -> str          # parse a user's file (never unpickled), store it, register; returns its label
    add_gensim_vectors(name) -> str                       # download a gensim-data set (online only); returns its label

    available_vector_sets() -> dict[str, Callable[[], KeyedVectors]]
        # label -> loader, for "pick any loaded vector set" menus. Always GloVe; plus every word2vec
        # trained and gensim-data set downloaded on this server, and the vector files *this session*
        # uploaded (uploads are private to their session; the files stay under data/uploads/ so runs
        # can be reproduced). Calling a loader is cheap once the set is loaded (it is cached).
    vector_set_key(label) -> str                          # short stable id for run configs ("glove-6b-50d", ...)

Errors meant for users (``DatasetError``, ``VectorError``) pass through unchanged;
pages wrap calls in :func:`ui.errors.friendly_errors`.
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from lib import datasets as ds
from lib import vectors as vec
from lib.io import atomic_write_bytes, safe_name
from lib.paths import uploads_dir

GLOVE_KEY = "glove-6b-50d"
log = logging.getLogger("embedding_lab.sources")

# --- datasets ------------------------------------------------------------------------------------------


@st.cache_resource(show_spinner="Loading the 50,000 IMDB reviews…")
def imdb() -> ds.TextDataset:
    """The IMDB reviews with the fixed split (see :mod:`lib.datasets`); one copy per server."""
    return ds.load_imdb("offline")


@st.cache_resource(show_spinner="Loading the dataset…", max_entries=16)
def _stored_dataset(key: str) -> ds.TextDataset:
    return ds.load_saved_dataset(key)


def dataset(key: str) -> ds.TextDataset:
    """A dataset by key: ``"imdb"``, a subset key such as ``"imdb-n2000-s0"``, or an upload's key."""
    m = re.fullmatch(r"(.+)-n(\d+)-s(\d+)", key)
    if m:
        return ds.subsample(dataset(m.group(1)), int(m.group(2)), int(m.group(3)))
    if key == "imdb":
        return imdb()
    return _stored_dataset(key)


MY_DATASETS = "sources_my_dataset_keys"
MY_VECTORS = "sources_my_vector_labels"


def _mine(state_key: str) -> list:
    """What this browser session uploaded. Uploads are private to their session: two people using
    one server never see each other's files (they stay stored on disk so background jobs and runs
    can reload them by key)."""
    return st.session_state.setdefault(state_key, [])


def remember_dataset(key: str) -> None:
    """Offer an uploaded dataset (stored with lib.datasets) to this session's pages."""
    if key not in _mine(MY_DATASETS):
        _mine(MY_DATASETS).append(key)


def dataset_choices() -> dict[str, str]:
    """``label -> key`` for every dataset a page can offer: IMDB first, then this session's uploads."""
    choices = {ds.IMDB_NAME: "imdb"}
    names = dict(ds.saved_datasets())
    for key in _mine(MY_DATASETS):
        if key in names:
            choices[f"{names[key]} (uploaded, {key[7:13]})"] = key
    return choices


@st.cache_resource(show_spinner="Counting which words lean positive or negative in the reviews…")
def imdb_sentiment():
    """Per-word document counts and smoothed log-odds in the IMDB *training* reviews (lib.neighbors)."""
    from lib.neighbors import sentiment_table

    data = imdb()
    return sentiment_table(data.train_texts, data.train_labels)


@st.cache_data(show_spinner=False)
def frequent_words(n: int = 40) -> list[str]:
    """The ``n`` words found in the most IMDB training reviews, without English function words."""
    from lib.neighbors import function_words

    words = imdb_sentiment().frequent(3 * n, exclude=function_words())
    return [w for w in words if "'" not in w and len(w) > 1][:n]  # no contractions ("it's", "don't")


@st.cache_data(show_spinner=False)
def shared_contexts(word_a: str, word_b: str, n: int = 6) -> list[tuple[str, str, int, int]]:
    """Contexts in the IMDB training reviews that both words fill (lib.vectors.shared_contexts)."""
    return vec.shared_contexts(imdb().train_texts, word_a, word_b, n=n)


# --- the registry of vector sets ------------------------------------------------------------------------


@dataclass
class _Background:
    """A word2vec being trained in a background thread (see :func:`word2vec_in_background`)."""

    thread: threading.Thread
    fraction: float = 0.0
    error: str = ""


@dataclass(frozen=True)
class _Entry:
    label: str
    key: str
    loader: Callable[[], object]


class _Registry:
    """Server-wide: labels of vector sets that are loaded (or stored) and how to get them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[str, _Entry] = {}
        self.word2vec: dict[tuple, object] = {}
        self.training_locks: dict[tuple, threading.Lock] = {}
        self.background: dict[tuple, "_Background"] = {}

    def add(self, entry: _Entry) -> None:
        with self.lock:
            self.entries[entry.label] = entry


@st.cache_resource
def _registry() -> _Registry:
    return _Registry()


@st.cache_resource(show_spinner="Loading GloVe (400,000 words)…")
def glove():
    """GloVe 6B 50-d from the installed package, loaded once per server (about 0.5 s)."""
    return vec.load_glove_50d()


def word2vec_label(dataset_key: str, n_train: int | None, dim: int = 50, window: int = 5, min_count: int = 2,
                   sg: int = 0, epochs: int = 5, seed: int = 0, subset_seed: int = 0) -> str:
    """The menu label of a word2vec set with these settings (what :func:`word2vec` registers)."""
    # No session state here: background threads call this too.
    name = "IMDB" if dataset_key == "imdb" else dict(ds.saved_datasets()).get(dataset_key, dataset_key)
    size = "all" if n_train is None else f"{n_train:,}"
    extra = f", seed {seed}" + (f", subset seed {subset_seed}" if n_train is not None and subset_seed else "")
    return (f"word2vec trained on {name} ({size} training texts; {dim}-d, "
            f"{'skip-gram' if sg else 'CBOW'}, window {window}, min count {min_count}, {epochs} epochs{extra})")


def word2vec(
    dataset_key: str,
    n_train: int | None,
    dim: int = 50,
    window: int = 5,
    min_count: int = 2,
    sg: int = 0,
    epochs: int = 5,
    seed: int = 0,
    subset_seed: int = 0,
    on_progress: Callable[[float], None] | None = None,
    _texts: tuple | None = None,
):
    """word2vec trained on the *training* texts of a dataset (never its test texts).

    Trained once per server for each combination of arguments (other sessions
    asking for the same one wait for it instead of training again) and cached on
    disk by :func:`lib.vectors.train_word2vec`, so a restart reloads it in under a
    second. ``on_progress(fraction)`` is called while training; pages pass
    ``st.progress(...).progress``. The result is added to :func:`available_vector_sets`.
    """
    args = (dataset_key, n_train, dim, window, min_count, sg, epochs, seed, subset_seed)
    reg = _registry()
    with reg.lock:
        kv = reg.word2vec.get(args)
        train_lock = reg.training_locks.setdefault(args, threading.Lock())
    if kv is None:
        with train_lock:
            with reg.lock:
                kv = reg.word2vec.get(args)
            if kv is None:
                # ``_texts`` = (training texts, cache key), resolved by a caller that runs off the page thread
                if _texts is None:
                    data = ds.subsample(dataset(dataset_key), n_train, subset_seed)
                    _texts = (data.train_texts, data.key)
                kv = vec.train_word2vec(
                    _texts[0], dim=dim, window=window, min_count=min_count, sg=sg, epochs=epochs,
                    seed=seed, cache_key=_texts[1], on_progress=on_progress,
                )
                kv.vectors.flags.writeable = False
                with reg.lock:
                    reg.word2vec[args] = kv
    label = word2vec_label(*args)
    key = f"word2vec-{hashlib.sha1(repr(args).encode()).hexdigest()[:10]}"
    reg.add(_Entry(label, key, lambda: word2vec(*args)))
    return kv


def _word2vec_args(dataset_key: str, n_train: int | None, dim: int = 50, window: int = 5, min_count: int = 2,
                   sg: int = 0, epochs: int = 5, seed: int = 0, subset_seed: int = 0) -> tuple:
    return (dataset_key, n_train, dim, window, min_count, sg, epochs, seed, subset_seed)


def word2vec_in_background(dataset_key: str, n_train: int | None, **params) -> None:
    """Start training :func:`word2vec` with these arguments in a background thread, if it is not ready or running.

    A page script must not run 30 s of training itself: any click stops the script
    and the work would be lost. The thread touches no Streamlit API (the data is
    resolved here, in the page's thread); :func:`word2vec_progress` shows how far it is.
    """
    args = _word2vec_args(dataset_key, n_train, **params)
    reg = _registry()
    with reg.lock:
        running = reg.background.get(args)
        if args in reg.word2vec or (running is not None and running.thread.is_alive()):
            return
    data = ds.subsample(dataset(dataset_key), n_train, args[-1])
    state = _Background(thread=threading.Thread(name="embedding-lab-word2vec", daemon=True, target=lambda: None))

    def work() -> None:
        try:
            word2vec(*args[:-1], subset_seed=args[-1], on_progress=lambda f: setattr(state, "fraction", float(f)),
                     _texts=(data.train_texts, data.key))
        except Exception as exc:  # noqa: BLE001 - reported on the page, logged here
            log.error("word2vec training failed", exc_info=exc)
            state.error = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"

    state.thread = threading.Thread(name="embedding-lab-word2vec", daemon=True, target=work)
    with reg.lock:
        reg.background[args] = state
    state.thread.start()


def word2vec_status(dataset_key: str, n_train: int | None, **params) -> tuple[str, float, str]:
    """``(state, fraction, error)``; state is "ready", "training", "failed" or "idle"."""
    args = _word2vec_args(dataset_key, n_train, **params)
    reg = _registry()
    with reg.lock:
        if args in reg.word2vec:
            return "ready", 1.0, ""
        running = reg.background.get(args)
    if running is None:
        return "idle", 0.0, ""
    if running.thread.is_alive():
        return "training", running.fraction, ""
    return ("failed", running.fraction, running.error) if running.error else ("ready", 1.0, "")


def word2vec_progress(dataset_key: str, n_train: int | None, text: str = "Training word2vec…", **params) -> str:
    """Show a background word2vec's progress, redrawn every second; rerun the page when it is ready.

    Returns the state at the time of the call (see :func:`word2vec_status`).
    """
    state, _, error = word2vec_status(dataset_key, n_train, **params)
    if state == "failed":
        st.error(f"Training word2vec did not work: {error}")
    if state != "training":
        return state

    @st.fragment(run_every=1.0)
    def poll() -> None:
        now, fraction, _ = word2vec_status(dataset_key, n_train, **params)
        if now != "training":
            st.rerun()  # ready or failed: draw the page with the result
        st.progress(min(max(fraction, 0.0), 1.0), text=f"{text} {fraction:.0%} (you can use the rest of the page meanwhile)")

    poll()
    return state


def word2vec_is_ready(dataset_key: str, n_train: int | None, **params) -> bool:
    """Whether :func:`word2vec` with these arguments would answer at once (in memory or cached on disk)."""
    p = dict(dim=50, window=5, min_count=2, sg=0, epochs=5, seed=0, subset_seed=0)
    p.update(params)
    if (dataset_key, n_train, *p.values()) in _registry().word2vec:
        return True
    data = ds.subsample(dataset(dataset_key), n_train, p["subset_seed"])
    train_params = {k: v for k, v in p.items() if k != "subset_seed"}
    return vec.word2vec_cache_path(data.train_texts, data.key, train_params).is_file()


# --- uploaded files ----------------------------------------------------------------------------------------


def _vector_upload_dir() -> Path:
    return uploads_dir() / "vectors"


@st.cache_resource(show_spinner="Reading the vector file…", max_entries=8)
def _uploaded_vectors(digest: str, file_name: str, _data: bytes | None = None):
    """Parse a stored (or just uploaded) vector file; keyed by its content hash only.

    ``file_name`` is already :func:`lib.io.safe_name`-d and ``digest`` is hex, so the
    stored path cannot leave the uploads folder.
    """
    data = _data
    if data is None:
        path = _vector_upload_dir() / safe_name(digest) / safe_name(file_name, default="vectors.txt")
        try:
            data = path.read_bytes()
        except OSError:
            raise vec.VectorError(f"The uploaded file {file_name} is no longer stored; upload it again.") from None
    return vec.load_vector_file(file_name, data)


def _upload_label(file_name: str, digest: str) -> str:
    return f"{file_name} (uploaded, {digest[:6]})"


def add_uploaded_vectors(file_name: str, data: bytes) -> str:
    """Parse a user's vector file, keep a copy, make it available to every page; return its menu label.

    Raises :class:`lib.vectors.VectorError` (one sentence) for anything unusable,
    including pickle-based files, which are refused unread, and a full disk.
    Nothing is stored or registered unless the file parsed, so a bad upload
    changes nothing; the copy is written through a temporary file and a rename.
    """
    digest = hashlib.sha1(data).hexdigest()[:12]
    safe = safe_name(file_name, default="vectors.txt")
    _uploaded_vectors(digest, safe, _data=data)  # raises for a bad file; caches the parsed set
    try:
        folder = vec.ready_store(_vector_upload_dir()) / digest
        path = folder / safe
        if not path.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, data)
    except OSError as exc:
        raise vec.storage_error(exc, "Storing the vector file") from exc
    label = _upload_label(safe, digest)
    _registry().add(_Entry(label, f"upload-{digest}", lambda: _uploaded_vectors(digest, safe)))
    if label not in _mine(MY_VECTORS):
        _mine(MY_VECTORS).append(label)
    return label


def uploaded_notes(label: str) -> list[str]:
    """Sentences recorded while parsing an uploaded set (e.g. the vocabulary cap was applied)."""
    entry = _registry().entries.get(label)
    if entry is None or not entry.key.startswith("upload-"):
        return []
    return list(getattr(entry.loader(), "notes", []))


# --- gensim-data ----------------------------------------------------------------------------------------------


@st.cache_resource(show_spinner="Downloading and loading the vectors (this can take minutes)…", max_entries=2)
def _gensim_vectors(name: str):
    kv = vec.load_gensim_data(name)
    kv.vectors.flags.writeable = False
    return kv


def add_gensim_vectors(name: str) -> str:
    """Download (once) a gensim-data set, register it, return its menu label; VectorError when offline."""
    _gensim_vectors(name)
    label = f"{name} (gensim-data)"
    _registry().add(_Entry(label, f"gensim-{name}", lambda: _gensim_vectors(name)))
    return label


# --- what pages offer -----------------------------------------------------------------------------------------


def available_vector_sets() -> dict[str, Callable[[], object]]:
    """``label -> loader`` of every vector set a page can offer now (GloVe first, then in the order added).

    word2vec sets trained here and gensim-data downloads are shared by everyone on the
    server; uploaded files only by the session that uploaded them.
    Loaders return shared ``KeyedVectors``: read them, never change them.
    """
    sets: dict[str, Callable[[], object]] = {vec.GLOVE_LABEL: glove}
    reg = _registry()
    with reg.lock:
        entries = list(reg.entries.values())
    mine = set(_mine(MY_VECTORS))
    for entry in entries:
        if not entry.key.startswith("upload-") or entry.label in mine:
            sets.setdefault(entry.label, entry.loader)
    return sets


def vector_set_key(label: str) -> str:
    """A short stable id of a vector set for run configs and cache keys (``"glove-6b-50d"``, ``"upload-…"``)."""
    if label == vec.GLOVE_LABEL:
        return GLOVE_KEY
    entry = _registry().entries.get(label)
    if entry is not None:
        return entry.key
    raise KeyError(label)
