"""Explore pretrained vectors: what GloVe and word2vec know before any model is trained.

Storyboard, top to bottom:
1. the one idea (words used in the same places get similar vectors);
2. pick one or two vector sets to put side by side (GloVe, word2vec trained on the IMDB
   training reviews, a file you upload, a gensim-data download);
3. nearest neighbours of a word (unknown words get close spellings);
4. why *good* and *bad* are neighbours: the sentence slots both fill in real reviews;
5. similarity of two words; 6. analogies a - b + c;
7. a 2-D map of a word list, coloured by how the words lean in IMDB reviews.
"""
import numpy as np
import pandas as pd
import streamlit as st

from lib import plots
from lib.glossary import explain
from lib import vectors as vec
from lib.neighbors import NeighborError, cosine, most_similar, most_similar_to_vector, rank_of, unit_matrix_of
from lib.projection import ProjectionError, align_to, pca_2d, tsne_2d
from ui import presentation, sources
from ui.errors import friendly_errors, show_error

P = "vectors_"  # this page's session_state prefix
NONE = "— none —"


def kept(name: str, default):
    """Widget key whose value survives leaving the page: restored from ``P + name`` when the widget is new."""
    store, widget = P + name, "_w_" + P + name
    st.session_state.setdefault(store, default)
    if widget not in st.session_state:
        st.session_state[widget] = st.session_state[store]
    return widget


def keep(name: str) -> None:
    st.session_state[P + name] = st.session_state["_w_" + P + name]


def short(label: str) -> str:
    """A menu label without its details: "GloVe 6B 50-d", "word2vec trained on IMDB (all training texts)"."""
    if label.startswith("word2vec"):
        return label.split(";")[0] + ")"
    return label.split(" (")[0]


st.title("Explore pretrained vectors")
presentation.story(
    "Words that turn up in the same kinds of sentences get similar vectors: that is how GloVe knows "
    "France is like Italy, and why it thinks good is like bad."
)
st.markdown(
    "A *vector set* gives every word a list of numbers (50 for the GloVe set installed here). Nobody "
    "chose those numbers: a program read billions of words and nudged them until words with similar "
    "neighbours had similar numbers. Pick one set, or two to compare, and ask them questions below."
)

# --- 1. which vector sets -------------------------------------------------------------------------------------
W2V_DEFAULT = sources.word2vec_label("imdb", None)

