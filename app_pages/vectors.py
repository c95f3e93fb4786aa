"""Explore pretrained vectors: what GloVe, word2vec and fastText know before any model is trained.

Storyboard, top to bottom:
1. the one idea (words used in the same places get similar vectors);
2. pick one or two vector sets to put side by side (GloVe, word2vec or fastText trained on the
   IMDB training reviews, a file you upload, a gensim-data download);
3. nearest neighbours of a word (unknown words get close spellings; fastText builds them from their pieces);
4. why *good* and *bad* are neighbours: the sentence slots both fill in real reviews;
5. similarity of two words; 6. analogies a - b + c;
7. a 2-D map of a word list, coloured by how the words lean in IMDB reviews.

Each section is a function of plain values; the numbers come from lib (neighbours,
maps, explore, compare) and :func:`main` tells the story in order. Widgets that must
survive leaving the page use ``persist_state="session"``.
"""
import numpy as np
import pandas as pd
import streamlit as st

from lib import plots
from lib.compare import drop_missing
from lib.errors import UserError
from lib.explore import (built_from_pieces, builds_from_pieces, context_slots, includes_word2vec,
                         set_short_label as short, subword_line)
from lib.glossary import definition
from lib.maps import aligned_maps, map_figure
from lib.neighbours import NeighbourError, ZeroVectorError, analogy, cosine, most_similar, rank_of, rows_of
from lib.vectors.files import MAX_WORDS
from lib.vectors.packaged import GENSIM_DATA
from lib.vectors.word2vec import METHODS
from lib.words import WORD_LISTS, known_form, known_to_all, split_words, unknown_word_message
from ui import presentation, sources
from ui.errors import friendly_errors, show_error
from ui.text import md

KEY_PREFIX = "vectors_"  # prefix of every session-state key this page owns
NONE = "— none —"
#: The sets trained here on all IMDB training reviews with the default parameters: menu label -> method.
DEFAULTS = {sources.word2vec_label("imdb", None, method=method): method for method in METHODS}
W2V_DEFAULT, FT_DEFAULT = DEFAULTS
SET_B = KEY_PREFIX + "set_b"


def show_beside_the_first(label: str) -> None:
    """Make a set just added the second set (this runs before the menus are drawn)."""
    st.session_state[SET_B] = label


# --- 1. which vector sets ------------------------------------------------------------------------------------


def upload_tab() -> None:
    upload = st.file_uploader(
        "Vector file", key=KEY_PREFIX + "upload",
        help=("word2vec text or binary (first line “<words> <dimensions>”), GloVe text (a word and its "
              "numbers on each line), fastText .vec; .gz is fine. Pickle-based files (.model, .kv, .pkl) "
              f"are refused because opening them can run code. At most {MAX_WORDS:,} words are read."),
    )
    if upload is None:
        return
    if st.session_state.get(KEY_PREFIX + "upload_done", (None,))[0] == upload.file_id:
        # already read on an earlier rerun: repeat its message, do not read it again
        _, status, text = st.session_state[KEY_PREFIX + "upload_done"]
        if status == "error" and text:
            st.error(text)
        return
    try:
        label = sources.add_uploaded_vectors(upload.name, upload.getvalue())
    except UserError as exc:  # written for the user: one sentence saying what is wrong with the file
        st.session_state[KEY_PREFIX + "upload_done"] = (upload.file_id, "error", str(exc))
        show_error(str(exc), exc)
    except Exception as exc:  # noqa: BLE001 - never a traceback on the page
        st.session_state[KEY_PREFIX + "upload_done"] = (upload.file_id, "error", "")
        show_error(f"{md(upload.name)} could not be read ({type(exc).__name__}); the details are in the "
                   "server log.", exc)
    else:
        st.session_state[KEY_PREFIX + "upload_done"] = (upload.file_id, "ok", label)
        show_beside_the_first(label)
        st.success(f"Loaded “{md(label)}”; it is now the second set below and can be picked on other pages.")


