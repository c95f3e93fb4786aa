"""The text pretrained vectors learn from, and the loaders of the vector sources.

Pretrained vectors help a classifier because they were learned from far more
*unlabelled* text than there are labelled examples. A fair comparison sets them
up the same way: word2vec and fastText here learn from the **pretraining corpus**, by default
the text of every training example of the dataset (all 25,000 IMDB training
reviews, or every training text of an upload), with the labels unused and the
test split never read. The labelled subset a model trains on may be much smaller
(500 reviews, say); the vectors are the same for every subset size, so they are
trained once per corpus and parameters and then loaded from disk.

"Only the labelled texts" stays available as a choice, because it shows why
pretraining needs a lot of text: with 500 reviews word2vec has almost nothing to
learn from.

    >>> sorted(CORPORA)
    ['all_training_texts', 'labelled_only']

Sets trained here are kept twice: in memory (the last few, per process) and on
disk (:func:`lib.vectors.word2vec.train_word2vec`), so every subset size and every
page reuses one set per corpus and parameters (:func:`word2vec`,
:func:`word2vec_is_ready`; a fastText set is the same with ``params.method == "fasttext"``).
The loaders :func:`glove_vectors`, :func:`word2vec_vectors` and :func:`fasttext_vectors`
are what the source registry (:data:`lib.models.VECTOR_SOURCES`) calls, as
``load(corpus, config, on_progress)``; :func:`word2vec_seconds` and :func:`fasttext_seconds`
its time estimates.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from lib.errors import TrainingError
from lib.vectors.packaged import glove
from lib.vectors.word2vec import Word2VecParams, train_word2vec, word2vec_cache_path

#: The texts word2vec may learn from: key -> plain description.
CORPORA: dict[str, str] = {
    "all_training_texts": "the text of every training example (labels unused, test texts never)",
    "labelled_only": "only the labelled training examples the model trains on",
}
DEFAULT_CORPUS = "all_training_texts"

#: Seconds per text per word2vec epoch with one worker thread, measured on this project's 2-core machine
#: (46.7 s for the 25,000 IMDB training texts x 5 epochs on 2026-11-26; 21.8 s on a quieter day).
WORD2VEC_SECONDS_PER_TEXT_EPOCH = 3.7e-4
#: fastText learns every word's n-grams too: 2.5 times word2vec's time, both measured in one run on 2,500 IMDB
#: training texts x 2 epochs on 2026-12-02 (word2vec 8.8 s, fastText 22.4 s, on a busy machine).
FASTTEXT_SECONDS_PER_TEXT_EPOCH = 2.5 * WORD2VEC_SECONDS_PER_TEXT_EPOCH


@dataclass(frozen=True)
class Corpus:
    """Unlabelled texts to pretrain on. ``key`` names the texts in cache files ("imdb", "imdb-n500-s0")."""

    key: str
    name: str
    texts: Sequence[str]

    def __len__(self) -> int:
        return len(self.texts)


def pretraining_corpus(dataset, labelled, choice: str = DEFAULT_CORPUS) -> Corpus:
    """The corpus a run's pretrained vectors learn from.

    ``dataset`` is the whole :class:`lib.data.dataset.TextDataset`, ``labelled`` the
    (possibly smaller) subset the model trains on. Only training texts are ever
    used; ``choice`` is a key of :data:`CORPORA`.
    """
    if choice not in CORPORA:
        raise TrainingError(f"Unknown pretraining corpus {choice!r}; choose one of {', '.join(CORPORA)}.")
    source = dataset if choice == "all_training_texts" else labelled
    texts = list(source.train_texts)
    return Corpus(key=source.key, name=f"{len(texts):,} training texts of {dataset.name} (labels unused)",
                  texts=texts)


# --- the loaders of lib.models.VECTOR_SOURCES ----------------------------------------------------------------


def glove_vectors(corpus: Corpus, config, on_progress: Callable[[dict], None] | None = None):
    """GloVe needs no corpus: it was trained on Wikipedia and Gigaword by its authors."""
    return glove()


def glove_seconds(n_texts: int, config) -> float:
    return 1.0


#: word2vec sets in memory in this process, newest last: (corpus key, number of texts, params) -> KeyedVectors.
_IN_MEMORY: dict[tuple, object] = {}
_IN_MEMORY_MAX = 4
_lock = threading.Lock()


def word2vec(corpus: Corpus, params: Word2VecParams = Word2VecParams(),
             on_progress: Callable[[float], None] | None = None):
    """word2vec trained on ``corpus`` with ``params``: from memory, else from the disk cache, else trained.

    ``on_progress(fraction)`` is called while it trains. Kept in memory per process
    (the last few sets) and on disk (:func:`lib.vectors.word2vec.train_word2vec`, which names
    the file by a digest of the texts and parameters), so every subset size and
    every page reuses one set of vectors per corpus and parameters.
    """
    key = (corpus.key, len(corpus), params)
    with _lock:
        kv = _IN_MEMORY.get(key)
    if kv is None:
        kv = train_word2vec(list(corpus.texts), cache_key=corpus.key, on_progress=on_progress, **params.as_kwargs())
        kv.vectors.flags.writeable = False
        with _lock:
            _IN_MEMORY[key] = kv
            while len(_IN_MEMORY) > _IN_MEMORY_MAX:
                _IN_MEMORY.pop(next(iter(_IN_MEMORY)))
    elif on_progress:
        on_progress(1.0)
    return kv


def word2vec_is_ready(corpus: Corpus, params: Word2VecParams = Word2VecParams()) -> bool:
    """Whether :func:`word2vec` would answer at once (in memory here, or cached on disk)."""
    with _lock:
        if (corpus.key, len(corpus), params) in _IN_MEMORY:
            return True
    return word2vec_cache_path(list(corpus.texts), corpus.key, params).is_file()


def _trained_vectors(method: str, corpus: Corpus, config, on_progress: Callable[[dict], None] | None):
    """:func:`word2vec` with a run config's parameters and ``method``, reporting ``{"stage": "word2vec", ...}``."""
    def report(fraction: float) -> None:
        if on_progress:
            on_progress({"stage": "word2vec", "method": method, "fraction": float(fraction)})

    return word2vec(corpus, replace(Word2VecParams.from_config(config), method=method), report)


def word2vec_vectors(corpus: Corpus, config, on_progress: Callable[[dict], None] | None = None):
    """The registry's loader: word2vec on the run's pretraining corpus."""
    return _trained_vectors("word2vec", corpus, config, on_progress)


def fasttext_vectors(corpus: Corpus, config, on_progress: Callable[[dict], None] | None = None):
    """The registry's loader: fastText on the run's pretraining corpus, with word2vec's parameters."""
    return _trained_vectors("fasttext", corpus, config, on_progress)


def word2vec_seconds(n_texts: int, config) -> float:
    return WORD2VEC_SECONDS_PER_TEXT_EPOCH * n_texts * Word2VecParams.from_config(config).epochs + 0.5


def fasttext_seconds(n_texts: int, config) -> float:
    return FASTTEXT_SECONDS_PER_TEXT_EPOCH * n_texts * Word2VecParams.from_config(config).epochs + 0.5