with presentation.settings("Vector sets"), st.container(border=True):
    st.subheader("Which vectors")
    if st.toggle("Add a vector set: your own file, word2vec with other settings, or a download",
                 key=P + "add_open", help=explain("pretrained vectors")):
        tab_file, tab_w2v, tab_online = st.tabs(["Upload a file", "Train word2vec", "Download (needs internet)"])
        with tab_file:
            upload = st.file_uploader(
                "Vector file", key=P + "upload",
                help=("word2vec text or binary (first line “<words> <dimensions>”), GloVe text (a word and its "
                      "numbers on each line), fastText .vec; .gz is fine. Pickle-based files (.model, .kv, .pkl) "
                      f"are refused because opening them can run code. At most {vec.MAX_WORDS:,} words are read."),
            )
            if upload is not None and st.session_state.get(P + "upload_done", (None,))[0] != upload.file_id:
                try:
                    label = sources.add_uploaded_vectors(upload.name, upload.getvalue())
                except ValueError as exc:
                    st.session_state[P + "upload_done"] = (upload.file_id, "error", str(exc))
                    show_error(str(exc), exc)
                except Exception as exc:  # noqa: BLE001 - never a traceback on the page
                    st.session_state[P + "upload_done"] = (upload.file_id, "error", "")
                    show_error(f"{upload.name} could not be read ({type(exc).__name__}); the details are in the "
                               "server log.", exc)
                else:
                    st.session_state[P + "upload_done"] = (upload.file_id, "ok", label)
                    st.session_state[P + "set_b"] = label  # show it beside the first set straight away
                    st.session_state.pop("_w_" + P + "set_b", None)
                    st.success(f"Loaded “{label}”; it is now the second set below and can be picked on other pages.")
            elif upload is not None:
                _, status, text = st.session_state[P + "upload_done"]
                if status == "error" and text:
                    st.error(text)
        with tab_w2v:
            st.caption("word2vec learns vectors from the IMDB *training* reviews only, so the test reviews stay "
                       "unseen. It takes about 30–45 s for all 25,000 reviews on 2 cores, and is kept on disk.")
            c1, c2, c3 = st.columns(3)
            n_train = c1.selectbox("Training reviews", [500, 2_000, 5_000, 25_000], index=3,
                                   format_func=lambda n: f"{n:,}",
                                   help="How many IMDB training reviews word2vec learns from (never the test reviews).")
            dim = c2.selectbox("Dimensions", [25, 50, 100, 200], index=1, help=explain("dimension"))
            sg = c3.radio("Method", [0, 1], format_func=lambda v: "skip-gram" if v else "CBOW", horizontal=True,
                          help="CBOW predicts a word from its neighbours (faster); skip-gram the neighbours "
                               "from the word (better for rare words).")
            c4, c5, c6, c7 = st.columns(4)
            window = c4.slider("Window", 2, 10, 5, help="How many words on each side count as context.")
            min_count = c5.slider("Min count", 1, 20, 2, help="Words seen fewer times than this get no vector.")
            epochs = c6.slider("Epochs", 1, 20, 5, help="Passes over the reviews.")
            seed = int(c7.number_input("Seed", 0, 10_000, 0, help=explain("seed")))
            n = None if n_train >= len(sources.imdb().train_texts) else int(n_train)
            w2v_params = dict(dim=dim, window=window, min_count=min_count, sg=sg, epochs=epochs, seed=seed)
            if st.button("Train word2vec", key=P + "train_w2v", icon=":material/model_training:"):
                with friendly_errors("Starting word2vec"):
                    # trained in the background: clicking around meanwhile does not lose the work
                    sources.word2vec_in_background("imdb", n, **w2v_params)
                    st.session_state[P + "w2v_pending"] = (n, w2v_params)
            if st.session_state.get(P + "w2v_pending"):
                pending_n, pending_params = st.session_state[P + "w2v_pending"]
                if sources.word2vec_progress("imdb", pending_n, **pending_params) == "ready":
                    st.session_state.pop(P + "w2v_pending")
                    # the new set shows up as the second set below
                    st.session_state[P + "set_b"] = sources.word2vec_label("imdb", pending_n, **pending_params)
                    st.session_state.pop("_w_" + P + "set_b", None)
                    sources.word2vec("imdb", pending_n, **pending_params)  # registers it in the menus
        with tab_online:
            name = st.selectbox("gensim-data set", list(vec.GENSIM_DATA), format_func=lambda n: f"{n}: {vec.GENSIM_DATA[n]}",
                                help="Pretrained vector sets gensim can download (needs the internet).")
            if st.button("Download and load", key=P + "gensim"):
                with friendly_errors("Downloading the vectors"):
                    label = sources.add_gensim_vectors(name)
                    st.session_state[P + "set_b"] = label
                    st.session_state.pop("_w_" + P + "set_b", None)
                    st.rerun()

    available = sources.available_vector_sets()
    options = list(available) + ([W2V_DEFAULT] if W2V_DEFAULT not in available else [])
    for slot, default in (("set_a", vec.GLOVE_LABEL), ("set_b", NONE)):
        if st.session_state.get(P + slot, default) not in options + [NONE]:
            st.session_state[P + slot] = default
            st.session_state.pop("_w_" + P + slot, None)
    left, right = st.columns(2)
    label_a = left.selectbox("Vector set", options, key=kept("set_a", vec.GLOVE_LABEL),
                             help=explain("pretrained vectors"))
    keep("set_a")
    label_b = right.selectbox("Side by side with", [NONE] + options, key=kept("set_b", NONE),
                              help="A second vector set to compare with the first, answer by answer.")
    keep("set_b")


def load(label: str):
    """The KeyedVectors of a menu label, or None (with a message or a train button) if not available yet."""
    if label in available:
        with friendly_errors(f"Loading {label}"):
            return available[label]()
        return None
    if label == W2V_DEFAULT:
        if sources.word2vec_is_ready("imdb", None):
            with st.spinner("Loading word2vec from the disk cache…"), friendly_errors("Loading word2vec"):
                return sources.word2vec("imdb", None)
            return None
        st.info("word2vec on the 25,000 IMDB training reviews has not been trained yet on this computer. "
                "It takes about 30–45 seconds and is kept afterwards.")
        if st.button("Train it now", key=P + "train_default", icon=":material/model_training:"):
            with friendly_errors("Starting word2vec"):
                sources.word2vec_in_background("imdb", None)
        if sources.word2vec_progress("imdb", None, text="Training word2vec on 25,000 reviews…") == "ready":
            with friendly_errors("Loading word2vec"):
                return sources.word2vec("imdb", None)
    return None


chosen = []
for label in dict.fromkeys([label_a, label_b]):
    if label == NONE:
        continue
    kv = load(label)
    if kv is not None:
        chosen.append((label, kv))
        for note in sources.uploaded_notes(label):
            st.info(note)
