"""What an Embedding layer does: the classic two-sentence example, step by step, computed live.

Storyboard: your example -> 1. words to numbers -> 2. padding -> 3. the lookup table ->
4. one-hot times the matrix -> 5. the mask -> 6. what training changes -> 7. the IMDB model.
Each section is a function of plain values; the computing is in lib.explain.

Many visitors, one server: every visitor starts from the same example, so the sections that only lay out
tables (3.-7.) are drawn once per server for each set of settings and then replayed to every visitor
(``st.cache_data`` records the elements a function draws and replays them on a hit). Their cache key is the
small ``Settings`` and the visitor's own choice (sentence, steps); the arrays they show are passed with a
leading underscore, so they are not hashed: they follow from the settings. A visitor's change redraws only
the tables that depend on it.
"""
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from lib import explain, helper_process
from lib.plots import id_colour
from ui import presentation
from ui.errors import friendly_errors
from ui.text import md


#: Settings combinations whose drawn tables each section keeps (a few KB each), least recently used dropped.
DRAWN_ENTRIES = 128


@dataclass(frozen=True)
class Settings:
    raw_texts: str
    vocab_size: int
    maxlen: int
    dim: int
    padding: str
    truncating: str
    mask_zero: bool


def example_settings() -> Settings:
    with presentation.settings("Change the example"), st.container(border=True):
        st.subheader("Your example")
        left, right = st.columns([3, 2])
        with left:
            raw_texts = st.text_area(
                "Sentences, one per line",
                value="\n".join(explain.CLASSIC_TEXTS), key="explain_texts", persist_state="session",
                height=110,
                help="Any text works: punctuation is removed and everything is lower-cased, as Keras' Tokenizer does.",
            )
        with right:
            vocab_size = st.number_input(
                "Vocabulary size (rows of the table)", min_value=1, max_value=200, value=10,
                key="explain_vocab_size", persist_state="session",
                help="`top_words` in the tutorial: only ids below this number get their own row. Id 0 is kept for padding.",
            )
            maxlen = st.number_input(
                "Sequence length (positions per sentence)", min_value=1, max_value=40, value=6,
                key="explain_maxlen", persist_state="session",
                help="`input_length=500` in the tutorial: every sentence is padded or cut to this many ids.",
            )
            dim = st.number_input(
                "Embedding dimension (numbers per word)", min_value=1, max_value=8, value=3,
                key="explain_dim", persist_state="session",
                help="`32` in the tutorial: how many numbers describe each word.",
            )
        c1, c2, c3 = st.columns(3)
        padding = c1.radio("Padding goes", ["pre", "post"], horizontal=True, key="explain_padding", persist_state="session",
                           help="'pre' puts the zeros in front (the Keras default), 'post' after the words.")
        truncating = c2.radio("Long sentences lose their", ["pre", "post"], horizontal=True,
                              key="explain_truncating", persist_state="session",
                              format_func=lambda v: "start (pre)" if v == "pre" else "end (post)",
                              help="Keras cuts from the start by default, keeping the end of a long review.")
        mask_zero = c3.toggle("Ignore padding (mask_zero)", value=True, key="explain_mask_zero", persist_state="session",
                              help="On: `mask_zero=True`, the layers after the embedding ignore the padding positions. "
                              "Off: `mask_zero=False` (the Keras default), padding counts like a word.")
    return Settings(raw_texts, int(vocab_size), int(maxlen), int(dim), padding, truncating, mask_zero)


def sentences(raw_texts: str) -> list[str]:
    texts, notes = explain.parse_texts(raw_texts)
    for note in notes:
        st.info(md(note))
    if not texts:
        st.warning("Type at least one sentence in the box above to see the steps.")
        st.stop()
    return texts


def colour_by_id(frame: pd.DataFrame, ids) -> "pd.io.formats.style.Styler":
    """Same colour for an id wherever it appears, so an output row can be matched to its table row."""
    colours = [id_colour(int(i)) for i in ids]
    return frame.style.apply(lambda row: [f"background-color: {colours[row.name]}"] * len(row), axis=1).format(precision=4)


def dims(dim: int) -> list[str]:
    return [f"dim {k + 1}" for k in range(dim)]


# --- 1. words to numbers -------------------------------------------------------------------------


