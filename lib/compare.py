"""What the Compare page needs: which embedding is which, the words they share, and the sentences
that describe how they differ.

An embedding on the Compare page is one of four things: GloVe, another loaded vector set
(word2vec trained here, a download, a file a visitor uploaded), or one of a saved run's two
matrices (before or after training). :class:`EmbeddingRef` names one of them as a small
value that survives a rerun and a page switch as a plain string::

    >>> ref = EmbeddingRef.parse("run:20260101-120000-glove:final")
    >>> ref.kind, ref.name
    ('run after', '20260101-120000-glove')
    >>> str(ref)
    'run:20260101-120000-glove:final'
    >>> EmbeddingRef.parse(str(ref)) == ref
    True

Everything else here is arrays (or word lists) in, arrays (or sentences) out: the Compare
page only lays the results out, and each function is unit-tested without Streamlit.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from lib.errors import UserError
from lib.neighbors import SentimentTable, function_words, most_moved, movement
from lib.words import known_to_all


class CompareError(UserError):
    """An embedding that cannot be compared any more (a set no longer loaded, an id not understood)."""


# --- which embedding -----------------------------------------------------------------------------

GLOVE = "glove"
VECTOR_SET = "vector set"
RUN_BEFORE = "run before"
RUN_AFTER = "run after"

#: What each kind of embedding is called in a menu, when the page has nothing better (a run's name).
GLOVE_LABEL = "GloVe 6B 50-d (pretrained on Wikipedia + news, 400,000 words)"
GLOVE_SHORT = "GloVe 50-d"

# The stage names are those lib.runs uses for a run's two matrices; they are also the key's
# last part, so keys saved in a session before this module existed still parse.
_STAGE_OF_KIND = {RUN_BEFORE: "initial", RUN_AFTER: "final"}
_KIND_OF_STAGE = {stage: kind for kind, stage in _STAGE_OF_KIND.items()}


@dataclass(frozen=True)
class EmbeddingRef:
    """One embedding the Compare page can show: ``kind`` and the ``name`` that finds it.

    ``kind`` is :data:`GLOVE` (``name`` empty), :data:`VECTOR_SET` (``name`` is the set's menu
    label: word2vec, a download or an uploaded file), :data:`RUN_BEFORE` or :data:`RUN_AFTER`
    (``name`` is the run id). ``str(ref)`` is its key (``"glove"``, ``"set:<label>"``,
    ``"run:<id>:initial|final"``), used for widget values and cache keys.
    """

    kind: str
    name: str = ""

    @classmethod
    def glove(cls) -> EmbeddingRef:
        return cls(GLOVE)

    @classmethod
    def vector_set(cls, label: str) -> EmbeddingRef:
        return cls(VECTOR_SET, label)

    @classmethod
    def run(cls, run_id: str, after_training: bool = True) -> EmbeddingRef:
        return cls(RUN_AFTER if after_training else RUN_BEFORE, run_id)

    @classmethod
    def parse(cls, key: str) -> EmbeddingRef:
        """The reference a key stands for (the inverse of ``str(ref)``).

        >>> EmbeddingRef.parse("set:word2vec trained on IMDB (all training texts; 50-d)").kind
        'vector set'
        >>> EmbeddingRef.parse("fasttext")
        Traceback (most recent call last):
        ...
        lib.compare.CompareError: The embedding “fasttext” is not one this page knows; pick it again from the list.
        """
        if key == GLOVE:
            return cls.glove()
        if key.startswith("set:") and len(key) > 4:
            return cls.vector_set(key[4:])
        # a run id never contains ":" (lib.runs allows letters, digits and ._-), so the last ":" splits
        run_part, _, stage = key.rpartition(":")
        if run_part.startswith("run:") and len(run_part) > 4 and stage in _KIND_OF_STAGE:
            return cls(_KIND_OF_STAGE[stage], run_part[4:])
        raise CompareError(f"The embedding “{key}” is not one this page knows; pick it again from the list.")

    def __str__(self) -> str:
        if self.kind == GLOVE:
            return GLOVE
        if self.kind == VECTOR_SET:
            return f"set:{self.name}"
        return f"run:{self.name}:{_STAGE_OF_KIND[self.kind]}"

    @property
    def is_run(self) -> bool:
        return self.kind in _STAGE_OF_KIND

    @property
    def stage(self) -> str:
        """``"initial"`` or ``"final"``: which of a run's matrices (empty for other kinds)."""
        return _STAGE_OF_KIND.get(self.kind, "")

    def label(self, run_name: str = "") -> str:
        """The full menu label; a run is called ``run_name`` (its id when none is given).

        >>> EmbeddingRef.run("r1", after_training=False).label("GloVe, fine-tuned")
        'GloVe, fine-tuned — before training'
        """
        if self.kind == GLOVE:
            return GLOVE_LABEL
        if self.kind == VECTOR_SET:
            return self.name
        return f"{run_name or self.name} — {'after' if self.kind == RUN_AFTER else 'before'} training"

    def short_label(self, run_name: str = "") -> str:
        """A panel title: ``"GloVe 50-d"``, a set's label without its details, ``"<run> · after"``.

        >>> EmbeddingRef.vector_set("tiny.txt (uploaded, 12 words)").short_label()
        'tiny.txt'
        """
        if self.kind == GLOVE:
            return GLOVE_SHORT
        if self.kind == VECTOR_SET:
            return self.name.split(" (")[0][:40]
        return f"{run_name or self.name} · {'after' if self.kind == RUN_AFTER else 'before'}"

    def load(self, glove: Callable[[], object], vector_sets: Mapping[str, Callable[[], object]],
             run_vectors: Callable[[str, str], object]):
        """The ``KeyedVectors`` behind this reference, from the loaders the caller passes in.

        ``glove()`` loads GloVe, ``vector_sets[label]()`` a loaded set, ``run_vectors(run_id,
        stage)`` one of a run's matrices (``stage`` as :attr:`stage`). Passing them in keeps
        this module free of Streamlit and its caches.
        """
        if self.kind == GLOVE:
            return glove()
        if self.kind == VECTOR_SET:
            if self.name not in vector_sets:
                raise CompareError(f"The vector set “{self.name}” is no longer loaded on this server; pick it "
                                   "again on the Explore vectors page or choose another one.")
            return vector_sets[self.name]()
        return run_vectors(self.name, self.stage)


