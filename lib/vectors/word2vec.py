"""gensim ``Word2Vec`` and ``FastText`` trained here: their parameters, the training, and the disk cache.

:class:`Word2VecParams` is the one place the defaults are written; every page, job
and run config that trains word2vec or fastText starts from it. ``method`` picks
gensim's ``Word2Vec`` or ``FastText`` (:data:`METHODS`); everything else means the
same for both::

    >>> Word2VecParams()
    Word2VecParams(dim=50, window=5, min_count=2, sg=0, epochs=5, seed=0, method='word2vec')
    >>> Word2VecParams().as_kwargs()
    {'dim': 50, 'window': 5, 'min_count': 2, 'sg': 0, 'epochs': 5, 'seed': 0, 'method': 'word2vec', 'workers': 1}
    >>> Word2VecParams(sg=1).describe()
    '50-d, skip-gram, window 5, min count 2, 5 epochs'

fastText learns a vector per word *and* per character n-gram (the word's pieces of
3 to 6 letters, with ``<`` and ``>`` marking its start and end), so it can build a
vector for any word, even one it never saw, from the pieces it did see.

:func:`train_word2vec` learns vectors from texts split by the project's tokenizer
rules, so the words match a model's vocabulary. With a ``cache_key`` the result is
saved under ``cache_dir()/word2vec``, in a file named by a digest of the texts and
parameters (:func:`word2vec_cache_path`), and reloaded from there next time:
word2vec in its binary format, fastText as a NumPy ``.npz`` of its word and n-gram
matrices (numbers, never a pickle, in both cases). Which texts to learn from, and
keeping sets in memory, is :mod:`lib.vectors.pretraining`.
"""
from __future__ import annotations

import hashlib
import logging
import zlib

import numpy as np
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from lib.io import atomic_path, atomic_write, ready_store, safe_name
from lib.paths import cache_dir
from lib.text import text_to_word_sequence
from lib.vectors import VectorError

log = logging.getLogger(__name__)

#: The methods :class:`Word2VecParams` can train with: key -> name shown to users.
METHODS: dict[str, str] = {"word2vec": "word2vec", "fasttext": "fastText"}

#: fastText hashes its character n-grams into this many rows (gensim's default, 2,000,000, would take
#: 400 MB at 50 numbers per row; IMDB's training reviews have about a million distinct n-grams).
FASTTEXT_BUCKETS = 200_000
FASTTEXT_NGRAMS = (3, 6)  # shortest and longest character n-gram (gensim's and Facebook's defaults)


@dataclass(frozen=True)
class Word2VecParams:
    """How word2vec is trained (gensim's names), with the defaults every caller shares.

    ``dim`` is the vector length; ``window`` the words of context on each side;
    words rarer than ``min_count`` get no vector; ``sg=1`` is skip-gram (predict the
    context from the word), ``sg=0`` CBOW (predict the word from its context,
    faster); ``epochs`` passes over the texts; ``seed`` fixes the random start;
    ``method`` is ``"word2vec"`` or ``"fasttext"`` (words built from character n-grams too).
    Training uses one worker thread, so a seed gives the same vectors every time.
    """

    dim: int = 50
    window: int = 5
    min_count: int = 2
    sg: int = 0
    epochs: int = 5
    seed: int = 0
    method: str = "word2vec"

    def __post_init__(self):
        if self.method not in METHODS:
            raise VectorError(f"Unknown way to learn vectors {self.method!r}; choose one of {', '.join(METHODS)}.")

    @classmethod
    def from_config(cls, config) -> "Word2VecParams":
        """The parameters a run config asks for (its embedding size, word2vec window, min count and epochs).

        ``config`` is a :class:`lib.training.RunConfig` or its dict; what it does not say keeps the default.
        The method is the key of the vector source its strategy starts from, when that is a method
        (fastText runs use the same window, min count and epochs as word2vec runs).

        >>> Word2VecParams.from_config({"embedding_dim": 100, "word2vec_epochs": 2})
        Word2VecParams(dim=100, window=5, min_count=2, sg=0, epochs=2, seed=0, method='word2vec')
        >>> Word2VecParams.from_config({"strategy": "fasttext_frozen"}).method
        'fasttext'
        """
        from lib.models import STRATEGIES

        get = config.get if isinstance(config, dict) else (lambda k, d=None: getattr(config, k, d))
        strategy = STRATEGIES.get(get("strategy", None) or "")
        method = strategy.source if strategy is not None and strategy.source in METHODS else cls.method
        return cls(dim=int(get("embedding_dim", cls.dim)), window=int(get("word2vec_window", cls.window)),
                   min_count=int(get("word2vec_min_count", cls.min_count)),
                   epochs=int(get("word2vec_epochs", cls.epochs)), method=method)

    def as_kwargs(self) -> dict:
        """Keyword arguments for :func:`train_word2vec` (and what a run's config records)."""
        return {**asdict(self), "workers": 1}

    def describe(self) -> str:
        """The parameters in a few words, for a menu label."""
        return (f"{self.dim}-d, {'skip-gram' if self.sg else 'CBOW'}, window {self.window}, "
                f"min count {self.min_count}, {self.epochs} epochs")