if not chosen:
    st.warning("No vector set is loaded yet; pick GloVe above (it is always available).")
    st.stop()

st.caption(" · ".join(f"**{short(lab)}**: {len(kv):,} words × {kv.vector_size} numbers" for lab, kv in chosen))


def side_by_side():
    """One column per chosen vector set."""
    return zip(st.columns(len(chosen)), chosen)


def unknown(kv, word: str, label: str) -> None:
    st.warning(vec.unknown_word_message(kv, word, short(label)))


def lookup(kv, word: str) -> str | None:
    """The form of ``word`` the set knows (as typed, else lower-cased), or None."""
    for w in (word.strip(), word.strip().lower()):
        if w and w in kv.key_to_index:
            return w
    return None


# --- 2. nearest neighbours -------------------------------------------------------------------------------------
st.header("Nearest neighbours")
c1, c2 = st.columns([3, 1])
word = c1.text_input("Word", key=kept("word", "good"),
                     help="A word to look up (lower case, as the vectors store it).").strip()
keep("word")
k = c2.slider("How many", 5, 30, key=kept("k", 10), help="How many words to show.")
keep("k")
if word:
    for col, (label, kv) in side_by_side():
        with col:
            st.markdown(f"**{short(label)}**")
            found = lookup(kv, word)
            if found is None:
                unknown(kv, word, label)
                continue
            try:
                rows = most_similar(kv, found, int(k), name=short(label))
            except NeighborError as exc:
                show_error(str(exc), exc)
                continue
            table = pd.DataFrame(rows, columns=["neighbour", "cosine similarity"])
            table.index = np.arange(1, len(table) + 1)
            st.dataframe(table, width="stretch", column_config={
                "cosine similarity": st.column_config.ProgressColumn(format="%.2f", min_value=0.0, max_value=1.0)})
    st.caption(f"Each list shows the words whose vectors point most nearly the same way as “{word}”: "
               "1.00 would be the very same direction, 0 unrelated.")
else:
    st.info("Type a word to see its neighbours.")

# --- 3. why good and bad are neighbours -----------------------------------------------------------------------
st.header("Why *good* and *bad* are neighbours")
st.markdown(
    "Opposites that are used the same way end up close. word2vec and GloVe never see what a word *means*, "
    "only which words surround it, and *good* and *bad* fill the same slots in a sentence."
)
for col, (label, kv) in side_by_side():
    with col:
        if lookup(kv, "good") and lookup(kv, "bad"):
            sim = cosine(kv, "good", "bad")
            rank = rank_of(kv, "good", "bad")
            st.metric(f"{short(label)}: cosine(good, bad)", f"{sim:.2f}",
                      help="1 = same direction, 0 = unrelated, −1 = opposite.")
            if rank == 1:
                st.caption(f"*bad* is the nearest neighbour of *good* among all {len(kv) - 1:,} other words.")
            else:
                st.caption(f"*bad* is neighbour number {rank:,} of *good*: only {rank - 1:,} of the other "
                           f"{len(kv) - 1:,} words are closer.")
        else:
            st.caption(f"{short(label)} does not have both *good* and *bad*.")
with friendly_errors("Finding the sentence slots good and bad share"):
    contexts = sources.shared_contexts("good", "bad")
    if contexts:
        slots = pd.DataFrame(
            [(f"{left or '(start)'} ___ {right or '(end)'}", a, b) for left, right, a, b in contexts],
            columns=["slot in an IMDB review", "times filled by good", "times filled by bad"],
        )
        st.dataframe(slots, hide_index=True, width="stretch")
        st.caption("The same slots, filled by both words, in the first 5,000 training reviews: vectors learned "
                   "from slots like these put good and bad close together, so a sentiment model still has to "
                   "learn for itself which way each word leans.")
if not any(label.startswith("word2vec") for label, _ in chosen):
    st.caption("Pick *word2vec trained on IMDB* as the second set above to see the same in vectors learned "
               "from movie reviews alone.")

# --- 4. similarity of two words --------------------------------------------------------------------------------
st.header("How similar are two words?")
c1, c2 = st.columns(2)
w1 = c1.text_input("First word", key=kept("w1", "cat"), help=explain("cosine similarity")).strip()
keep("w1")
w2 = c2.text_input("Second word", key=kept("w2", "dog"), help=explain("cosine similarity")).strip()
keep("w2")
if w1 and w2:
    for col, (label, kv) in side_by_side():
        with col:
            a, b = lookup(kv, w1), lookup(kv, w2)
            if a is None or b is None:
                unknown(kv, w1 if a is None else w2, label)
                continue
            st.metric(f"{short(label)}: cosine({a}, {b})", f"{cosine(kv, a, b):.2f}")
    st.caption("Cosine similarity: 1 means the two vectors point the same way, 0 that they have nothing "
               "in common; compare it with the neighbour lists above to see what counts as high.")