def words_to_numbers(example: explain.TokenizedExample, s: Settings) -> None:
    vocab_size = s.vocab_size
    st.header("1. Words to numbers")
    st.markdown(
        "The tokenizer lower-cases the text, drops punctuation, splits on spaces and counts the words. "
        "The most frequent word gets id 1, the next id 2, and so on (ties go to the word seen first). "
        "**Id 0 is never a word: it is reserved for padding.**"
    )
    if example.word_table.empty:
        st.warning("These lines contain no words once punctuation is removed, so there is nothing to number.")
        st.stop()
    word_table(s, _word_table=example.word_table)
    dropped = explain.dropped_words(example)
    if dropped:
        st.info(
            f"With a vocabulary size of {vocab_size}, only ids 1–{vocab_size - 1} get a row, so "
            f"{len(dropped)} word(s) are **dropped** from the sentences: {', '.join(dropped[:20])}"
            f"{' …' if len(dropped) > 20 else ''}. (Keras' Tokenizer can map them to an 'unknown' id instead.)"
        )
    else:
        st.caption(f"All {len(example.word_table)} words fit in the vocabulary of {vocab_size} (ids 1–{vocab_size - 1}).")


@st.cache_data(show_spinner=False, max_entries=DRAWN_ENTRIES)
def word_table(s: Settings, _word_table: pd.DataFrame) -> None:
    """The numbered words, drawn once per server for each example (the table follows from the settings)."""
    st.dataframe(_word_table.rename(columns={"kept": f"has a row (id < {s.vocab_size})"}), hide_index=True)


# --- 2. padding ------------------------------------------------------------------------------------


def padding_section(texts: list[str], example: explain.TokenizedExample, s: Settings) -> None:
    """The padded ids. Sentences that became all padding stay: a real Embedding layer returns a row for each."""
    st.header("2. Padding")
    st.markdown(
        f"A layer needs a rectangle of numbers, so every sentence becomes exactly {s.maxlen} ids: "
        f"shorter ones get zeros {'in front' if s.padding == 'pre' else 'at the end'}, longer ones lose ids "
        f"from the {'start' if s.truncating == 'pre' else 'end'}."
    )
    st.code(explain.padded_listing(texts, example.ids), language=None)
    if any(example.truncated):
        st.info(explain.truncation_note(example.truncated))
    same_ids = explain.same_ids_note(texts, example.ids)
    if same_ids:
        st.info(same_ids)
    all_padding = explain.all_padding_rows(example.ids)
    if not all_padding:
        return
    if len(all_padding) == len(texts):
        st.warning("No sentence has a word with its own row (try a larger vocabulary size), so there is nothing "
                   "to look up below.")
        st.stop()
    st.info(explain.all_padding_note(all_padding, len(texts)))


# --- 3. the lookup table ---------------------------------------------------------------------------


@st.cache_data(show_spinner="Running a real keras.layers.Embedding…")
def cached_lookup(ids: np.ndarray, vocab_size: int, dim: int, mask_zero: bool):
    return helper_process.call(explain.embedding_lookup, ids, vocab_size, dim, seed=0, mask_zero=mask_zero)


def lookup_table(texts: list[str], ids: np.ndarray, lookup: explain.Lookup, s: Settings, id_label) -> int:
    """The weight matrix beside one sentence's output; returns the sentence shown."""
    st.header("3. The lookup table")
    n = len(texts)
    st.markdown(
        f"`{explain.embedding_call(s.vocab_size, s.dim, s.mask_zero)}` holds one weight matrix of "
        f"**{s.vocab_size:,} rows × {s.dim:,} numbers**, one row per id, filled with small random numbers until "
        f"training changes them. Its output for our ids has shape `{lookup.output.shape}`: **{n:,} "
        f"sentence{'s' if n > 1 else ''} × {s.maxlen:,} positions × {s.dim:,} numbers**, one block per sentence "
        "typed, even a sentence that is all padding."
    )
    st.caption(f"A model summary shows this shape as `{explain.batch_shape(lookup.output.shape)}`: "
               + explain.NONE_MEANS.replace("texts", "sentences"))
    sentence = st.selectbox(
        "Show the output for sentence", range(n), format_func=lambda i: f"{i + 1}: {texts[i]}",
        help="Each output row is an exact copy of the table row of its id; matching colours show which.",
    )
    lookup_tables(s, sentence, _ids=ids, _lookup=lookup, _id_label=id_label)
    return sentence


