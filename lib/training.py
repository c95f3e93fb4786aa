"""Train one model with one initialization strategy, and summarise many such runs honestly.

The steps of one run, in order (:func:`train`)::

    dataset --subsample--> training texts --fit tokenizer (train only)--> vocabulary
            --pad--> ids (train / validation carved from train / held-out test)
            --strategy--> starting embedding matrix (random, or rows of a vector source;
                          word2vec learns from the pretraining corpus, see lib.vectors.pretraining)
            --build_model--> fit (progress after every batch, cancellable) --> evaluate on test

Everything a run needs to be reproduced is a :class:`RunConfig` (dataset key,
sizes, architecture, strategy, epochs, batch, learning rate, seeds, ...); the run
keeps its embedding matrix before and after training so a page can show what
training changed (and, in float16, its first rows after every epoch, for the training replay), and its test predictions so strategies can be compared on the
same test reviews (:mod:`lib.significance`).

Progress is reported through a plain callback ``on_progress(event: dict)`` (no
Streamlit here); cancelling is anything with ``is_set()``, checked after every
batch. :mod:`lib.jobs` calls :func:`train` in its worker process. TensorFlow is
imported inside the functions.
"""
from __future__ import annotations

from lib.errors import TrainingError

import dataclasses
import functools
import logging
import math
import random
import re
import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Callable

import numpy as np

from lib.models import (ARCHITECTURES, STRATEGIES, VECTOR_SOURCES, build_model, configure_tensorflow, embedding_weights,
                        parameter_counts, source_of)
from lib.text import Tokenizer, pad_sequences, texts_to_padded

log = logging.getLogger("embedding_lab.training")

ProgressCallback = Callable[[dict], None]


class TrainingCancelled(Exception):
    """The user cancelled; the run was stopped between two batches and is not saved."""


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
        from lib.vectors.pretraining import CORPORA

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


#: Settings every run has, as a dict (a preset or the page overrides some of them).
DEFAULTS: dict[str, Any] = RunConfig().to_dict()

#: Ready-made settings. "Quick demo" trains all five strategies in well under a minute on 2 cores,
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
    "Tiny (tests)": {
        "architecture": "average", "train_size": 500, "test_size": 500, "vocab_size": 2_000,
        "sequence_length": 100, "embedding_dim": 50, "epochs": 8, "batch_size": 32, "learning_rate": 1e-2,
        "early_stopping": False,
    },
}

#: Training-set sizes offered on the page and used by the data-efficiency sweep.
TRAIN_SIZES = [500, 1_000, 2_000, 5_000, 10_000, None]


def make_config(**settings: Any) -> dict:
    """:data:`DEFAULTS` plus ``settings``, validated by :class:`RunConfig`, as a dict (for widgets and JSON)."""
    return RunConfig.from_dict(settings).to_dict()


# --------------------------------------------------------------------------- data
@dataclass
class PreparedData:
    """Ids ready for Keras; the tokenizer was fitted on the training texts only."""

    dataset_key: str
    dataset_name: str
    class_names: list[str]
    subset_key: str                  # the subsample's key, e.g. "imdb-n2000-s0" ("imdb" for all of it)
    train_texts: list[str]           # every labelled training text (incl. the validation part)
    corpus: Any                      # lib.vectors.pretraining.Corpus: the unlabelled text vectors learn from
    vocabulary: list[str]            # entry i = word of id i; entry 0 = "" (padding)
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    seconds: float = 0.0

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def train_size(self) -> int:
        return len(self.train_texts)


