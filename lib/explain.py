"""The computations behind "What an Embedding layer does", done with real Keras layers.

The page walks through the classic answer to *what does ``Embedding(5000, 32,
input_length=500)`` do?* on two sentences::

    >>> example = tokenize_example(["This is a text", "This is not a text"], num_words=10, maxlen=6)
    >>> example.ids
    array([[0, 0, 1, 2, 3, 4],
           [0, 1, 2, 5, 3, 4]], dtype=int32)
    >>> lookup = embedding_lookup(example.ids, vocab_size=10, dim=3)
    >>> lookup.output.shape                         # 2 sentences x 6 positions x 3 numbers
    (2, 6, 3)
    >>> lookup.max_lookup_difference                # output[i, j] == weights[ids[i, j]]
    0.0

Every function takes plain arrays and returns plain arrays or small dataclasses,
so the page only lays them out. TensorFlow is imported inside the functions that
need it: importing this module stays cheap.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.text import Tokenizer, pad_sequences

CLASSIC_TEXTS = ("This is a text", "This is not a text")


# -- 1. words to numbers, 2. padding ---------------------------------------------------
@dataclass
class TokenizedExample:
    texts: list[str]
    tokenizer: Tokenizer
    sequences: list[list[int]]   # ids before padding
    ids: np.ndarray              # (n_texts, maxlen) after padding/truncation
    word_table: pd.DataFrame     # word, id, count, kept (has its own row in the table?)
    dropped: list[list[str]]     # per text: words that got no id (beyond the vocabulary size)
    truncated: list[int]         # per text: how many ids were cut to fit maxlen


def tokenize_example(
    texts: list[str],
    num_words: int,
    maxlen: int,
    padding: str = "pre",
    truncating: str = "pre",
    oov_token: str | None = None,
) -> TokenizedExample:
    """Fit the project's tokenizer on ``texts`` and pad them, keeping what a learner wants to see."""
    tokenizer = Tokenizer(num_words=num_words, oov_token=oov_token).fit_on_texts(texts)
    sequences = tokenizer.texts_to_sequences(texts)
    ids = pad_sequences(sequences, maxlen=maxlen, padding=padding, truncating=truncating)
    limit = tokenizer.vocabulary_size
    word_table = pd.DataFrame(
        {
            "word": list(tokenizer.word_index),
            "id": list(tokenizer.word_index.values()),
            "count": [tokenizer.word_counts.get(w, 0) for w in tokenizer.word_index],
            "kept": [i < limit for i in tokenizer.word_index.values()],
        }
    )
    return TokenizedExample(
        texts=list(texts),
        tokenizer=tokenizer,
        sequences=sequences,
        ids=ids,
        word_table=word_table,
        dropped=[tokenizer.dropped_words(t) for t in texts] if oov_token is None else [[] for _ in texts],
        truncated=[max(0, len(s) - maxlen) for s in sequences],
    )


def id_label(index_word: dict[int, str], i: int) -> str:
    """How an id is shown in the tables: ``"0 · (padding)"``, ``"4 · text"``.

    Ids beyond the words seen still have a row (the table is sized by the vocabulary setting).

    >>> [id_label({1: "this"}, i) for i in (0, 1, 7)]
    ['0 · (padding)', '1 · this', '7 · (no word)']
    """
    if i == 0:
        return "0 · (padding)"
    return f"{i} · {index_word.get(i, '(no word)')}"


def dropped_words(example: TokenizedExample) -> list[str]:
    """Every word left out of some sentence because its id is beyond the vocabulary size, sorted."""
    return sorted({w for words in example.dropped for w in words})


def padded_listing(texts: list[str], ids: np.ndarray) -> str:
    """Each sentence beside its padded ids, one per line (the "2. Padding" code block).

    >>> print(padded_listing(["This is a text"], np.array([[0, 0, 1, 2, 3, 4]])))
    'This is a text'                         -> [0 0 1 2 3 4]
    """
    return "\n".join(f"{text!r:<40} -> {np.array2string(row)}" for text, row in zip(texts, ids))


