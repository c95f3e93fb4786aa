"""What one run is set to do, the ready-made settings, and how long a job of such runs should take.

A :class:`RunConfig` is everything a run needs to be reproduced: the data (dataset
key, training and test sizes, which subset), the model (architecture, vocabulary,
sequence length, embedding size), the strategy (how the embedding starts), the
training (epochs, batch, learning rate, early stopping) and the seeds. The run
store keeps it as the run's ``config.json``; :mod:`lib.training` trains from it.

The pages start from a preset (:data:`PRESETS`) and change some of its settings;
:func:`make_config` checks the result and gives it back as a plain dict for
widgets and JSON::

    >>> quick = make_config(**PRESETS["Quick demo"])
    >>> quick["train_size"], quick["strategy"], quick["seed"], PRESET_SEEDS["Quick demo"]
    (2000, 'learned', 0, 3)

:func:`estimate_seconds` is the one time estimate every page shows before a job
starts, calibrated on this project's 2-core machine.

This module is cheap to import (no TensorFlow): the pages import it on every rerun.
"""
from __future__ import annotations

import dataclasses
import functools
from dataclasses import asdict, dataclass, fields
from typing import Any

from lib.errors import TrainingError
from lib.models import ARCHITECTURES, STRATEGIES, VECTOR_SOURCES, source_of
from lib.significance import MIN_SEEDS
from lib.vectors.pretraining import CORPORA


