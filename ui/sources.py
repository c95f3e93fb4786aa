"""Datasets and vector sets for the pages, loaded once per server and shared read-only.

What other pages call
---------------------
Datasets::

    imdb() -> TextDataset                      # the 50,000 reviews, fixed 25k/25k split (cached per server)
    dataset(key) -> TextDataset                # "imdb", "imdb-n2000-s0", "upload-<hash>" (see lib.data.keys)
    dataset_choices() -> dict[label, key]      # IMDB + the datasets this session uploaded (remember_dataset)
    imdb_sentiment() -> lib.sentiment.SentimentTable   # per-word positive/negative lean in the IMDB *training* reviews

Vector sets (every one a gensim ``KeyedVectors``; **never modify one**, they are shared by all sessions)::

    glove() -> KeyedVectors                    # GloVe 6B 50-d, 400,000 words
    word2vec(dataset_key, n_train, subset_seed=0, on_progress=None, **params) -> KeyedVectors
        # params: fields of lib.vectors.word2vec.Word2VecParams (its defaults). Trained on the TRAINING
        # texts of dataset(key) subsampled to n_train (None = all) by the background runner
        # (word2vec_in_background, lib.vectors.word2vec_jobs); kept in memory and on disk.
        # method="fasttext" gives fastText instead (the same service, cache and parameters)
    add_uploaded_vectors(file_name, data) -> str          # parse a user's file (never unpickled), store it, register; returns its label
    add_gensim_vectors(name) -> str                       # download a gensim-data set (online only); returns its label

    available_vector_sets() -> dict[str, Callable[[], KeyedVectors]]
        # label -> loader, for "pick any loaded vector set" menus. Always GloVe; plus every word2vec
        # trained and gensim-data set downloaded on this server, and the vector files *this session*
        # uploaded (uploads are private to their session; the files stay under data/uploads/ so runs
        # can be reproduced). Calling a loader is cheap once the set is loaded (it is cached).

Errors meant for users (``DatasetError``, ``VectorError``) pass through unchanged;
pages wrap calls in :func:`ui.errors.friendly_errors`.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from lib import helper_process
from lib.data.dataset import TextDataset, subsample
from lib.data.imdb import IMDB_NAME, load_imdb
from lib.data.keys import UPLOAD_PREFIX, parse_subset_key, visible_to
from lib.data.store import load_saved_dataset, saved_datasets
from lib.io import atomic_write_bytes, ready_store, safe_name, storage_error, upload_name
from lib.paths import runs_dir, uploads_dir
from lib.vectors import VectorError, packaged
from lib.vectors.files import load_vector_file
from lib.vectors.word2vec import METHODS
from lib.vectors.word2vec_jobs import Word2VecForPages, Word2VecRequest, Word2VecStatus
from lib.words import imdb_shared_contexts
from ui.text import md

log = logging.getLogger("embedding_lab.sources")

# --- datasets ------------------------------------------------------------------------------------------


@st.cache_resource(show_spinner="Loading the 50,000 IMDB reviews…")
def imdb() -> TextDataset:
    """The IMDB reviews with the fixed split (see :mod:`lib.data.imdb`); one copy per server."""
    return load_imdb("offline")


@st.cache_resource(show_spinner="Loading the dataset…", max_entries=16)
def _stored_dataset(key: str) -> TextDataset:
    return load_saved_dataset(key)


def dataset(key: str) -> TextDataset:
    """A dataset by key: ``"imdb"``, a subset key such as ``"imdb-n2000-s0"``, or an upload's key."""
    parsed = parse_subset_key(key)
    if parsed:
        base, n, seed = parsed
        return subsample(dataset(base), n, seed)
    if key == "imdb":
        return imdb()
    return _stored_dataset(key)


MY_DATASETS = "sources_my_dataset_keys"
MY_VECTORS = "sources_my_vector_keys"


def _mine(state_key: str) -> list:
    """What this browser session uploaded. Uploads are private to their session: two people using
    one server never see each other's files (they stay stored on disk so background jobs and runs
    can reload them by key)."""
    return st.session_state.setdefault(state_key, [])


def remember_dataset(key: str) -> None:
    """Offer an uploaded dataset (stored with lib.data.store) to this session's pages."""
    if key not in _mine(MY_DATASETS):
        _mine(MY_DATASETS).append(key)


def my_dataset_keys() -> list[str]:
    """The keys of the datasets this session uploaded (private to it)."""
    return list(_mine(MY_DATASETS))


def saved_runs() -> tuple[list, list[str]]:
    """The run store as this session may see it: every run, except those trained on other visitors' uploads.

    Read from disk only when the store changed (a run added, renamed or deleted, by this server or another one
    sharing the data folder): reading every run's files on every visit cost each visitor more as runs piled up.
    """
    records, problems = _runs_listing(tuple(sorted(_mine(MY_DATASETS))), _store_stamp())
    return list(records), list(problems)


