"""The Compare page's "what changed" sections: neighbourhood change, meaning axes,
word benchmarks and the training replay.

Each section is a function that takes plain values (the chosen embeddings' keys, names and
KeyedVectors, the word table) and returns plain values (the rows of its download, a figure);
every number, word choice and sentence comes from lib (overlap, axes, sentiment, wordbench, replay,
maps); this file only lays them out.
Sentences that contain words or names a visitor typed are shown with ``st.text`` (never
Markdown), and tables with ``st.dataframe``.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from lib import axes, compare, exports, maps, overlap, plots, replay, wordbench
from lib.compare import EmbeddingRef
from lib.io import safe_name
from lib.neighbours import neighbour_columns, rows_of
from lib.runs import load_embeddings, load_run, load_snapshots
from lib.sentiment import frequent_trustworthy_words
from lib.words import known_to_all, split_words
from ui import presentation
from ui.errors import friendly_errors
from ui.text import md

KEY_PREFIX = "changes_"  # prefix of every session-state key these sections own
CHART = {"config": {"displaylogo": False}, "theme": None}
#: Loads the KeyedVectors behind an embedding key (the Compare page's cached loader).
Loader = Callable[[str], object]
#: ``title(what, keys, settings)``: the title line of an export showing the embeddings ``keys`` (the page's).
Titler = Callable[..., str]


@dataclass
class Table:
    """The rows of one CSV download and its title line (which embeddings, which settings)."""

    rows: list[dict]
    title: str


def say(sentence: str) -> None:
    """A caption written from the numbers; plain text, because it may hold words a visitor typed."""
    st.text(sentence)


def _ranked(df: pd.DataFrame) -> pd.DataFrame:
    """Rows numbered from 1, as ranks are read."""
    df.index = np.arange(1, len(df) + 1)
    return df


def _download_csv(label: str, table: Table | None, file_name: str, key: str) -> None:
    if table is not None and table.rows:
        st.download_button(label, exports.table_csv(pd.DataFrame(table.rows), table.title), file_name=file_name,
                           mime="text/csv", on_click="ignore", key=KEY_PREFIX + key, icon=":material/download:")


# --- 8. neighbourhood change over all words -----------------------------------------------------------------


@st.cache_data(max_entries=16, show_spinner=False)
def _closeness(keys: tuple[str, ...], other: int, k: int, limit: int, _load: Loader) -> np.ndarray:
    """How close each shared word's neighbours in the first embedding still are in ``keys[other]`` (ties in the
    change lists), word for word as :func:`_neighbour_sets` lists them."""
    words, sets = _neighbour_sets(keys, k, limit, _load)
    return overlap.kept_closeness(rows_of(_load(keys[other]), words), sets[0])


@st.cache_data(max_entries=16, show_spinner=False)
def _neighbour_sets(keys: tuple[str, ...], k: int, limit: int, _load: Loader) -> tuple[list[str], list[np.ndarray]]:
    return overlap.neighbour_sets_of([_load(key) for key in keys], k, limit)


def overlap_settings(n_embeddings: int) -> tuple[int, int, str]:
    with presentation.settings("Neighbourhood settings"):
        c1, c2, c3 = st.columns(3)
        k = int(c1.slider("Neighbours per word (k)", overlap.K_RANGE[0], overlap.K_RANGE[1], 10, key=KEY_PREFIX + "k",
                          persist_state="session", help="How many nearest neighbours of each word are compared."))
        limit = int(c2.select_slider("Most frequent shared words", [1_000, 2_000, 5_000, 10_000, 20_000], 10_000,
                                     key=KEY_PREFIX + "limit", persist_state="session",
                                     help="Words every chosen embedding knows, most frequent first."))
        mode = "first"
        if n_embeddings > 2:
            mode = c3.segmented_control("Compare", ["first", "all"], default="first", key=KEY_PREFIX + "mode", required=True,
                                        format_func={"first": "each against the first", "all": "every pair"}.get,
                                        persist_state="session", help="Pairs to compare.")
    return k, limit, mode


def neighbourhood_change(keys: Sequence[str], names: Sequence[str], load: Loader, title: Titler,
                         before_after: Sequence[tuple[str, list[str]]] = (),
                         choose: Callable[[list[str]], None] | None = None) -> Table | None:
    """Histogram, range list, most/least changed, a domino; returns the per-word overlap rows (CSV).

    ``before_after`` offers one-click pairs ``(run name, [before key, after key])`` when the chosen embeddings
    share no neighbourhoods (``choose(keys)`` picks them)."""
    k, limit, mode = overlap_settings(len(keys))
    result = None
    with st.spinner("Finding every shared word's neighbours…"), friendly_errors("Measuring neighbourhood change"):
        result = _neighbour_sets(tuple(keys), k, limit, load)
    if result is None:
        return None
    words, sets = result
    if len(words) <= k:
        st.info(f"The chosen embeddings share only {len(words):,} words; at least {k + 1} are needed for {k} "
                "neighbours each. Pick embeddings with more words in common or a smaller k.")
        return None
    pairs = overlap.against_first(names, sets)
    pair_names, values = pairs.pair_names, pairs.values
    pick = 0
    if len(pair_names) > 1:
        pick = pair_names.index(st.selectbox("Pair to list words from", pair_names, key=KEY_PREFIX + "pair",
                                             help="The range list, the most/least changed words and the domino "
                                                  "use this pair."))
    low, high = st.slider("List the words whose overlap lies in this range", 0.0, 1.0, (0.0, 0.2), step=0.01,
                          key=KEY_PREFIX + "range", persist_state="session",
                          help="Jaccard overlap: 0 = no neighbour in common, 1 = the same neighbours.")
    st.plotly_chart(plots.overlap_histogram(k, pairs.histograms(k), (low, high)), key=KEY_PREFIX + "histogram", **CHART)
    say(" ".join(overlap.overlap_summary(names[0], names[i + 1], v, k) for i, v in enumerate(values)))
    note = overlap.unrelated_note(names[0], names[pick + 1], values[pick], k)
    if note:
        st.warning(md(note))
        for run_name, pair in before_after[:2] if choose else ():
            st.button(f"Before vs after training: {md(run_name)}", key=KEY_PREFIX + "before_after_" + pair[1],
                      on_click=choose, args=(pair,), type="tertiary", icon=":material/compare_arrows:")
    if mode == "all":
        matrix = overlap.pair_matrix(sets)
        st.plotly_chart(plots.overlap_heatmap([plots.plain(n) for n in names], matrix, k), key=KEY_PREFIX + "pair_matrix",
                        **CHART)
        say(overlap.pair_matrix_sentence(names, matrix, k, len(words)))
    picked_jaccards = values[pick]
    listed = overlap.in_range(words, picked_jaccards, low, high)
    st.markdown(f"**Words with overlap between {low:.2f} and {high:.2f}** ({len(listed):,} of {len(words):,}, "
                "most frequent first)")
    st.dataframe(_ranked(pd.DataFrame(listed[:500], columns=["word", "Jaccard"])), height=220, key=KEY_PREFIX + "range_table")
    closeness = None
    with friendly_errors("Ranking the changed words"):
        closeness = _closeness(tuple(keys), pick + 1, k, limit, load)
    most, least = overlap.most_and_least_changed(words, picked_jaccards, 20, closeness)
    c1, c2 = st.columns(2)
    with c1:
        st.markdown("**20 most changed** (fewest neighbours kept; ties: whose old neighbours went furthest)")
        st.dataframe(_ranked(pd.DataFrame(most, columns=["word", "Jaccard"])), key=KEY_PREFIX + "most_changed")
    with c2:
        st.markdown("**20 least changed**")
        st.dataframe(_ranked(pd.DataFrame(least, columns=["word", "Jaccard"])), key=KEY_PREFIX + "least_changed")
    say(overlap.changed_sentence(most, least, pair_names[pick]))
    show_domino(words, keys[0], keys[pick + 1], names[0], names[pick + 1], k, most, load)
    return Table(overlap.overlap_rows(words, pair_names, values, k), title(
        "Neighbourhood overlap per word", keys,
        f"Jaccard overlap of each word's {k} nearest neighbours, {len(words):,} most frequent shared words"))


@st.cache_data(max_entries=32, show_spinner=False)
def _domino(word: str, key_a: str, key_b: str, k: int, limit: int, _load: Loader, _words: tuple[str, ...]):
    kv_a, kv_b = _load(key_a), _load(key_b)
    d = overlap.domino(word, _words, rows_of(kv_a, _words), rows_of(kv_b, _words), k)
    return d, maps.aligned_maps([rows_of(kv_a, d.union), rows_of(kv_b, d.union)])


def show_domino(words: list[str], key_a: str, key_b: str, name_a: str, name_b: str, k: int,
                most: list[tuple[str, float]], load: Loader) -> None:
    st.subheader("One word up close: its neighbours on each side")
    default = "good" if "good" in words else (most[0][0] if most else words[0])
    st.session_state.setdefault(KEY_PREFIX + "domino_word", default)
    word = st.text_input("Word", key=KEY_PREFIX + "domino_word", persist_state="session",
                         help="A word both embeddings know; its neighbours in each are listed.").strip().lower()
    if word not in set(words):
        st.info("Type a word from the shared words (for example one from the lists above).")
        return
    found = None
    with friendly_errors("Drawing the domino"):
        found = _domino(word, key_a, key_b, k, len(words), load, tuple(words))
    if found is None:
        return
    d, domino_maps = found
    common = set(d.common)
    c1, c2 = st.columns(2)
    for col, name, lst in ((c1, name_a, d.lists[0]), (c2, name_b, d.lists[1])):
        with col:
            st.text(name)
            st.dataframe(_ranked(pd.DataFrame(neighbour_columns(lst, common, "in both", digits=3))),
                         key=KEY_PREFIX + f"domino_{'a' if col is c1 else 'b'}")
    groups = overlap.domino_groups(d, name_a, name_b)
    fig = maps.map_figure([plots.wrap_label(plots.plain(name_a), 30), plots.wrap_label(plots.plain(name_b), 30)],
                          domino_maps, [plots.plain(w) for w in d.union], highlight=[plots.plain(word)],
                          groups=[plots.plain(g) for g in groups], groups_title="neighbours", height=500)
    fig.update_layout(legend=dict(orientation="h", x=0, y=-0.12, yanchor="top"), margin=dict(b=120))
    st.plotly_chart(fig, key=KEY_PREFIX + "domino_map", **CHART)
    say(overlap.domino_sentence(d, name_a, name_b) + " The small maps show the word and the union of both lists, "
        "the right one turned onto the left (Procrustes).")


# --- 9. meaning axes ---------------------------------------------------------------------------------------------


def axis_settings() -> tuple[str, list[str], list[str], list[str]]:
    """``(axis name, low words, high words, words to place)`` from the preset or the visitor's lists."""
    with presentation.settings("Axis settings"):
        options = [*axes.PRESET_AXES, "my own"]
        choice = st.segmented_control("Axis", options, default=options[0], key=KEY_PREFIX + "axis", required=True,
                                      persist_state="session", help="Two word lists define the two ends of the axis.")
        if choice in axes.PRESET_AXES:
            low, high = axes.PRESET_AXES[choice]
            name = choice
            placed_default = ", ".join(axes.PRESET_WORDS[choice])
            st.text(f"Low end: {', '.join(low)}\nHigh end: {', '.join(high)}")
        else:
            c1, c2 = st.columns(2)
            st.session_state.setdefault(KEY_PREFIX + "low", "cold, cool, chilly")
            st.session_state.setdefault(KEY_PREFIX + "high", "hot, warm, heated")
            low = split_words(c1.text_input("Low end words", key=KEY_PREFIX + "low", persist_state="session",
                                                help="Words that define one end, separated by commas.").lower())
            high = split_words(c2.text_input("High end words", key=KEY_PREFIX + "high", persist_state="session",
                                                 help="Words that define the other end.").lower())
            name = axes.own_axis_name(low, high)
            placed_default = "ice, snow, coffee, summer, winter, fire, sun, rain"
        key = KEY_PREFIX + "placed_" + ("own" if choice not in axes.PRESET_AXES else options.index(choice).__str__())
        st.session_state.setdefault(key, placed_default)
        placed = split_words(st.text_area("Words to place on the axis", key=key, persist_state="session",
                                              help="Words every chosen embedding knows are placed.").lower())
    return name, low, high, placed


