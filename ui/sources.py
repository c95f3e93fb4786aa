"""Datasets and vector sets for the pages, loaded once per server and shared read-only.

What other pages call
---------------------
Datasets::

    imdb() -> TextDataset                      # the 50,000 reviews, fixed 25k/25k split (cached per server)
    dataset(key) -> TextDataset                # "imdb", "imdb-n2000-s0", "upload-<hash>" (see lib.datasets)
    dataset_choices() -> dict[label, key]      # IMDB + the datasets this session uploaded (remember_dataset)
    imdb_sentiment() -> lib.sentiment.SentimentTable   # per-word positive/negative lean in the IMDB *training* reviews

Vector sets (every one a gensim ``KeyedVectors``; **never modify one**, they are shared by all sessions)::

    glove() -> KeyedVectors                    # GloVe 6B 50-d, 400,000 words
    word2vec(dataset_key, n_train, subset_seed=0, on_progress=None, dim=50, window=5, min_count=2, sg=0,
             epochs=5, seed=0) -> KeyedVectors
        # trained on the TRAINING texts of dataset(key) subsampled to n_train (None = all) by the
        # background runner (word2vec_in_background); kept in memory and on disk (lib.pretraining)
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
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from lib import datasets as ds
from lib import jobs, pretraining
from lib import vectors as vec
from lib.io import atomic_write_bytes, safe_name
from lib.paths import uploads_dir
from ui.text import md

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
    parsed = ds.parse_subset_key(key)
    if parsed:
        base, n, seed = parsed
        return ds.subsample(dataset(base), n, seed)
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


def my_dataset_keys() -> list[str]:
    """The keys of the datasets this session uploaded (private to it)."""
    return list(_mine(MY_DATASETS))


def saved_runs() -> tuple[list, list[str]]:
    """The run store as this session may see it: every run, except those trained on other visitors' uploads."""
    from lib import runs

    return runs.list_runs(private_datasets=_mine(MY_DATASETS))


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
    """Per-word document counts and smoothed log-odds in the IMDB *training* reviews (lib.sentiment)."""
    from lib.sentiment import sentiment_table

    data = imdb()
    return sentiment_table(data.train_texts, data.train_labels)


@st.cache_data(show_spinner=False)
def frequent_words(n: int = 40) -> list[str]:
    """The ``n`` words found in the most IMDB training reviews, without English function words."""
    from lib.sentiment import function_words

    words = imdb_sentiment().frequent(3 * n, exclude=function_words())
    return [w for w in words if "'" not in w and len(w) > 1][:n]  # no contractions ("it's", "don't")


@st.cache_data(show_spinner=False)
def shared_contexts(word_a: str, word_b: str, n: int = 6) -> list[tuple[str, str, int, int]]:
    """Contexts in the IMDB training reviews that both words fill (lib.vectors.shared_contexts)."""
    return vec.shared_contexts(imdb().train_texts, word_a, word_b, n=n)


# --- the registry of vector sets ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    label: str
    key: str
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
    """GloVe 6B 50-d from the installed package, loaded once per server (lib.pretraining.glove)."""
    return pretraining.glove()


def _params(dim: int = 50, window: int = 5, min_count: int = 2, sg: int = 0, epochs: int = 5,
            seed: int = 0) -> pretraining.Word2VecParams:
    return pretraining.Word2VecParams(dim=dim, window=window, min_count=min_count, sg=sg, epochs=epochs, seed=seed)


def word2vec_label(dataset_key: str, n_train: int | None, subset_seed: int = 0, **params) -> str:
    """The menu label of a word2vec set with these settings (what :func:`word2vec` registers)."""
    # No session state here: the runner's thread calls this too.
    p = _params(**params)
    name = "IMDB" if dataset_key == "imdb" else dict(ds.saved_datasets()).get(dataset_key, dataset_key)
    size = "all" if n_train is None else f"{n_train:,}"
    extra = f", seed {p.seed}" + (f", subset seed {subset_seed}" if n_train is not None and subset_seed else "")
    return (f"word2vec trained on {name} ({size} training texts; {p.dim}-d, "
            f"{'skip-gram' if p.sg else 'CBOW'}, window {p.window}, min count {p.min_count}, {p.epochs} epochs{extra})")


def _corpus(dataset_key: str, n_train: int | None, subset_seed: int) -> pretraining.Corpus:
    """The texts a page's word2vec learns from: the first ``n_train`` training texts (stratified), or all of them.

    With ``n_train=None`` this is the same corpus, and so the same cached vectors, as
    the word2vec strategies of a training job use by default.
    """
    full = dataset(dataset_key)
    return pretraining.pretraining_corpus(full, ds.subsample(full, n_train, subset_seed), "labelled_only")