def _store_stamp() -> tuple:
    """Each run folder's name and modification time: it changes whenever a run is added, renamed or deleted."""
    try:
        return tuple(sorted((entry.name, entry.stat().st_mtime_ns) for entry in os.scandir(runs_dir())))
    except OSError:  # no store yet (or unreadable: list_runs says why)
        return ()


@st.cache_resource(max_entries=32, show_spinner=False)
def _runs_listing(private_datasets: tuple[str, ...], stamp: tuple) -> tuple[list, list[str]]:
    from lib import runs

    return runs.list_runs(private_datasets=private_datasets)


def dataset_choices() -> dict[str, str]:
    """``label -> key`` for every dataset a page can offer: IMDB first, then this session's uploads."""
    choices = {IMDB_NAME: "imdb"}
    names = dict(saved_datasets())
    for key in _mine(MY_DATASETS):
        if key in names:
            choices[f"{names[key]} (uploaded, {key[7:13]})"] = key
    return choices


@st.cache_resource(show_spinner="Counting which words lean positive or negative in the reviews…")
def imdb_sentiment():
    """Per-word document counts and smoothed log-odds in the IMDB *training* reviews (lib.sentiment), computed in
    the helper process: its pass over 25,000 reviews would hold up every visitor of this server."""
    from lib.sentiment import imdb_sentiment_table

    return helper_process.call(imdb_sentiment_table)


@st.cache_data(show_spinner=False)
def frequent_words(n: int = 40) -> list[str]:
    """The ``n`` words found in the most IMDB training reviews, without English function words."""
    from lib.sentiment import function_words

    words = imdb_sentiment().frequent(3 * n, exclude=function_words())
    return [w for w in words if "'" not in w and len(w) > 1][:n]  # no contractions ("it's", "don't")


@st.cache_data(show_spinner=False)
def shared_contexts(word_a: str, word_b: str, n: int = 6) -> list[tuple[str, str, int, int]]:
    """Contexts in the IMDB training reviews that both words fill (lib.words.shared_contexts), from the helper
    process (a pass over thousands of reviews)."""
    return helper_process.call(imdb_shared_contexts, word_a, word_b, n=n)


# --- the registry of vector sets ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    label: str
    key: str                # "upload-<digest>" (a visitor's file: private to them), "word2vec-…", "gensim-…"
    loader: Callable[[], object]
    dataset_key: str = ""   # the dataset a set was trained on, if any: an upload's stays private


class _Registry:
    """Server-wide: labels of vector sets that are loaded (or stored) and how to get them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[str, _Entry] = {}

    def add(self, entry: _Entry) -> None:
        with self.lock:
            self.entries[entry.label] = entry


@st.cache_resource
def _registry() -> _Registry:
    return _Registry()


@st.cache_resource(show_spinner="Loading GloVe (400,000 words)…")
def glove():
    """GloVe 6B 50-d from the installed package, loaded once per server (lib.vectors.packaged.glove)."""
    return packaged.glove()


@st.cache_resource
def _word2vec_for_pages() -> Word2VecForPages:
    """The server's one :class:`lib.vectors.word2vec_jobs.Word2VecForPages`, reading datasets through this cache."""
    return Word2VecForPages(dataset)


def word2vec_label(dataset_key: str, n_train: int | None, subset_seed: int = 0, **params) -> str:
    """The menu label of a word2vec set with these settings (what :func:`word2vec` registers)."""
    # No session state here: the runner's thread calls this too.
    return Word2VecRequest.of(dataset_key, n_train, subset_seed, **params).label()


def word2vec(dataset_key: str, n_train: int | None, subset_seed: int = 0,
             on_progress: Callable[[float], None] | None = None, **params):
    """word2vec trained on the *training* texts of a dataset (never its test texts), as shared KeyedVectors.

    From memory or the disk cache when :func:`word2vec_is_ready`; otherwise it is
    trained right here, so pages start :func:`word2vec_in_background` instead and
    call this once it is ready. The set is added to :func:`available_vector_sets`.
    """
    request = Word2VecRequest.of(dataset_key, n_train, subset_seed, **params)
    kv = _word2vec_for_pages().vectors(request, on_progress)
    _registry().add(_Entry(request.label(), request.key(),
                           lambda: word2vec(dataset_key, n_train, subset_seed, **params), dataset_key))
    return kv


def word2vec_in_background(dataset_key: str, n_train: int | None, subset_seed: int = 0, **params) -> None:
    """Have the background runner train :func:`word2vec` with these arguments, unless it is ready or on its way.

    :func:`word2vec_progress` shows how far it is (see :mod:`lib.vectors.word2vec_jobs` for why not here).
    """
    _word2vec_for_pages().start(Word2VecRequest.of(dataset_key, n_train, subset_seed, **params))


