"""word2vec and fastText sets the pages ask for, trained by the background runner so that no page waits for them.

The Vectors and Compare pages offer word2vec (or fastText) trained on the training texts of a
dataset (all of them, or a stratified subset of ``n_train``), with any
:class:`~lib.vectors.word2vec.Word2VecParams`. A :class:`Word2VecRequest` names one
such set; it is a plain value, so it can be built again on every rerun::

    >>> request = Word2VecRequest.of("imdb", 500, epochs=1)
    >>> request.params.epochs, request.params.window
    (1, 5)
    >>> request.key() == Word2VecRequest.of("imdb", 500, epochs=1).key()
    True
    >>> Word2VecRequest.of("imdb", 500, method="fasttext").key()[:9]
    'fasttext-'

Training one takes 20-45 s, which a page script must not spend itself (any click
stops the script) and a thread of the web server must not either (it would slow
every visitor). So :meth:`Word2VecForPages.start` hands it to the background
runner (:mod:`lib.jobs`), whose worker process trains it and caches the vectors on
disk; :meth:`~Word2VecForPages.status` says how far it is, and once it is ready
:meth:`~Word2VecForPages.vectors` loads it at once. One :class:`Word2VecForPages`
serves the whole server: it remembers which sets are known to be ready, because
checking the disk cache means hashing every text.
"""
from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import NamedTuple

from lib.data.dataset import TextDataset, subsample
from lib.data.store import saved_datasets
from lib.jobs import runner
from lib.jobs.progress import task_fraction
from lib.jobs.spec import JobKind, JobSpec, Status
from lib.vectors import pretraining
from lib.vectors.word2vec import METHODS, Word2VecParams, word2vec_cache_path

#: The pages' word2vec learns from the labelled subset they name (all training texts when ``n_train`` is None).
CORPUS = "labelled_only"


@dataclass(frozen=True)
class Word2VecRequest:
    """word2vec on the first ``n_train`` training texts of a dataset (stratified with ``subset_seed``).

    ``n_train=None`` means every training text: the same corpus, and so the same
    cached vectors, as the word2vec strategies of a training job use by default.
    """

    dataset_key: str
    n_train: int | None = None
    subset_seed: int = 0
    params: Word2VecParams = Word2VecParams()

    @classmethod
    def of(cls, dataset_key: str, n_train: int | None, subset_seed: int = 0, **params) -> "Word2VecRequest":
        """A request from the pages' arguments; ``params`` are fields of :class:`Word2VecParams`."""
        return cls(dataset_key, n_train, subset_seed, Word2VecParams(**params))

    def label(self) -> str:
        """The menu label of this set, e.g. ``word2vec trained on IMDB (all training texts; 50-d, CBOW, ...)``."""
        name = "IMDB" if self.dataset_key == "imdb" else dict(saved_datasets()).get(self.dataset_key,
                                                                                          self.dataset_key)
        size = "all" if self.n_train is None else f"{self.n_train:,}"
        extra = f", seed {self.params.seed}"
        if self.n_train is not None and self.subset_seed:
            extra += f", subset seed {self.subset_seed}"
        return f"{METHODS[self.params.method]} trained on {name} ({size} training texts; {self.params.describe()}{extra})"

    def key(self) -> str:
        """A short stable id of this set (``word2vec-<digest>``, ``fasttext-<digest>``) for the registry of vector sets."""
        args = dict(subset_seed=self.subset_seed, **asdict(self.params))
        digest = hashlib.sha1(repr((self.dataset_key, self.n_train, sorted(args.items()))).encode()).hexdigest()
        return f"{self.params.method}-{digest[:10]}"

    def job_spec(self) -> JobSpec:
        """The background job that trains this set (identical requests give identical specs)."""
        return JobSpec(dataset_key=self.dataset_key, kind=JobKind.WORD2VEC,
                       title=f"{METHODS[self.params.method]} for the pages",
                            word2vec={"n_train": self.n_train, "subset_seed": self.subset_seed, "corpus": CORPUS,
                                      "params": asdict(self.params)})

    def corpus(self, dataset: TextDataset) -> pretraining.Corpus:
        """The texts this set learns from; ``dataset`` is the whole dataset of :attr:`dataset_key`."""
        return pretraining.pretraining_corpus(dataset, subsample(dataset, self.n_train, self.subset_seed), CORPUS)