def other_vector_sets(loaded_labels: Sequence[str], glove_label: str, default_word2vec_label: str) -> list[str]:
    """The loaded sets besides GloVe (GloVe has its own entry), and the default word2vec, trained when picked.

    >>> other_vector_sets(["GloVe", "up.txt"], "GloVe", "w2v")
    ['up.txt', 'w2v']
    """
    return list(dict.fromkeys([*(label for label in loaded_labels if label != glove_label), default_word2vec_label]))


def embedding_choices(vector_set_labels: Sequence[str], run_ids: Sequence[str]) -> list[EmbeddingRef]:
    """Everything the page offers, in menu order: GloVe, the other vector sets, then each run after and before.

    >>> [str(r) for r in embedding_choices(["w2v"], ["r1"])]
    ['glove', 'set:w2v', 'run:r1:final', 'run:r1:initial']
    """
    runs = [EmbeddingRef.run(run_id, after) for run_id in run_ids for after in (True, False)]
    return [EmbeddingRef.glove(), *map(EmbeddingRef.vector_set, vector_set_labels), *runs]


def default_choice(run_ids: Sequence[str]) -> list[str]:
    """What a first visit compares: GloVe with the newest run after training (runs newest first), else GloVe alone."""
    return [GLOVE, str(EmbeddingRef.run(run_ids[0]))] if run_ids else [GLOVE]