def truncation_note(truncated: list[int]) -> str:
    """Which sentences lost ids to the length limit ("" when none did).

    >>> truncation_note([0, 2])
    'Cut to fit: sentence 2 lost 2 id(s)'
    """
    cuts = [f"sentence {i + 1} lost {k} id(s)" for i, k in enumerate(truncated) if k]
    return "Cut to fit: " + "; ".join(cuts) if cuts else ""


def same_ids_note(texts: list[str], ids: np.ndarray) -> str:
    """Different sentences that became the same ids ("" when none did): the model can no longer tell them apart.

    It happens when the words that differ have no row (vocabulary too small) or were cut by the length limit.

    >>> same_ids_note(["This is a text", "This is not a text"], np.array([[0, 1, 2], [0, 1, 2]]))
    'Sentences 1 and 2 are different texts but became the same ids, [0 1 2]: the words that tell them apart have no row (or were cut), so the model sees one sentence twice.'
    """
    groups: dict[bytes, list[int]] = {}
    for i, row in enumerate(ids):
        groups.setdefault(row.tobytes(), []).append(i)
    notes = []
    for rows in groups.values():
        if len(rows) > 1 and len({texts[i] for i in rows}) > 1 and ids[rows[0]].any():
            numbers = [str(i + 1) for i in rows]
            names = ", ".join(numbers[:-1]) + " and " + numbers[-1]
            notes.append(f"Sentences {names} are different texts but became the same ids, "
                         f"{np.array2string(ids[rows[0]])}")
    if not notes:
        return ""
    return "; ".join(notes) + (": the words that tell them apart have no row (or were cut), so the model sees "
                               "one sentence twice.")


def all_padding_rows(ids: np.ndarray) -> list[int]:
    """Sentences left with no id at all (every position is padding).

    They still go through the layer like any other sentence (a real ``Embedding`` returns one
    row per sentence it is given); only an average over their words is 0/0.

    >>> all_padding_rows(np.array([[0, 1], [0, 0]]))
    [1]
    """
    return [i for i, row in enumerate(ids) if not row.any()]


def all_padding_note(rows: list[int], n_texts: int) -> str:
    """What happens to sentences that became nothing but padding: they stay, as in Keras.

    >>> all_padding_note([1, 3], 4)
    'Sentences 2, 4 became nothing but padding (no word with its own row). They still go through the layer, as in Keras: 4 sentences in, 4 out, and their rows are all copies of the padding row.'
    """
    many = len(rows) > 1
    return (f"Sentence{'s' if many else ''} {', '.join(str(i + 1) for i in rows)} became nothing but padding "
            f"(no word with its own row). {'They still go' if many else 'It still goes'} through the layer, as in "
            f"Keras: {n_texts:,} sentences in, {n_texts:,} out, and {'their rows are' if many else 'its rows are'} "
            "all copies of the padding row.")


def training_left_out(ids: np.ndarray, mask_zero: bool) -> list[int]:
    """Sentences the training demo leaves out: all-padding ones, but only under the mask.

    With ``mask_zero=True`` the average over an all-padding sentence is 0/0: Keras returns NaN
    and one NaN spoils every weight in the first step. Without the mask they average padding
    rows like words, which is fine to train on.

    >>> ids = np.array([[0, 1], [0, 0]])
    >>> training_left_out(ids, mask_zero=True), training_left_out(ids, mask_zero=False)
    ([1], [])
    """
    return all_padding_rows(ids) if mask_zero else []


def training_left_out_note(rows: list[int]) -> str:
    """Why the training demo skips some sentences ("" when it skips none).

    >>> training_left_out_note([2])
    'Sentence 3 is left out of this training demo: with mask_zero=True its average is over no words (0/0), which Keras turns into NaN, and one NaN would spoil every number in the table.'
    """
    if not rows:
        return ""
    many = len(rows) > 1
    return (f"Sentence{'s' if many else ''} {', '.join(str(i + 1) for i in rows)} "
            f"{'are' if many else 'is'} left out of this training demo: with mask_zero=True "
            f"{'their averages are' if many else 'its average is'} over no words (0/0), which Keras turns into NaN, "
            "and one NaN would spoil every number in the table.")