def prepare_data(dataset, config: RunConfig | dict) -> PreparedData:
    """Subsample, split off validation (from train), fit the tokenizer on train, pad everything.

    ``dataset`` is a :class:`lib.datasets.TextDataset`. The training subset keeps
    ``config["train_size"]`` reviews chosen with ``config["subset_seed"]`` (so every
    strategy sees the same reviews); the validation rows are a seeded
    ``validation_fraction`` of them. The test split is only ever evaluated.
    """
    from lib.datasets import stratified_indices, subsample
    from lib.vectors.pretraining import pretraining_corpus

    config = _as_config(config)
    start = time.perf_counter()
    full = dataset
    base_key, base_name = dataset.key, dataset.name
    if config.train_size is not None and config.train_size < len(dataset.train_texts):
        dataset = subsample(dataset, config.train_size, seed=config.subset_seed)
    train_texts = list(dataset.train_texts)
    train_labels = np.asarray(dataset.train_labels, dtype="int64")
    if len(train_texts) < 10:
        raise TrainingError("The training split has fewer than 10 texts; choose a larger training set.")
    if len(np.unique(train_labels)) < 2:
        raise TrainingError("The training texts all have the same label; a classifier needs at least two classes.")

    test_texts = list(dataset.test_texts)
    test_labels = np.asarray(dataset.test_labels, dtype="int64")
    test_size = config.test_size
    if test_size is not None and test_size < len(test_texts):
        keep = stratified_indices(test_labels, test_size, seed=0)
        test_texts = [test_texts[i] for i in keep]
        test_labels = test_labels[keep]
    if not test_texts:
        raise TrainingError("The dataset has no test texts to evaluate on.")

    tokenizer = Tokenizer(num_words=config.vocab_size)
    length = config.sequence_length
    x_all = pad_sequences(tokenizer.fit_texts_to_sequences(train_texts), length)  # fitted on training texts only
    x_test = texts_to_padded(tokenizer, test_texts, length)

    rng = np.random.default_rng(config.subset_seed + 1)
    order = rng.permutation(len(train_texts))
    n_val = max(1, int(round(len(order) * config.validation_fraction)))
    val_idx, fit_idx = order[:n_val], order[n_val:]
    return PreparedData(
        dataset_key=base_key,
        dataset_name=base_name,
        subset_key=dataset.key,
        class_names=list(dataset.class_names),
        train_texts=train_texts,
        corpus=pretraining_corpus(full, dataset, config.pretraining_corpus),
        vocabulary=tokenizer.vocabulary(),
        x_train=x_all[fit_idx], y_train=train_labels[fit_idx],
        x_val=x_all[val_idx], y_val=train_labels[val_idx],
        x_test=x_test, y_test=test_labels,
        seconds=time.perf_counter() - start,
    )


def load_dataset(dataset_key: str):
    """The dataset a config names: any key of :func:`lib.datasets.dataset_by_key`, or a toy key ("toy-n300-t200-s0")."""
    from lib import datasets

    toy = re.fullmatch(r"toy-n(\d+)-t(\d+)-s(\d+)", dataset_key)
    if toy:
        return toy_dataset(int(toy.group(1)), int(toy.group(2)), int(toy.group(3)))
    return datasets.dataset_by_key(dataset_key)


def _as_config(config: RunConfig | dict) -> RunConfig:
    return config if isinstance(config, RunConfig) else RunConfig.from_dict(config)


# --------------------------------------------------------------------------- vectors
def pretrained_vectors(source_key: str, data: PreparedData, config: RunConfig | dict, vectors: dict | None = None,
                       on_progress: ProgressCallback | None = None):
    """The starting vectors of a source (a key of :data:`lib.models.VECTOR_SOURCES`) as gensim ``KeyedVectors``.

    ``vectors`` is an optional dict reused across runs: it is filled per source
    and pretraining corpus, so the strategies of one job load or train each set once.
    """
    config = _as_config(config)
    source = VECTOR_SOURCES.get(source_key)
    if source is None:
        raise TrainingError(f"Unknown source of pretrained vectors: {source_key!r}.")
    key = (source_key, data.corpus.key if source.learns_from_texts else None)
    if vectors is not None and key in vectors:
        return vectors[key]
    kv = source.load(data.corpus, config, on_progress)
    if vectors is not None:
        vectors[key] = kv
    return kv


# --------------------------------------------------------------------------- one run
@dataclass
class Run:
    """One trained model and everything the run store keeps about it."""

    config: dict
    history: dict
    metrics: dict
    vocabulary: list[str]
    embedding_initial: np.ndarray
    embedding_final: np.ndarray
    model: Any = field(default=None, repr=False)
    predictions: np.ndarray | None = field(default=None, repr=False)   # test-set probabilities, float16
    test_labels: np.ndarray | None = field(default=None, repr=False)   # the true test labels, same order
    snapshots: np.ndarray | None = field(default=None, repr=False)     # (epochs + 1, rows, dim) float16, see below


