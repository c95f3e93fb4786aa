"""Train one model with one initialization strategy and evaluate it on the held-out test reviews.

The steps of one run, in order (:func:`train`)::

    dataset --subsample--> training texts --fit tokenizer (train only)--> vocabulary
            --pad--> ids (train / validation carved from train / held-out test)
            --strategy--> starting embedding matrix (random, or rows of a vector source;
                          word2vec learns from the pretraining corpus, see lib.vectors.pretraining)
            --build_model--> fit (progress after every batch, cancellable) --> evaluate on test

What a run is set to do is a :class:`lib.config.RunConfig`; what it found is a
:class:`Run`. The run keeps its embedding matrix before and after training so a
page can show what training changed (:func:`coverage`), in float16 its first rows
after every epoch, for the training replay (:func:`snapshot_rows`), and its test
predictions, so strategies can be compared on the same test reviews
(:mod:`lib.significance`). Tables and sentences about many runs are in
:mod:`lib.results` and :mod:`lib.verdicts`.

Progress is reported through a plain callback ``on_progress(event: dict)`` (no
Streamlit here); cancelling is anything with ``is_set()``, checked after every
batch. :mod:`lib.jobs` calls :func:`train` in its worker process. TensorFlow is
imported inside the functions, so importing this module stays cheap.
"""
from __future__ import annotations

import logging
import math
import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from lib.config import RunConfig, as_config
from lib.data.dataset import stratified_indices, subsample
from lib.data.store import dataset_by_key
from lib.data.toy import toy_from_key
from lib.errors import TrainingError
from lib.models import (ARCHITECTURES, STRATEGIES, VECTOR_SOURCES, build_model, configure_tensorflow, embedding_weights,
                        parameter_counts)
from lib.text import Tokenizer, pad_sequences, texts_to_padded
from lib.vectors.matrix import embedding_matrix
from lib.vectors.pretraining import pretraining_corpus
from lib.vectors.word2vec import Word2VecParams

log = logging.getLogger("embedding_lab.training")

ProgressCallback = Callable[[dict], None]


class TrainingCancelled(Exception):
    """The user cancelled; the run was stopped between two batches and is not saved."""


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

    ``dataset`` is a :class:`lib.data.dataset.TextDataset`. The training subset keeps
    ``config["train_size"]`` reviews chosen with ``config["subset_seed"]`` (so every
    strategy sees the same reviews); the validation rows are a seeded
    ``validation_fraction`` of them. The test split is only ever evaluated.
    """
    config = as_config(config)
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
    """The dataset a config names: any key of :func:`lib.data.store.dataset_by_key`, or a toy key ("toy-n300-t200-s0")."""
    toy = toy_from_key(dataset_key)
    return toy if toy is not None else dataset_by_key(dataset_key)


# --------------------------------------------------------------------------- vectors
def pretrained_vectors(source_key: str, data: PreparedData, config: RunConfig | dict, vectors: dict | None = None,
                       on_progress: ProgressCallback | None = None):
    """The starting vectors of a source (a key of :data:`lib.models.VECTOR_SOURCES`) as gensim ``KeyedVectors``.

    ``vectors`` is an optional dict reused across runs: it is filled per source
    and pretraining corpus, so the strategies of one job load or train each set once.
    """
    config = as_config(config)
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
    config = as_config(config)
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
        "from_pieces": int(init.from_pieces), "pieces_examples": list(init.pieces_examples)[:20],  # fastText
        "moved_covered": mean(moved, covered), "moved_uncovered": mean(moved, ~covered),
        "length_covered": mean(length, covered), "length_uncovered": mean(length, ~covered),
    }


#: How rows without a pretrained vector start (lib.vectors.matrix.embedding_matrix; Keras starts a fresh Embedding so too).
UNCOVERED_START = "small random numbers (uniform between -0.05 and 0.05)"


def weights_bytes(model) -> bytes | None:
    """A model's weights as the bytes of a Keras ``.weights.h5`` file (numbers only, no code), or ``None``.

    The worker process returns these to the dashboard, which writes them into the
    run store; the model itself is rebuilt from the run's config when needed.
    """
    if model is None:
        return None
    with tempfile.TemporaryDirectory(prefix="embedding-lab-weights-") as folder:
        path = Path(folder) / "model.weights.h5"
        model.save_weights(str(path))
        return path.read_bytes()