def _stable_hash(text: str) -> int:
    """Python's ``hash`` of a string changes every run; gensim seeds word vectors with it. This one does not."""
    return zlib.crc32(text.encode("utf-8"))


def word2vec_cache_path(texts: Sequence[str], cache_key: str, params: Word2VecParams) -> Path:
    """The cache file for vectors trained on ``texts`` with ``params``: the key, parameters and a text digest.

    word2vec files keep the digest they had before fastText existed (``method`` is left out of it), so
    caches made then are still found; fastText's digest includes the method and its n-gram settings.
    """
    fields = asdict(params)
    if params.method == "word2vec":
        del fields["method"]
    else:
        fields.update(buckets=FASTTEXT_BUCKETS, ngrams=FASTTEXT_NGRAMS)
    h = hashlib.sha1(repr(sorted(fields.items())).encode())
    h.update(str(len(texts)).encode())
    for t in texts:
        h.update(t.encode("utf-8", "replace"))
        h.update(b"\0")
    safe = safe_name(cache_key, default="w2v", max_length=80)
    suffix = ".w2v.bin" if params.method == "word2vec" else ".ft.npz"
    return cache_dir() / "word2vec" / f"{safe}-{h.hexdigest()[:12]}{suffix}"


def train_word2vec(
    texts: Sequence[str],
    *,
    cache_key: str | None = None,
    on_progress: Callable[[float], None] | None = None,
    workers: int = 1,
    **params,
):
    """Train gensim ``Word2Vec`` (or ``FastText``) on ``texts`` and return its word vectors (``model.wv``).

    Pass the *training* texts only: vectors learned from the test texts would leak
    them into every model that starts from these vectors. Texts are split with
    the same rules as the project's tokenizer (:func:`lib.text.text_to_word_sequence`),
    so the words match the model's vocabulary.

    Parameters
    ----------
    params
        Fields of :class:`Word2VecParams` (``dim``, ``window``, ``min_count``, ``sg``,
        ``epochs``, ``seed``, ``method``); what is not given keeps its default there.
        ``method="fasttext"`` returns gensim's ``FastTextKeyedVectors``, which also
        give a vector to words outside ``key_to_index`` (built from their n-grams).
    cache_key
        If given (for example ``"imdb-n2000-s0"``), the vectors are saved (never as a
        pickle) under ``cache_dir()/word2vec``, named by the key and a digest of the
        parameters and texts, and reloaded from there next time (a file with the same
        digest under another key is reused: same texts and parameters, same vectors).
    on_progress
        Called with a fraction 0..1 after the vocabulary is built and after each epoch.
    workers
        gensim's worker threads. With ``workers > 1`` the result varies slightly
        between runs (thread timing); ``workers=1`` with the same seed is exactly
        reproducible.
    """
    p = Word2VecParams(**params)
    path = word2vec_cache_path(texts, cache_key, p) if cache_key else None
    if path is not None and not path.is_file():
        # The same texts and parameters cached under another key (say, by another page) are the same vectors.
        digest = path.name.rsplit("-", 1)[-1]
        path = next(iter(sorted(path.parent.glob(f"*-{digest}"))), path) if path.parent.is_dir() else path
    if path is not None and path.is_file():
        try:
            kv = _read_cache(path, p.method)
            if on_progress:
                on_progress(1.0)
            return kv
        except (ValueError, KeyError, EOFError, OSError):
            path.unlink(missing_ok=True)  # damaged cache: train again
    name = METHODS[p.method]
    if not texts:
        raise VectorError(f"{name} needs at least one training text.")
    from gensim.models import FastText, Word2Vec
    from gensim.models.callbacks import CallbackAny2Vec

    sentences = [text_to_word_sequence(t) for t in texts]
    if sum(map(len, sentences)) == 0:
        raise VectorError(f"The training texts contain no words, so {name} has nothing to learn from.")

    class _Progress(CallbackAny2Vec):
        def __init__(self):
            self.epoch = 0

        def on_epoch_end(self, model):
            self.epoch += 1
            if on_progress:
                on_progress(0.05 + 0.95 * self.epoch / p.epochs)

    common = dict(vector_size=p.dim, window=p.window, min_count=p.min_count, sg=p.sg, seed=p.seed,
                  workers=workers, hashfxn=_stable_hash)
    if p.method == "fasttext":
        model = FastText(min_n=FASTTEXT_NGRAMS[0], max_n=FASTTEXT_NGRAMS[1], bucket=FASTTEXT_BUCKETS, **common)
    else:
        model = Word2Vec(**common)
    model.build_vocab(sentences)
    if len(model.wv) == 0:
        raise VectorError(
            f"No word occurs at least {p.min_count} times in the training texts; lower “min count” or use more texts."
        )
    if on_progress:
        on_progress(0.05)
    model.train(sentences, total_examples=len(sentences), epochs=p.epochs, callbacks=[_Progress()])
    kv = model.wv
    if path is not None:
        _write_word2vec_cache(kv, path, p.method)
    return kv