def _progress_callback(on_progress: ProgressCallback | None, cancel,
                       epochs: int, batches: int):
    import keras

    class Progress(keras.callbacks.Callback):
        """Reports after every batch and epoch; asks Keras to stop when ``cancel`` is set."""

        def __init__(self):
            super().__init__()
            self.cancelled = False
            self.history: dict[str, list[float]] = {}
            self.epoch = 0
            self._epoch_start = time.perf_counter()

        def _emit(self, event):
            if on_progress is not None:
                on_progress(event)

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
            self._epoch_start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            if cancel is not None and cancel.is_set():
                self.cancelled = True
                self.model.stop_training = True
            self._emit({"stage": "training", "epoch": self.epoch + 1, "epochs": epochs,
                        "batch": batch + 1, "batches": batches,
                        "logs": {k: float(v) for k, v in (logs or {}).items()}})

        def on_epoch_end(self, epoch, logs=None):
            if self.cancelled:
                return
            for k, v in (logs or {}).items():
                self.history.setdefault(k, []).append(float(v))
            self.history.setdefault("epoch_seconds", []).append(time.perf_counter() - self._epoch_start)
            self._emit({"stage": "epoch_end", "epoch": epoch + 1, "epochs": epochs, "batch": batches,
                        "batches": batches, "history": {k: list(v) for k, v in self.history.items()}})

    return Progress()


#: Epoch snapshots (the embedding at the start and after every epoch, for the training replay) are kept
#: in float16 and within about this many bytes per run, but never fewer than SNAPSHOT_MIN_ROWS rows.
SNAPSHOT_MAX_BYTES = 20 * 1024 * 1024
SNAPSHOT_MIN_ROWS = 5_000


def snapshot_rows(vocab_size: int, dim: int, epochs: int) -> int:
    """How many rows (the most frequent words: row order is frequency order) each epoch snapshot keeps.

    Every row when they fit in :data:`SNAPSHOT_MAX_BYTES` over ``epochs + 1`` float16 snapshots,
    else as many as fit, but at least :data:`SNAPSHOT_MIN_ROWS` (or the whole vocabulary if smaller).

    >>> snapshot_rows(10_000, 50, 12), snapshot_rows(400_000, 300, 12), snapshot_rows(2_000, 50, 8)
    (10000, 5000, 2000)
    """
    fit = SNAPSHOT_MAX_BYTES // (2 * max(1, dim) * (max(1, epochs) + 1))
    return int(min(vocab_size, max(SNAPSHOT_MIN_ROWS, fit)))


def _snapshot_callback(initial: np.ndarray, rows: int):
    import keras

    class Snapshots(keras.callbacks.Callback):
        """Keeps the first ``rows`` rows of the embedding at the start and after every epoch (float16)."""

        def __init__(self):
            super().__init__()
            self.frames = [np.asarray(initial[:rows], dtype=np.float16)]
            self.seconds = 0.0  # time spent copying snapshots (the benchmark reports it beside training time)

        def on_epoch_end(self, epoch, logs=None):
            start = time.perf_counter()
            self.frames.append(embedding_weights(self.model)[:rows].astype(np.float16))
            self.seconds += time.perf_counter() - start

    return Snapshots()