def meaning_axes(keys: Sequence[str], names: Sequence[str], vectors: Sequence, table, is_sentiment: bool,
                 title: Titler) -> Table | None:
    """The dumbbell chart, one Spearman number per embedding; returns the axis-position rows (CSV)."""
    name, low, high, placed = axis_settings()
    if not low or not high:
        st.warning("Each end of the axis needs at least one word.")
        return None
    words, dropped = known_to_all([kv.key_to_index for kv in vectors], placed)
    if dropped:
        say(f"Left out (not known to every chosen embedding): {compare.examples(dropped, 6)}.")
    placed_axes = []
    with friendly_errors("Placing the words on the axis"):
        try:
            placed_axes = [axes.place_words(kv, n, low, high, words) for kv, n in zip(vectors, names)]
        except axes.AxisError as exc:  # a small vocabulary without the end words: a fact to state, not an error
            st.info(md(f"{exc} Pick another axis, or type end words every chosen embedding knows."))
            return None
    if not placed_axes or not words:
        if not words:
            st.info("None of the words to place is known to every chosen embedding; type others.")
        return None
    st.plotly_chart(plots.axis_strip(name, words, list(names), [a.positions for a in placed_axes]),
                    key=KEY_PREFIX + "axis_chart", **CHART)
    say(axes.axis_sentence(name, names, placed_axes) + " Each embedding builds the axis from its own vectors of the "
        "end words (" + "; ".join(f"{n}: {len(a.low_used)} + {len(a.high_used)} words" for n, a in
                                  zip(names, placed_axes)) + "), so positions compare across embeddings.")
    scores = table.scores(words) if table is not None and is_sentiment else None
    if table is not None and is_sentiment:
        agreement_table(name, low + high, names, vectors, table, placed_axes)
    else:
        st.info("The agreement with review sentiment needs a dataset with positive and negative texts.")
    return Table(axes.axis_rows(names, placed_axes, scores), title(
        "Positions on a meaning axis", keys, f"axis {name}: {', '.join(low)} ↔ {', '.join(high)}"))