def _read_cache(path: Path, method: str):
    """Vectors saved by :func:`_write_word2vec_cache` (arrays only: ``allow_pickle=False``)."""
    if method == "word2vec":
        from gensim.models import KeyedVectors

        return KeyedVectors.load_word2vec_format(str(path), binary=True)
    from gensim.models.fasttext import FastTextKeyedVectors

    with np.load(path, allow_pickle=False) as saved:
        words = [str(w) for w in saved["words"]]
        min_n, max_n, bucket = (int(v) for v in saved["ngram_settings"])
        vectors, vocab, ngrams = (np.asarray(saved[k], dtype=np.float32) for k in ("vectors", "vectors_vocab",
                                                                                   "vectors_ngrams"))
    if not (vectors.shape == vocab.shape == (len(words), ngrams.shape[1]) and ngrams.shape[0] == bucket):
        raise ValueError("inconsistent fastText cache")
    kv = FastTextKeyedVectors(vectors.shape[1], min_n, max_n, bucket, count=0)
    kv.index_to_key = words
    kv.key_to_index = {w: i for i, w in enumerate(words)}
    kv.vectors, kv.vectors_vocab, kv.vectors_ngrams = vectors, vocab, ngrams
    return kv


def _write_word2vec_cache(kv, path: Path, method: str = "word2vec") -> None:
    """Save trained vectors for next time; a failure (disk full, ...) is logged, never raised.

    The vectors are already trained: losing the cache only costs a retrain later,
    while raising would throw away minutes of work.
    """
    try:
        ready_store(path.parent, VectorError)
        if method == "word2vec":
            with atomic_path(path) as tmp:
                kv.save_word2vec_format(str(tmp), binary=True)  # gensim insists on writing to a path itself
        else:
            atomic_write(path, lambda f: np.savez(
                f, words=np.array(kv.index_to_key, dtype=str), ngram_settings=np.array([kv.min_n, kv.max_n, kv.bucket]),
                vectors=kv.vectors, vectors_vocab=kv.vectors_vocab, vectors_ngrams=kv.vectors_ngrams))
    except Exception:  # noqa: BLE001 - whatever went wrong, the caller still gets its vectors
        log.warning("could not write the %s cache %s", METHODS[method], path.name, exc_info=True)
