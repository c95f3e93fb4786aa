"""Compare embeddings side by side: the same words seen through two to four embeddings.

Storyboard: pick the embeddings -> pick the words -> the headline numbers (how close
"good" and "bad" are in each) -> aligned maps -> neighbour lists -> what training
changed (sentiment separation, words that moved) -> downloads.
All numbers come from lib (neighbors, projection); this file only lays them out.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import streamlit as st

from lib import exports, neighbors, plots, projection
from lib.glossary import explain
from lib import vectors as vec
from ui import presentation, sources
from ui.errors import friendly_errors

P = "compare_"  # prefix of every session-state key this page owns
MAX_EXPORT_WORDS = 50_000


# --- where embeddings come from ------------------------------------------------------------------
# Pretrained and word2vec sets come from ui.sources (one shared copy per server); a run's
# matrices become KeyedVectors here. Every embedding has a short string id, used as the
# cache key of everything derived from it: "glove", "set:<label in ui.sources>", "run:<id>:final|initial".

W2V_ARGS = ("imdb", None)  # word2vec on all IMDB training reviews, ui.sources' default parameters


def _word2vec_label() -> str:
    return sources.word2vec_label(*W2V_ARGS)


@st.cache_resource(max_entries=16, show_spinner=False)
def _run_vectors(run_id: str, which: str):
    from lib.runs import load_embeddings

    vocabulary, initial, final = load_embeddings(run_id)
    kv = neighbors.keyed_vectors(vocabulary, initial if which == "initial" else final)
    kv.vectors.flags.writeable = False  # shared by every session
    return kv


def get_vectors(emb_id: str):
    """The KeyedVectors behind an embedding id (see above)."""
    if emb_id == "glove":
        return sources.glove()
    if emb_id.startswith("run:"):
        _, run_id, which = emb_id.split(":", 2)
        return _run_vectors(run_id, which)
    if emb_id.startswith("set:"):
        label = emb_id[4:]
        loaders = sources.available_vector_sets()
        if label in loaders:
            return loaders[label]()
        if label == _word2vec_label():
            return sources.word2vec(*W2V_ARGS)
        raise ValueError(f"The vector set “{label}” is no longer loaded on this server; pick it again on "
                         "the Explore vectors page or choose another one.")
    raise ValueError(f"Unknown embedding {emb_id!r}; pick it again from the list.")


def _rows(kv, words) -> np.ndarray:
    return kv.vectors[[kv.key_to_index[w] for w in words]]


# --- cached derived data (small hashable keys in, arrays out) -----------------------------------


def _base_key(dataset_key: str) -> str:
    m = re.fullmatch(r"(.+)-n\d+-s\d+", dataset_key or "")
    return m.group(1) if m else (dataset_key or "imdb")


def word_table(dataset_key: str) -> tuple[neighbors.SentimentTable, bool, str]:
    """``(table, is_sentiment, description)`` for the TRAIN split of a dataset (IMDB's is shared server-wide)."""
    if dataset_key == "imdb":
        data = sources.imdb()
        return (sources.imdb_sentiment(), True,
                f"the {len(data.train_texts):,} training reviews of {data.name} (“positive” counts as positive)")
    return _word_table(dataset_key)


@st.cache_data(max_entries=8, show_spinner=False)
def _word_table(dataset_key: str) -> tuple[neighbors.SentimentTable, bool, str]:
    data = sources.dataset(dataset_key)
    names = [c.lower() for c in data.class_names]
    labels = np.asarray(data.train_labels)
    is_sentiment = len(names) == 2
    positive = names.index("positive") if "positive" in names else 1
    if not is_sentiment:  # frequencies still make sense; the "sentiment" would not
        labels = (labels == labels.min()).astype(int)
        positive = 1
    table = neighbors.sentiment_table(data.train_texts, labels, positive_label=positive)
    desc = f"the {len(data.train_texts):,} training texts of {data.name}"
    if is_sentiment:
        desc += f" (“{data.class_names[positive]}” counts as positive)"
    return table, is_sentiment, desc


@st.cache_data(max_entries=64, show_spinner=False)
def word_map(emb_id: str, words: tuple[str, ...], method: str, perplexity: float, n_iter: int, seed: int) -> np.ndarray:
    """The 2-D map of ``words`` in one embedding (vectors scaled to length 1 first: cosine geometry)."""
    X = neighbors.unit_rows(_rows(get_vectors(emb_id), words))
    return projection.project_2d(X, method=method, seed=seed, perplexity=perplexity, n_iter=n_iter)


@st.cache_data(max_entries=64, show_spinner=False)
def separation(emb_id: str, words: tuple[str, ...], labels: tuple[int, ...]) -> float:
    X = neighbors.unit_rows(_rows(get_vectors(emb_id), words))
    return neighbors.separation_score(X, np.asarray(labels), seed=0)


@st.cache_data(max_entries=16, show_spinner=False)
def moved_words(run_id: str, k: int, words: tuple[str, ...]) -> tuple[list[tuple[str, float]], int, int]:
    """``(the k words of ``words`` that turned most, rows that changed at all, rows)`` of one run.

    Restricted to the words on the map: over the whole vocabulary the list is dominated
    by rare words that started as small random vectors (words the pretrained set lacks).
    """
    from lib.runs import load_embeddings

    vocabulary, initial, final = load_embeddings(run_id)
    cos = neighbors.movement(initial, final)[1:]
    changed = int(np.sum(np.nan_to_num(cos, nan=1.0) < 0.9999))
    index = {w: i for i, w in enumerate(vocabulary) if i > 0}
    rows = [index[w] for w in words if w in index]
    if not rows:
        return [], changed, len(cos)
    moved = neighbors.most_moved([vocabulary[i] for i in rows], initial[rows], final[rows], k=k, skip_padding=False)
    return moved, changed, len(cos)


def known_to_all(vector_sets, words) -> tuple[list[str], list[str]]:
    """Words every set knows (trying lower case too), in order without repeats; and the others."""
    known, dropped = [], []
    for w in words:
        for cand in (w, w.lower()):
            if all(cand in kv.key_to_index for kv in vector_sets):
                known.append(cand)
                break
        else:
            dropped.append(w)
    return list(dict.fromkeys(known)), dropped


def examples(words, n: int = 8) -> str:
    shown = ", ".join(f"“{w}”" for w in words[:n])
    return shown + (f" and {len(words) - n:,} more" if len(words) > n else "")


# --- the page --------------------------------------------------------------------------------------

st.title("Compare embeddings side by side")
story_slot = st.container()
st.write(
    "The same words, seen through two to four embeddings at once: where each one puts them, "
    "which words each one calls neighbours, and how well each separates praise from complaint."
)

# 1. Which embeddings ------------------------------------------------------------------------------
st.header("1. Pick the embeddings", divider="gray")
runs, problems = [], []
with friendly_errors("Reading the saved runs"):
    from lib.runs import list_runs

    runs, problems = list_runs()
for problem in problems:
    st.caption(problem)

labels: dict[str, str] = {"glove": "GloVe 6B 50-d (pretrained on Wikipedia + news, 400,000 words)"}
short: dict[str, str] = {"glove": "GloVe 50-d"}
set_labels: list[str] = []
with friendly_errors("Listing the loaded vector sets"):
    from lib.vectors import GLOVE_LABEL

    set_labels = [lb for lb in sources.available_vector_sets() if lb != GLOVE_LABEL]
    loaded = set(set_labels)
    w2v_label = _word2vec_label()
    if w2v_label not in loaded:
        set_labels.append(w2v_label)
for lb in set_labels:
    labels[f"set:{lb}"] = lb  # labels stay the same once a set is loaded, so the widget keeps its value
    short[f"set:{lb}"] = lb.split(" (")[0][:40]
run_by_id = {r.run_id: r for r in runs}
for r in runs:
    labels[f"run:{r.run_id}:final"] = f"{r.name} — after training"
    labels[f"run:{r.run_id}:initial"] = f"{r.name} — before training"
    short[f"run:{r.run_id}:final"] = f"{r.name} · after"
    short[f"run:{r.run_id}:initial"] = f"{r.name} · before"

if not runs:
    st.info(
        "No saved runs yet. Train one on the page **Train and compare strategies** (for example "
        "“GloVe, fine-tuned” on 2,000 reviews: about a minute) and it appears here, before and after "
        "training. Meanwhile you can compare GloVe with word2vec trained here."
    )

key_emb = P + "embeddings"
options = list(labels)
if key_emb in st.session_state:  # drop choices whose run was deleted meanwhile
    st.session_state[key_emb] = [e for e in st.session_state[key_emb] if e in labels][:4]
else:
    st.session_state[key_emb] = ["glove", f"run:{runs[0].run_id}:final"] if runs else ["glove"]
chosen = st.multiselect(
    "Embeddings to compare (2 to 4)", options, format_func=labels.get, max_selections=4, key=key_emb,
    persist_state="session",
    help="A run's “before training” matrix is where it started (GloVe rows, word2vec rows or random numbers). "
    "word2vec is trained on the IMDB training reviews the first time it is picked (about 30 s), then reused.",
)

def _pick(ids: list[str]) -> None:
    st.session_state[key_emb] = ids


if runs:  # one-click pairs for the newest run
    newest = runs[0]
    q1, q2 = st.columns(2)
    q1.button(f"Before vs after training: {newest.name}", key=P + "quick_before_after", on_click=_pick,
              args=([f"run:{newest.run_id}:initial", f"run:{newest.run_id}:final"],), type="tertiary",
              icon=":material/compare_arrows:")
    q2.button(f"GloVe vs {newest.name}", key=P + "quick_glove", on_click=_pick,
              args=(["glove", f"run:{newest.run_id}:final"],), type="tertiary", icon=":material/compare_arrows:")

if len(chosen) < 2:
    st.info(
        ("Only one embedding is selected. " if len(chosen) == 1 else "No embedding is selected. ")
        + "Pick at least two above: for example GloVe and a run after training, or a run before and after."
    )
    st.stop()

vector_sets: dict[str, object] = {}
for emb in chosen:
    with st.spinner(f"Loading {short[emb]}…"), friendly_errors(f"Loading {short[emb]}"):
        if emb == f"set:{_word2vec_label()}" and not sources.word2vec_is_ready(*W2V_ARGS):
            # trained in the background (about 30 s, only once): clicks meanwhile do not lose the work
            sources.word2vec_in_background(*W2V_ARGS)
            sources.word2vec_progress(*W2V_ARGS, text="Training word2vec on the IMDB training reviews…")
            continue
        vector_sets[emb] = get_vectors(emb)
chosen = [e for e in chosen if e in vector_sets]
if len(chosen) < 2:
    st.info("Fewer than two of the chosen embeddings could be loaded (see above); pick others.")
    st.stop()
kvs = [vector_sets[e] for e in chosen]
names = [short[e] for e in chosen]

# 2. Which words -----------------------------------------------------------------------------------
st.header("2. Pick the words", divider="gray")
dataset_names = {"imdb": "IMDB (50,000 reviews)"}
with friendly_errors("Listing the datasets"):
    dataset_names.update({key: label for label, key in sources.dataset_choices().items()})
for r in runs:
    base = _base_key(str(r.config.get("dataset_key", "imdb")))
    dataset_names.setdefault(base, str(r.config.get("dataset_name") or base))
key_ds = P + "dataset"
first_run = next((run_by_id[e.split(":")[1]] for e in chosen if e.startswith("run:")), None)
if st.session_state.get(key_ds) not in dataset_names:
    st.session_state[key_ds] = _base_key(str(first_run.config.get("dataset_key", "imdb"))) if first_run else "imdb"

table, is_sentiment, table_desc = None, False, ""
with presentation.settings("Words and data"):
    dataset_key = st.selectbox(
        "Texts that define word frequency and sentiment", list(dataset_names), format_func=dataset_names.get,
        key=key_ds, persist_state="session",
        help="Training texts only. A run trained on a subset is scored on its dataset's full training split.",
    )
    with st.spinner("Counting words in the training texts (a few seconds, once)…"), friendly_errors("Counting the words"):
        table, is_sentiment, table_desc = word_table(dataset_key)

    word_sources = ["frequent", "sentiment", "ready", "typed"]
    source_labels = {"frequent": "most frequent", "sentiment": "most positive / negative",
                     "ready": "a ready list", "typed": "my own words"}
    st.session_state.setdefault(P + "source", "frequent")
    source = st.segmented_control("Which words", word_sources, format_func=source_labels.get, key=P + "source",
                                  required=True, persist_state="session",
                                  help=("Which words go on the maps: the most frequent in the reviews, the most clearly positive or "
                                        "negative ones, a ready list, or your own."))
    candidates: list[str] = []
    if source == "frequent":
        n_words = st.slider("How many", 50, 3000, 300, step=50, key=P + "n_frequent", persist_state="session",
                            help="How many words to show.")
        skip = st.checkbox("Leave out function words (the, and, of, …)", value=True, key=P + "skip_function",
                           persist_state="session",
                           help="Very common small words lean slightly either way in the reviews and crowd the maps; leave them out.")
        if table is not None:
            candidates = table.frequent(n_words, exclude=neighbors.function_words() if skip else ())
    elif source == "sentiment":
        n_words = st.slider("How many (half positive, half negative)", 20, 1000, 200, step=20, key=P + "n_sentiment",
                            persist_state="session",
                            help="How many words: the clearest positive and negative ones in the training reviews, half each.")
        if table is not None and is_sentiment:
            pos, neg = table.top(n_words // 2, min_docs=min(20, max(2, (table.n_pos + table.n_neg) // 500)),
                                 exclude=neighbors.function_words())
            candidates = pos + neg
        elif table is not None:
            st.info("This dataset has more than two classes, so words have no positive/negative lean; pick another list.")
    elif source == "ready":
        from lib.vectors import WORD_LISTS

        which = st.selectbox("List", list(WORD_LISTS), key=P + "ready_list", persist_state="session",
                             help="A ready-made list of words that belong together.")
        candidates = list(WORD_LISTS[which])
    else:
        st.session_state.setdefault(P + "typed", "good, bad, great, awful, excellent, terrible, boring, fun, movie, film")
        typed = st.text_area("Words, separated by commas or spaces", key=P + "typed", persist_state="session",
                             help="Your own words; words an embedding does not know are left out and listed.")
        candidates = vec.split_words(typed)

words, dropped = known_to_all(kvs, candidates)
if not candidates:
    st.warning("The word list is empty. Type some words (for example: good, bad, great, awful) or pick another list.")
elif not words:
    st.warning(
        f"None of the {len(candidates):,} words is known to every chosen embedding ({examples(dropped)}). "
        "Check the spelling, or pick words from the dataset's most frequent ones."
    )
elif dropped:
    st.caption(f"{len(words):,} words are known to every chosen embedding; {len(dropped):,} were left out "
               f"because at least one embedding lacks them ({examples(dropped, 6)}).")
else:
    st.caption(f"{len(words):,} words, all known to every chosen embedding.")

# Headline: how close are two words in each embedding? ------------------------------------------
st.session_state.setdefault(P + "pair_a", "good")
st.session_state.setdefault(P + "pair_b", "bad")
st.header(f"3. Are “{st.session_state[P + 'pair_a'].strip() or '…'}” and "
          f"“{st.session_state[P + 'pair_b'].strip() or '…'}” neighbours?", divider="gray")
with presentation.settings("Word pair"):
    c1, c2 = st.columns(2)
    word_a = c1.text_input("First word", key=P + "pair_a", persist_state="session",
                           help=explain("cosine similarity")).strip().lower()
    word_b = c2.text_input("Second word", key=P + "pair_b", persist_state="session",
                           help=explain("cosine similarity")).strip().lower()
pair_rows = []
cols = st.columns(len(chosen))
for col, emb, kv, name in zip(cols, chosen, kvs, names):
    with col:
        if not word_a or not word_b:
            st.info("Type two words above.")
            continue
        missing = [w for w in (word_a, word_b) if w not in kv.key_to_index]
        if missing:
            st.info(f"{name} does not know {examples(missing)}.")
            continue
        cos = neighbors.cosine(kv, word_a, word_b, name)
        rank = neighbors.rank_of(kv, word_a, word_b, name)
        pair_rows.append((name, cos, rank))
        st.metric(name, f"{cos:+.2f}", help="Cosine similarity: 1 = same direction, 0 = unrelated, −1 = opposite.")
        st.caption(f"“{word_b}” is neighbour #{rank:,} of “{word_a}” among {len(kv):,} words.")
if len(pair_rows) >= 2:
    hi = max(pair_rows, key=lambda r: r[1])
    lo = min(pair_rows, key=lambda r: r[1])
    sentence = (f"“{word_a}” and “{word_b}”: cosine {hi[1]:+.2f} in {hi[0]} (neighbour #{hi[2]:,}) "
                f"vs {lo[1]:+.2f} in {lo[0]} (neighbour #{lo[2]:,}).")
    if hi[1] - lo[1] >= 0.2:
        sentence += f" {lo[0]} pulls them further apart."
    elif abs(hi[1] - lo[1]) < 0.05:
        sentence += " The embeddings agree on how close they are."
    with story_slot:
        presentation.story(sentence)
    st.caption("Measured on the chosen embeddings just now. Words that appear in the same kinds of sentences "
               "(“the film was good / bad”) get similar vectors unless training on labels pushes them apart.")

# 4. Maps ------------------------------------------------------------------------------------------
st.header("4. Maps side by side", divider="gray")
method_labels = {"pca": "PCA (instant)", "tsne": "t-SNE (seconds)"}
if projection.umap_available():
    method_labels["umap"] = "UMAP"
with presentation.settings("Map settings"):
    st.session_state.setdefault(P + "method", "pca")
    if st.session_state[P + "method"] not in method_labels:
        st.session_state[P + "method"] = "pca"
    method = st.segmented_control("Map", list(method_labels), format_func=method_labels.get, key=P + "method",
                                  required=True, persist_state="session",
                                  help="How the many numbers of each word are squeezed onto a flat page. " + explain("PCA") + " " + explain("t-SNE"))
    perplexity, n_iter, seed = 30.0, 500, 0
    if method == "tsne":
        t1, t2, t3 = st.columns(3)
        perplexity = float(t1.slider("Perplexity (neighbours each word listens to)", 5, 50, 30, key=P + "perplexity",
                                     persist_state="session",
                                     help=explain("t-SNE") + " Perplexity is roughly how many neighbours each word tries to keep close."))
        n_iter = int(t2.slider("Iterations", 300, 1000, 500, step=100, key=P + "iterations", persist_state="session",
                               help="How long t-SNE keeps rearranging the map; more is slower and usually tidier."))
        seed = int(t3.number_input("Seed", 0, 10_000, 0, key=P + "seed", persist_state="session", help=explain("seed")))
    colour_options = {"sentiment": "sentiment in the training texts", "frequency": "how frequent"}
    if not is_sentiment:
        colour_options.pop("sentiment")
    st.session_state.setdefault(P + "colour", "sentiment")
    if st.session_state[P + "colour"] not in colour_options:
        st.session_state[P + "colour"] = "frequency"
    colour_by = st.segmented_control("Colour by", list(colour_options), format_func=colour_options.get,
                                     key=P + "colour", required=True, persist_state="session",
                                     help="Sentiment: " + explain("sentiment score of a word") + " Frequency: how many reviews contain the word.")
    st.session_state.setdefault(P + "highlight", "good, bad")
    highlight_text = st.text_input("Circle these words on every map", key=P + "highlight", persist_state="session",
                                   help="These words get a label and a circle in every panel, so you can find them again.")
highlight = [w.lower() for w in vec.split_words(highlight_text)]

fig = None
if words and len(words) < projection.TSNE_MIN_WORDS and method != "pca":
    st.info(f"{method_labels[method]} needs at least {projection.TSNE_MIN_WORDS} words; showing PCA instead.")
    method = "pca"
if words:
    maps = []
    with st.spinner(f"Drawing {len(words):,} words with {method_labels[method]}…"), friendly_errors("Drawing the maps"):
        maps = [word_map(e, tuple(words), method, perplexity, n_iter, seed) for e in chosen]
    if len(maps) == len(chosen):
        aligned = projection.align_all(maps)
        values, colour_label, diverging = None, "", True
        if table is not None and colour_by == "sentiment":
            values, colour_label = table.scores(words), "sentiment (log-odds)"
        elif table is not None:
            idx = table.index()
            counts = np.array([table.pos_docs[idx[w]] + table.neg_docs[idx[w]] if w in idx else np.nan for w in words],
                              dtype=float)
            values, colour_label, diverging = np.log10(np.maximum(counts, 1)), "log10 texts containing it", False
        fig = plots.map_figure([plots.wrap_label(n, 30) for n in names], aligned, words, values, colour_label, diverging,
                               highlight=highlight, height=560 if len(chosen) <= 2 else 520)
        st.plotly_chart(fig, key=P + "map_chart", config={"displaylogo": False}, theme=None)
        not_shown = [w for w in highlight if w not in set(words)]
        disparities = ", ".join(f"{n} {projection.disparity(aligned[0], m):.2f}" for n, m in zip(names[1:], aligned[1:]))
        colour_sentence = ("Blue words appear more in positive texts, red in negative ones, white in both."
                           if colour_by == "sentiment" and table is not None else "Brighter dots are more frequent words.")
        st.caption(
            f"Each dot is a word placed by {method_labels[method].split(' (')[0]} from its vector. Every panel was "
            f"rotated or mirrored (orthogonal Procrustes) onto the first one, so the same region means the same "
            f"thing across panels. {colour_sentence} Axes have no meaning. How different each layout still is from "
            f"the first after turning (0 = same shape, 1 = unrelated): {disparities}."
            + (f" Not on the map: {examples(not_shown)}." if not_shown else "")
        )

# 5. Neighbours --------------------------------------------------------------------------------------
st.header("5. Neighbours side by side", divider="gray")
with presentation.settings("Neighbour settings"):
    q1, q2 = st.columns([3, 1])
    st.session_state.setdefault(P + "query", "good")
    query = q1.text_input("Word", key=P + "query", persist_state="session",
                          help="A word to look up (lower case, as the vectors store it).").strip()
    k = int(q2.slider("How many", 5, 30, 10, key=P + "k", persist_state="session", help="How many words to show."))
neighbour_lists: dict[str, list[tuple[str, float]]] = {}
if not query:
    st.info("Type a word to see its nearest neighbours in each embedding.")
else:
    for emb, kv, name in zip(chosen, kvs, names):
        try:
            neighbour_lists[name] = neighbors.most_similar(kv, query, k, name=name)
        except ValueError:
            pass
    if not neighbour_lists:
        st.warning(f"No chosen embedding knows “{query}”. Check the spelling or try another word (for example “good”).")
    else:
        shared = set.intersection(*(set(w for w, _ in lst) for lst in neighbour_lists.values()))
        cols = st.columns(len(chosen))
        rows = []
        for col, name in zip(cols, names):
            with col:
                st.markdown(f"**{name}**")
                if name not in neighbour_lists:
                    st.info(f"{name} does not know “{query}”.")
                    continue
                lst = neighbour_lists[name]
                df = pd.DataFrame({"word": [w for w, _ in lst], "cosine": [s for _, s in lst],
                                   "in all": ["✓" if w in shared else "" for w, _ in lst]})
                df.index = np.arange(1, len(df) + 1)
                st.dataframe(df, column_config={"cosine": st.column_config.NumberColumn(format="%.2f")})
                rows += [{"embedding": name, "rank": i, "word": w, "cosine": round(s, 4), "in all": w in shared}
                         for i, (w, s) in enumerate(lst, start=1)]
        st.caption(f"The {k} words whose vectors point most nearly the same way as “{query}” in each embedding; "
                   f"✓ marks words every list shares ({len(shared)} of {k}).")
        if len(neighbour_lists) >= 2:
            listed = list(neighbour_lists)
            M = neighbors.overlap_matrix([neighbour_lists[n] for n in listed])
            st.plotly_chart(plots.overlap_heatmap(listed, M, k), key=P + "overlap_chart", config={"displaylogo": False}, theme=None)
            st.caption(f"How many of the top {k} neighbours of “{query}” each pair of embeddings shares "
                       "(100% = the same list, 0% = nothing in common).")
        st.session_state[P + "neighbour_rows"] = rows

# 6. What training changed -------------------------------------------------------------------------
st.header("6. What training changed", divider="gray")
if table is None or not is_sentiment:
    st.info("The sentiment separation needs a dataset with two classes (positive and negative).")
else:
    n_texts = table.n_pos + table.n_neg
    pos, neg = table.top(150, min_docs=min(20, max(2, n_texts // 500)), exclude=neighbors.function_words())
    pos, _ = known_to_all(kvs, pos)
    neg, _ = known_to_all(kvs, neg)
    n_each = min(len(pos), len(neg))
    if n_each < 10:
        st.info(f"Too few clearly positive and negative words are known to every chosen embedding ({n_each} of each; "
                "at least 10 needed) to measure how well they separate.")
    else:
        sep_words = tuple(pos[:n_each] + neg[:n_each])
        sep_labels = tuple([1] * n_each + [0] * n_each)
        scores = []
        with st.spinner("Measuring sentiment separation…"), friendly_errors("Measuring the separation"):
            scores = [separation(e, sep_words, sep_labels) for e in chosen]
        if len(scores) == len(chosen):
            st.plotly_chart(plots.score_bars(names, scores, "sentiment separation (cross-validated accuracy)", 0.5,
                                             "chance", (0, 1.08)), key=P + "separation_chart",
                            config={"displaylogo": False}, theme=None)
            best, worst = int(np.argmax(scores)), int(np.argmin(scores))
            st.caption(
                f"How well a straight cut through each embedding tells {n_each} clearly positive words "
                f"(e.g. {examples(pos[:3], 3)}) from {n_each} clearly negative ones (e.g. {examples(neg[:3], 3)}), "
                f"tested on words it did not see: 0.5 is chance, 1.0 perfect. Highest: {names[best]} "
                f"({scores[best]:.2f}); lowest: {names[worst]} ({scores[worst]:.2f}). Words come from {table_desc}."
            )

run_ids = list(dict.fromkeys(e.split(":")[1] for e in chosen if e.startswith("run:")))
if not run_ids:
    st.caption("Pick a saved run above to see which word vectors training moved most.")
for run_id in run_ids[:2]:
    record = run_by_id.get(run_id)
    with friendly_errors("Comparing the run's vectors before and after training"):
        moved, changed, total = moved_words(run_id, 15, tuple(words))
        title = record.name if record else run_id
        if changed == 0:
            st.markdown(f"**{title}**: none of its {total:,} word vectors changed; the embedding was frozen.")
        elif not moved:
            st.markdown(f"**{title}**: training changed {changed:,} of {total:,} word vectors; none of them is on the map.")
        else:
            st.markdown(f"**{title}**: training changed {changed:,} of {total:,} word vectors. "
                        "Of the words on the map, the ones that turned most:")
            st.plotly_chart(plots.movement_bars([w for w, _ in moved], [c for _, c in moved]),
                            key=P + f"moved_{run_id}", config={"displaylogo": False}, theme=None)
            st.caption("Cosine between each word's vector before and after training: 1 = still points the same way; "
                       "lower = training turned it (often the words that matter for the labels).")

# 7. Take it with you -------------------------------------------------------------------------------
st.header("7. Downloads", divider="gray")
d1, d2, d3 = st.columns(3)
with d1:
    st.markdown("**The maps**")
    if fig is None:
        st.caption("Draw a map first.")
    else:
        map_fig = fig
        st.download_button("Interactive HTML", lambda: exports.figure_html(map_fig), file_name="embedding-maps.html",
                           mime="text/html", on_click="ignore", key=P + "dl_html", icon=":material/download:")
        ok, reason = exports.png_support()
        if ok:
            if st.button("Make a PNG (a few seconds)", key=P + "make_png"):
                with st.spinner("Rendering the PNG…"), friendly_errors("Making the PNG"):
                    png = exports.figure_png(map_fig, width=1800)
                    st.download_button("Download PNG", png, file_name="embedding-maps.png", mime="image/png",
                                       on_click="ignore", key=P + "dl_png", icon=":material/download:")
        else:
            st.caption(reason)
with d2:
    st.markdown("**The neighbour lists**")
    rows = st.session_state.get(P + "neighbour_rows") if neighbour_lists else None
    if rows:
        st.download_button("Neighbours as CSV", exports.table_csv(pd.DataFrame(rows)), file_name="neighbours.csv",
                           mime="text/csv", on_click="ignore", key=P + "dl_csv", icon=":material/download:")
    else:
        st.caption("Look up a word first.")
with d3:
    st.markdown("**An embedding**")
    export_emb = st.selectbox("Which", chosen, format_func=short.get, key=P + "export_which",
                              help="The embedding to download.")
    scope = st.radio("Words", ["map", "all"], horizontal=True, key=P + "export_scope",
                     format_func={"map": "the words on the map", "all": f"all (first {MAX_EXPORT_WORDS:,} for big sets)"}.get,
                     help="Which words the downloaded files contain.")
    ekv = vector_sets[export_emb]
    export_words = list(words) if scope == "map" else list(ekv.index_to_key[:MAX_EXPORT_WORDS])
    if not export_words:
        st.caption("No words to export.")
    else:
        slug = re.sub(r"[^A-Za-z0-9]+", "-", short[export_emb]).strip("-").lower() or "embedding"
        extra = None
        if table is not None and is_sentiment:
            extra = {"sentiment": table.scores(export_words)}

        def _projector(kv=ekv, ws=export_words, ex=extra, name=slug):
            return exports.projector_zip(ws, _rows(kv, ws), ex, folder=name)

        def _w2v(kv=ekv, ws=export_words):
            return exports.word2vec_text(ws, _rows(kv, ws))

        st.download_button("TensorBoard Projector (zip)", _projector, file_name=f"{slug}-projector.zip",
                           mime="application/zip", on_click="ignore", key=P + "dl_projector", icon=":material/download:")
        st.download_button("word2vec text format", _w2v, file_name=f"{slug}.txt", mime="text/plain",
                           on_click="ignore", key=P + "dl_w2v", icon=":material/download:")
        st.caption(f"{len(export_words):,} words. Load the zip's two files at projector.tensorflow.org (“Load”).")
