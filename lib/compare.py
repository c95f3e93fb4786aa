"""Which embeddings the Compare page puts side by side, what they are called, and which texts count words.

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

Around it: the menu of everything on offer (:func:`embedding_choices`), what a first visit
compares (:func:`default_choice`), which datasets can define word frequency and sentiment
(:func:`dataset_menu`), and the few words every sentence on the page uses (:func:`examples`).
What the page then *measures* lives where the idea lives: maps in :mod:`lib.maps`, neighbours
and word pairs in :mod:`lib.neighbours`, word leanings in :mod:`lib.sentiment`, what training
moved in :mod:`lib.movement`, the "what changed" sections in :mod:`lib.overlap`, :mod:`lib.axes`,
:mod:`lib.wordbench` and :mod:`lib.replay`.
"""
from __future__ import annotations

from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from lib.data.keys import base_key
from lib.errors import UserError
from lib.maps import disparity
from lib.vectors.packaged import GLOVE_LABEL


class CompareError(UserError):
    """An embedding that cannot be compared any more (a set no longer loaded, an id not understood)."""


# --- which embedding -----------------------------------------------------------------------------

GLOVE = "glove"
VECTOR_SET = "vector set"
RUN_BEFORE = "run before"
RUN_AFTER = "run after"

#: GloVe's panel title (its menu label is :data:`lib.vectors.GLOVE_LABEL`, the same on every page).
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


def benchmark_keys(keys: Sequence[str]) -> tuple[list[str], list[tuple[int, int]]]:
    """The chosen keys plus every chosen run's other stage (before and after), and the (before, after) positions.

    >>> benchmark_keys(["glove", "run:r1:final"])
    (['glove', 'run:r1:initial', 'run:r1:final'], [(1, 2)])
    """
    out: list[str] = []
    for key in keys:
        ref = EmbeddingRef.parse(key)
        if ref.is_run:
            out += [str(EmbeddingRef.run(ref.name, False)), str(EmbeddingRef.run(ref.name, True))]
        else:
            out.append(key)
    out = list(dict.fromkeys(out))
    pairs = [(out.index(k), out.index(str(EmbeddingRef.run(EmbeddingRef.parse(k).name, True)))) for k in out
             if EmbeddingRef.parse(k).kind == RUN_BEFORE]
    return out, pairs


# --- whether the aligned maps line up ----------------------------------------------------------------

#: A Procrustes disparity at or above this: the turned layout is about as far from the first as an unrelated cloud.
ALIGNMENT_FAILED = 0.7
#: At or below this the layouts line up well: the same region of two panels holds much the same words.
ALIGNMENT_GOOD = 0.3


def disparities(panels: Sequence[np.ndarray]) -> list[float]:
    """Each panel's Procrustes disparity against the first (:func:`lib.maps.disparity`)."""
    return [disparity(panels[0], panel) for panel in panels[1:]]