def training_batch(ids: np.ndarray, mask_zero: bool) -> tuple[np.ndarray, list[int]]:
    """The ids the training demo uses and their sentence numbers (from 1): all but :func:`training_left_out`.

    >>> batch, numbers = training_batch(np.array([[0, 1], [0, 0], [2, 3]]), mask_zero=True)
    >>> batch.tolist(), numbers
    ([[0, 1], [2, 3]], [1, 3])
    """
    left_out = set(training_left_out(ids, mask_zero))
    keep = [i for i in range(len(ids)) if i not in left_out]
    return ids[keep], [i + 1 for i in keep]


def padded_sentences(ids: np.ndarray) -> list[int]:
    """Numbers (from 1) of the sentences that contain padding.

    >>> padded_sentences(np.array([[0, 1], [2, 3]]))
    [1]
    """
    return [i + 1 for i in range(len(ids)) if (ids[i] == 0).any()]


# -- 3. the lookup table, 5. the mask -------------------------------------------------
@dataclass
class Lookup:
    weights: np.ndarray          # (vocab_size, dim): the layer's one weight matrix
    output: np.ndarray           # (batch, length, dim): what the layer returns
    mask: np.ndarray             # (batch, length) bool: True where the id is not padding
    max_lookup_difference: float  # max |output[i, j] - weights[ids[i, j]]|


def embedding_lookup(ids: np.ndarray, vocab_size: int, dim: int, seed: int = 0, mask_zero: bool = True) -> Lookup:
    """Run a real ``keras.layers.Embedding`` on ``ids`` and check it is a row lookup."""
    import keras

    keras.utils.set_random_seed(seed)
    layer = keras.layers.Embedding(vocab_size, dim, mask_zero=mask_zero)
    output = keras.ops.convert_to_numpy(layer(ids))
    weights = keras.ops.convert_to_numpy(layer.embeddings)
    if mask_zero:
        mask = keras.ops.convert_to_numpy(layer.compute_mask(ids)).astype(bool)
    else:
        mask = np.ones(ids.shape, dtype=bool)
    difference = float(np.abs(output - weights[ids]).max()) if output.size else 0.0
    return Lookup(weights=weights, output=output, mask=mask, max_lookup_difference=difference)


