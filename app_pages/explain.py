"""What an Embedding layer does: the classic two-sentence example, step by step, computed live."""
import numpy as np
import pandas as pd
import streamlit as st

from lib import explain
from lib.plots import OKABE_ITO
from ui import presentation
from ui.errors import friendly_errors

st.title("What an Embedding layer does")
st.markdown(
    "People meet this line in the Keras IMDB tutorial and ask what it does:\n\n"
    "```python\nmodel.add(Embedding(top_words, 32, input_length=500))\n```\n"
    "Short answer: it is a **lookup table**. Every word gets an id, and the layer swaps each id for "
    "a row of numbers that the model learns. Below, two short sentences go through a real Keras "
    "`Embedding` layer, one step at a time. Change the sentences or the sizes and every number updates."
)

# --- the inputs ------------------------------------------------------------------------------------
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
    mask_zero = c3.toggle("mask_zero=True", value=True, key="explain_mask_zero", persist_state="session",
                          help="Tells the layers after the embedding to ignore the padding positions.")

texts, notes = explain.parse_texts(raw_texts)
for note in notes:
    st.info(note)
if not texts:
    st.warning("Type at least one sentence in the box above to see the steps.")
    st.stop()

example = explain.tokenize_example(texts, int(vocab_size), int(maxlen), padding, truncating)
vocab_size, maxlen, dim = int(vocab_size), int(maxlen), int(dim)
# A sentence left with no id at all (no words, or none inside the vocabulary) is all padding; averaging
# nothing is 0/0, so it would turn steps 5 and 6 into NaN. Leave it out and say so.
all_padding = [i for i, row in enumerate(example.ids) if not row.any()]
n = len(texts)


def id_label(i: int) -> str:
    if i == 0:
        return "0 · (padding)"
    # ids beyond the words seen still have a row: the table is sized by the vocabulary setting
    return f"{i} · {example.tokenizer.index_word.get(i, '(no word)')}"


def id_colour(i: int) -> str:
    # Same colour for an id wherever it appears, so an output row can be matched to its table row.
    return "#DDDDDD" if i == 0 else OKABE_ITO[(i - 1) % len(OKABE_ITO)] + "55"


def colour_by_id(frame: pd.DataFrame, ids) -> "pd.io.formats.style.Styler":
    colours = [id_colour(int(i)) for i in ids]
    return frame.style.apply(lambda row: [f"background-color: {colours[row.name]}"] * len(row), axis=1).format(precision=4)


# --- 1. words to numbers -------------------------------------------------------------------------
st.header("1. Words to numbers")
st.markdown(
    "The tokenizer lower-cases the text, drops punctuation, splits on spaces and counts the words. "
    "The most frequent word gets id 1, the next id 2, and so on (ties go to the word seen first). "
    "**Id 0 is never a word: it is reserved for padding.**"
)
if example.word_table.empty:
    st.warning("These lines contain no words once punctuation is removed, so there is nothing to number.")
    st.stop()
st.dataframe(example.word_table.rename(columns={"kept": f"has a row (id < {vocab_size})"}), hide_index=True)
dropped = sorted({w for words in example.dropped for w in words})
if dropped:
    st.info(
        f"With a vocabulary size of {vocab_size}, only ids 1–{vocab_size - 1} get a row, so "
        f"{len(dropped)} word(s) are **dropped** from the sentences: {', '.join(dropped[:20])}"
        f"{' …' if len(dropped) > 20 else ''}. (Keras' Tokenizer can map them to an 'unknown' id instead.)"
    )
else:
    st.caption(f"All {len(example.word_table)} words fit in the vocabulary of {vocab_size} (ids 1–{vocab_size - 1}).")

# --- 2. padding ----------------------------------------------------------------------------------
st.header("2. Padding")
st.markdown(
    f"A layer needs a rectangle of numbers, so every sentence becomes exactly {maxlen} ids: "
    f"shorter ones get zeros {'in front' if padding == 'pre' else 'at the end'}, longer ones lose ids "
    f"from the {'start' if truncating == 'pre' else 'end'}."
)
st.code("\n".join(f"{text!r:<40} -> {np.array2string(row)}" for text, row in zip(texts, example.ids)), language=None)
if any(example.truncated):
    st.info("Cut to fit: " + "; ".join(f"sentence {i + 1} lost {k} id(s)" for i, k in enumerate(example.truncated) if k))