def word2vec_settings() -> tuple[int | None, dict]:
    """``(training reviews or None for all, word2vec or fastText parameters)`` from the form."""
    method = st.radio("Learn with", list(METHODS), format_func=METHODS.get, horizontal=True,
                      key=KEY_PREFIX + "method_trained", help=definition("fastText"))
    c1, c2, c3 = st.columns(3)
    n_train = c1.selectbox("Training reviews", [500, 2_000, 5_000, 25_000], index=3,
                           format_func=lambda n: f"{n:,}",
                           help="How many IMDB training reviews word2vec learns from (never the test reviews).")
    dim = c2.selectbox("Dimensions", [25, 50, 100, 200], index=1, help=definition("dimension"))
    sg = c3.radio("Method", [0, 1], format_func=lambda v: "skip-gram" if v else "CBOW", horizontal=True,
                  help="CBOW predicts a word from its neighbours (faster); skip-gram the neighbours "
                       "from the word (better for rare words).")
    c4, c5, c6, c7 = st.columns(4)
    window = c4.slider("Window", 2, 10, 5, help="How many words on each side count as context.")
    min_count = c5.slider("Min count", 1, 20, 2, help="Words seen fewer times than this get no vector.")
    epochs = c6.slider("Epochs", 1, 20, 5, help="Passes over the reviews.")
    seed = int(c7.number_input("Seed", 0, 10_000, 0, help=definition("seed")))
    n = None if n_train >= len(sources.imdb().train_texts) else int(n_train)
    return n, dict(dim=dim, window=window, min_count=min_count, sg=sg, epochs=epochs, seed=seed, method=method)


def word2vec_tab() -> None:
    st.caption("word2vec and fastText learn vectors from the IMDB *training* reviews only, so the test reviews stay "
               "unseen. word2vec takes about 30–45 s for all 25,000 reviews on 2 cores, fastText about "
               "2½ times as long; both are kept on disk.")
    n, params = word2vec_settings()
    if st.button("Train", key=KEY_PREFIX + "train_w2v", icon=":material/model_training:"):
        with friendly_errors(f"Starting {METHODS[params['method']]}"):
            # trained in the background: clicking around meanwhile does not lose the work
            sources.word2vec_in_background("imdb", n, **params)
            st.session_state[KEY_PREFIX + "w2v_pending"] = (n, params)
    if not st.session_state.get(KEY_PREFIX + "w2v_pending"):
        return
    pending_n, pending_params = st.session_state[KEY_PREFIX + "w2v_pending"]
    name = METHODS[pending_params.get("method", "word2vec")]
    if sources.word2vec_progress("imdb", pending_n, text=f"Training {name}…", **pending_params) == "ready":
        st.session_state.pop(KEY_PREFIX + "w2v_pending")
        sources.word2vec("imdb", pending_n, **pending_params)  # registers it in the menus
        show_beside_the_first(sources.word2vec_label("imdb", pending_n, **pending_params))


def download_tab() -> None:
    name = st.selectbox("gensim-data set", list(GENSIM_DATA), format_func=lambda n: f"{n}: {GENSIM_DATA[n]}",
                        help="Pretrained vector sets gensim can download (needs the internet).")
    if st.button("Download and load", key=KEY_PREFIX + "gensim"):
        with friendly_errors("Downloading the vectors"):
            show_beside_the_first(sources.add_gensim_vectors(name))
            st.rerun()


def add_a_vector_set() -> None:
    if not st.toggle("Add a vector set: your own file, word2vec or fastText with other settings, or a download",
                     key=KEY_PREFIX + "add_open", help=definition("pretrained vectors")):
        return
    tab_file, tab_w2v, tab_online = st.tabs(["Upload a file", "Train word2vec or fastText",
                                             "Download (needs internet)"])
    with tab_file:
        upload_tab()
    with tab_w2v:
        word2vec_tab()
    with tab_online:
        download_tab()


def forget_if_gone(key: str, offered: list[str]) -> None:
    """A remembered set that is gone (an upload from another session, a restarted server) falls back to the default."""
    if st.session_state.get(key, offered[0]) not in offered:
        del st.session_state[key]


def pick_vector_sets(available: dict) -> tuple[str, str]:
    """The two menus: ``(first set, second set or NONE)``."""
    options = list(dict.fromkeys([*available, *DEFAULTS]))
    forget_if_gone(KEY_PREFIX + "set_a", options)
    forget_if_gone(SET_B, [NONE, *options])
    left, right = st.columns(2)
    label_a = left.selectbox("Vector set", options, key=KEY_PREFIX + "set_a", persist_state="session",
                             help=definition("pretrained vectors"))
    label_b = right.selectbox("Side by side with", [NONE, *options], key=SET_B, persist_state="session",
                              help="A second vector set to compare with the first, answer by answer.")
    return label_a, label_b


#: How long a default set takes to train on 2 cores (word2vec measured; fastText 2.5 times as long).
TRAINING_TIME = {"word2vec": "30–45 seconds", "fasttext": "1½–2 minutes"}