def train(
    config: RunConfig | dict,
    on_progress: ProgressCallback | None = None,
    *,
    dataset=None,
    data: PreparedData | None = None,
    vectors: dict | None = None,
    cancel=None,
    keep_model: bool = True,
) -> Run:
    """Train one model as ``config`` says and evaluate it on the held-out test split.

    ``config`` is a :class:`RunConfig` (or a dict of its fields). Pass the already
    prepared ``data`` (or the ``dataset``) to skip loading and tokenizing again when
    training several strategies on the same data; ``vectors`` is a dict reused
    across runs (see :func:`pretrained_vectors`). ``cancel`` is anything with
    ``is_set()`` (a ``threading.Event`` or a ``multiprocessing.Event``), checked
    after every batch.

    Raises :class:`TrainingCancelled` if ``cancel`` is set during training, and
    :class:`TrainingError` for settings that cannot work.
    """
    config = _as_config(config)
    strategy = STRATEGIES[config.strategy]
    source = config.source
    emit = on_progress or (lambda event: None)

    if data is None:
        emit({"stage": "preparing"})
        if dataset is None:
            dataset = load_dataset(config.dataset_key)
        data = prepare_data(dataset, config)

    seed = config.seed
    dim = config.embedding_dim
    init = None
    vector_start = time.perf_counter()
    if source is not None:
        emit({"stage": "vectors", "source": source.key})
        kv = pretrained_vectors(source.key, data, config, vectors, on_progress=emit)
        from lib.vectors.matrix import embedding_matrix

        init = embedding_matrix(data.vocabulary, kv, dim=dim, seed=seed)
    vector_seconds = time.perf_counter() - vector_start
    if cancel is not None and cancel.is_set():
        raise TrainingCancelled()

    configure_tensorflow()
    import keras

    # Seeds the process-global generators: training runs in its own worker process (lib.jobs),
    # so no page thread can draw from them in between.
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)
    vocab_size = len(data.vocabulary)
    model = build_model(config.architecture, vocab_size, config.sequence_length, dim,
                        num_classes=data.num_classes, embedding_matrix=None if init is None else init.matrix,
                        trainable=strategy.trainable, learning_rate=config.learning_rate)
    initial = embedding_weights(model)
    trainable_params, frozen_params = parameter_counts(model)

    epochs, batch_size = config.epochs, config.batch_size
    batches = math.ceil(len(data.x_train) / batch_size)
    progress = _progress_callback(on_progress, cancel, epochs, batches)
    snapshots = _snapshot_callback(initial, snapshot_rows(vocab_size, dim, epochs))
    callbacks = [progress, snapshots]
    if config.early_stopping:
        # Judged on the validation reviews (part of the training data), never on the test split.
        callbacks.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.patience,
                                                       restore_best_weights=True))
    emit({"stage": "training", "epoch": 1, "epochs": epochs, "batch": 0, "batches": batches, "logs": {}})
    start = time.perf_counter()
    model.fit(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val), epochs=epochs,
              batch_size=batch_size, shuffle=True, verbose=0, callbacks=callbacks)
    train_seconds = time.perf_counter() - start
    if progress.cancelled:
        raise TrainingCancelled()

    emit({"stage": "evaluating"})
    test_loss, test_accuracy = model.evaluate(data.x_test, data.y_test, batch_size=512, verbose=0)
    probabilities = np.asarray(model.predict(data.x_test, batch_size=512, verbose=0), dtype="float32")
    if probabilities.ndim == 2 and probabilities.shape[1] == 1:
        probabilities = probabilities[:, 0]
    final = embedding_weights(model)

    facts = {
        "dataset_name": data.dataset_name,
        "class_names": data.class_names,
        "train_size": data.train_size,
        "train_size_requested": config.train_size,
        "fit_size": int(len(data.x_train)),
        "validation_size": int(len(data.x_val)),
        "test_size": int(len(data.x_test)),
        "test_size_requested": config.test_size,
        "vocab_size_requested": config.vocab_size,
        "vocab_size": vocab_size,
        "strategy_label": strategy.label,
        "architecture_label": ARCHITECTURES[config.architecture],
        "trainable_embedding": strategy.trainable,
        "num_classes": data.num_classes,
        "tokenizer": "lib.text.Tokenizer (Keras semantics), fitted on the training texts only",
        "padding": "pre", "truncating": "pre",
    }
    if source is not None:
        facts["vectors"] = source.description
        if source.learns_from_texts:
            from lib.vectors.word2vec import Word2VecParams

            facts["pretraining"] = {"corpus": config.pretraining_corpus, "corpus_key": data.corpus.key,
                                    "corpus_name": data.corpus.name, "texts": len(data.corpus),
                                    "params": Word2VecParams.from_config(config).as_kwargs()}
    history = dict(progress.history)
    epochs_run = len(history.get("loss", []))
    best_epoch = (int(np.argmin(history["val_loss"])) + 1 if config.early_stopping and history.get("val_loss")
                  else epochs_run)
    metrics = {
        "test_accuracy": float(test_accuracy),
        "test_loss": float(test_loss),
        "train_seconds": float(train_seconds),
        "vector_seconds": float(vector_seconds),
        "epochs_completed": epochs_run,
        "best_epoch": best_epoch,
        "trainable_params": trainable_params, "frozen_params": frozen_params,
        # of the epoch whose weights were kept (with early stopping, the best one, not the last)
        "val_accuracy": float(history["val_accuracy"][best_epoch - 1]) if history.get("val_accuracy") else None,
        "embedding_change": float(np.mean(np.abs(final - initial))),
        "snapshot_seconds": float(snapshots.seconds),
        **coverage(init, initial, final),
    }
    return Run({**config.to_dict(), **facts}, history, metrics, list(data.vocabulary), initial, final,
               model if keep_model else None, predictions=probabilities.astype("float16"),
               test_labels=np.asarray(data.y_test, dtype="int64"), snapshots=np.stack(snapshots.frames))