def average_pooling(output: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What ``GlobalAveragePooling1D`` makes of the embedding output, with and without the mask.

    Returns ``(masked, unmasked)``, each ``(batch, dim)``. Uses the real Keras layer;
    the arrays are passed as plain NumPy so no mask travels along unless given.
    """
    import keras

    pool = keras.layers.GlobalAveragePooling1D()
    masked = keras.ops.convert_to_numpy(pool(output, mask=mask))
    unmasked = keras.ops.convert_to_numpy(pool(output))
    return masked, unmasked


# -- 4. lookup = one-hot x matrix ----------------------------------------------------
def one_hot_product(ids_row: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One-hot rows of one sentence, and their product with the weight matrix.

    ``one_hot @ weights`` picks exactly the rows the lookup returns; the layer just
    skips the multiplication by zeros.
    """
    one_hot = np.eye(weights.shape[0], dtype=weights.dtype)[ids_row]
    return one_hot, one_hot @ weights


# -- shapes in words (3. and 7.), the two averages (5.) -------------------------------
def embedding_call(vocab_size: int, dim: int, mask_zero: bool) -> str:
    """The layer as it would be written in Python, following the mask setting.

    >>> embedding_call(10, 3, True), embedding_call(10, 3, False)
    ('Embedding(10, 3, mask_zero=True)', 'Embedding(10, 3)')
    """
    return f"Embedding({vocab_size}, {dim}{', mask_zero=True' if mask_zero else ''})"


def batch_shape(shape: tuple) -> str:
    """A shape as a model summary prints it: the batch size left open as ``None``.

    >>> batch_shape((2, 6, 3))
    '(None, 6, 3)'
    """
    return str((None, *tuple(shape)[1:]))


#: What ``None`` in a shape means, in plain words (used wherever such a shape is shown).
NONE_MEANS = ("**None** is the batch size, how many texts go in at once: Keras leaves it open because "
              "the same model takes any number of texts (1, 64 or 25,000).")


def shape_in_words(shape: tuple, unit: str = "texts") -> str:
    """A layer's output shape in words, ``None`` (the batch size) included.

    >>> shape_in_words((None, 500, 32))
    'any number of texts × 500 × 32'
    >>> shape_in_words((2, 6, 3))
    '2 texts × 6 × 3'
    """
    first, *rest = tuple(shape)
    head = f"any number of {unit}" if first is None else f"{first:,} {unit}"
    return " × ".join([head] + [f"{d:,}" if isinstance(d, int) else str(d) for d in rest])


def average_labels(mask_zero: bool) -> tuple[str, str]:
    """``(label of the words-only average, label of the all-positions average)``, following the mask setting.

    The one the next layer actually computes says so; the other says what it would take.
    """
    if mask_zero:
        return "words only (mask_zero=True: what the next layer uses)", "all positions, padding too (without a mask)"
    return "words only (what mask_zero=True would give)", "all positions, padding too (mask_zero off: what the next layer uses)"


def averages_table(output: np.ndarray, ids: np.ndarray, mask_zero: bool, columns: list[str]) -> pd.DataFrame:
    """Per sentence, the average over its words and over all positions, from the real pooling layer.

    The words-only average uses the padding mask (``ids != 0``) whatever the setting, so the two can
    always be compared; the labels (:func:`average_labels`) say which one the model uses. A sentence
    with no words has no words-only average (0/0): that cell is empty (NaN) rather than a number.
    """
    words_only, all_positions = average_pooling(output, np.asarray(ids) != 0)
    words_only = np.array(words_only, dtype="float64")
    words_only[all_padding_rows(ids)] = np.nan
    n = len(ids)
    words_label, all_label = average_labels(mask_zero)
    frame = pd.DataFrame({"sentence": [f"{i + 1}" for i in range(n)] * 2, "average over": [words_label] * n + [all_label] * n})
    frame[columns] = np.vstack([words_only, all_positions])
    return frame


# -- 6. what training changes ----------------------------------------------------------
@dataclass
class TrainingSteps:
    before: np.ndarray           # weights before the steps
    after: np.ndarray            # weights after
    change: np.ndarray           # per row: Euclidean length of (after - before)
    in_batch: np.ndarray         # per row: does that id occur in the batch at all?
    losses: list[float]          # loss after each step


def train_steps(
    ids: np.ndarray,
    labels: np.ndarray,
    vocab_size: int,
    dim: int,
    steps: int = 5,
    learning_rate: float = 0.1,
    seed: int = 0,
    mask_zero: bool = True,
) -> TrainingSteps:
    """A few gradient steps of ``Embedding -> average -> Dense(1, sigmoid)`` on the example.

    Only rows whose ids appear in the batch get a gradient, so only they move.
    With ``mask_zero=True`` the padding positions are left out of the average, so
    the padding row gets no gradient either.
    """
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=(ids.shape[1],), dtype="int32"),
            keras.layers.Embedding(vocab_size, dim, mask_zero=mask_zero, name="embedding"),
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    # Plain SGD: a row moves exactly when its gradient is non-zero, nothing else.
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss="binary_crossentropy")
    embedding = model.get_layer("embedding")
    before = keras.ops.convert_to_numpy(embedding.embeddings).copy()
    labels = np.asarray(labels, dtype="float32").reshape(-1, 1)
    losses = [float(model.train_on_batch(ids, labels)) for _ in range(steps)]
    after = keras.ops.convert_to_numpy(embedding.embeddings).copy()
    in_batch = np.isin(np.arange(vocab_size), ids)
    return TrainingSteps(
        before=before,
        after=after,
        change=np.linalg.norm(after - before, axis=1),
        in_batch=in_batch,
        losses=losses,
    )


def toy_label_text(labels: np.ndarray, sentence_numbers: list[int] | None = None) -> str:
    """``"sentence 1 → 1, sentence 2 → 0"``: the made-up labels, as the page lists them.

    ``sentence_numbers`` (from 1) name the sentences when some were left out.

    >>> toy_label_text(np.array([1.0, 0.0]), [1, 3])
    'sentence 1 → 1, sentence 3 → 0'
    """
    numbers = sentence_numbers or list(range(1, len(labels) + 1))
    return ", ".join(f"sentence {k} → {int(v)}" for k, v in zip(numbers, labels))