# --- 5. analogies --------------------------------------------------------------------------------------------
st.header("Analogies: a − b + c")
st.markdown("Take the vector of *king*, subtract *man*, add *woman*: which word is nearest to the result?")
c1, c2, c3 = st.columns(3)
pa = c1.text_input("a", key=kept("a", "king"), help=explain("analogy")).strip()
keep("a")
pb = c2.text_input("− b", key=kept("b", "man"), help=explain("analogy")).strip()
keep("b")
pc = c3.text_input("+ c", key=kept("c", "woman"), help=explain("analogy")).strip()
keep("c")
if pa and pb and pc:
    for col, (label, kv) in side_by_side():
        with col:
            st.markdown(f"**{short(label)}**")
            found = [lookup(kv, w) for w in (pa, pb, pc)]
            if None in found:
                missing = (pa, pb, pc)[found.index(None)]
                unknown(kv, missing, label)
                continue
            unit = unit_matrix_of(kv)
            target = sum(s * unit[kv.key_to_index[w]] for s, w in zip((1, -1, 1), found))
            try:
                rows = most_similar_to_vector(kv, target, 5, exclude_words=found)
            except NeighborError as exc:
                show_error(str(exc), exc)
                continue
            st.dataframe(pd.DataFrame(rows, columns=["answer", "cosine similarity"]), hide_index=True,
                         width="stretch", column_config={"cosine similarity": st.column_config.NumberColumn(format="%.2f")})
    st.caption(f"The top answer is the word nearest to {pa} − {pb} + {pc} (the three words themselves are left out); "
               "when it makes sense, the vectors have learned the relation as a direction.")

# --- 6. a map of a word list -------------------------------------------------------------------------------------
st.header("A map of words")
LISTS = {**{name.capitalize(): words for name, words in vec.WORD_LISTS.items()},
         "The IMDB reviews' most frequent words": None, "My own words": None}
c1, c2 = st.columns([2, 1])
list_name = c1.selectbox("Words", list(LISTS), key=kept("list", "Sentiment words"),
                         help="A ready-made list of words that belong together, or your own.")
keep("list")
method = c2.radio("Map", ["PCA", "t-SNE"], horizontal=True, key=kept("method", "PCA"),
                  help="PCA keeps the two directions along which the words differ most; t-SNE keeps each "
                       "word's nearest neighbours close, at the cost of distances between groups.")
keep("method")
if list_name == "My own words":
    typed = st.text_area("Your words (separated by spaces or commas)", key=kept("own_words", "movie film actor actress "
                         "director plot story scene music boring funny"),
                         help="Your own words; words a set does not know are left out and listed.")
    keep("own_words")
    words = vec.split_words(typed)
elif list_name.startswith("The IMDB"):
    with st.spinner("Counting words in the training reviews…"):
        words = sources.frequent_words(40)
else:
    words = list(LISTS[list_name])

usable, missing = words, []
for _, kv in chosen:
    known, lacking = vec.known_and_unknown(kv, usable)
    usable, missing = known, missing + [w for w in lacking if w not in missing]
if missing:
    st.info("Left out (not in every chosen set): " + ", ".join(missing[:30]) + ("…" if len(missing) > 30 else ""))
if len(usable) < 3:
    st.warning("A map needs at least 3 words that every chosen set knows; add more words.")
else:
    try:
        maps = []
        for _, kv in chosen:
            X = np.stack([kv[w] for w in usable])
            maps.append(pca_2d(X) if method == "PCA" else tsne_2d(X, perplexity=min(30.0, (len(usable) - 1) / 3)))
        maps = [maps[0]] + [align_to(maps[0], m) for m in maps[1:]]
        scores = sources.imdb_sentiment().scores(usable)
        fig = plots.map_figure([short(lab) for lab, _ in chosen], maps, usable, color_values=scores,
                               color_label="leans positive (+) / negative (−) in IMDB", height=560)
        st.plotly_chart(fig, width="stretch", key=P + "map")
        st.caption("Words close together have similar vectors; the colour shows how each word leans in the IMDB "
                   "reviews (blue positive, red negative), so a map where red and blue mix is one where the "
                   "vectors do not separate praise from criticism.")
    except (ProjectionError, ValueError) as exc:
        show_error(f"The map could not be drawn: {exc}", exc)