def word2vec_status(dataset_key: str, n_train: int | None, subset_seed: int = 0, **params) -> Word2VecStatus:
    """``(state, fraction, error)``; state is "ready", "training", "failed" or "idle"."""
    return _word2vec_for_pages().status(Word2VecRequest.of(dataset_key, n_train, subset_seed, **params))


def word2vec_progress(dataset_key: str, n_train: int | None, text: str = "Training word2vec…", **params) -> str:
    """Show a background word2vec's progress, redrawn every second; rerun the page when it is ready.

    Returns the state at the time of the call (see :func:`word2vec_status`).
    """
    state, _, error = word2vec_status(dataset_key, n_train, **params)
    if state == "failed":
        st.error(f"Training {METHODS[params.get('method', 'word2vec')]} did not work: {md(error)}")
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


def word2vec_is_ready(dataset_key: str, n_train: int | None, subset_seed: int = 0, **params) -> bool:
    """Whether :func:`word2vec` with these arguments would answer at once (in memory or cached on disk)."""
    return _word2vec_for_pages().is_ready(Word2VecRequest.of(dataset_key, n_train, subset_seed, **params))


@st.cache_resource(show_spinner=False)
def start_helper_process() -> None:
    """Once per server: start the helper process (:mod:`lib.helper_process`), so it imports TensorFlow while the first
    visitor reads. Nothing is queued on it ahead of time: the helper answers one call at a time, and a 30-s pass over
    the reviews queued at start-up made the first Explain or tour visit wait behind it."""
    helper_process.start()


def warm_up(dataset_key: str = "imdb", config: dict | None = None) -> None:
    """Get the background runner ready before anyone presses Start (its worker, the word2vec ``config`` needs)."""
    _word2vec_for_pages().warm_up(dataset_key, config)


def ready_vector_sources(dataset_key: str, config: dict) -> set[str]:
    """Vector sources whose vectors for this config are ready now (so the time estimate leaves them out)."""
    return _word2vec_for_pages().ready_sources(dataset_key, config)


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
            raise VectorError(f"The uploaded file {file_name} is no longer stored; upload it again.") from None
    return load_vector_file(file_name, data)


def _upload_label(file_name: str, digest: str) -> str:
    return f"{file_name} (uploaded, {digest[:6]})"


def add_uploaded_vectors(file_name: str, data: bytes) -> str:
    """Parse a user's vector file, keep a copy, make it available to every page; return its menu label.

    Raises :class:`lib.vectors.VectorError` (one sentence) for anything unusable,
    including pickle-based files, which are refused unread, and a full disk.
    Nothing is stored or registered unless the file parsed, so a bad upload
    changes nothing; the copy is written through a temporary file and a rename.
    """
    upload_name(file_name, VectorError)  # "", "." or "..": a sentence, before the name is made safe below
    digest = hashlib.sha1(data).hexdigest()[:12]
    safe = safe_name(file_name, default="vectors.txt")
    _uploaded_vectors(digest, safe, _data=data)  # raises for a bad file; caches the parsed set
    try:
        folder = ready_store(_vector_upload_dir(), VectorError) / digest
        path = folder / safe
        if not path.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, data)
    except OSError as exc:
        raise storage_error(exc, "Storing the vector file", VectorError) from exc
    label, key = _upload_label(safe, digest), UPLOAD_PREFIX + digest
    _registry().add(_Entry(label, key, lambda: _uploaded_vectors(digest, safe)))
    if key not in _mine(MY_VECTORS):
        _mine(MY_VECTORS).append(key)
    return label


def uploaded_notes(label: str) -> list[str]:
    """Sentences recorded while parsing an uploaded set (e.g. the vocabulary cap was applied)."""
    entry = _registry().entries.get(label)
    if entry is None or not entry.key.startswith(UPLOAD_PREFIX) or not _visible(entry):
        return []
    return list(getattr(entry.loader(), "notes", []))


# --- gensim-data ----------------------------------------------------------------------------------------------


@st.cache_resource(show_spinner="Downloading and loading the vectors (this can take minutes)…", max_entries=2)
def _gensim_vectors(name: str):
    kv = packaged.load_gensim_data(name)
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
    sets: dict[str, Callable[[], object]] = {packaged.GLOVE_LABEL: glove}
    reg = _registry()
    with reg.lock:
        entries = list(reg.entries.values())
    for entry in entries:
        if _visible(entry):
            sets.setdefault(entry.label, entry.loader)
    return sets


def _visible(entry: _Entry) -> bool:
    """Whether this session may see a registered set: not another visitor's vector file, nor a word2vec
    learned from another visitor's dataset (the one rule, :func:`lib.data.keys.visible_to`, for both)."""
    return (visible_to(entry.key, _mine(MY_VECTORS))
            and visible_to(entry.dataset_key or "imdb", _mine(MY_DATASETS)))