#: A row "moved" when it changed by more than float32 round-off of a step that did not touch it.
MOVED_ABOVE = 1e-7


def training_summary(trained: TrainingSteps) -> str:
    """One sentence on which rows a few training steps moved, and how the loss changed.

    >>> steps = TrainingSteps(before=np.zeros((3, 1)), after=np.zeros((3, 1)), change=np.array([0.0, 0.2, 0.0]),
    ...                       in_batch=np.array([True, True, False]), losses=[0.7, 0.6])
    >>> training_summary(steps)
    '1 of 3 rows moved; the 1 row(s) of ids not in the sentences stayed exactly where they were; the padding row stayed put, because the mask keeps padding out of the average. Loss went from 0.7000 to 0.6000.'
    """
    moved = int((trained.change > MOVED_ABOVE).sum())
    unused = int((~trained.in_batch).sum())
    parts = [f"{moved} of {len(trained.change)} rows moved"]
    if unused:
        parts.append(f"the {unused} row(s) of ids not in the sentences stayed exactly where they were")
    if trained.in_batch[0]:
        parts.append("the padding row " + ("moved, because without the mask padding counts as a word"
                                           if trained.change[0] > MOVED_ABOVE
                                           else "stayed put, because the mask keeps padding out of the average"))
    return "; ".join(parts) + f". Loss went from {trained.losses[0]:.4f} to {trained.losses[-1]:.4f}."


# -- 7. at full size -------------------------------------------------------------------
def imdb_model_layers(vocab_size: int = 5000, dim: int = 32, length: int = 500, lstm_units: int = 100) -> pd.DataFrame:
    """Build the model from the question for real and list its layers.

    ``Embedding(5000, 32) -> LSTM(100) -> Dense(1, sigmoid)`` on inputs of length 500.
    (Keras 3 dropped ``input_length``: the length now comes from ``keras.Input``.)
    """
    import keras

    model = keras.Sequential(
        [
            keras.Input(shape=(length,), dtype="int32"),
            keras.layers.Embedding(vocab_size, dim, mask_zero=True, name="embedding"),
            keras.layers.LSTM(lstm_units, name="lstm"),
            keras.layers.Dense(1, activation="sigmoid", name="dense"),
        ]
    )
    units = {"embedding": "reviews × positions × numbers", "lstm": "reviews × numbers", "dense": "reviews × score"}
    return pd.DataFrame(
        {
            "layer": [f"{layer.name} ({type(layer).__name__})" for layer in model.layers],
            "output shape": [str(tuple(layer.output.shape)) for layer in model.layers],
            "in words": [f"{shape_in_words(tuple(layer.output.shape), 'reviews')} ({units[layer.name]})"
                         for layer in model.layers],
            "parameters": [layer.count_params() for layer in model.layers],
        }
    )


# -- input hygiene ----------------------------------------------------------------------
MAX_TEXTS = 8
MAX_CHARS_PER_TEXT = 300


def parse_texts(raw: str, max_texts: int = MAX_TEXTS, max_chars: int = MAX_CHARS_PER_TEXT) -> tuple[list[str], list[str]]:
    """Split the text box into sentences (one per line) and say what was trimmed.

    Returns ``(texts, notes)``: blank lines are skipped; more than ``max_texts``
    lines or lines longer than ``max_chars`` are cut, with a note saying so, because
    the tables on the page are meant to be read, not scrolled.
    """
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    notes = []
    if len(lines) > max_texts:
        notes.append(f"Only the first {max_texts} of {len(lines)} lines are used, so the tables stay readable.")
        lines = lines[:max_texts]
    if any(len(line) > max_chars for line in lines):
        notes.append(f"Lines longer than {max_chars} characters were cut to {max_chars}.")
        lines = [line[:max_chars] for line in lines]
    return lines, notes


def toy_labels(n: int) -> np.ndarray:
    """Labels for the training demo: 1, 0, 1, 0, ... (the first sentence "positive", the next "negative")."""
    return (np.arange(n) % 2 == 0).astype("float32")