def agreement_table(name: str, pole_words: list[str], names, vectors, table, placed_axes) -> None:
    evaluation = frequent_trustworthy_words(table, [kv.key_to_index for kv in vectors], pole_words)
    if len(evaluation) < 10:
        st.info("Too few frequent words are known to every chosen embedding to measure the agreement with sentiment.")
        return
    rows = axes.agreement_rows(names, vectors, placed_axes, evaluation, table.scores(evaluation))
    st.dataframe(pd.DataFrame(rows), key=KEY_PREFIX + "axis_agreement", hide_index=True)
    say(axes.agreement_sentence(name, rows))


# --- 10. word benchmarks ----------------------------------------------------------------------------------------


@st.cache_data(max_entries=32, show_spinner=False)
def _benchmarks(key: str, _load: Loader) -> wordbench.Benchmarks:
    kv = _load(key)
    return wordbench.evaluate(kv.index_to_key, kv.vectors)


def word_benchmarks(keys: Sequence[str], name_of: Callable[[str], str], load: Loader, title: Titler) -> Table | None:
    """The benchmark table (each run before and after) and its caption; returns the rows of its CSV (numbers)."""
    all_keys, pairs = compare.benchmark_keys(keys)
    results = None
    with st.spinner("Scoring WordSim-353, SimLex-999 and 19,544 analogies…"), friendly_errors("Scoring the benchmarks"):
        results = [_benchmarks(key, load) for key in all_keys]
    if results is None:
        return None
    names = [name_of(key) for key in all_keys]
    rows = [wordbench.table_row(n, r) for n, r in zip(names, results)]
    st.dataframe(pd.DataFrame(rows), key=KEY_PREFIX + "benchmarks", hide_index=True)
    say(wordbench.benchmark_sentence(names, results, pairs))
    st.caption(
        "WordSim-353 asks how *related* two words are (coffee–cup scores high), SimLex-999 how *similar* "
        "(coffee–cup low, old–new low); both are Spearman correlations with people's ratings. The analogies "
        "(Athens : Greece = Baghdad : ?) count exact answers among the 30,000 most frequent words. Pairs and "
        "questions with an unknown word are skipped (“used”). These scores measure general-purpose word "
        "similarity, not usefulness for a task: they predict task accuracy poorly (Faruqui et al. 2016; Chiu, "
        "Korhonen & Pyysalo 2016), so a model fine-tuned for sentiment may classify better while scoring lower here.")
    return Table(exports.benchmark_rows(names, results), title(
        "Word benchmarks", all_keys, "WordSim-353 and SimLex-999 (Spearman's rho), analogies among the 30,000 most "
        "frequent words"))