def still_offered(keys: Sequence[str], offered: Container[str], limit: int = 4) -> list[str]:
    """The chosen keys that are still on offer (a run may have been deleted meanwhile), at most ``limit``.

    >>> still_offered(["glove", "run:gone:final", "set:a"], {"glove", "set:a"})
    ['glove', 'set:a']
    """
    return [key for key in keys if key in offered][:limit]


def drop_missing(keys: Sequence[str], loaded: Sequence) -> tuple[list[str], list]:
    """The keys and loaded objects without those that did not load (``None``), order kept.

    >>> drop_missing(["a", "b", "c"], [1, None, 3])
    (['a', 'c'], [1, 3])
    """
    kept = [(key, item) for key, item in zip(keys, loaded) if item is not None]
    return [key for key, _ in kept], [item for _, item in kept]


def chosen_runs(chosen: Sequence[EmbeddingRef]) -> list[str]:
    """The ids of the runs among ``chosen`` (before or after), each once, in order.

    >>> chosen_runs([EmbeddingRef.run("r1", False), EmbeddingRef.glove(), EmbeddingRef.run("r1")])
    ['r1']
    """
    return list(dict.fromkeys(ref.name for ref in chosen if ref.is_run))


def rows_of(kv, words: Sequence[str]) -> np.ndarray:
    """The vectors of ``words`` (all known to ``kv``) as one ``(len(words), d)`` matrix."""
    return kv.vectors[[kv.key_to_index[w] for w in words]]


# --- which texts define frequency and sentiment --------------------------------------------------


def dataset_menu(dataset_choices: Mapping[str, str], run_configs: Sequence[Mapping]) -> dict[str, str]:
    """``key -> label`` of the datasets words can be counted in: IMDB, the stored ones, those runs used.

    ``dataset_choices`` maps label to key (as ``ui.sources.dataset_choices``); a run on a subset
    counts words in the whole dataset it was cut from.

    >>> dataset_menu({"tiny (160 texts)": "upload-t"}, [{"dataset_key": "imdb-n2000-s0"}, {"dataset_key": "x", "dataset_name": "X"}])
    {'imdb': 'IMDB (50,000 reviews)', 'upload-t': 'tiny (160 texts)', 'x': 'X'}
    """
    menu = {"imdb": "IMDB (50,000 reviews)", **{key: label for label, key in dataset_choices.items()}}
    for config in run_configs:
        base = base_dataset_key(str(config.get("dataset_key", "imdb")))
        menu.setdefault(base, str(config.get("dataset_name") or base))
    return menu


def default_dataset(chosen: Sequence[EmbeddingRef], run_configs: Mapping[str, Mapping]) -> str:
    """The dataset the first chosen run was trained on (IMDB when no run is chosen)."""
    config = next((run_configs[ref.name] for ref in chosen if ref.is_run and ref.name in run_configs), None)
    return base_dataset_key(str(config.get("dataset_key", "imdb"))) if config else "imdb"


# --- what the Explore page shares with this one: one or two vector sets, answer by answer ------------


def set_short_label(label: str) -> str:
    """A vector set's menu label without its details.

    >>> set_short_label("GloVe 6B 50-d (400,000 words)")
    'GloVe 6B 50-d'
    >>> set_short_label("word2vec trained on IMDB (all training texts; 50-d, CBOW, window 5)")
    'word2vec trained on IMDB (all training texts)'
    """
    if label.startswith("word2vec"):
        return label.split(";")[0] + ")"
    return label.split(" (")[0]


def includes_word2vec(labels: Sequence[str]) -> bool:
    """Whether any of the chosen sets is a word2vec set (their labels start with "word2vec").

    >>> includes_word2vec(["GloVe 6B 50-d (400,000 words)"]), includes_word2vec(["word2vec trained on IMDB (…)"])
    (False, True)
    """
    return any(label.startswith("word2vec") for label in labels)