@st.cache_data(show_spinner=False, max_entries=DRAWN_ENTRIES)
def lookup_tables(s: Settings, sentence: int, _ids: np.ndarray, _lookup: explain.Lookup, _id_label) -> None:
    """One sentence's output beside the weight matrix, coloured by id, and the live check (drawn once per server)."""
    ids = _ids
    weight_frame = pd.DataFrame(_lookup.weights, columns=dims(s.dim))
    weight_frame.insert(0, "id · word", list(map(_id_label, range(s.vocab_size))))
    ids_row = ids[sentence]
    out_frame = pd.DataFrame(_lookup.output[sentence], columns=dims(s.dim))
    out_frame.insert(0, "id · word", list(map(_id_label, ids_row.tolist())))
    out_frame.insert(0, "position", range(1, s.maxlen + 1))
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Output for sentence {sentence + 1}** ({s.maxlen:,} positions × {s.dim:,} numbers)")
        st.dataframe(colour_by_id(out_frame, ids_row), hide_index=True)
    with right:
        st.markdown(f"**The weight matrix** ({s.vocab_size:,} rows × {s.dim:,} numbers)")
        st.dataframe(colour_by_id(weight_frame, range(s.vocab_size)), hide_index=True)
    st.caption("Matching colours: each output row is the table row of its id, copied.")
    if _lookup.max_lookup_difference == 0.0:
        st.success(
            f"Checked live: `output[i, j] == weights[ids[i, j]]` for all {ids.size:,} positions "
            f"(max absolute difference {_lookup.max_lookup_difference:g})."
        )
    else:
        st.error(f"output and looked-up rows differ by up to {_lookup.max_lookup_difference:g}.")


# --- 4. lookup = one-hot × matrix --------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=DRAWN_ENTRIES)
def one_hot_section(s: Settings, sentence: int, _ids_row: np.ndarray, _lookup: explain.Lookup, _id_label) -> None:
    """The whole section, drawn once per server for each settings and sentence."""
    ids_row, lookup, id_label = _ids_row, _lookup, _id_label
    st.header("4. A lookup is a one-hot vector times the matrix")
    one_hot, product = explain.one_hot_product(ids_row, lookup.weights)
    st.markdown(
        f"Write each id of sentence {sentence + 1} as a row of {s.vocab_size:,} zeros with a single 1 at the id's "
        f"place (a *one-hot* vector). Multiplying these {s.maxlen:,} × {s.vocab_size:,} rows by the "
        f"{s.vocab_size:,} × {s.dim:,} table gives the same {s.maxlen:,} × {s.dim:,} numbers as the lookup: an Embedding "
        "layer is a Dense layer on one-hot inputs that skips the multiplications by zero."
    )
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**One-hot rows**")
        st.dataframe(pd.DataFrame(one_hot.astype(int), index=list(map(id_label, ids_row.tolist())),
                                  columns=list(map(str, range(s.vocab_size)))))
    with right:
        st.markdown("**One-hot × weights**")
        st.dataframe(pd.DataFrame(product, columns=dims(s.dim)).style.format(precision=4), hide_index=True)
    st.metric("Largest difference from the lookup output", f"{float(np.abs(product - lookup.output[sentence]).max()):g}")


# --- 5. the mask ---------------------------------------------------------------------------------------


@st.cache_data(show_spinner="Running a real keras.layers.GlobalAveragePooling1D…", max_entries=DRAWN_ENTRIES)
def mask_section(s: Settings, _ids: np.ndarray, _lookup: explain.Lookup) -> None:
    """The whole section, drawn once per server for each settings."""
    ids, lookup = _ids, _lookup
    st.header("5. The mask")
    n = len(ids)
    if s.mask_zero:
        st.markdown(
            "With `mask_zero=True` the layer also hands on a mask: **True** where there is a word, **False** "
            "where there is padding. The padding row still has numbers (look at id 0 in the table); the mask "
            "tells the next layer to ignore those positions. Here is what averaging the positions gives "
            "with and without it:"
        )
        st.dataframe(pd.DataFrame(lookup.mask, index=[f"sentence {i + 1}" for i in range(n)],
                                  columns=[f"pos {j + 1}" for j in range(s.maxlen)]))
    else:
        st.markdown(
            "`mask_zero` is off (`mask_zero=False`): nothing tells the next layer which positions are padding, so "
            "the padding row's numbers are averaged in like a word. The table also shows what the mask would give; "
            "switch it on above to use it."
        )
    averages = helper_process.call(explain.averages_table, lookup.output, ids, s.mask_zero, dims(s.dim))
    st.dataframe(averages.style.format(precision=4, na_rep="— (no words)"), hide_index=True)
    padded = explain.padded_sentences(ids)
    if padded:
        st.caption(
            f"Sentence{'s' if len(padded) > 1 else ''} {', '.join(map(str, padded))} contain"
            f"{'' if len(padded) > 1 else 's'} padding, so the two averages differ: counted as a word, the padding "
            "row pulls the average towards itself."
            + (" A sentence with no words has no words-only average (0/0), so that cell is empty."
               if explain.all_padding_rows(ids) else "")
        )


# --- 6. what training changes ------------------------------------------------------------------------


def training_section(ids: np.ndarray, s: Settings, id_label) -> None:
    st.header("6. What training changes")
    steps = st.slider("Training steps", 1, 50, 5, key="explain_steps", persist_state="session",
                      help="Each step shows the sentences to the model once and nudges the numbers to reduce the error.")
    training_tables(s, steps, _ids=ids, _id_label=id_label)