def alignment_sentence(names: Sequence[str], disparities: Sequence[float]) -> str:
    """What the Procrustes turn achieved, from each panel's disparity against the first (0 = same shape,
    1 = unrelated): "the same region means the same thing" only where the layouts do line up.

    >>> alignment_sentence(["A", "B", "C"], [0.12, 0.98])
    'Every panel was rotated or mirrored (orthogonal Procrustes) onto the first one. It failed for C (disparity 0.98; 1 = unrelated): its layout is as different from A’s as an unrelated cloud of points, so compare which words sit together inside each panel, not where they sit across panels; embeddings trained separately (two runs learned from scratch, or a run and GloVe) have no reason to share a layout. B lines up with A (0.12), so the same region means about the same thing there.'
    >>> alignment_sentence(["A", "B"], [0.45])
    'Every panel was rotated or mirrored (orthogonal Procrustes) onto the first one. B lines up with A only partly (0.45): regions correspond roughly, single words may be far off.'
    """
    first = names[0] if names else ""
    parts = ["Every panel was rotated or mirrored (orthogonal Procrustes) onto the first one."]
    pairs = list(zip(names[1:], disparities))
    failed = [(n, d) for n, d in pairs if d >= ALIGNMENT_FAILED]
    partly = [(n, d) for n, d in pairs if ALIGNMENT_GOOD < d < ALIGNMENT_FAILED]
    good = [(n, d) for n, d in pairs if d <= ALIGNMENT_GOOD]

    def listed(group) -> tuple[str, str]:
        return " and ".join(n for n, _ in group), ", ".join(f"{d:.2f}" for _, d in group)

    if failed:
        who, values = listed(failed)
        its = "its layout is" if len(failed) == 1 else "their layouts are"
        parts.append(f"It failed for {who} (disparity {values}; 1 = unrelated): {its} as different from {first}’s "
                     "as an unrelated cloud of points, so compare which words sit together inside each panel, not "
                     "where they sit across panels; embeddings trained separately (two runs learned from scratch, or "
                     "a run and GloVe) have no reason to share a layout.")
    if partly:
        who, values = listed(partly)
        parts.append(f"{who} {'lines' if len(partly) == 1 else 'line'} up with {first} only partly ({values}): "
                     "regions correspond roughly, single words may be far off.")
    if good:
        who, values = listed(good)
        parts.append(f"{who} {'lines' if len(good) == 1 else 'line'} up with {first} ({values}), so the same region "
                     "means about the same thing there.")
    return " ".join(parts)


# --- what an export says it shows ---------------------------------------------------------------


def aliases(n: int) -> list[str]:
    """Short names for the chosen embeddings in sentences, titles and file lines: A, B, C, ...

    >>> aliases(3)
    ['A', 'B', 'C']
    """
    return [chr(ord("A") + i) for i in range(n)]


def descriptions(keys: Sequence[str], names: Sequence[str], run_configs: Mapping[str, Mapping],
                 settings_of: Callable[[Mapping], str]) -> list[str]:
    """Each chosen embedding as an export's title names it: its name as the file's rows show it (a run's name
    says before or after), a run's with its settings (``settings_of(config)``).

    >>> descriptions(["glove", "run:r1:final"], ["GloVe 50-d", "r · after"], {"r1": {"seed": 0}},
    ...              lambda c: f"seed {c['seed']}")
    ['GloVe 50-d', 'r · after (seed 0)']
    """
    out = []
    for key, name in zip(keys, names):
        ref = EmbeddingRef.parse(key)
        if ref.is_run and ref.name in run_configs:
            name = f"{name} ({settings_of(run_configs[ref.name])})"
        out.append(name)
    return out


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
        base = base_key(str(config.get("dataset_key") or "imdb"))
        menu.setdefault(base, str(config.get("dataset_name") or base))
    return menu


def default_dataset(chosen: Sequence[EmbeddingRef], run_configs: Mapping[str, Mapping]) -> str:
    """The dataset the first chosen run was trained on (IMDB when no run is chosen)."""
    config = next((run_configs[ref.name] for ref in chosen if ref.is_run and ref.name in run_configs), None)
    return base_key(str(config.get("dataset_key") or "imdb")) if config else "imdb"


# --- which words, in sentences -------------------------------------------------------------------------


def examples(words: Sequence[str], n: int = 8) -> str:
    """The first ``n`` words, quoted, and how many more there are.

    >>> examples(["a", "b", "c"], 2)
    '“a”, “b” and 1 more'
    """
    shown = ", ".join(f"“{w}”" for w in words[:n])
    return shown + (f" and {len(words) - n:,} more" if len(words) > n else "")


def best_and_worst(names: Sequence[str], scores: Sequence[float]) -> tuple[tuple[str, float], tuple[str, float]]:
    """``((name, score) of the highest, (name, score) of the lowest)``.

    >>> best_and_worst(["a", "b", "c"], [0.6, 0.9, 0.5])
    (('b', 0.9), ('c', 0.5))
    """
    best, worst = int(np.argmax(scores)), int(np.argmin(scores))
    return (names[best], float(scores[best])), (names[worst], float(scores[worst]))