def context_slots(contexts: Sequence[tuple[str, str, int, int]]) -> list[tuple[str, int, int]]:
    """``(slot, times with a, times with b)`` rows from :func:`lib.words.shared_contexts`' tuples.

    >>> context_slots([("was", "", 12, 30)])
    [('was ___ (end)', 12, 30)]
    """
    return [(f"{left or '(start)'} ___ {right or '(end)'}", a, b) for left, right, a, b in contexts]


# --- which words -----------------------------------------------------------------------------------


def grouped_words(vocabulary: Container[str], word_lists: Mapping[str, Sequence[str]]) -> tuple[list[str], list[str]]:
    """``(words, group of each word)`` of the listed words ``vocabulary`` knows, list by list.

    >>> grouped_words({"one", "two", "cat"}, {"numbers": ["one", "two", "ten"], "animals": ["cat"]})
    (['one', 'two', 'cat'], ['numbers', 'numbers', 'animals'])
    """
    pairs = [(w, name) for name, words in word_lists.items() for w in words if w in vocabulary]
    return [w for w, _ in pairs], [name for _, name in pairs]


def examples(words: Sequence[str], n: int = 8) -> str:
    """The first ``n`` words, quoted, and how many more there are.

    >>> examples(["a", "b", "c"], 2)
    '“a”, “b” and 1 more'
    """
    shown = ", ".join(f"“{w}”" for w in words[:n])
    return shown + (f" and {len(words) - n:,} more" if len(words) > n else "")