def word2vec(dataset_key: str, n_train: int | None, subset_seed: int = 0,
             on_progress: Callable[[float], None] | None = None, **params):
    """word2vec trained on the *training* texts of a dataset (never its test texts), as shared KeyedVectors.

    From memory or the disk cache when :func:`word2vec_is_ready`; otherwise it is
    trained right here, so pages start :func:`word2vec_in_background` instead and
    call this once it is ready. The set is added to :func:`available_vector_sets`.
    """
    corpus, p = _corpus(dataset_key, n_train, subset_seed), _params(**params)
    kv = pretraining.word2vec(corpus, p, on_progress)
    args = dict(subset_seed=subset_seed, **params)
    key = f"word2vec-{hashlib.sha1(repr((dataset_key, n_train, sorted(args.items()))).encode()).hexdigest()[:10]}"
    _registry().add(_Entry(word2vec_label(dataset_key, n_train, **args), key,
                           lambda: word2vec(dataset_key, n_train, **args), dataset_key))
    return kv


def _word2vec_spec(dataset_key: str, n_train: int | None, subset_seed: int = 0, **params) -> jobs.JobSpec:
    return jobs.JobSpec(dataset_key=dataset_key, kind=jobs.JobKind.WORD2VEC, title="word2vec for the pages",
                        word2vec={"n_train": n_train, "subset_seed": subset_seed, "corpus": "labelled_only",
                                  "params": _params(**params).__dict__})


def word2vec_in_background(dataset_key: str, n_train: int | None, subset_seed: int = 0, **params) -> None:
    """Have the background runner train :func:`word2vec` with these arguments, unless it is ready or on its way.

    A page script must not run 20 s of training itself (any click stops the script),
    nor a thread of the web server (it would slow every visitor): the runner's worker
    process does it and caches the vectors on disk. :func:`word2vec_progress` shows how far it is.
    """
    if not word2vec_is_ready(dataset_key, n_train, subset_seed=subset_seed, **params):
        jobs.submit(_word2vec_spec(dataset_key, n_train, subset_seed, **params), reuse=True)


def word2vec_status(dataset_key: str, n_train: int | None, subset_seed: int = 0, **params) -> tuple[str, float, str]:
    """``(state, fraction, error)``; state is "ready", "training", "failed" or "idle"."""
    if word2vec_is_ready(dataset_key, n_train, subset_seed=subset_seed, **params):
        return "ready", 1.0, ""
    job = jobs.find_job(_word2vec_spec(dataset_key, n_train, subset_seed, **params))
    if job is None:
        return "idle", 0.0, ""
    snap = job.snapshot()
    if snap["status"] in (jobs.Status.QUEUED, jobs.Status.RUNNING):
        return "training", jobs.task_fraction(snap["tasks"][0]), ""
    if snap["status"] == jobs.Status.DONE:
        return "idle", 0.0, ""  # trained once, but its cached vectors are gone (deleted or another data folder)
    return "failed", 0.0, snap["tasks"][0]["error"] or snap["error"] or "it was cancelled"


def word2vec_progress(dataset_key: str, n_train: int | None, text: str = "Training word2vec…", **params) -> str:
    """Show a background word2vec's progress, redrawn every second; rerun the page when it is ready.

    Returns the state at the time of the call (see :func:`word2vec_status`).
    """
    state, _, error = word2vec_status(dataset_key, n_train, **params)
    if state == "failed":
        st.error(f"Training word2vec did not work: {md(error)}")
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


@st.cache_resource
def _ready_word2vec() -> set:
    return set()  # word2vec settings known to be cached on disk (checking means hashing every text)


def word2vec_is_ready(dataset_key: str, n_train: int | None, subset_seed: int = 0, **params) -> bool:
    """Whether :func:`word2vec` with these arguments would answer at once (in memory or cached on disk)."""
    key = (dataset_key, n_train, subset_seed, _params(**params))
    if key in _ready_word2vec():
        return True
    ready = pretraining.word2vec_is_ready(_corpus(dataset_key, n_train, subset_seed), _params(**params))
    if ready:
        _ready_word2vec().add(key)
    return ready


def warm_up(dataset_key: str = "imdb") -> None:
    """Get the background runner ready before anyone presses Start: start its worker process and, if they are
    not cached yet, train the default word2vec vectors of the dataset (once per install; about 45 s here)."""
    jobs.start_worker()
    if jobs.find_job(_word2vec_spec(dataset_key, None)) is None:  # once: a failed attempt is not retried on every rerun
        word2vec_in_background(dataset_key, None)


def ready_vector_sources(dataset_key: str, config: dict) -> set[str]:
    """Vector sources whose vectors for this config are ready now (so the time estimate leaves them out)."""
    if config.get("pretraining_corpus") != pretraining.DEFAULT_CORPUS:
        return set()
    params = pretraining.Word2VecParams.from_config(config)
    return {"word2vec"} if word2vec_is_ready(dataset_key, None, **params.__dict__) else set()


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
        folder = vec.ready_store(_vector_upload_dir(), vec.VectorError) / digest
        path = folder / safe
        if not path.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, data)
    except OSError as exc:
        raise vec.storage_error(exc, "Storing the vector file", vec.VectorError) from exc
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
    my_datasets = set(_mine(MY_DATASETS))
    for entry in entries:
        if entry.key.startswith(ds.UPLOAD_PREFIX) and entry.label not in mine:
            continue  # another visitor's vector file
        if not ds.visible_to(entry.dataset_key or "imdb", my_datasets):
            continue  # word2vec learned from another visitor's upload
        sets.setdefault(entry.label, entry.loader)
    return sets