def coverage(init, initial: np.ndarray, final: np.ndarray) -> dict:
    """How many vocabulary rows started from pretrained vectors, and how far each kind of row moved in training.

    ``init`` is the :class:`lib.vectors.matrix.EmbeddingInit` used (``None`` for a random
    start). Movement is the mean Euclidean distance a row travelled, and ``length_*``
    the mean Euclidean length of those rows at the start (so a page can say whether a
    move was large for that row); the padding row 0 is left out. Rows without a
    pretrained vector started as :data:`UNCOVERED_START` says.
    """
    initial = np.asarray(initial, dtype="float64")
    moved = np.linalg.norm(np.asarray(final, dtype="float64") - initial, axis=1)[1:]
    length = np.linalg.norm(initial, axis=1)[1:]

    def mean(values, rows):
        return float(values[rows].mean()) if rows.any() else None

    if init is None:
        every = np.ones(len(moved), dtype=bool)
        return {"hits": None, "misses": None, "missed_examples": [], "coverage": None,
                "uncovered_start": UNCOVERED_START, "moved_covered": None, "moved_uncovered": mean(moved, every),
                "length_covered": None, "length_uncovered": mean(length, every)}
    covered = np.asarray(init.covered)[1:]
    return {
        "hits": int(init.hits), "misses": int(init.misses), "missed_examples": list(init.missed_examples)[:20],
        "coverage": float(init.hit_rate), "uncovered_start": UNCOVERED_START,
        "moved_covered": mean(moved, covered), "moved_uncovered": mean(moved, ~covered),
        "length_covered": mean(length, covered), "length_uncovered": mean(length, ~covered),
    }


#: How rows without a pretrained vector start (lib.vectors.matrix.embedding_matrix; Keras starts a fresh Embedding so too).
UNCOVERED_START = "small random numbers (uniform between -0.05 and 0.05)"


# --------------------------------------------------------------------------- summaries
def _get(run, name):
    return getattr(run, name) if not isinstance(run, dict) else run[name]