class Word2VecStatus(NamedTuple):
    """Where a requested set is: ``state`` is "ready", "training", "failed" or "idle"."""

    state: str
    fraction: float = 0.0
    error: str = ""


class Word2VecForPages:
    """The pages' word2vec sets on one server: start them in the background, follow them, load them.

    ``load_dataset(key)`` returns a whole dataset by key; the pages pass their
    server-wide cache of datasets, so asking about a set never reads a dataset twice.
    """

    def __init__(self, load_dataset: Callable[[str], TextDataset]) -> None:
        self.load_dataset = load_dataset
        self._ready: set[Word2VecRequest] = set()  # known to be cached on disk (or in memory)
        self._cache_files: dict[Word2VecRequest, Path] = {}  # naming a cache file hashes every text: done once
        self._lock = threading.Lock()

    def is_ready(self, request: Word2VecRequest) -> bool:
        """Whether :meth:`vectors` would answer at once (in memory or cached on disk)."""
        with self._lock:
            if request in self._ready:
                return True
            cache_file = self._cache_files.get(request)
        if cache_file is None:
            corpus = request.corpus(self.load_dataset(request.dataset_key))
            cache_file = word2vec_cache_path(list(corpus.texts), corpus.key, request.params)
            with self._lock:
                self._cache_files[request] = cache_file
        ready = cache_file.is_file()
        if ready:
            with self._lock:
                self._ready.add(request)
        return ready

    def vectors(self, request: Word2VecRequest, on_progress: Callable[[float], None] | None = None):
        """The set as shared ``KeyedVectors``: from memory or disk when :meth:`is_ready`, else trained right here."""
        corpus = request.corpus(self.load_dataset(request.dataset_key))
        return pretraining.word2vec(corpus, request.params, on_progress)

    def start(self, request: Word2VecRequest) -> None:
        """Have the background runner train the set, unless it is ready or already on its way."""
        if not self.is_ready(request):
            runner.submit(request.job_spec(), reuse=True)

    def status(self, request: Word2VecRequest) -> Word2VecStatus:
        """How far the set is, for a progress bar; a failed job's error is its one sentence."""
        if self.is_ready(request):
            return Word2VecStatus("ready", 1.0)
        job = runner.find_job(request.job_spec())
        if job is None:
            return Word2VecStatus("idle")
        snap = job.snapshot()
        if snap["status"] in (Status.QUEUED, Status.RUNNING):
            return Word2VecStatus("training", task_fraction(snap["tasks"][0]))
        if snap["status"] == Status.DONE:
            return Word2VecStatus("idle")  # trained once, but its cached vectors are gone (deleted or another data folder)
        return Word2VecStatus("failed", 0.0, snap["tasks"][0]["error"] or snap["error"] or "it was cancelled")

    def warm_up(self, dataset_key: str, config: dict | None = None) -> None:
        """Get the background runner ready before anyone presses Start.

        Starts its worker process and, if they are not cached yet, trains the word2vec vectors that
        a run with ``config`` (a run config dict; the defaults when None) will need: once per install,
        about 45 s for all of IMDB's training texts here. A config whose word2vec learns only from its
        own labelled texts needs nothing ahead (that word2vec is part of its training and takes a second).
        A failed attempt is not retried on every rerun: only a request never made is started.
        """
        runner.start_worker()
        config = config or {}
        if config.get("pretraining_corpus", pretraining.DEFAULT_CORPUS) != pretraining.DEFAULT_CORPUS:
            return
        request = Word2VecRequest(dataset_key, params=Word2VecParams.from_config(config))
        if runner.find_job(request.job_spec()) is None:
            self.start(request)

    def ready_sources(self, dataset_key: str, config: dict) -> set[str]:
        """Vector sources whose vectors for this run config are ready now (so a time estimate leaves them out).

        The sources trained here are named by their method ("word2vec", "fasttext").
        """
        if config.get("pretraining_corpus") != pretraining.DEFAULT_CORPUS:
            return set()
        params = Word2VecParams.from_config(config)
        return {method for method in METHODS
                if self.is_ready(Word2VecRequest(dataset_key, params=replace(params, method=method)))}