@st.cache_data(show_spinner="Training a few steps…", max_entries=DRAWN_ENTRIES)
def training_tables(s: Settings, steps: int, _ids: np.ndarray, _id_label) -> None:
    """Everything below the slider, drawn once per server for each settings and number of steps."""
    ids, id_label = _ids, _id_label
    left_out = explain.training_left_out(ids, s.mask_zero)
    if left_out:
        st.info(explain.training_left_out_note(left_out))
    ids, numbers = explain.training_batch(ids, s.mask_zero)
    labels = explain.toy_labels(len(ids))
    st.markdown(
        f"Give each sentence a made-up label ({explain.toy_label_text(labels, numbers)}) and train "
        f"`{explain.embedding_call(s.vocab_size, s.dim, s.mask_zero)} → average → Dense(1, sigmoid)` for "
        f"{steps:,} step(s) of plain gradient descent. "
        "Only rows whose ids appear in the sentences get a gradient, so only they move."
    )
    trained = helper_process.call(explain.train_steps, ids, labels, s.vocab_size, s.dim, steps=steps,
                                  mask_zero=s.mask_zero)
    row_labels = list(map(id_label, range(s.vocab_size)))
    change_frame = pd.DataFrame({"id · word": row_labels, "in the sentences": trained.in_batch,
                                 "moved by": trained.change, "moved": trained.change > explain.MOVED_ABOVE})
    st.dataframe(change_frame.style.format({"moved by": "{:.5f}"}), hide_index=True)
    st.caption(explain.training_summary(trained))
    with st.expander("Weights before and after"):
        left, right = st.columns(2)
        left.dataframe(pd.DataFrame(trained.before, index=row_labels).style.format(precision=4))
        right.dataframe(pd.DataFrame(trained.after, index=row_labels).style.format(precision=4))


# --- 7. at full size -----------------------------------------------------------------------------------


def full_size() -> None:
    st.header("7. At full size: the IMDB model from the question")
    with friendly_errors("Building the IMDB model"):
        imdb_model()


@st.cache_data(show_spinner="Building the model…")
def imdb_model() -> None:
    """The same for every visitor: drawn once per server (a failure is not cached: it is shown, and retried)."""
    layers = helper_process.call(explain.imdb_model_layers)
    st.dataframe(layers.style.format({"parameters": "{:,}"}), hide_index=True)
    st.caption("In the shapes, " + explain.NONE_MEANS)
    st.markdown(
        f"`Embedding(5000, 32)` is a table of 5,000 rows × 32 numbers = **{layers['parameters'][0]:,} "
        "parameters**: the 5,000 most frequent words each get 32 numbers, learned while the model learns to "
        "tell positive reviews from negative ones (rarer words are dropped or share an 'unknown' row). "
        "Each review becomes 500 ids, so the layer outputs 500 × 32 numbers per review for the LSTM to read. "
        f"In total the model learns {int(layers['parameters'].sum()):,} numbers. "
        "(Keras 3 dropped `input_length=500`: the length now comes from `keras.Input(shape=(500,))` and padding.)"
    )


# --- the page --------------------------------------------------------------------------------------------


def main() -> None:
    st.title("What an Embedding layer does")
    st.markdown(
        "People meet this line in the Keras IMDB tutorial and ask what it does:\n\n"
        "```python\nmodel.add(Embedding(top_words, 32, input_length=500))\n```\n"
        "Short answer: it is a **lookup table**. Every word gets an id, and the layer swaps each id for "
        "a row of numbers that the model learns. Below, two short sentences go through a real Keras "
        "`Embedding` layer, one step at a time. Change the sentences or the sizes and every number updates."
    )
    settings = example_settings()
    texts = sentences(settings.raw_texts)
    example = explain.tokenize_example(texts, settings.vocab_size, settings.maxlen, settings.padding, settings.truncating)
    label_of_id = partial(explain.id_label, example.tokenizer.index_word)
    words_to_numbers(example, settings)
    padding_section(texts, example, settings)
    ids = example.ids
    with friendly_errors("Running the Embedding layer"):
        lookup = cached_lookup(ids, settings.vocab_size, settings.dim, settings.mask_zero)
        sentence = lookup_table(texts, ids, lookup, settings, label_of_id)
        one_hot_section(settings, sentence, _ids_row=ids[sentence], _lookup=lookup, _id_label=label_of_id)
        mask_section(settings, _ids=ids, _lookup=lookup)
        training_section(ids, settings, label_of_id)
    full_size()


if __name__ == "__main__":  # run as a file (AppTest, `streamlit run` on this page); app.py calls main()
    main()