def default_trained(method: str):
    """word2vec or fastText on all IMDB training reviews, or None with a train button while it is not there yet."""
    name = METHODS[method]
    if sources.word2vec_is_ready("imdb", None, method=method):
        with st.spinner(f"Loading {name} from the disk cache…"), friendly_errors(f"Loading {name}"):
            return sources.word2vec("imdb", None, method=method)
        return None
    st.info(f"{name} on the 25,000 IMDB training reviews has not been trained yet on this computer. "
            f"It takes about {TRAINING_TIME[method]} and is kept afterwards.")
    if st.button("Train it now", key=f"{KEY_PREFIX}train_default_{method}", icon=":material/model_training:"):
        with friendly_errors(f"Starting {name}"):
            sources.word2vec_in_background("imdb", None, method=method)
    if sources.word2vec_progress("imdb", None, text=f"Training {name} on 25,000 reviews…", method=method) == "ready":
        with friendly_errors(f"Loading {name}"):
            return sources.word2vec("imdb", None, method=method)
    return None


def load(label: str, available: dict):
    """The KeyedVectors of a menu label, or None (with a message or a train button) if not available yet
    (and for NONE)."""
    if label in DEFAULTS:  # even when registered: its cache may be gone, and the page must not train it
        return default_trained(DEFAULTS[label])
    if label in available:
        with friendly_errors(f"Loading {label}"):
            return available[label]()
    return None


def load_labelled_sets(labels: list[str], available: dict) -> list[tuple[str, object]]:
    """``(label, KeyedVectors)`` of each chosen set that is ready; stops the page when none is."""
    wanted = list(dict.fromkeys(labels))
    labels, sets = drop_missing(wanted, [load(label, available) for label in wanted])
    for label in labels:
        for note in sources.uploaded_notes(label):
            st.info(md(note))
    if not labels:
        st.warning("No vector set is loaded yet; pick GloVe above (it is always available).")
        st.stop()
    return list(zip(labels, sets))


def which_vectors() -> list[tuple[str, object]]:
    with presentation.settings("Vector sets"), st.container(border=True):
        st.subheader("Which vectors")
        add_a_vector_set()
        available = sources.available_vector_sets()
        label_a, label_b = pick_vector_sets(available)
    chosen = load_labelled_sets([label_a, label_b], available)
    st.caption(" · ".join(f"**{md(short(lab))}**: {len(kv):,} words × {kv.vector_size} numbers" for lab, kv in chosen))
    return chosen


def unknown(kv, word: str, label: str) -> None:
    st.warning(md(unknown_word_message(kv, word, short(label))))


# --- 2. nearest neighbours -----------------------------------------------------------------------------------


def neighbours_column(label: str, kv, word: str, k: int) -> None:
    st.markdown(f"**{md(short(label))}**")
    found = known_form(kv.key_to_index, word)
    if found is None and builds_from_pieces(kv):
        rows = built_from_pieces(kv, word, k)
        st.caption("Not one of its words: built from its pieces (character n-grams).")
    elif found is None:
        unknown(kv, word, label)
        return
    else:
        try:
            rows = most_similar(kv, found, k, name=short(label))
        except NeighbourError as exc:
            show_error(str(exc), exc)
            return
    table = pd.DataFrame(rows, columns=["neighbour", "cosine similarity"])
    table.index = np.arange(1, len(table) + 1)
    st.dataframe(table, width="stretch", column_config={
        "cosine similarity": st.column_config.ProgressColumn(format="%.2f", min_value=0.0, max_value=1.0)})


def nearest_neighbours(chosen) -> None:
    st.header("Nearest neighbours")
    c1, c2 = st.columns([3, 1])
    word = c1.text_input("Word", "good", key=KEY_PREFIX + "word", persist_state="session",
                         help="A word to look up (lower case, as the vectors store it).").strip()
    k = c2.slider("How many", 5, 30, 10, key=KEY_PREFIX + "k", persist_state="session", help="How many words to show.")
    if not word:
        st.info("Type a word to see its neighbours.")
        return
    for col, (label, kv) in zip(st.columns(len(chosen)), chosen):
        with col:
            neighbours_column(label, kv, word, int(k))
    with friendly_errors("Building the word from its pieces"):
        line = subword_line(chosen, word)
        if line:
            st.text(line)  # quotes the typed word: shown as text, never as Markdown
    st.caption(f"Each list shows the words whose vectors point most nearly the same way as “{md(word)}”: "
               "1.00 would be the very same direction, 0 unrelated.")


