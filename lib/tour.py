"""The story sentences of the guided tour, each written from measured numbers.

A presenter reads these aloud to people who do not program, so every sentence
states what was measured in plain words: in this session, or, for the last screen when this
server has no runs at several sizes, the project's own dated measurement (:data:`README_SWEEP`).
The functions take plain values and return strings; the tour page only lays them out.
The demo the race is run with (which job, when to train it again) is :mod:`lib.demo`.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import t

from lib.config import RunConfig
from lib import plots
from lib.jobs.progress import clock, task_fraction
from lib.jobs.spec import Stage, Status
from lib.neighbours import ZeroVectorError, cosine, keyed_vectors
from lib.sentiment import separation_score
from lib.maps import aligned_maps
from lib.results import judged_comparison
from lib.models import STRATEGIES
from lib.significance import MIN_SEEDS, RULE, difference_details
from lib.verdicts import config_of, train_size

SCREENS = [
    "Words become numbers",
    "Numbers become rows of a table",
    "What GloVe already knows",
    "The race between strategies",
    "The same words, before and after",
    "The takeaway",
]


def screen_from_address(text: str) -> int | None:
    """The screen a URL's ``screen=`` names, counted from 0; ``None`` when it names none of :data:`SCREENS`.

    The address is typed by anyone, so nothing in it may raise: "²" passes
    ``str.isdigit`` but not ``int``.

    >>> screen_from_address("1"), screen_from_address("6"), screen_from_address("7"), screen_from_address("0")
    (0, 5, None, None)
    >>> screen_from_address("²"), screen_from_address("-1"), screen_from_address(""), screen_from_address("2.0")
    (None, None, None, None)
    """
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number - 1 if 1 <= number <= len(SCREENS) else None


def ordinal(n: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th', 23 -> '23rd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def ids_sentence(texts: Sequence[str], ids: np.ndarray) -> str:
    rows = " and ".join(f"“{t}” becomes {np.array2string(r)}" for t, r in zip(texts, ids))
    return f"{rows}: each word is replaced by its rank in a frequency list, and 0 fills the empty places in front."


def lookup_sentence(vocab_size: int, dim: int, n_positions: int, max_difference: float) -> str:
    same = "exactly" if max_difference == 0 else f"up to {max_difference:g} away from"
    return (
        f"The Embedding layer is a table of {vocab_size} rows × {dim} numbers. It swaps each of the "
        f"{n_positions} word numbers for its row: every output row is {same} the table row of its number."
    )


def glove_sentence(rank_of_bad: int, cosine_good_bad: float, nearest: Sequence[str], vocabulary_size: int) -> str:
    """Screen 3: what GloVe's numbers already say about "good" and "bad", from the measured rank and closeness.

    The rank is said as the share of GloVe's words that are further from "good" than "bad" is
    (166th of 400,000 read as "far down the list"; it is closer than 99.96% of them)::

        >>> print(glove_sentence(166, 0.80, ["better", "really", "always", "you"], 400_000))  # doctest: +NORMALIZE_WHITESPACE
        In GloVe, the words closest to “good” are better, really, always, you. “bad” is closer to “good” than
        99.96% of GloVe's 400,000 words (closeness 0.80; 1 means the same direction): GloVe learned from which
        words appear together, and “good” and “bad” appear in the same kinds of sentences.
    """
    further = (vocabulary_size - 1 - rank_of_bad) / max(vocabulary_size - 2, 1)  # the other words, "good" left out
    share = f"{further:.2%}" if further >= 0.99 else f"{further:.0%}"
    return (
        f"In GloVe, the words closest to “good” are {', '.join(nearest[:4])}. “bad” is closer to “good” than "
        f"{share} of GloVe's {vocabulary_size:,} words (closeness {cosine_good_bad:.2f}; 1 means the same direction): "
        "GloVe learned from which words appear together, and “good” and “bad” appear in the same kinds of sentences."
    )


def race_sentence(snapshot: dict, seconds_left: float | None = None) -> str:
    """What the training job is doing, from :meth:`lib.jobs.runner.Job.snapshot`, with its clock.

    ``seconds_left`` is :func:`lib.jobs.progress.seconds_left` (measured, not a fixed guess).
    """
    status = snapshot["status"]
    done, total = snapshot["finished_tasks"], snapshot["total_tasks"]
    if status == "queued":
        return f"Waiting for the machine: {snapshot.get('queue_position', 1)} job(s) ahead in the queue."
    if status == "running":
        running = [t for t in snapshot["tasks"] if t["status"] == "running"]
        now = f" Now training: {running[0]['label']}." if running else ""
        left = f", about {clock(seconds_left)} left" if seconds_left is not None else ""
        return (f"Training {total} models that differ only in how their word table starts: {done} of {total} "
                f"finished ({clock(snapshot.get('elapsed', 0))} so far{left}).{now}")
    if status == "cancelled":
        return f"The demo was cancelled after {done} of {total} models; the finished ones are kept."
    if status == "failed":
        return f"The demo stopped: {snapshot.get('error') or 'see the server log'}."
    return f"All {total} models finished, in {clock(snapshot.get('elapsed', 0))}."


def task_progress(task: dict) -> tuple[float, str]:
    """One model's line in the race: how far it has got (0 to 1) and, in plain words, what it is doing.

    ``task`` is one of :meth:`lib.jobs.Job.snapshot`'s tasks. While a word2vec model
    first learns its word2vec numbers, the bar shows that step's own progress.

    >>> task_progress({"label": "GloVe, frozen", "status": "running", "stage": "training",
    ...                "epoch": 2, "epochs": 4, "batch": 5, "batches": 10})
    (0.375, 'GloVe, frozen: learning, round 2 of 4')
    >>> task_progress({"label": "word2vec, frozen", "status": "running", "stage": "word2vec", "fraction": 0.4})
    (0.4, "word2vec, frozen: first learning word2vec's numbers from the reviews' text (40%)")
    >>> task_progress({"label": "Learned from scratch", "status": "waiting"})
    (0.0, 'Learned from scratch: waiting')
    """
    label, status, stage = task["label"], task["status"], task.get("stage")
    if stage == Stage.WORD2VEC:
        fraction = float(task.get("fraction") or 0.0)
    else:
        fraction = task_fraction(task)
    if status == Status.DONE:
        words = f"{label}: finished, {task['metrics']['test_accuracy']:.1%} of unseen reviews right"
    elif status == Status.RUNNING and stage == Stage.WORD2VEC:
        words = f"{label}: first learning word2vec's numbers from the reviews' text ({fraction:.0%})"
    elif status == Status.RUNNING and stage == Stage.TRAINING:
        words = f"{label}: learning, round {task.get('epoch', 1)} of {task.get('epochs') or 1}"
    elif status == Status.RUNNING:
        words = f"{label}: getting ready"
    else:
        words = f"{label}: {status}"
    return min(max(fraction, 0.0), 1.0), words


def maps_sentence(
    before_label: str, after_label: str, separation_before: float, separation_after: float,
    cosine_before: float | None, cosine_after: float | None, train_size: int,
) -> str:
    sentence = (
        f"Using only where the words sit, a straight line tells positive from negative words apart "
        f"{separation_before:.0%} of the time in {before_label} and {separation_after:.0%} in {after_label} "
        f"(50% is guessing), after learning from {train_size:,} reviews marked positive or negative."
    )
    if cosine_before is not None and cosine_after is not None:
        direction = "further apart" if cosine_after < cosine_before else "closer together"
        sentence += (
            f" “good” and “bad” moved {direction}: closeness {cosine_before:.2f} before, {cosine_after:.2f} after."
        )
    return sentence


#: What the five strategies' names mean, in one line (shown under the race while presenting).
LEGEND = ("Learned: random start · GloVe: numbers learned from Wikipedia and news · word2vec: from the reviews' "
          "own text · frozen: kept · fine-tuned: keeps learning")


def _of_100(accuracy: float) -> str:
    return f"{round(accuracy * 100):.0f}"


def _scratch(label: str) -> str:
    """"Learned from scratch" in the middle of a sentence."""
    return "learning from scratch" if label == "Learned from scratch" else label


def _verdict_sentence(label: str, comparison, seeds: int) -> str:
    """Whether ``label``'s gap from learning from scratch is more than luck, in plain words; short enough to read aloud.

    ``comparison`` is a :class:`lib.significance.Comparison` of that start against
    learning from scratch (or ``None`` when none could be made): its verdict, the one
    rule, decides what may be said. "beat" is said only of "better"/"worse"; the tests'
    numbers (p-values, intervals) are :func:`result_details`.
    """
    verdict = comparison.verdict if comparison is not None else None
    if verdict == "better":
        return f"{label} beat learning from scratch by more than luck explains."
    if verdict == "worse":
        return f"Learning from scratch beat {label} by more than luck explains."
    if verdict == "about the same":
        return f"{label} did about the same as learning from scratch: a difference this small could be luck."
    if seeds < MIN_SEEDS:
        once = {1: "once", 2: "only twice"}.get(seeds, f"{seeds} times")
        return (f"Each model was trained {once}, and another run could change the order, so this race cannot say "
                "which start is better.")
    return "These runs kept no answers to compare, so this race cannot say which start is better."


def result_sentence(table, comparisons: dict | None = None) -> str:
    """The race's result for the audience: who was right most often, the next best, and whether that is luck.

    ``table`` is :func:`lib.results.results_table`, ``comparisons`` are
    :func:`lib.results.comparisons_with_learned`; the comparison judged is
    :func:`lib.results.judged_comparison` (the leader, or the runner-up when learning
    from scratch leads, against learning from scratch). A start is said to have beaten
    learning from scratch only when the rule of :mod:`lib.significance` says so; one
    training run per model is said to be too few to tell::

        >>> import pandas as pd
        >>> table = pd.DataFrame({"strategy": ["learned", "glove_finetuned"], "Strategy": ["Learned from scratch",
        ...                       "GloVe, fine-tuned"], "train_size": [500, 500], "seeds": [1, 1],
        ...                       "accuracy_mean": [0.821, 0.834], "accuracy_std": [0.0, 0.0]})
        >>> print(result_sentence(table))  # doctest: +NORMALIZE_WHITESPACE
        With 500 reviews to learn from, GloVe, fine-tuned was right on 83 of 100 reviews it had never seen; the
        next best, learning from scratch, on 82. Each model was trained once, and another run could change the
        order, so this race cannot say which start is better.
    """
    if table is None or len(table) == 0:
        return "No model has finished yet, so there is nothing to conclude."
    size = int(table["train_size"].max())
    rows = table[table["train_size"] == size].sort_values("accuracy_mean", ascending=False)
    best = rows.iloc[0]
    sentence = (f"With {size:,} reviews to learn from, {_scratch(best['Strategy'])} was right on "
                f"{_of_100(best['accuracy_mean'])} of 100 reviews it had never seen")
    if len(rows) > 1:
        second = rows.iloc[1]
        sentence += f"; the next best, {_scratch(second['Strategy'])}, on {_of_100(second['accuracy_mean'])}"
    sentence += "."
    if len(rows) < 2:
        return sentence
    comparisons = comparisons or {}
    judged = judged_comparison(table, comparisons)
    sentence += " " + _verdict_sentence(*(judged or (None, None)), seeds=int(rows["seeds"].min()))
    verdicts = [c.verdict for c in comparisons.values()]
    helped = verdicts.count("better")
    if helped and (helped > 1 or judged is None or judged[1].verdict != "better"):
        starts = "1 pretrained start" if helped == 1 else f"{helped} pretrained starts"
        sentence += f" In all, {starts} beat learning from scratch by more than luck explains."
    return sentence


def result_details(table, comparisons: dict | None = None) -> list[str]:
    """The numbers behind :func:`result_sentence`: accuracies, and each comparison's tests (McNemar's p per seed,
    the interval over seeds; :func:`lib.significance.difference_details`), one line each."""
    if table is None or len(table) == 0:
        return []
    size = int(table["train_size"].max())
    rows = table[table["train_size"] == size].sort_values("accuracy_mean", ascending=False)
    lines = ["Test accuracy (share of the held-out reviews right): " + "; ".join(
        f"{r['Strategy']} {r['accuracy_mean']:.1%}" for _, r in rows.iterrows()) + "."]
    labels = dict(zip(rows["strategy"], rows["Strategy"]))
    for key, comparison in (comparisons or {}).items():
        lines.append(f"{labels.get(key, key)} against learning from scratch: {difference_details(comparison)}")
    lines.append(RULE)
    return lines


@dataclass
class BeforeAfter:
    """What screen 5 shows: the same words on a map before and after fine-tuning, and how well they separate."""

    words: list[str]                 # shown on the maps: sentiment words, plus "good" and "bad"
    maps: list[np.ndarray]           # [before, after], aligned onto each other
    separation_before: float         # cross-validated accuracy of telling the sentiment words apart
    separation_after: float
    cosine_before: float | None      # cosine of "good" and "bad" (None if either is missing)
    cosine_after: float | None


def _cosine_or_none(kv, word_a: str, word_b: str) -> float | None:
    """Their cosine, or None when either vector is all zeros (it has no direction: no angle to measure)."""
    try:
        return cosine(kv, word_a, word_b)
    except ZeroVectorError:
        return None


def before_after(vocabulary: Sequence[str], initial: np.ndarray, final: np.ndarray, positive: Sequence[str],
                 negative: Sequence[str], per_side: int = 25) -> BeforeAfter:
    """The before/after comparison of one run's embedding on the words that lean clearly one way in the reviews.

    ``positive``/``negative`` are candidate words, most telling first (the Compare
    page's :func:`lib.sentiment.balanced_sentiment_words`, so both pages score the same
    words the same way). Every one the run's vocabulary knows goes into the
    separation score; the first ``per_side`` of each go on the map. "good" and "bad"
    go on the map even when the reviews do not count them as clearly positive or
    negative ("good" is nearly neutral in IMDB: "not good"), but not into the separation score.
    """
    index = {w: i for i, w in enumerate(vocabulary)}
    positive = [w for w in positive if w in index]
    negative = [w for w in negative if w in index]
    scored = positive + negative
    labels = np.array([1] * len(positive) + [0] * len(negative))
    rows = [index[w] for w in scored]
    on_map = positive[:per_side] + negative[:per_side]
    shown = on_map + [w for w in ("good", "bad") if w in index and w not in on_map]
    shown_rows = [index[w] for w in shown]
    has_pair = all(w in index for w in ("good", "bad"))
    cosines = [_cosine_or_none(keyed_vectors(vocabulary, m), "good", "bad") if has_pair else None
               for m in (initial, final)]
    return BeforeAfter(
        words=shown, maps=aligned_maps([initial[shown_rows], final[shown_rows]]),
        separation_before=separation_score(initial[rows], labels),
        separation_after=separation_score(final[rows], labels),
        cosine_before=cosines[0], cosine_after=cosines[1],
    )


# --- screen 6: how the gap changes with the number of labelled reviews ---------------------------------------


@dataclass(frozen=True)
class MeasuredSweep:
    """Test accuracy per strategy and number of labelled reviews, measured once and written down (with where and when)."""

    measured: str                                        # when, e.g. "2026-11-26"
    where: str                                           # on what machine, with what command and settings
    seeds: int                                           # training runs per strategy and size
    accuracy: dict[str, dict[int, tuple[float, float]]]  # strategy -> labelled reviews -> (mean, std over seeds)


#: The README's table "Every strategy at 500, 2,000 and all 25,000 labelled reviews" (its one owner: the README
#: quotes these numbers). Test accuracy on the 25,000 held-out reviews, mean and standard deviation over seeds 0-2.
README_SWEEP = MeasuredSweep(
    measured="2026-11-26",
    where="the project's 2-core machine (python -m benchmarks.accuracy: Quick demo settings, average model)",
    seeds=3,
    accuracy={
        "learned": {500: (0.774, 0.002), 2_000: (0.828, 0.004), 25_000: (0.868, 0.005)},
        "glove_frozen": {500: (0.664, 0.011), 2_000: (0.724, 0.016), 25_000: (0.750, 0.008)},
        "glove_finetuned": {500: (0.768, 0.002), 2_000: (0.820, 0.006), 25_000: (0.869, 0.006)},
        "word2vec_frozen": {500: (0.760, 0.008), 2_000: (0.786, 0.006), 25_000: (0.805, 0.001)},
        "word2vec_finetuned": {500: (0.786, 0.002), 2_000: (0.809, 0.012), 25_000: (0.871, 0.001)},
    },
)


def measured_table(sweep: MeasuredSweep = README_SWEEP):
    """``sweep`` as :func:`lib.results.results_table` lays out runs (one row per strategy and size, a 95% interval
    of the mean over seeds), so the same chart and sentence serve measured numbers and runs on this server."""
    half = float(t.ppf(0.975, sweep.seeds - 1)) / np.sqrt(sweep.seeds) if sweep.seeds > 1 else 0.0
    rows = [{"strategy": key, "Strategy": STRATEGIES[key].label if key in STRATEGIES else key, "train_size": size,
             "seeds": sweep.seeds, "accuracy_mean": mean, "accuracy_std": std,
             "accuracy_low": mean - half * std, "accuracy_high": mean + half * std}
            for key, by_size in sweep.accuracy.items() for size, (mean, std) in sorted(by_size.items())]
    return pd.DataFrame(rows)


def sweep_runs(records: Sequence, dataset_key: str) -> list:
    """The largest set of stored runs on ``dataset_key`` that differ only in strategy, seed and number of labelled
    reviews, with learning from scratch and a pretrained start at two sizes or more; empty when the store holds none.

    ``records`` are finished runs (anything with ``config``, e.g. :class:`lib.runs.RunRecord`).
    """
    groups: dict[tuple, list] = {}
    for record in records:
        config = config_of(record)
        if config.get("dataset_key") != dataset_key:
            continue
        key = tuple((k, repr(config.get(k))) for k in sorted(RunConfig.__dataclass_fields__)
                    if k not in ("strategy", "seed", "train_size", "job_id"))
        groups.setdefault(key, []).append(record)

    def sizes_with_both(group) -> set[int]:
        by_size: dict[int, set[str]] = {}
        for r in group:
            by_size.setdefault(train_size(config_of(r)), set()).add(config_of(r)["strategy"])
        return {n for n, keys in by_size.items() if n > 0 and "learned" in keys and len(keys) > 1}

    best = max(groups.values(), key=lambda g: (len(sizes_with_both(g)), len(g)), default=[])
    sizes = sizes_with_both(best)
    if len(sizes) < 2:
        return []
    return [r for r in best if train_size(config_of(r)) in sizes]


def gap_sentence(table) -> str:
    """Screen 6's one plain sentence: at the fewest and the most labelled reviews of ``table``
    (:func:`lib.results.results_table` over several sizes, or :func:`measured_table`), how the pretrained start
    that was furthest ahead with the fewest labels did against learning from scratch.

    It states the measured shares right and says which way the gap went; it names no winner (that is the
    verdict rule's, per size, on the chart's markers)::

        >>> print(gap_sentence(measured_table()))  # doctest: +NORMALIZE_WHITESPACE
        With 500 labelled reviews, word2vec, fine-tuned was right on 78.6% of reviews it had never seen and
        learning from scratch on 77.4%; with 25,000, 87.1% and 86.8%: the head start mattered most when labels
        were few.
    """
    sizes = sorted(int(n) for n in set(table["train_size"]))
    if len(sizes) < 2 or "learned" not in set(table["strategy"]):
        return "How the gap changes with the number of labelled reviews needs runs at two sizes or more."
    small, large = sizes[0], sizes[-1]
    acc = {(r["strategy"], int(r["train_size"])): float(r["accuracy_mean"]) for _, r in table.iterrows()}
    labels = dict(zip(table["strategy"], table["Strategy"]))
    starts = [k for k in labels if k != "learned" and (k, small) in acc and (k, large) in acc]
    if not starts or ("learned", small) not in acc or ("learned", large) not in acc:
        return "How the gap changes needs learning from scratch and a pretrained start at the same sizes."
    key = max(starts, key=lambda k: acc[(k, small)] - acc[("learned", small)])
    gap_small = acc[(key, small)] - acc[("learned", small)]
    gap_large = acc[(key, large)] - acc[("learned", large)]
    if gap_small <= 0:
        trend = "no pretrained start was ahead with the fewest labels"
    elif gap_small > gap_large:
        trend = "the head start mattered most when labels were few"
    else:
        trend = "its lead grew with more labels"
    return (f"With {small:,} labelled reviews, {labels[key]} was right on {acc[(key, small)]:.1%} of reviews it had "
            f"never seen and learning from scratch on {acc[('learned', small)]:.1%}; with {large:,}, "
            f"{acc[(key, large)]:.1%} and {acc[('learned', large)]:.1%}: {trend}.")


def gap_figure(table, verdicts_by_size: dict | None = None, height: int | None = None):
    """Screen 6's chart: :func:`lib.plots.data_efficiency` of ``table``, its axis marked at the sizes measured
    (a log axis otherwise labels 2, 3, 4 ... between them, in small print)."""
    sizes = sorted(int(n) for n in set(table["train_size"]))
    fig = plots.data_efficiency(table, verdicts_by_size, height=height)
    fig.update_xaxes(title_text="labelled reviews (log scale)", tickvals=sizes, ticktext=[f"{n:,}" for n in sizes])
    return fig