@dataclass(frozen=True)
class RunConfig:
    """Everything one run needs to be reproduced: the data, the model, the strategy, the seeds.

    Validated when made (a :class:`TrainingError` says what is wrong), stored as
    JSON in the run's ``config.json`` (together with facts measured during the
    run, such as the vocabulary size actually reached), and read back with
    :meth:`from_dict`, which ignores those extra facts::

        >>> config = RunConfig(strategy="glove_frozen", train_size=500)
        >>> RunConfig.from_dict(config.to_dict()) == config
        True
        >>> RunConfig(epochs=0)
        Traceback (most recent call last):
        ...
        lib.errors.TrainingError: Epochs must be at least 1.
    """

    strategy: str = "learned"
    dataset_key: str = "imdb"
    architecture: str = "average"
    train_size: int | None = None        # None = every training text of the dataset
    test_size: int | None = None         # None = the whole held-out test split
    subset_seed: int = 0                 # which texts a smaller training set keeps (same for every strategy)
    vocab_size: int = 10_000
    sequence_length: int = 200
    embedding_dim: int = 50
    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 1e-3
    validation_fraction: float = 0.1     # carved from the training data, never from the test split
    seed: int = 0
    early_stopping: bool = False         # stop when validation loss stops improving, keep the best epoch's weights
    patience: int = 2
    word2vec_epochs: int = 5
    word2vec_window: int = 5
    word2vec_min_count: int = 2
    pretraining_corpus: str = "all_training_texts"  # a key of lib.vectors.pretraining.CORPORA
    job_id: str | None = None

    def __post_init__(self) -> None:
        fix = functools.partial(object.__setattr__, self)
        if self.strategy not in STRATEGIES:
            raise TrainingError(f"Unknown strategy {self.strategy!r}; choose one of {', '.join(STRATEGIES)}.")
        if self.architecture not in ARCHITECTURES:
            raise TrainingError(f"Unknown architecture {self.architecture!r}; choose one of {', '.join(ARCHITECTURES)}.")
        for name in ("vocab_size", "sequence_length", "embedding_dim", "epochs", "batch_size"):
            try:
                value = int(getattr(self, name))
            except (TypeError, ValueError):
                raise TrainingError(f"{name.replace('_', ' ').capitalize()} must be a whole number.") from None
            if value < 1:
                raise TrainingError(f"{name.replace('_', ' ').capitalize()} must be at least 1.")
            fix(name, value)
        if self.vocab_size < 3:
            raise TrainingError("The vocabulary needs at least 3 entries (padding plus two words).")
        for name in ("train_size", "test_size"):
            value = getattr(self, name)
            if value is not None:
                if int(value) < 1:
                    raise TrainingError(f"{name.replace('_', ' ').capitalize()} must be at least 1 (or all).")
                fix(name, int(value))
        if not 0.0 < float(self.validation_fraction) < 0.5:
            raise TrainingError("The validation fraction must be between 0 and 0.5.")
        if not 0.0 < float(self.learning_rate) <= 1.0:
            raise TrainingError("The learning rate must be between 0 and 1 (try 0.001).")
        if self.pretraining_corpus not in CORPORA:
            raise TrainingError(f"Unknown pretraining corpus {self.pretraining_corpus!r}; "
                                f"choose one of {', '.join(CORPORA)}.")
        for name in ("seed", "subset_seed", "word2vec_epochs", "word2vec_window", "word2vec_min_count"):
            fix(name, int(getattr(self, name)))
        fix("patience", max(0, int(self.patience)))
        fix("learning_rate", float(self.learning_rate))
        fix("validation_fraction", float(self.validation_fraction))
        fix("early_stopping", bool(self.early_stopping))

    @classmethod
    def from_dict(cls, values: dict) -> "RunConfig":
        """A config from a dict such as a stored ``config.json``; keys that are not settings are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})

    def to_dict(self) -> dict:
        return asdict(self)

    def replace(self, **changes) -> "RunConfig":
        return dataclasses.replace(self, **changes)

    @property
    def source(self):
        """The :class:`lib.models.VectorSource` this run starts from, or ``None`` (learned from scratch)."""
        return source_of(self.strategy)


def as_config(config: RunConfig | dict) -> RunConfig:
    """``config`` as a :class:`RunConfig` (a dict of its fields, such as a page's settings, is checked on the way)."""
    return config if isinstance(config, RunConfig) else RunConfig.from_dict(config)


#: Settings every run has, as a dict (a preset or the page overrides some of them).
DEFAULTS: dict[str, Any] = RunConfig().to_dict()

#: Ready-made settings (their seeds are :data:`PRESET_SEEDS`). "Quick demo" trains all five strategies once in
#: well under a minute on 2 cores,
#: "Full IMDB" uses all 25,000 training reviews, "Tiny (tests)" exists for automated tests.
#: With early stopping, ``epochs`` is a maximum: each strategy stops when its validation loss has not
#: improved for ``patience`` epochs and keeps its best epoch, so slow starters (frozen vectors) are not
#: cut short and fast ones do not overfit. These settings were chosen on validation accuracy only.
PRESETS: dict[str, dict[str, Any]] = {
    "Quick demo": {
        "architecture": "average", "train_size": 2_000, "test_size": None, "vocab_size": 10_000,
        "sequence_length": 150, "embedding_dim": 50, "epochs": 12, "batch_size": 32, "learning_rate": 3e-3,
        "early_stopping": True,
    },
    "Full IMDB": {
        "architecture": "average", "train_size": None, "test_size": None, "vocab_size": 20_000,
        "sequence_length": 300, "embedding_dim": 50, "epochs": 6, "batch_size": 32, "learning_rate": 1e-3,
        "early_stopping": True,
    },
    "Classic LSTM (slow)": {
        "architecture": "lstm", "train_size": None, "test_size": None, "vocab_size": 5_000,
        "sequence_length": 500, "embedding_dim": 32, "epochs": 3, "batch_size": 64, "learning_rate": 1e-3,
        "early_stopping": False,
    },
    # Small enough for the browser test and AppTests (about 2 s a strategy), yet above chance
    # (about 70% test accuracy on 500 held-out reviews), so the tour's sentences are not about noise.
    # word2vec learns from the 500 labelled reviews only (about a second), not from all 25,000
    # training reviews (about 45 s): the numbers are rough either way, and every test pays that time.
    "Tiny (tests)": {
        "architecture": "average", "train_size": 500, "test_size": 500, "vocab_size": 2_000,
        "sequence_length": 100, "embedding_dim": 50, "epochs": 8, "batch_size": 32, "learning_rate": 1e-2,
        "early_stopping": False, "pretraining_corpus": "labelled_only",
    },
}

#: Seeds per strategy each preset trains on the Train page. Three is the fewest whose interval can tell a gap
#: from training luck (:data:`lib.significance.MIN_SEEDS`), so the presets that compare strategies train three
#: where the time allows: by :func:`estimate_seconds` on the 2-core machine, "Quick demo" takes about 2.5 minutes
#: instead of 1.5 and "Full IMDB" about 8 instead of 3. "Classic LSTM (slow)" keeps one (three would take about
#: 75 minutes instead of 25) and "Tiny (tests)" keeps one (the tests train it often): their sentences say that
#: one run each cannot tell a gap from training luck.
PRESET_SEEDS: dict[str, int] = {"Quick demo": MIN_SEEDS, "Full IMDB": MIN_SEEDS, "Classic LSTM (slow)": 1,
                                "Tiny (tests)": 1}

#: Training-set sizes offered on the page and used by the data-efficiency sweep.
TRAIN_SIZES = [500, 1_000, 2_000, 5_000, 10_000, None]


def make_config(**settings: Any) -> dict:
    """:data:`DEFAULTS` plus ``settings``, validated by :class:`RunConfig`, as a dict (for widgets and JSON)."""
    return RunConfig.from_dict(settings).to_dict()


# --------------------------------------------------------------------------- time estimate
#: Seconds per token per epoch for each architecture, measured on a 2-core machine (see benchmarks).
SECONDS_PER_TOKEN_EPOCH = {"average": 7e-7, "conv": 1.5e-6, "lstm": 7e-6}
SECONDS_PER_MODEL = 3.0          # build, compile and trace one model, predict the test set, send it back, save it
TOKENIZE_SECONDS_PER_TEXT = 7.5e-5
WORKER_START_SECONDS = 8.0       # the worker process starts and imports TensorFlow, once per server


def estimate_seconds(config: RunConfig | dict, strategies: list[str], seeds: int = 1, train_sizes: list | None = None,
                     full_train: int = 25_000, full_test: int = 25_000, ready_sources: set[str] = frozenset(),
                     worker_ready: bool = False) -> float:
    """Rough wall time on 2 cores for training ``strategies`` x ``seeds`` at each training-set size.

    ``ready_sources`` are vector sources whose vectors are already trained or cached
    (word2vec on the same corpus, say): they cost next to nothing. More work never
    takes less time::

        >>> quick = make_config(**PRESETS["Quick demo"])
        >>> estimate_seconds(quick, ["learned"]) < estimate_seconds(quick, ["learned"], seeds=3)
        True
    """
    config = as_config(config)
    per_token = SECONDS_PER_TOKEN_EPOCH.get(config.architecture, 7e-7)
    length, epochs = config.sequence_length, config.epochs
    if config.early_stopping:  # epochs is a maximum; runs measured here stopped at about 70 % of it
        epochs = min(epochs, max(3.0, 0.7 * epochs))
    test = min(full_test, config.test_size or full_test)
    total = 0.0 if worker_ready else WORKER_START_SECONDS
    sizes = [min(full_train, size or full_train) for size in (train_sizes or [config.train_size])]
    for key in {STRATEGIES[s].source for s in strategies} - {None} - set(ready_sources):
        source = VECTOR_SOURCES[key]
        if source.learns_from_texts and config.pretraining_corpus == "labelled_only":
            total += sum(source.seconds(n, config) for n in sizes)  # one set per subset
        else:
            total += source.seconds(full_train, config)  # one set for every subset size
    for n in sizes:
        total += TOKENIZE_SECONDS_PER_TEXT * (n + test)
        one = SECONDS_PER_MODEL + per_token * length * (n * epochs + test / 3)
        total += one * len(strategies) * max(1, seeds)
    return total