# --- 3. why good and bad are neighbours ----------------------------------------------------------------------


def good_bad_column(label: str, kv) -> None:
    if not (known_form(kv.key_to_index, "good") and known_form(kv.key_to_index, "bad")):
        st.caption(f"{md(short(label))} does not have both *good* and *bad*.")
        return
    try:
        rank, similarity = rank_of(kv, "good", "bad"), cosine(kv, "good", "bad")
    except ZeroVectorError as exc:  # an all-zero vector has no direction: no cosine, no rank
        st.caption(md(str(exc)))
        return
    st.metric(f"{md(short(label))}: cosine(good, bad)", f"{similarity:.2f}",
              help="1 = same direction, 0 = unrelated, −1 = opposite.")
    if rank == 1:
        st.caption(f"*bad* is the nearest neighbour of *good* among all {len(kv) - 1:,} other words.")
    else:
        st.caption(f"*bad* is neighbour number {rank:,} of *good*: only {rank - 1:,} of the other "
                   f"{len(kv) - 1:,} words are closer.")


def shared_slots() -> None:
    with friendly_errors("Finding the sentence slots good and bad share"):
        slots = context_slots(sources.shared_contexts("good", "bad"))
        if slots:
            st.dataframe(pd.DataFrame(slots, columns=["slot in an IMDB review", "times filled by good",
                                                      "times filled by bad"]), hide_index=True, width="stretch")
            st.caption("The same slots, filled by both words, in the first 5,000 training reviews: vectors learned "
                       "from slots like these put good and bad close together, so a sentiment model still has to "
                       "learn for itself which way each word leans.")


def why_good_and_bad(chosen) -> None:
    st.header("Why *good* and *bad* are neighbours")
    st.markdown(
        "Opposites that are used the same way end up close. word2vec, fastText and GloVe never see what a word *means*, "
        "only which words surround it, and *good* and *bad* fill the same slots in a sentence."
    )
    for col, (label, kv) in zip(st.columns(len(chosen)), chosen):
        with col:
            good_bad_column(label, kv)
    shared_slots()
    if not includes_word2vec([label for label, _ in chosen]):
        st.caption("Pick *word2vec* or *fastText trained on IMDB* as the second set above to see the same in "
                   "vectors learned from movie reviews alone.")


# --- 4. similarity of two words ------------------------------------------------------------------------------


def similarity_column(label: str, kv, w1: str, w2: str) -> None:
    a, b = known_form(kv.key_to_index, w1), known_form(kv.key_to_index, w2)
    if a is None or b is None:
        unknown(kv, w1 if a is None else w2, label)
        return
    try:
        similarity = cosine(kv, a, b)
    except ZeroVectorError as exc:
        st.caption(md(str(exc)))
        return
    st.metric(f"{md(short(label))}: cosine({md(a)}, {md(b)})", f"{similarity:.2f}")


def two_word_similarity(chosen) -> None:
    st.header("How similar are two words?")
    c1, c2 = st.columns(2)
    w1 = c1.text_input("First word", "cat", key=KEY_PREFIX + "w1", persist_state="session",
                       help=definition("cosine similarity")).strip()
    w2 = c2.text_input("Second word", "dog", key=KEY_PREFIX + "w2", persist_state="session",
                       help=definition("cosine similarity")).strip()
    if not (w1 and w2):
        return
    for col, (label, kv) in zip(st.columns(len(chosen)), chosen):
        with col:
            similarity_column(label, kv, w1, w2)
    st.caption("Cosine similarity: 1 means the two vectors point the same way, 0 that they have nothing "
               "in common; compare it with the neighbour lists above to see what counts as high.")


# --- 5. analogies ----------------------------------------------------------------------------------------------


def analogy_column(label: str, kv, a: str, b: str, c: str) -> None:
    st.markdown(f"**{md(short(label))}**")
    found = [known_form(kv.key_to_index, w) for w in (a, b, c)]
    if None in found:
        unknown(kv, (a, b, c)[found.index(None)], label)
        return
    try:
        rows = analogy(kv, positive=[found[0], found[2]], negative=[found[1]], k=5, name=short(label))
    except NeighbourError as exc:
        show_error(str(exc), exc)
        return
    st.dataframe(pd.DataFrame(rows, columns=["answer", "cosine similarity"]), hide_index=True,
                 width="stretch", column_config={"cosine similarity": st.column_config.NumberColumn(format="%.2f")})