if all_padding:
    if len(all_padding) == n:
        st.warning("No sentence has a word with its own row (try a larger vocabulary size), so there is nothing "
                   "to look up below.")
        st.stop()
    st.info(
        f"Sentence{'s' if len(all_padding) > 1 else ''} {', '.join(str(i + 1) for i in all_padding)} "
        "became nothing but padding, so from here on "
        f"{'they are' if len(all_padding) > 1 else 'it is'} left out (an average over no words is not a number)."
    )
    keep = [i for i in range(n) if i not in all_padding]
    texts = [texts[i] for i in keep]
    example.ids = example.ids[keep]
    n = len(texts)

# --- 3. the lookup table ---------------------------------------------------------------------------
st.header("3. The lookup table")


@st.cache_data(show_spinner="Running a real keras.layers.Embedding…")
def cached_lookup(ids: np.ndarray, vocab_size: int, dim: int, mask_zero: bool):
    return explain.embedding_lookup(ids, vocab_size, dim, seed=0, mask_zero=mask_zero)


with friendly_errors("Running the Embedding layer"):
    lookup = cached_lookup(example.ids, vocab_size, dim, mask_zero)
    st.markdown(
        f"`Embedding({vocab_size}, {dim})` holds one weight matrix of **{vocab_size} rows × {dim} numbers**, "
        "one row per id, filled with small random numbers until training changes them. Its output for our "
        f"ids has shape `{lookup.output.shape}`: **{n} sentence{'s' if n > 1 else ''} × {maxlen} positions × "
        f"{dim} numbers**."
    )
    weight_frame = pd.DataFrame(lookup.weights, columns=[f"dim {k + 1}" for k in range(dim)])
    weight_frame.insert(0, "id · word", [id_label(i) for i in range(vocab_size)])

    sentence = st.selectbox(
        "Show the output for sentence", range(n), format_func=lambda i: f"{i + 1}: {texts[i]}",
        help="Each output row is an exact copy of the table row of its id; matching colours show which.",
    )
    ids_row = example.ids[sentence]
    out_frame = pd.DataFrame(lookup.output[sentence], columns=[f"dim {k + 1}" for k in range(dim)])
    out_frame.insert(0, "id · word", [id_label(int(i)) for i in ids_row])
    out_frame.insert(0, "position", range(1, maxlen + 1))

    left, right = st.columns(2)
    with left:
        st.markdown(f"**Output for sentence {sentence + 1}** ({maxlen} positions × {dim} numbers)")
        st.dataframe(colour_by_id(out_frame, ids_row), hide_index=True)
    with right:
        st.markdown(f"**The weight matrix** ({vocab_size} rows × {dim} numbers)")
        st.dataframe(colour_by_id(weight_frame, range(vocab_size)), hide_index=True)
    st.caption("Matching colours: each output row is the table row of its id, copied.")

    checked = example.ids.size
    if lookup.max_lookup_difference == 0.0:
        st.success(
            f"Checked live: `output[i, j] == weights[ids[i, j]]` for all {checked} positions "
            f"(max absolute difference {lookup.max_lookup_difference:g})."
        )
    else:
        st.error(f"output and looked-up rows differ by up to {lookup.max_lookup_difference:g}.")

    # --- 4. lookup = one-hot × matrix ------------------------------------------------------------------
    st.header("4. A lookup is a one-hot vector times the matrix")
    one_hot, product = explain.one_hot_product(ids_row, lookup.weights)
    product_difference = float(np.abs(product - lookup.output[sentence]).max())
    st.markdown(
        f"Write each id of sentence {sentence + 1} as a row of {vocab_size} zeros with a single 1 at the id's "
        f"place (a *one-hot* vector). Multiplying these {maxlen} × {vocab_size} rows by the "
        f"{vocab_size} × {dim} table gives the same {maxlen} × {dim} numbers as the lookup: an Embedding "
        "layer is a Dense layer on one-hot inputs that skips the multiplications by zero."
    )
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**One-hot rows**")
        st.dataframe(
            pd.DataFrame(one_hot.astype(int), index=[id_label(int(i)) for i in ids_row],
                         columns=[str(k) for k in range(vocab_size)]),
        )
    with right:
        st.markdown("**One-hot × weights**")
        st.dataframe(pd.DataFrame(product, columns=[f"dim {k + 1}" for k in range(dim)]).style.format(precision=4),
                     hide_index=True)
    st.metric("Largest difference from the lookup output", f"{product_difference:g}")

    # --- 5. the mask ---------------------------------------------------------------------------------
    st.header("5. The mask")
    masked, unmasked = explain.average_pooling(lookup.output, lookup.mask)
    if mask_zero:
        st.markdown(
            "With `mask_zero=True` the layer also hands on a mask: **True** where there is a word, **False** "
            "where there is padding. The padding row still has numbers (look at id 0 in the table); the mask "
            "tells the next layer to ignore those positions. Here is what averaging the positions gives "
            "with and without it:"
        )
        st.dataframe(
            pd.DataFrame(lookup.mask, index=[f"sentence {i + 1}" for i in range(n)],
                         columns=[f"pos {j + 1}" for j in range(maxlen)]),
        )
    else:
        st.markdown(
            "`mask_zero` is off: nothing tells the next layer which positions are padding, so the padding "
            "row's numbers are averaged in like a word. Switch it on above to compare."
        )
    pooled = pd.DataFrame(
        {
            "sentence": [f"{i + 1}" for i in range(n)] * 2,
            "average over": ["words only (mask)"] * n + ["all positions, padding too"] * n,
        }
    )
    pooled[[f"dim {k + 1}" for k in range(dim)]] = np.vstack([masked, unmasked])
    st.dataframe(pooled.style.format(precision=4), hide_index=True)
    padded_sentences = [i + 1 for i in range(n) if (example.ids[i] == 0).any()]
    if mask_zero and padded_sentences:
        st.caption(
            f"Sentences {', '.join(map(str, padded_sentences))} contain padding, so their two averages differ: "
            "without the mask, the padding row pulls the average towards itself."
        )

    # --- 6. what training changes ---------------------------------------------------------------------
    st.header("6. What training changes")
    steps = st.slider("Training steps", 1, 50, 5, key="explain_steps", persist_state="session",
                      help="Each step shows the sentences to the model once and nudges the numbers to reduce the error.")
    labels = explain.toy_labels(n)
    st.markdown(
        "Give each sentence a made-up label (" + ", ".join(f"sentence {i + 1} → {int(v)}" for i, v in enumerate(labels))
        + f") and train `Embedding → average → Dense(1, sigmoid)` for {steps} step(s) of plain gradient descent. "
        "Only rows whose ids appear in the sentences get a gradient, so only they move."
    )

    @st.cache_data(show_spinner="Training a few steps…")
    def cached_steps(ids: np.ndarray, labels: np.ndarray, vocab_size: int, dim: int, steps: int, mask_zero: bool):
        return explain.train_steps(ids, labels, vocab_size, dim, steps=steps, mask_zero=mask_zero)

    trained = cached_steps(example.ids, labels, vocab_size, dim, steps, mask_zero)
    change_frame = pd.DataFrame(
        {
            "id · word": [id_label(i) for i in range(vocab_size)],
            "in the sentences": trained.in_batch,
            "moved by": trained.change,
            "moved": trained.change > 1e-7,
        }
    )
    st.dataframe(change_frame.style.format({"moved by": "{:.5f}"}), hide_index=True)
    moved = int((trained.change > 1e-7).sum())
    unused = int((~trained.in_batch).sum())
    padding_moved = bool(trained.change[0] > 1e-7)
    sentence_parts = [f"{moved} of {vocab_size} rows moved"]
    if unused:
        sentence_parts.append(f"the {unused} row(s) of ids not in the sentences stayed exactly where they were")
    if trained.in_batch[0]:
        sentence_parts.append(
            "the padding row " + ("moved, because without the mask padding counts as a word" if padding_moved
                                  else "stayed put, because the mask keeps padding out of the average")
        )
    st.caption("; ".join(sentence_parts) + f". Loss went from {trained.losses[0]:.4f} to {trained.losses[-1]:.4f}.")
    with st.expander("Weights before and after"):
        left, right = st.columns(2)
        left.dataframe(pd.DataFrame(trained.before, index=[id_label(i) for i in range(vocab_size)]).style.format(precision=4))
        right.dataframe(pd.DataFrame(trained.after, index=[id_label(i) for i in range(vocab_size)]).style.format(precision=4))

# --- 7. at full size -------------------------------------------------------------------------------
st.header("7. At full size: the IMDB model from the question")


@st.cache_data(show_spinner="Building the model…")
def cached_imdb_layers():
    return explain.imdb_model_layers()


with friendly_errors("Building the IMDB model"):
    layers = cached_imdb_layers()
    st.dataframe(layers, hide_index=True)
    st.markdown(
        f"`Embedding(5000, 32)` is a table of 5,000 rows × 32 numbers = **{layers['parameters'][0]:,} "
        "parameters**: the 5,000 most frequent words each get 32 numbers, learned while the model learns to "
        "tell positive reviews from negative ones (rarer words are dropped or share an 'unknown' row). "
        "Each review becomes 500 ids, so the layer outputs 500 × 32 numbers per review for the LSTM to read. "
        f"In total the model learns {int(layers['parameters'].sum()):,} numbers. "
        "(Keras 3 dropped `input_length=500`: the length now comes from `keras.Input(shape=(500,))` and padding.)"
    )
