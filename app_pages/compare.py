"""Compare embeddings side by side: the same words seen through two to four embeddings.

Storyboard: 1. pick the embeddings -> 2. pick the words -> 3. the headline numbers (how close
"good" and "bad" are in each) -> 4. aligned maps -> 5. neighbour lists -> 6. what training
changed (sentiment separation, words that moved, the runs judged against noise) -> 7. downloads
-> 8. neighbourhood change over all words -> 9. meaning axes -> 10. word benchmarks ->
11. training replay -> 12. downloads of what changed (sections 8-12 are laid out by ui/changes.py).
Each section is a function that takes and returns plain values; every number comes from
lib (compare, maps, neighbours, sentiment, movement, verdicts); this file only lays them out,
and :func:`main` tells the story in order.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

import numpy as np
import pandas as pd
import streamlit as st

from lib import compare, coverage, exports, maps, movement, plots, projection, sentiment, verdicts
from lib.compare import EmbeddingRef
from lib.glossary import definition
from lib.jobs import access, runner
from lib.io import safe_name
from lib.neighbours import keyed_vectors, neighbour_columns, neighbour_lists, neighbour_rows, overlap_matrix
from lib.neighbours import PairReading, ZeroVectorError, pair_reading, pair_summary, rows_of, shared_neighbours
from lib.run_labels import job_names, settings_phrase
from lib.runs import load_embeddings, load_predictions
from lib.significance import MIN_SEEDS, RULE
from lib.vectors import packaged
from lib.words import WORD_LISTS, known_and_unknown, known_to_all, split_words
from ui import changes, presentation, report, sources
from ui.errors import friendly_errors
from ui.session import session_id
from ui.text import md

KEY_PREFIX = "compare_"  # prefix of every session-state key this page owns
MAX_EXPORT_WORDS = 50_000
W2V_ARGS = ("imdb", None)  # word2vec on all IMDB training reviews, ui.sources' default parameters
CHART = {"config": {"displaylogo": False}, "theme": None}
T = TypeVar("T")


# --- cached loaders: small hashable keys in, shared objects or arrays out --------------------------


@st.cache_resource(max_entries=16, show_spinner=False)
def _run_vectors(run_id: str, stage: str):
    vocabulary, initial, final = load_embeddings(run_id)
    kv = keyed_vectors(vocabulary, initial if stage == "initial" else final)
    kv.vectors.flags.writeable = False  # shared by every session
    return kv


def vectors_of(key: str):
    """The KeyedVectors behind an embedding key (see :class:`lib.compare.EmbeddingRef`)."""
    w2v_label = sources.word2vec_label(*W2V_ARGS)
    vector_sets = {w2v_label: partial(sources.word2vec, *W2V_ARGS), **sources.available_vector_sets()}
    return EmbeddingRef.parse(key).load(sources.glove, vector_sets, _run_vectors)


def word_table(dataset_key: str) -> tuple[sentiment.SentimentTable, bool, str]:
    """``(table, is_sentiment, description)`` for the TRAIN split of a dataset (IMDB's is shared server-wide)."""
    if dataset_key == "imdb":
        data = sources.imdb()
        return (sources.imdb_sentiment(), True,
                f"the {len(data.train_texts):,} training reviews of {data.name} (“positive” counts as positive)")
    return _word_table(dataset_key)


@st.cache_data(max_entries=8, show_spinner=False)
def _word_table(dataset_key: str) -> tuple[sentiment.SentimentTable, bool, str]:
    data = sources.dataset(dataset_key)
    labels, positive, is_sentiment = sentiment.fold_labels(data.train_labels, data.class_names)
    table = sentiment.sentiment_table(data.train_texts, labels, positive_label=positive)
    desc = f"the {len(data.train_texts):,} training texts of {data.name}"
    if is_sentiment:
        desc += f" (“{data.class_names[positive]}” counts as positive)"
    return table, is_sentiment, desc


@st.cache_data(max_entries=64, show_spinner=False)
def word_maps(keys: tuple[str, ...], words: tuple[str, ...], method: str, perplexity: float, n_iter: int,
              seed: int) -> list[np.ndarray]:
    matrices = [rows_of(vectors_of(key), words) for key in keys]
    return maps.aligned_maps(matrices, method=method, seed=seed, perplexity=perplexity, n_iter=n_iter)


@st.cache_resource(max_entries=32, show_spinner=False)
def map_figure(titles: tuple[str, ...], panels: list[np.ndarray], words: tuple[str, ...], values, colour_label: str,
               diverging: bool, highlight: tuple[str, ...], height: int):
    """:func:`lib.maps.map_figure`, built once per server for each view and shared (nothing changes a figure once
    built): making a plotly figure of ~500 dots per panel was half of Compare's server CPU per visit."""
    return maps.map_figure(list(titles), panels, list(words), values, colour_label, diverging, highlight=list(highlight),
                           height=height)


@st.cache_data(max_entries=64, show_spinner=False)
def separation(key: str, words: tuple[str, ...], labels: tuple[int, ...]) -> float:
    return sentiment.separation_score(rows_of(vectors_of(key), words), np.asarray(labels), seed=0)


@st.cache_data(max_entries=16, show_spinner=False)
def moved_words(run_id: str, k: int, words: tuple[str, ...]) -> movement.Movement:
    vocabulary, initial, final = load_embeddings(run_id)
    return movement.moved_words(vocabulary, initial, final, words, k=k)


# --- 1. which embeddings -------------------------------------------------------------------------------


@dataclass
class Chosen:
    """The loaded embeddings, in the order picked: keys, short names and KeyedVectors; ``title`` writes the
    title line of an export that shows some of them (:func:`lib.exports.export_title`)."""

    keys: list[str]
    names: list[str]
    vectors: list
    title: Callable[..., str] = lambda what, keys=None, settings="": what

    def export_title(self, what: str, settings: str = "") -> str:
        """The title line of an export of every chosen embedding."""
        return self.title(what, self.keys, settings)


def titler(run_names: dict[str, str], runs: list) -> Callable[..., str]:
    """``title(what, keys, settings)``: an export's title naming ``keys`` as the page does, runs with settings."""
    configs = {r.run_id: r.config for r in runs}

    def title(what: str, keys, settings: str = "") -> str:
        names = [short_name(key, run_names) for key in keys]
        return exports.export_title(what, compare.descriptions(keys, names, configs, settings_phrase), settings,
                                    exports.now_stamp())
    return title


def saved_runs() -> list:
    runs, problems = [], []
    with friendly_errors("Reading the saved runs"):
        runs, problems = sources.saved_runs()
    for problem in problems:
        st.caption(md(problem))
    return runs


def my_job_ids() -> set[str]:
    """The jobs this session started (or follows from a link): their runs are marked "yours" in the menus."""
    adopted = st.session_state.get("train_adopted_jobs", [])
    return {job.id for job in access.my_jobs(runner.list_jobs(), session_id(), adopted)}


def vector_set_labels() -> list[str]:
    """Loaded vector sets other than GloVe, and the default word2vec (trained when picked)."""
    labels: list[str] = []
    with friendly_errors("Listing the loaded vector sets"):
        labels = compare.other_vector_sets(list(sources.available_vector_sets()), packaged.GLOVE_LABEL,
                                           sources.word2vec_label(*W2V_ARGS))
    return labels


def pick_embeddings(runs: list, run_names: dict[str, str]) -> list[str]:
    """The multiselect and the one-click pairs; the keys picked."""
    offered = [str(ref) for ref in compare.embedding_choices(vector_set_labels(), [r.run_id for r in runs])]
    if not runs:
        st.info(
            "No saved runs yet. Train one on the page **Train and compare strategies** (for example "
            "“GloVe, fine-tuned” on 2,000 reviews: about a minute) and it appears here, before and after "
            "training. Meanwhile you can compare GloVe with word2vec trained here."
        )
    key = KEY_PREFIX + "embeddings"
    if key in st.session_state:  # drop choices whose run was deleted meanwhile
        st.session_state[key] = compare.still_offered(st.session_state[key], set(offered))
    else:
        st.session_state[key] = compare.default_choice([r.run_id for r in runs])
    chosen = st.multiselect(
        "Embeddings to compare (2 to 4)", offered, max_selections=4, key=key, persist_state="session",
        format_func=partial(long_name, run_names=run_names),
        help="A run's “before training” matrix is where it started (GloVe rows, word2vec rows or random numbers). "
        "word2vec is trained on the IMDB training reviews the first time it is needed (under a minute), then reused.",
    )
    if runs:
        one_click_pairs(runs[0])
    return chosen


def _pick(keys: list[str]) -> None:
    st.session_state[KEY_PREFIX + "embeddings"] = keys


def one_click_pairs(newest) -> None:
    after, before = str(EmbeddingRef.run(newest.run_id)), str(EmbeddingRef.run(newest.run_id, after_training=False))
    q1, q2 = st.columns(2)
    q1.button(f"Before vs after training: {md(newest.name)}", key=KEY_PREFIX + "quick_before_after", on_click=_pick,
              args=([before, after],), type="tertiary", icon=":material/compare_arrows:")
    q2.button(f"GloVe vs {md(newest.name)}", key=KEY_PREFIX + "quick_glove", on_click=_pick,
              args=([compare.GLOVE, after],), type="tertiary", icon=":material/compare_arrows:")


def long_name(key: str, run_names: dict[str, str]) -> str:
    ref = EmbeddingRef.parse(key)
    return ref.label(run_names.get(ref.name, ""))


def short_name(key: str, run_names: dict[str, str]) -> str:
    ref = EmbeddingRef.parse(key)
    return ref.short_label(run_names.get(ref.name, ""))


def load_one(key: str, name: str):
    """One embedding's KeyedVectors, or None while word2vec trains in the background (or after an error)."""
    with st.spinner(f"Loading {md(name)}…"), friendly_errors(f"Loading {name}"):
        default_word2vec = EmbeddingRef.vector_set(sources.word2vec_label(*W2V_ARGS))
        if EmbeddingRef.parse(key) == default_word2vec and not sources.word2vec_is_ready(*W2V_ARGS):
            # trained in the background (about 30 s, only once): clicks meanwhile do not lose the work
            sources.word2vec_in_background(*W2V_ARGS)
            sources.word2vec_progress(*W2V_ARGS, text="Training word2vec on the IMDB training reviews…")
            return None
        return vectors_of(key)
    return None


def load_chosen(keys: list[str], run_names: dict[str, str], runs: list) -> Chosen:
    """Load every picked embedding; stop the page with a sentence when fewer than two are there."""
    if len(keys) < 2:
        st.info(
            ("Only one embedding is selected. " if len(keys) == 1 else "No embedding is selected. ")
            + "Pick at least two above: for example GloVe and a run after training, or a run before and after."
        )
        st.stop()
    vectors = [load_one(key, short_name(key, run_names)) for key in keys]
    keys, vectors = compare.drop_missing(keys, vectors)
    chosen = Chosen(keys, [short_name(key, run_names) for key in keys], vectors, titler(run_names, runs))
    if len(chosen.keys) < 2:
        st.info("Fewer than two of the chosen embeddings could be loaded (see above); pick others.")
        st.stop()
    return chosen


# --- 2. which words ------------------------------------------------------------------------------------


@dataclass
class Words:
    """The words on the maps, and the texts that say how frequent and how positive each one is."""

    words: list[str]
    table: sentiment.SentimentTable | None
    is_sentiment: bool
    table_desc: str


def pick_dataset(runs: list, chosen: Chosen) -> str:
    run_configs = {r.run_id: r.config for r in runs}
    menu = {"imdb": "IMDB (50,000 reviews)"}
    with friendly_errors("Listing the datasets"):
        menu = compare.dataset_menu(sources.dataset_choices(), list(run_configs.values()))
    key = KEY_PREFIX + "dataset"
    if st.session_state.get(key) not in menu:
        st.session_state[key] = compare.default_dataset([EmbeddingRef.parse(k) for k in chosen.keys], run_configs)
    return st.selectbox(
        "Texts that define word frequency and sentiment", list(menu), format_func=menu.get,
        key=key, persist_state="session",
        help="Training texts only. A run trained on a subset is scored on its dataset's full training split.",
    )


def frequent_words(table) -> list[str]:
    n_words = st.slider("How many", 50, 3000, 300, step=50, key=KEY_PREFIX + "n_frequent", persist_state="session",
                        help="How many words to show.")
    skip = st.checkbox("Leave out function words (the, and, of, …)", value=True, key=KEY_PREFIX + "skip_function",
                       persist_state="session",
                       help="Very common small words lean slightly either way in the reviews and crowd the maps; leave them out.")
    if table is None:
        return []
    return table.frequent(n_words, exclude=sentiment.function_words() if skip else ())


def clearest_sentiment_words(table, is_sentiment: bool) -> list[str]:
    n_words = st.slider("How many (half positive, half negative)", 20, 1000, 200, step=20, key=KEY_PREFIX + "n_sentiment",
                        persist_state="session",
                        help="How many words: the clearest positive and negative ones in the training reviews, half each.")
    if table is not None and not is_sentiment:
        st.info("This dataset has more than two classes, so words have no positive/negative lean; pick another list.")
    if table is None or not is_sentiment:
        return []
    positive, negative = sentiment.sentiment_words(table, n_words // 2)
    return positive + negative


def ready_list_words() -> list[str]:
    which = st.selectbox("List", list(WORD_LISTS), key=KEY_PREFIX + "ready_list", persist_state="session",
                         help="A ready-made list of words that belong together.")
    return list(WORD_LISTS[which])


def typed_words() -> list[str]:
    st.session_state.setdefault(KEY_PREFIX + "typed", "good, bad, great, awful, excellent, terrible, boring, fun, movie, film")
    typed = st.text_area("Words, separated by commas or spaces", key=KEY_PREFIX + "typed", persist_state="session",
                         help="Your own words; words an embedding does not know are left out and listed.")
    return split_words(typed)


WORD_SOURCES = {"frequent": "most frequent", "sentiment": "most positive / negative",
                "ready": "a ready list", "typed": "my own words"}


def pick_words(runs: list, chosen: Chosen) -> Words:
    table, is_sentiment, table_desc = None, False, ""
    with presentation.settings("Words and data"):
        dataset_key = pick_dataset(runs, chosen)
        with st.spinner("Counting words in the training texts (a few seconds, once)…"), friendly_errors("Counting the words"):
            table, is_sentiment, table_desc = word_table(dataset_key)
        st.session_state.setdefault(KEY_PREFIX + "source", "frequent")
        source = st.segmented_control(
            "Which words", list(WORD_SOURCES), format_func=WORD_SOURCES.get, key=KEY_PREFIX + "source", required=True,
            persist_state="session",
            help=("Which words go on the maps: the most frequent in the reviews, the most clearly positive or "
                  "negative ones, a ready list, or your own."))
        if source == "frequent":
            candidates = frequent_words(table)
        elif source == "sentiment":
            candidates = clearest_sentiment_words(table, is_sentiment)
        elif source == "ready":
            candidates = ready_list_words()
        else:
            candidates = typed_words()
    words, dropped = known_to_all([kv.key_to_index for kv in chosen.vectors], candidates)
    say_which_words(candidates, words, dropped)
    return Words(words, table, is_sentiment, table_desc)


def say_which_words(candidates: list[str], words: list[str], dropped: list[str]) -> None:
    if not candidates:
        st.warning("The word list is empty. Type some words (for example: good, bad, great, awful) or pick another list.")
    elif not words:
        st.warning(
            f"None of the {len(candidates):,} words is known to every chosen embedding ({compare.examples(dropped)}). "
            "Check the spelling, or pick words from the dataset's most frequent ones."
        )
    elif dropped:
        st.caption(f"{len(words):,} words are known to every chosen embedding; {len(dropped):,} were left out "
                   f"because at least one embedding lacks them ({compare.examples(dropped, 6)}).")
    else:
        st.caption(f"{len(words):,} words, all known to every chosen embedding.")


# --- 3. the headline: are two words neighbours? ------------------------------------------------------


def word_pair_headline(chosen: Chosen) -> str | None:
    """The header, the two word boxes and one metric per embedding; the story sentence (None without two readings)."""
    st.session_state.setdefault(KEY_PREFIX + "pair_a", "good")
    st.session_state.setdefault(KEY_PREFIX + "pair_b", "bad")
    st.header(f"3. Are “{md(st.session_state[KEY_PREFIX + 'pair_a'].strip()) or '…'}” and "
              f"“{md(st.session_state[KEY_PREFIX + 'pair_b'].strip()) or '…'}” neighbours?", divider="gray")
    with presentation.settings("Word pair"):
        c1, c2 = st.columns(2)
        word_a = c1.text_input("First word", key=KEY_PREFIX + "pair_a", persist_state="session",
                               help=definition("cosine similarity")).strip().lower()
        word_b = c2.text_input("Second word", key=KEY_PREFIX + "pair_b", persist_state="session",
                               help=definition("cosine similarity")).strip().lower()
    readings = []
    for col, key, kv, name in zip(st.columns(len(chosen.keys)), chosen.keys, chosen.vectors, chosen.names):
        with col:
            readings += pair_metric(key, kv, name, word_a, word_b)
    if len(readings) < 2:
        return None
    return pair_summary(word_a, word_b, readings)


@st.cache_data(max_entries=256, show_spinner=False)
def shared_pair_reading(key: str, name: str, word_a: str, word_b: str) -> PairReading:
    """:func:`lib.neighbours.pair_reading` of the embedding ``key``, once per server: the rank compares the word
    with every word in the vocabulary (400,000 in GloVe), the largest part of Compare's default view."""
    return pair_reading(vectors_of(key), name, word_a, word_b)


def pair_metric(key: str, kv, name: str, word_a: str, word_b: str) -> list[PairReading]:
    """One embedding's column: the cosine as a metric, or why there is none. Returns its reading, if any."""
    if not word_a or not word_b:
        st.info("Type two words above.")
        return []
    missing = known_and_unknown(kv, [word_a, word_b])[1]
    if missing:
        st.info(f"{md(name)} does not know {md(compare.examples(missing))}.")
        return []
    try:
        reading = shared_pair_reading(key, name, word_a, word_b)
    except ZeroVectorError as exc:  # an all-zero vector has no direction: no cosine, no rank
        st.info(md(str(exc)))
        return []
    st.metric(md(name), f"{reading.cosine:+.2f}", help="Cosine similarity: 1 = same direction, 0 = unrelated, −1 = opposite.")
    st.caption(f"“{md(word_b)}” is neighbour #{reading.rank:,} of “{md(word_a)}” among {len(kv):,} words.")
    return [reading]


def tell_the_story(story_slot, sentence: str | None) -> None:
    if sentence is None:
        return
    with story_slot:
        presentation.story(sentence)
    st.caption("Measured on the chosen embeddings just now. Words that appear in the same kinds of sentences "
               "(“the film was good / bad”) get similar vectors unless training on labels pushes them apart.")


# --- 4. maps -------------------------------------------------------------------------------------------


@dataclass
class MapSettings:
    method: str
    perplexity: float
    n_iter: int
    seed: int
    colour_by: str
    highlight: list[str]


def map_method_labels() -> dict[str, str]:
    labels = {"pca": "PCA (instant)", "tsne": "t-SNE (seconds)"}
    if projection.umap_available():
        labels["umap"] = "UMAP"
    return labels


def _reset_if_not_offered(key: str, offered, fallback: str) -> None:
    """A remembered choice that is not on offer now (UMAP uninstalled, sentiment on a 3-class set) falls back."""
    if st.session_state[key] not in offered:
        st.session_state[key] = fallback


def map_settings(is_sentiment: bool) -> MapSettings:
    method_labels = map_method_labels()
    with presentation.settings("Map settings"):
        st.session_state.setdefault(KEY_PREFIX + "method", "pca")
        _reset_if_not_offered(KEY_PREFIX + "method", method_labels, "pca")
        method = st.segmented_control("Map", list(method_labels), format_func=method_labels.get, key=KEY_PREFIX + "method",
                                      required=True, persist_state="session",
                                      help="How the many numbers of each word are squeezed onto a flat page. " + definition("PCA") + " " + definition("t-SNE"))
        perplexity, n_iter, seed = 30.0, 500, 0
        if method == "tsne":
            perplexity, n_iter, seed = tsne_settings()
        colour_options = {"sentiment": "sentiment in the training texts", "frequency": "how frequent"}
        if not is_sentiment:
            colour_options.pop("sentiment")
        st.session_state.setdefault(KEY_PREFIX + "colour", "sentiment")
        _reset_if_not_offered(KEY_PREFIX + "colour", colour_options, "frequency")
        colour_by = st.segmented_control("Colour by", list(colour_options), format_func=colour_options.get,
                                         key=KEY_PREFIX + "colour", required=True, persist_state="session",
                                         help="Sentiment: " + definition("sentiment score of a word") + " Frequency: how many reviews contain the word.")
        st.session_state.setdefault(KEY_PREFIX + "highlight", "good, bad")
        highlight_text = st.text_input("Circle these words on every map", key=KEY_PREFIX + "highlight", persist_state="session",
                                       help="These words get a label and a circle in every panel, so you can find them again.")
    return MapSettings(method, perplexity, n_iter, seed, colour_by, split_words(highlight_text.lower()))


def tsne_settings() -> tuple[float, int, int]:
    t1, t2, t3 = st.columns(3)
    perplexity = float(t1.slider("Perplexity (neighbours each word listens to)", 5, 50, 30, key=KEY_PREFIX + "perplexity",
                                 persist_state="session",
                                 help=definition("t-SNE") + " Perplexity is roughly how many neighbours each word tries to keep close."))
    n_iter = int(t2.slider("Iterations", 300, 1000, 500, step=100, key=KEY_PREFIX + "iterations", persist_state="session",
                           help="How long t-SNE keeps rearranging the map; more is slower and usually tidier."))
    seed = int(t3.number_input("Seed", 0, 10_000, 0, key=KEY_PREFIX + "seed", persist_state="session", help=definition("seed")))
    return perplexity, n_iter, seed


def draw_maps(chosen: Chosen, words: Words, settings: MapSettings):
    """The aligned maps and their caption; the figure (None when there is nothing to draw)."""
    method_labels = map_method_labels()
    method = projection.method_for(settings.method, len(words.words))
    if words.words and method != settings.method:
        st.info(f"{method_labels[settings.method]} needs at least {projection.TSNE_MIN_WORDS} words; showing PCA instead.")
    if not words.words:
        return None
    panels = None
    with st.spinner(f"Drawing {len(words.words):,} words with {method_labels[method]}…"), friendly_errors("Drawing the maps"):
        panels = word_maps(tuple(chosen.keys), tuple(words.words), method, settings.perplexity, settings.n_iter, settings.seed)
    if panels is None:
        return None
    by_sentiment = settings.colour_by == "sentiment" and words.table is not None
    values, colour_label, diverging = (sentiment.map_colours(words.table, words.words, by_sentiment)
                                       if words.table is not None else (None, "", True))
    fig = map_figure(tuple(plots.wrap_label(n, 30) for n in chosen.names), panels, tuple(words.words), values,
                     colour_label, diverging, tuple(settings.highlight), height=560 if len(chosen.keys) <= 2 else 520)
    st.plotly_chart(fig, key=KEY_PREFIX + "map_chart", **CHART)
    not_shown = known_to_all([set(words.words)], settings.highlight)[1]
    colour_sentence = ("Blue words appear more in positive texts, red in negative ones, white in both."
                       if by_sentiment else "Brighter dots are more frequent words.")
    st.caption(
        f"Each dot is a word placed by {method_labels[method].split(' (')[0]} from its vector. "
        + compare.alignment_sentence([md(n) for n in chosen.names], compare.disparities(panels))
        + f" {colour_sentence} Axes have no meaning."
        + (f" Not on the map: {md(compare.examples(not_shown))}." if not_shown else "")
    )
    return fig


# --- 5. neighbours -------------------------------------------------------------------------------------


def neighbour_settings() -> tuple[str, int]:
    with presentation.settings("Neighbour settings"):
        q1, q2 = st.columns([3, 1])
        st.session_state.setdefault(KEY_PREFIX + "query", "good")
        query = q1.text_input("Word", key=KEY_PREFIX + "query", persist_state="session",
                              help="A word to look up (lower case, as the vectors store it).").strip()
        k = int(q2.slider("How many", 5, 30, 10, key=KEY_PREFIX + "k", persist_state="session", help="How many words to show."))
    return query, k


def neighbour_table(name: str, query: str, neighbour_list, shared: set[str]) -> None:
    st.markdown(f"**{md(name)}**")
    if neighbour_list is None:
        st.info(f"{md(name)} does not know “{md(query)}”.")
        return
    df = pd.DataFrame(neighbour_columns(neighbour_list, shared))
    df.index = np.arange(1, len(df) + 1)
    st.dataframe(df, column_config={"cosine": st.column_config.NumberColumn(format="%.2f")})


def show_neighbours(chosen: Chosen) -> list[dict]:
    """Neighbour lists side by side and their overlap; the rows of the CSV download (empty when none)."""
    query, k = neighbour_settings()
    if not query:
        st.info("Type a word to see its nearest neighbours in each embedding.")
        return []
    lists = neighbour_lists(dict(zip(chosen.names, chosen.vectors)), query, k)
    if not lists:
        st.warning(f"No chosen embedding knows “{md(query)}”. Check the spelling or try another word (for example “good”).")
        return []
    shared = shared_neighbours(list(lists.values()))
    for col, name in zip(st.columns(len(chosen.keys)), chosen.names):
        with col:
            neighbour_table(name, query, lists.get(name), shared)
    st.caption(f"The {k} words whose vectors point most nearly the same way as “{md(query)}” in each embedding; "
               f"✓ marks words every list shares ({len(shared)} of {k}).")
    if len(lists) >= 2:
        st.plotly_chart(plots.overlap_heatmap(list(lists), overlap_matrix(list(lists.values())), k),
                        key=KEY_PREFIX + "overlap_chart", **CHART)
        st.caption(f"How many of the top {k} neighbours of “{md(query)}” each pair of embeddings shares "
                   "(100% = the same list, 0% = nothing in common).")
    return exports.with_query(query, neighbour_rows(lists))


# --- 6. what training changed ----------------------------------------------------------------------------


def sentiment_separation(chosen: Chosen, words: Words) -> None:
    if words.table is None or not words.is_sentiment:
        st.info("The sentiment separation needs a dataset with two classes (positive and negative).")
        return
    pos, neg = sentiment.balanced_sentiment_words(words.table, [kv.key_to_index for kv in chosen.vectors])
    if len(pos) < 10:
        st.info(f"Too few clearly positive and negative words are known to every chosen embedding ({len(pos)} of each; "
                "at least 10 needed) to measure how well they separate.")
        return
    scores = None
    with st.spinner("Measuring sentiment separation…"), friendly_errors("Measuring the separation"):
        sep_words, sep_labels = tuple(pos + neg), (1,) * len(pos) + (0,) * len(neg)
        scores = [separation(key, sep_words, sep_labels) for key in chosen.keys]
    if scores is None:
        return
    st.plotly_chart(plots.score_bars(chosen.names, scores, "sentiment separation (cross-validated accuracy)", 0.5,
                                     "50% = guessing", (0, 1.08), number_format=".0%"), key=KEY_PREFIX + "separation_chart", **CHART)
    (best, best_score), (worst, worst_score) = compare.best_and_worst(chosen.names, scores)
    st.caption(
        f"How well a straight cut through each embedding tells {len(pos)} clearly positive words "
        f"(e.g. {compare.examples(pos[:3], 3)}) from {len(neg)} clearly negative ones (e.g. {compare.examples(neg[:3], 3)}), "
        f"tested on words it did not see: 50% is guessing, 100% perfect. Highest: {md(best)} "
        f"({best_score:.0%}); lowest: {md(worst)} ({worst_score:.0%}). Words come from {words.table_desc}."
    )


def run_movement(run_id: str, title: str, words: list[str]) -> None:
    with friendly_errors("Comparing the run's vectors before and after training"):
        result = moved_words(run_id, 15, tuple(words))
        st.markdown(movement.movement_sentence(md(title), result))
        if result.moved:
            st.plotly_chart(plots.movement_bars([w for w, _ in result.moved], [c for _, c in result.moved]),
                            key=KEY_PREFIX + f"moved_{run_id}", **CHART)
            st.caption("Cosine between each word's vector before and after training: 1 = still points the same way; "
                       "lower = training turned it (often the words that matter for the labels).")
            note = movement.flat_bars_note(result)
            if note:
                st.text(note)  # it quotes a vocabulary word: text, never Markdown


def what_training_changed(chosen: Chosen, words: Words, run_names: dict[str, str]) -> None:
    sentiment_separation(chosen, words)
    run_ids = compare.chosen_runs([EmbeddingRef.parse(key) for key in chosen.keys])
    if not run_ids:
        st.caption("Pick a saved run above to see which word vectors training moved most.")
    for run_id in run_ids[:2]:
        run_movement(run_id, run_names.get(run_id, run_id), words.words)


# --- 6, continued: the chosen runs' starts and test accuracy, judged against noise ----------------------------


def runs_against_noise(chosen: Chosen, runs: list) -> None:
    """For the chosen saved runs: how their words started (coverage), and whether the choice of test reviews or
    training luck could explain the gaps between their test accuracies (each run with its sibling seeds; McNemar
    per seed on the same test reviews, a paired interval over seeds; against the first chosen run and against
    learning from scratch). Every number comes from lib.verdicts;
    run names are never put into Markdown (the labels here are built from the registry and numbers)."""
    st.subheader("Did the chosen runs start differently, and score differently by more than noise?")
    run_ids = compare.chosen_runs([EmbeddingRef.parse(key) for key in chosen.keys])
    if not run_ids:
        st.caption("Pick saved runs above to see how their words started and to judge their test accuracy against noise.")
        return
    by_id = {r.run_id: r for r in runs}
    with friendly_errors("Describing how the chosen runs started"):
        rows = coverage.coverage_rows([by_id[i] for i in run_ids if i in by_id], per_run=True)
        if rows:
            st.text(coverage.coverage_sentence(rows))  # quotes vocabulary words: text, never Markdown
            st.plotly_chart(plots.coverage_chart(rows), key=KEY_PREFIX + "coverage_chart", **CHART)
            st.caption("Left: how many vocabulary words of each run started from a pretrained vector (blue) or from "
                       "random numbers (orange). Right: how far those vectors moved in training on average.")
    judgement = None
    with friendly_errors("Judging the runs against noise"):
        judgement = verdicts.judge_runs(run_ids, runs, load_predictions)
    if judgement is None:
        return
    for note in judgement.notes:
        st.text(note)
    if not judgement.groups:
        return
    st.dataframe(pd.DataFrame(judgement.table()), hide_index=True, width="stretch")
    for sentence in judgement.sentences():
        st.text(sentence)
    details = judgement.details()
    if details:
        with st.expander("Details: the tests behind these sentences"):
            st.text("\n".join(details))
    seeds = min(g.accuracy.n for g in judgement.groups)
    st.caption(
        "Each row is a chosen run together with every saved run of the same settings and another seed. "
        "McNemar's exact test compares two runs of the same seed on the same test reviews. " + RULE
        + (f" Train {MIN_SEEDS} or more seeds per strategy (Train page, *Seeds per strategy*) to judge training luck."
           if seeds < MIN_SEEDS else "")
    )


# --- 7. downloads --------------------------------------------------------------------------------------------


def map_downloads(chosen: Chosen, fig) -> None:
    st.markdown("**The maps**")
    if fig is None:
        st.caption("Open section 4 (the maps) first.")
        return
    title = chosen.export_title("Word maps")
    st.download_button("Interactive HTML", lambda: exports.figure_html(fig, title), file_name="embedding-maps.html",
                       mime="text/html", on_click="ignore", key=KEY_PREFIX + "dl_html", icon=":material/download:")
    ok, reason = exports.png_support()
    if not ok:
        st.caption(reason)
    elif st.button("Make a PNG (a few seconds)", key=KEY_PREFIX + "make_png"):
        with st.spinner("Rendering the PNG…"), friendly_errors("Making the PNG"):
            png = exports.figure_png(fig, width=1800, title=title)
            st.download_button("Download PNG", png, file_name="embedding-maps.png", mime="image/png",
                               on_click="ignore", key=KEY_PREFIX + "dl_png", icon=":material/download:")


def neighbour_downloads(chosen: Chosen, rows: list[dict]) -> None:
    st.markdown("**The neighbour lists**")
    if not rows:
        st.caption("Open section 5 and look up a word first.")
        return
    k = max(int(row["rank"]) for row in rows)
    title = chosen.export_title(f"Nearest neighbours of “{rows[0]['query']}”", f"{k} neighbours by cosine")
    st.download_button("Neighbours as CSV", exports.table_csv(pd.DataFrame(rows), title),
                       file_name=exports.neighbours_file_name(rows[0]["query"]),
                       mime="text/csv", on_click="ignore", key=KEY_PREFIX + "dl_csv", icon=":material/download:")


def embedding_downloads(chosen: Chosen, words: Words) -> None:
    st.markdown("**An embedding**")
    names = dict(zip(chosen.keys, chosen.names))
    export_key = st.selectbox("Which", chosen.keys, format_func=names.get, key=KEY_PREFIX + "export_which",
                              help="The embedding to download.")
    scope = st.radio("Words", ["map", "all"], horizontal=True, key=KEY_PREFIX + "export_scope",
                     format_func={"map": "the words on the map", "all": f"all (first {MAX_EXPORT_WORDS:,} for big sets)"}.get,
                     help="Which words the downloaded files contain.")
    kv = chosen.vectors[chosen.keys.index(export_key)]
    export_words = list(words.words) if scope == "map" else list(kv.index_to_key[:MAX_EXPORT_WORDS])
    if not export_words:
        st.caption("No words to export.")
        return
    slug = safe_name(names[export_key], default="embedding")
    extra = {"sentiment": words.table.scores(export_words)} if words.table is not None and words.is_sentiment else None
    title = chosen.title("Word vectors for the TensorBoard Projector", [export_key],
                         f"{len(export_words):,} words" + (", with their sentiment in the training texts" if extra else ""))
    st.download_button("TensorBoard Projector (zip)",
                       lambda: exports.projector_zip(export_words, rows_of(kv, export_words), extra, folder=slug,
                                                     title=title),
                       file_name=f"{slug}-projector.zip", mime="application/zip", on_click="ignore",
                       key=KEY_PREFIX + "dl_projector", icon=":material/download:")
    st.download_button("word2vec text format", lambda: exports.word2vec_text(export_words, rows_of(kv, export_words)),
                       file_name=f"{slug}.txt", mime="text/plain", on_click="ignore", key=KEY_PREFIX + "dl_w2v",
                       icon=":material/download:")
    st.caption(f"{len(export_words):,} words. Load the zip's two files at projector.tensorflow.org (“Load”).")


def downloads(chosen: Chosen, words: Words, fig, neighbour_rows: list[dict]) -> None:
    d1, d2, d3 = st.columns(3)
    with d1:
        map_downloads(chosen, fig)
    with d2:
        neighbour_downloads(chosen, neighbour_rows)
    with d3:
        embedding_downloads(chosen, words)


# --- the page ------------------------------------------------------------------------------------------------


def introduction():
    """The title and the first sentence; the slot the story sentence fills once section 3 has measured it."""
    st.title("Compare embeddings side by side")
    story_slot = st.container()
    st.write(
        "The same words, seen through two to four embeddings at once: where each one puts them, "
        "which words each one calls neighbours, and how well each separates praise from complaint."
    )
    return story_slot


#: Sections open on a first visit. The others compute only once a visitor opens them (each is an expander that
#: reruns the page when opened or closed), so a visit costs the server what its visitor looks at.
OPEN_AT_FIRST = {"maps"}


def on_demand(title: str, name: str, draw: Callable[[], T]) -> T | None:
    """A section drawn only while its expander is open; ``draw()``'s value, or None while it is closed."""
    box = st.expander(title, expanded=name in OPEN_AT_FIRST, key=f"{KEY_PREFIX}open_{name}", on_change="rerun")
    with box:
        return draw() if box.open else None


def before_after(keys: list[str], runs: list, run_names: dict[str, str]) -> list[tuple[str, list[str]]]:
    """``(run name, [before key, after key])`` for the chosen runs (else the newest run): one run before and after
    training is the pair whose neighbourhoods can be compared."""
    run_ids = compare.chosen_runs([EmbeddingRef.parse(key) for key in keys]) or [r.run_id for r in runs[:1]]
    return [(run_names.get(r, r), [str(EmbeddingRef.run(r, False)), str(EmbeddingRef.run(r))]) for r in run_ids]


def what_changed(chosen: Chosen, words: Words, runs: list, run_names: dict[str, str]) -> None:
    """Sections 8-12, laid out by ui/changes.py; each computes when opened."""
    overlap_rows = on_demand("8. Neighbourhood change over all words", "overlap",
                             lambda: changes.neighbourhood_change(chosen.keys, chosen.names, vectors_of, chosen.title,
                                                                  before_after(chosen.keys, runs, run_names), _pick))
    axis_rows = on_demand("9. Meaning axes", "axes", lambda: changes.meaning_axes(
        chosen.keys, chosen.names, chosen.vectors, words.table, words.is_sentiment, chosen.title))
    benchmark_rows = on_demand("10. Word benchmarks", "benchmarks", lambda: changes.word_benchmarks(
        chosen.keys, partial(short_name, run_names=run_names), vectors_of, chosen.title))
    on_demand("11. Training replay", "replay",
              lambda: changes.training_replay(chosen.keys, run_names, words.words, chosen.title))
    on_demand("12. Downloads: what changed", "change_downloads",
              lambda: changes.change_downloads(overlap_rows, axis_rows, benchmark_rows))


def main() -> None:
    story_slot = introduction()
    st.header("1. Pick the embeddings", divider="gray")
    runs = saved_runs()
    run_names = job_names(runs, my_job_ids())  # by job, yours marked; no two alike
    chosen = load_chosen(pick_embeddings(runs, run_names), run_names, runs)
    st.header("2. Pick the words", divider="gray")
    words = pick_words(runs, chosen)
    tell_the_story(story_slot, word_pair_headline(chosen))
    report.compare_report(chosen.keys, chosen.names, chosen.vectors, words.words, runs)
    fig = on_demand("4. Maps side by side", "maps", lambda: draw_maps(chosen, words, map_settings(words.is_sentiment)))
    neighbour_download_rows = on_demand("5. Neighbours side by side", "neighbours", lambda: show_neighbours(chosen))
    on_demand("6. What training changed", "changed", lambda: (what_training_changed(chosen, words, run_names),
                                                               runs_against_noise(chosen, runs)))
    on_demand("7. Downloads", "downloads", lambda: downloads(chosen, words, fig, neighbour_download_rows or []))
    what_changed(chosen, words, runs, run_names)


if __name__ == "__main__":  # run as a file (AppTest, `streamlit run` on this page); app.py calls main()
    main()