def analogies(chosen) -> None:
    st.header("Analogies: a − b + c")
    # the words below are the visitor's: this line names none of them, so it stays true whatever is typed
    st.markdown("Take the vector of one word, subtract a second, add a third: which word is nearest to the result? "
                "The classic example is *king* − *man* + *woman*, whose answer is hoped to be *queen*.")
    c1, c2, c3 = st.columns(3)
    pa = c1.text_input("a", "king", key=KEY_PREFIX + "a", persist_state="session", help=definition("analogy")).strip()
    pb = c2.text_input("− b", "man", key=KEY_PREFIX + "b", persist_state="session", help=definition("analogy")).strip()
    pc = c3.text_input("+ c", "woman", key=KEY_PREFIX + "c", persist_state="session", help=definition("analogy")).strip()
    if not (pa and pb and pc):
        return
    for col, (label, kv) in zip(st.columns(len(chosen)), chosen):
        with col:
            analogy_column(label, kv, pa, pb, pc)
    st.caption(f"The top answer is the word nearest to {md(pa)} − {md(pb)} + {md(pc)} (the three words themselves are left out); "
               "when it makes sense, the vectors have learned the relation as a direction.")


# --- 6. a map of a word list -----------------------------------------------------------------------------------

READY_LISTS = {name.capitalize(): words for name, words in WORD_LISTS.items()}
WORD_LIST_MENU = [*READY_LISTS, "The IMDB reviews' most frequent words", "My own words"]
MAP_METHODS = {"PCA": "pca", "t-SNE": "tsne"}


def map_words() -> tuple[list[str], str]:
    """The words to map and the map method (``"pca"`` or ``"tsne"``)."""
    c1, c2 = st.columns([2, 1])
    list_name = c1.selectbox("Words", WORD_LIST_MENU, index=WORD_LIST_MENU.index("Sentiment words"), key=KEY_PREFIX + "list",
                             persist_state="session", help="A ready-made list of words that belong together, or your own.")
    method = c2.radio("Map", list(MAP_METHODS), horizontal=True, key=KEY_PREFIX + "method", persist_state="session",
                      help="PCA keeps the two directions along which the words differ most; t-SNE keeps each "
                           "word's nearest neighbours close, at the cost of distances between groups.")
    if list_name == "My own words":
        typed = st.text_area("Your words (separated by spaces or commas)",
                             "movie film actor actress director plot story scene music boring funny",
                             key=KEY_PREFIX + "own_words", persist_state="session",
                             help="Your own words; words a set does not know are left out and listed.")
        return split_words(typed), MAP_METHODS[method]
    if list_name.startswith("The IMDB"):
        with st.spinner("Counting words in the training reviews…"):
            return sources.frequent_words(40), MAP_METHODS[method]
    return list(READY_LISTS[list_name]), MAP_METHODS[method]


def word_map(chosen) -> None:
    st.header("A map of words")
    words, method = map_words()
    usable, missing = known_to_all([kv.key_to_index for _, kv in chosen], words)
    if missing:
        st.info("Left out (not in every chosen set): " + ", ".join(missing[:30]) + ("…" if len(missing) > 30 else ""))
    if len(usable) < 3:
        st.warning("A map needs at least 3 words that every chosen set knows; add more words.")
        return
    with friendly_errors("Drawing the map"):  # anything but a UserError: an apology, details in the log
        try:
            maps = aligned_maps([rows_of(kv, usable) for _, kv in chosen], method=method)
            fig = map_figure([plots.wrap_label(short(lab), 40) for lab, _ in chosen], maps, usable,
                                   color_values=sources.imdb_sentiment().scores(usable),
                                   color_label="leans positive (+) / negative (−) in IMDB", height=560)
            st.plotly_chart(fig, width="stretch", key=KEY_PREFIX + "map")
            st.caption("Words close together have similar vectors; the colour shows how each word leans in the IMDB "
                       "reviews (blue positive, red negative), so a map where red and blue mix is one where the "
                       "vectors do not separate praise from criticism.")
        except UserError as exc:  # too few words for t-SNE, vectors that are not finite, ...
            show_error(f"The map could not be drawn: {exc}", exc)


# --- the page ----------------------------------------------------------------------------------------------------


def introduction() -> None:
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


def main() -> None:
    introduction()
    chosen = which_vectors()
    nearest_neighbours(chosen)
    why_good_and_bad(chosen)
    two_word_similarity(chosen)
    analogies(chosen)
    word_map(chosen)


if __name__ == "__main__":  # run as a file (AppTest, `streamlit run` on this page); app.py calls main()
    main()