def results_table(runs: list) -> "pandas.DataFrame":  # noqa: F821
    """One row per (training-set size, strategy): accuracy mean ± std and 95% interval over seeds, and the rest.

    ``runs`` are :class:`Run` or :class:`lib.runs.RunRecord` objects (anything with
    ``config`` and ``metrics``).
    """
    import pandas as pd

    from lib.significance import interval

    rows = []
    for run in runs:
        c, m = _get(run, "config"), _get(run, "metrics")
        rows.append({
            "strategy": c["strategy"], "Strategy": c.get("strategy_label", c["strategy"]),
            "train_size": int(c["train_size"]), "seed": c.get("seed", 0),
            "test_accuracy": m["test_accuracy"], "test_loss": m["test_loss"],
            "epochs": m.get("epochs_completed", c.get("epochs")), "train_seconds": m.get("train_seconds", 0.0),
            "trainable_params": m.get("trainable_params"), "frozen_params": m.get("frozen_params"),
            "hits": m.get("hits"), "misses": m.get("misses"),
        })
    columns = ["strategy", "Strategy", "train_size", "seeds", "accuracy_mean", "accuracy_std", "accuracy_low",
               "accuracy_high", "test_loss",
               "epochs", "train_seconds", "trainable_params", "frozen_params", "hits", "misses"]
    if not rows:
        return pd.DataFrame(columns=columns)
    df = pd.DataFrame(rows)
    order = {k: i for i, k in enumerate(STRATEGIES)}
    out = []
    for (size, key), group in df.groupby(["train_size", "strategy"], sort=False):
        acc = group["test_accuracy"].to_numpy(dtype=float)
        spread = interval(acc)
        out.append({
            "strategy": key, "Strategy": group["Strategy"].iloc[0], "train_size": int(size), "seeds": len(group),
            "accuracy_mean": float(acc.mean()), "accuracy_std": float(acc.std(ddof=1)) if len(acc) > 1 else 0.0,
            "accuracy_low": spread.low, "accuracy_high": spread.high,  # 95% t-interval of the mean over seeds
            "test_loss": float(group["test_loss"].mean()), "epochs": int(group["epochs"].max()),
            "train_seconds": float(group["train_seconds"].mean()),
            "trainable_params": group["trainable_params"].iloc[0], "frozen_params": group["frozen_params"].iloc[0],
            "hits": group["hits"].iloc[0], "misses": group["misses"].iloc[0],
        })
    table = pd.DataFrame(out, columns=columns)
    table["_order"] = table["strategy"].map(order).fillna(99)
    return table.sort_values(["train_size", "_order"]).drop(columns="_order").reset_index(drop=True)


def comparisons_with_learned(records: list) -> dict:
    """``{strategy: lib.significance.Comparison}`` of each pretrained start against learning from scratch.

    ``records`` are finished runs (anything with ``config`` and ``metrics``) whose
    configs carry their ``run_id``; their stored test predictions are paired by seed
    at the largest training-set size. Runs saved without predictions are left out.
    """
    from lib import runs, significance

    sized = [r for r in records if _get(r, "config").get("run_id")]
    if not sized:
        return {}
    size = max(int(_get(r, "config")["train_size"]) for r in sized)
    answers: dict[str, dict[int, np.ndarray]] = {}
    for record in sized:
        config = _get(record, "config")
        if int(config["train_size"]) != size or not runs.run_exists(config["run_id"]):
            continue
        stored = runs.load_predictions(config["run_id"])
        if stored is not None:
            answers.setdefault(config["strategy"], {})[int(config.get("seed", 0))] = significance.correct(*stored)
    if "learned" not in answers:
        return {}
    return {s: significance.compare(s, "learned", answers[s], answers["learned"])
            for s in answers if s != "learned" and set(answers[s]) & set(answers["learned"])}