def trustworthy_min_docs(n_texts: int) -> int:
    """Fewest texts a word must appear in for its positive/negative lean to be trusted.

    20 on IMDB-sized data; on small uploads 1 text in 500 (at least 2), or no word would qualify.

    >>> trustworthy_min_docs(25_000), trustworthy_min_docs(160)
    (20, 2)
    """
    return min(20, max(2, n_texts // 500))


def sentiment_words(table: SentimentTable, n_each: int) -> tuple[list[str], list[str]]:
    """The ``n_each`` most clearly positive and negative words of ``table``, function words left out."""
    return table.top(n_each, min_docs=trustworthy_min_docs(table.n_pos + table.n_neg), exclude=function_words())


def balanced_sentiment_words(table: SentimentTable, vocabularies: Sequence[Container[str]],
                             n_each: int = 150) -> tuple[list[str], list[str]]:
    """Equally many clearly positive and negative words that every vocabulary knows (for the separation score)."""
    positive, negative = sentiment_words(table, n_each)
    positive, _ = known_to_all(vocabularies, positive)
    negative, _ = known_to_all(vocabularies, negative)
    n = min(len(positive), len(negative))
    return positive[:n], negative[:n]


def fold_labels(labels: Sequence[int], class_names: Sequence[str]) -> tuple[np.ndarray, int, bool]:
    """``(labels, positive label, is_sentiment)`` for word frequencies and sentiment.

    With two classes the labels stay as they are and the class called "positive" (else class 1)
    counts as positive. With more, positive/negative means nothing, but word frequencies still
    do, and :func:`lib.neighbors.sentiment_table` needs two groups: the first class becomes 1 and
    the rest 0, and ``is_sentiment`` is False so no one reads the result as sentiment.

    >>> fold_labels([0, 1, 2, 1], ["sport", "politics", "science"])
    (array([1, 0, 0, 0]), 1, False)
    >>> fold_labels([1, 0], ["Positive", "Negative"])[1:]
    (0, True)
    """
    labels = np.asarray(labels)
    names = [c.lower() for c in class_names]
    if len(names) == 2:
        return labels, names.index("positive") if "positive" in names else 1, True
    return (labels == labels.min()).astype(int), 1, False


def base_dataset_key(dataset_key: str) -> str:
    """The dataset a subset was cut from: runs on 2,000 IMDB reviews are keyed ``"imdb-n2000-s0"``.

    >>> base_dataset_key("imdb-n2000-s0"), base_dataset_key(""), base_dataset_key("upload-abc")
    ('imdb', 'imdb', 'upload-abc')
    """
    match = re.fullmatch(r"(.+)-n\d+-s\d+", dataset_key or "")
    return match.group(1) if match else (dataset_key or "imdb")


# --- the headline: how close two words are in each embedding ----------------------------------------

#: A cosine gap this large between two embeddings is visible on their maps: say one pulls the words apart.
APART_GAP = 0.2
#: Below this gap the difference is within what reruns of the same training give: say they agree.
AGREE_GAP = 0.05


@dataclass(frozen=True)
class PairReading:
    """How close two words are in one embedding: cosine and where the second comes in the first's neighbours."""

    embedding: str
    cosine: float
    rank: int


def pair_reading(kv, embedding: str, word_a: str, word_b: str) -> PairReading:
    """Cosine of two words ``kv`` knows, and the rank of ``word_b`` among ``word_a``'s neighbours."""
    from lib.neighbors import cosine, rank_of

    return PairReading(embedding, cosine(kv, word_a, word_b, embedding), rank_of(kv, word_a, word_b, embedding))


def pair_summary(word_a: str, word_b: str, readings: Sequence[PairReading]) -> str:
    """One sentence comparing the closest and the farthest reading of a word pair.

    >>> pair_summary("good", "bad", [PairReading("GloVe", 0.80, 1), PairReading("run", 0.30, 120)])
    '“good” and “bad”: cosine +0.80 in GloVe (neighbour #1) vs +0.30 in run (neighbour #120). run pulls them further apart.'
    """
    high = max(readings, key=lambda r: r.cosine)
    low = min(readings, key=lambda r: r.cosine)
    sentence = (f"“{word_a}” and “{word_b}”: cosine {high.cosine:+.2f} in {high.embedding} (neighbour #{high.rank:,}) "
                f"vs {low.cosine:+.2f} in {low.embedding} (neighbour #{low.rank:,}).")
    gap = high.cosine - low.cosine
    if gap >= APART_GAP:
        sentence += f" {low.embedding} pulls them further apart."
    elif gap < AGREE_GAP:
        sentence += " The embeddings agree on how close they are."
    return sentence


# --- maps -------------------------------------------------------------------------------------------


def map_colours(table: SentimentTable, words: Sequence[str], by_sentiment: bool) -> tuple[np.ndarray, str, bool]:
    """``(values, colour-bar title, diverging)`` for the dots of a map.

    By sentiment: each word's log-odds (diverging around 0). Otherwise how common it is:
    log10 of the texts containing it, so a handful of very frequent words do not wash out
    the scale (sequential).
    """
    if by_sentiment:
        return table.scores(words), "sentiment (log-odds)", True
    return np.log10(np.maximum(table.doc_counts(words), 1)), "log10 texts containing it", False


def disparity_text(names: Sequence[str], maps: Sequence[np.ndarray]) -> str:
    """How far each map after the first still is from it after turning: ``"run · after 0.12, w2v 0.40"``."""
    from lib.projection import disparity

    return ", ".join(f"{name} {disparity(maps[0], m):.2f}" for name, m in zip(names[1:], maps[1:]))


# --- neighbours -------------------------------------------------------------------------------------


def shared_neighbours(neighbour_lists: Sequence[Sequence[tuple[str, float]]]) -> set[str]:
    """The words every ``(word, cosine)`` list contains.

    >>> sorted(shared_neighbours([[("a", .9), ("b", .8)], [("b", .7), ("c", .6)]]))
    ['b']
    """
    return set.intersection(*(set(w for w, _ in lst) for lst in neighbour_lists)) if neighbour_lists else set()


def neighbour_lists(named_vectors: Mapping[str, object], query: str, k: int) -> dict[str, list[tuple[str, float]]]:
    """``name -> the k nearest (word, cosine)`` of ``query`` in every embedding that knows it."""
    from lib.neighbors import NeighborError, most_similar

    lists = {}
    for name, kv in named_vectors.items():
        try:
            lists[name] = most_similar(kv, query, k, name=name)
        except NeighborError:
            continue  # this embedding lacks the word; the page says so in its column
    return lists


def neighbour_columns(neighbour_list: Sequence[tuple[str, float]], shared: Container[str]) -> dict[str, list]:
    """One embedding's neighbour table as columns: word, cosine, and ✓ for words every list shares.

    >>> neighbour_columns([("bad", 0.8), ("great", 0.7)], {"great"})
    {'word': ['bad', 'great'], 'cosine': [0.8, 0.7], 'in all': ['', '✓']}
    """
    return {"word": [w for w, _ in neighbour_list], "cosine": [s for _, s in neighbour_list],
            "in all": ["✓" if w in shared else "" for w, _ in neighbour_list]}


def neighbour_rows(neighbour_lists: Mapping[str, Sequence[tuple[str, float]]]) -> list[dict]:
    """The neighbour lists as rows of one table (the CSV people download)."""
    shared = shared_neighbours(list(neighbour_lists.values()))
    return [{"embedding": name, "rank": rank, "word": w, "cosine": round(s, 4), "in all": w in shared}
            for name, lst in neighbour_lists.items() for rank, (w, s) in enumerate(lst, start=1)]


# --- what training changed ------------------------------------------------------------------------

# A frozen row comes back from training bit-for-bit or within float32 round-off (cosine
# 1 - 1e-7); a fine-tuned row that any gradient touched turns by far more than 1e-4.
CHANGED_BELOW_COSINE = 0.9999


@dataclass(frozen=True)
class Movement:
    """What training did to one run's word vectors."""

    moved: list[tuple[str, float]]  # the words (of those asked about) that turned most: (word, cosine)
    changed: int                    # rows that changed at all
    total: int                      # rows, padding left out


def moved_words(vocabulary: Sequence[str], initial: np.ndarray, final: np.ndarray, words: Sequence[str],
                k: int = 15) -> Movement:
    """How many rows training changed, and which ``k`` of ``words`` it turned most.

    Restricted to ``words`` (those on the map): over the whole vocabulary the list is
    dominated by rare words that started as small random vectors (words the pretrained set lacks).
    """
    cosines = movement(initial, final)[1:]  # row 0 is padding
    changed = int(np.sum(np.nan_to_num(cosines, nan=1.0) < CHANGED_BELOW_COSINE))
    index = {w: i for i, w in enumerate(vocabulary) if i > 0}
    rows = [index[w] for w in words if w in index]
    if not rows:
        return Movement([], changed, len(cosines))
    moved = most_moved([vocabulary[i] for i in rows], initial[rows], final[rows], k=k, skip_padding=False)
    return Movement(moved, changed, len(cosines))


def movement_sentence(title: str, result: Movement) -> str:
    """What training did to a run, in one sentence (frozen, moved words off the map, or the words shown)."""
    if result.changed == 0:
        return f"**{title}**: none of its {result.total:,} word vectors changed; the embedding was frozen."
    if not result.moved:
        return f"**{title}**: training changed {result.changed:,} of {result.total:,} word vectors; none of them is on the map."
    return (f"**{title}**: training changed {result.changed:,} of {result.total:,} word vectors. "
            "Of the words on the map, the ones that turned most:")


def file_slug(name: str) -> str:
    """A file name part from an embedding's name.

    >>> file_slug("GloVe, fine-tuned · after")
    'glove-fine-tuned-after'
    """
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "embedding"


def best_and_worst(names: Sequence[str], scores: Sequence[float]) -> tuple[tuple[str, float], tuple[str, float]]:
    """``((name, score) of the highest, (name, score) of the lowest)``.

    >>> best_and_worst(["a", "b", "c"], [0.6, 0.9, 0.5])
    (('b', 0.9), ('c', 0.5))
    """
    best, worst = int(np.argmax(scores)), int(np.argmin(scores))
    return (names[best], float(scores[best])), (names[worst], float(scores[worst]))