# --- 11. training replay ------------------------------------------------------------------------------------------


@st.cache_data(max_entries=16, show_spinner=False)
def _replay(run_id: str, words: tuple[str, ...]) -> tuple[list[str], np.ndarray, int]:
    snapshots = load_snapshots(run_id)
    if snapshots is None:
        return [], np.empty((0, 0, 2)), 0
    vocabulary, _, _ = load_embeddings(run_id)
    kept, rows = replay.rows_of_words(vocabulary, snapshots.shape[1], words)
    return kept, replay.replay_positions(snapshots, rows), snapshots.shape[1]


def training_replay(keys: Sequence[str], run_names: dict[str, str], page_words: Sequence[str], title: Titler):
    """The animated map of one chosen run's epochs; returns the figure (None when there is none)."""
    run_ids = compare.chosen_runs([EmbeddingRef.parse(key) for key in keys])
    if not run_ids:
        st.info("Pick a saved run above (before or after training) to replay its training epoch by epoch.")
        return None
    with presentation.settings("Replay settings"):
        run_id = st.selectbox("Run", run_ids, format_func=lambda r: run_names.get(r, r), key=KEY_PREFIX + "replay_run")
        c1, c2 = st.columns([3, 1])
        st.session_state.setdefault(KEY_PREFIX + "replay_highlight", "good, bad, great, awful")
        highlight = split_words(c1.text_input("Trails for these words", key=KEY_PREFIX + "replay_highlight",
                                                  persist_state="session",
                                                  help="These words are labelled and leave a trail.").lower())
        n_words = int(c2.slider("Words", 10, 300, 100, step=10, key=KEY_PREFIX + "replay_n", persist_state="session",
                                help="How many of the page's words (section 2) are replayed."))
    words = replay.replay_words(highlight, page_words, n_words)
    found = None
    with st.spinner("Lining up the epochs…"), friendly_errors("Preparing the replay"):
        found = _replay(run_id, tuple(words))
    if found is None:
        return None
    kept, positions, kept_rows = found
    if not kept_rows:
        st.info("This run was saved before training kept a snapshot per epoch; train it again to replay it.")
        return None
    if len(kept) < 3:
        st.info(f"Fewer than three of the chosen words are among the {kept_rows:,} words this run kept per epoch.")
        return None
    fig = plots.replay_figure(kept, positions, replay.epoch_labels(len(positions)), highlight)
    st.plotly_chart(fig, key=KEY_PREFIX + "replay_chart", **CHART)
    say(replay.replay_sentence(kept, positions, len(positions) - 1, highlight)
        + f" The run kept its {kept_rows:,} most frequent words at every epoch."
        + replay.early_stopping_note(load_run(run_id).metrics))
    replay_title = title("Training replay", [str(EmbeddingRef.run(run_id))], f"{len(kept)} words, every epoch")
    st.download_button("Replay as HTML (plays offline)", lambda: exports.figure_html(fig, replay_title),
                       file_name=f"replay-{safe_name(run_names.get(run_id, run_id), default='run')}.html", mime="text/html",
                       on_click="ignore", key=KEY_PREFIX + "dl_replay", icon=":material/download:")
    return fig


def change_downloads(overlap_rows: Table | None, axis_rows: Table | None, benchmark_rows: Table | None) -> None:
    """CSV downloads of the per-word overlap, the axis positions and the benchmark table, each with its title line."""
    d1, d2, d3 = st.columns(3)
    with d1:
        _download_csv("Per-word overlap (CSV)", overlap_rows, "neighbourhood-overlap.csv", "dl_overlap")
    with d2:
        _download_csv("Axis positions (CSV)", axis_rows, "axis-positions.csv", "dl_axis")
    with d3:
        _download_csv("Word benchmarks (CSV)", benchmark_rows, "word-benchmarks.csv", "dl_bench")