def summary_sentence(table, comparisons: dict | None = None) -> str:
    """A plain-language summary from the numbers of :func:`results_table` (largest training set).

    With ``comparisons`` (from :func:`comparisons_with_learned`) it says whether the
    leader's difference from learning from scratch is beyond noise; it never calls a
    difference "better" without that test.
    """
    from lib.significance import difference_sentence

    if table is None or len(table) == 0:
        return "No finished runs yet."
    size = int(table["train_size"].max())
    rows = table[table["train_size"] == size].sort_values("accuracy_mean", ascending=False)
    best = rows.iloc[0]
    n = f"{size:,} training reviews" if size != 1 else "1 training review"
    sentence = f"With {n}, {best['Strategy']} did best: {best['accuracy_mean']:.1%} test accuracy"
    learned = rows[rows["strategy"] == "learned"]
    if best["strategy"] != "learned" and len(learned):
        diff = (best["accuracy_mean"] - learned.iloc[0]["accuracy_mean"]) * 100
        sentence += f", {diff:.1f} percentage points above learning the embedding from scratch ({learned.iloc[0]['accuracy_mean']:.1%})"
    elif best["strategy"] == "learned" and len(rows) > 1:
        runner = rows.iloc[1]
        diff = (best["accuracy_mean"] - runner["accuracy_mean"]) * 100
        sentence += f", {diff:.1f} percentage points above the best pretrained start ({runner['Strategy']}, {runner['accuracy_mean']:.1%})"
    sentence += "."
    comparisons = comparisons or {}
    challenger = best if best["strategy"] != "learned" else (rows.iloc[1] if len(rows) > 1 else None)
    if challenger is not None and challenger["strategy"] in comparisons:
        sentence += " " + difference_sentence(comparisons[challenger["strategy"]], challenger["Strategy"],
                                              "learning from scratch")
    else:
        spread = rows["accuracy_std"].max() if "accuracy_std" in rows else 0.0
        seeds = int(rows["seeds"].min())
        if seeds > 1 and len(rows) > 1:
            gap = (rows.iloc[0]["accuracy_mean"] - rows.iloc[1]["accuracy_mean"]) * 100
            if gap < 2 * spread * 100:
                sentence += (f" The top two differ by {gap:.1f} points, less than twice the spread between seeds "
                             f"(up to {spread * 100:.1f} points), so treat that ranking as a tie.")
        elif len(rows) > 1:
            sentence += " With a single seed per strategy, differences of a point or two may be luck; repeat with more seeds to see the spread."
    worst = rows.iloc[-1]
    if len(rows) > 2:
        sentence += f" {worst['Strategy']} was lowest at {worst['accuracy_mean']:.1%}."
    return sentence


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
    (word2vec on the same corpus, say): they cost next to nothing.
    """
    config = _as_config(config)
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


# --------------------------------------------------------------------------- a toy dataset
_TOY_POSITIVE = ["great", "wonderful", "excellent", "loved", "best", "brilliant", "superb", "enjoyable"]
_TOY_NEGATIVE = ["awful", "boring", "worst", "terrible", "hated", "dull", "waste", "poor"]
_TOY_FILLER = ["the", "movie", "film", "was", "plot", "actors", "story", "really", "and", "a", "of", "it",
               "scenes", "ending", "music", "director", "quite", "zorblax", "flimwop"]


def toy_dataset(n_train: int = 300, n_test: int = 200, seed: int = 0):
    """A small synthetic sentiment dataset (real English words, one or two telling words per text).

    For tests and offline demos: trains in a second, and every GloVe strategy finds
    most of its words (``zorblax`` and ``flimwop`` are deliberate misses).
    """
    from lib.datasets import TextDataset

    rng = np.random.default_rng(seed)

    def make(n):
        texts, labels = [], []
        for i in range(n):
            label = i % 2
            cue = _TOY_POSITIVE if label else _TOY_NEGATIVE
            words = list(rng.choice(_TOY_FILLER, size=10)) + list(rng.choice(cue, size=2))
            rng.shuffle(words)
            texts.append(" ".join(words))
            labels.append(label)
        return texts, np.array(labels, dtype="int64")

    train_texts, train_labels = make(n_train)
    test_texts, test_labels = make(n_test)
    return TextDataset(name="Toy reviews", train_texts=train_texts, train_labels=train_labels,
                       test_texts=test_texts, test_labels=test_labels, class_names=["negative", "positive"],
                       source="Synthetic: filler words plus two sentiment words per text.",
                       key=toy_key(n_train, n_test, seed))


def toy_key(n_train: int = 300, n_test: int = 200, seed: int = 0) -> str:
    """The dataset key of :func:`toy_dataset` with these arguments (the worker process rebuilds it from the key)."""
    return f"toy-n{n_train}-t{n_test}-s{seed}"


def weights_bytes(model) -> bytes | None:
    """A model's weights as the bytes of a Keras ``.weights.h5`` file (numbers only, no code), or ``None``.

    The worker process returns these to the dashboard, which writes them into the
    run store; the model itself is rebuilt from the run's config when needed.
    """
    if model is None:
        return None
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="embedding-lab-weights-") as folder:
        path = Path(folder) / "model.weights.h5"
        model.save_weights(str(path))
        return path.read_bytes()
