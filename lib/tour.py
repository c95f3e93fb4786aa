"""The story sentences of the guided tour, each written from measured numbers.

A presenter reads these aloud to people who do not program, so every sentence
states what was measured in this session (never a canned figure) in plain words.
The functions take plain values and return strings; the tour page only lays them out.
The demo the race is run with (which job, when to train it again) is :mod:`lib.demo`.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lib.jobs.progress import clock, task_fraction
from lib.jobs.spec import Stage, Status
from lib.neighbours import ZeroVectorError, cosine, keyed_vectors
from lib.sentiment import separation_score
from lib.maps import aligned_maps
from lib.results import judged_comparison
from lib.significance import MIN_SEEDS

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


def glove_sentence(rank_of_bad: int, cosine_good_bad: float, nearest: Sequence[str]) -> str:
    return (
        f"In GloVe, the words closest to “good” are {', '.join(nearest[:4])}; “bad” is the "
        f"{ordinal(rank_of_bad)} closest of 400,000 words (closeness {cosine_good_bad:.2f}, where 1 means "
        "pointing exactly the same way). "
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


#: The two kinds of luck, as the tour says them (lib.significance: the test sample and training noise).
TEST_LUCK = "which reviews happened to be picked for the test"
TRAINING_LUCK = "the luck of training (every run starts from different random numbers)"
_TIMES = {1: "once", 2: "only twice"}


def _of_100(accuracy: float) -> str:
    return f"{round(accuracy * 100):.0f} of 100"


def _too_few_runs(seeds: int) -> str:
    """What one or two training runs per model cannot say, in plain words (lib.significance.few_seeds_sentence)."""
    return (f"Each model was trained {_TIMES[seeds]}, and another training run could shift these scores, so this "
            f"race cannot say which start is really ahead. That takes at least {MIN_SEEDS} runs of each.")


def _luck_sentence(label: str, comparison) -> str:
    """In plain words, which luck could explain the gap between ``label`` and learning from scratch.

    ``comparison`` is a :class:`lib.significance.Comparison` of that start against
    learning from scratch; its verdict (the rule, in one place) decides what may be said.
    """
    if comparison.verdict in ("better", "worse"):
        winner, loser = (label, "learning from scratch") if comparison.verdict == "better" else ("Learning from scratch", label)
        return f"{winner} beat {loser}, and that holds up against both kinds of luck: {TEST_LUCK}, and {TRAINING_LUCK}."
    few = f" {_too_few_runs(comparison.seeds)}" if comparison.seeds < MIN_SEEDS else ""
    if comparison.verdict == "too few seeds":
        return f"The gap between {label} and learning from scratch is bigger than {TEST_LUCK} explains.{few}"
    if comparison.test_sample_explains:
        return f"{TEST_LUCK[0].upper()}{TEST_LUCK[1:]} could explain the gap between {label} and learning from scratch.{few}"
    return f"The gap between {label} and learning from scratch changes from one run to the next: {TRAINING_LUCK} could explain it."


def takeaway_sentence(table, comparisons: dict | None = None) -> str:
    """The race's result and the last screen, in plain words: who won, by how much, and which luck could explain it.

    ``table`` is :func:`lib.results.results_table`, ``comparisons`` are
    :func:`lib.results.comparisons_with_learned`. A pretrained start is said to have
    beaten learning from scratch only when that holds against both kinds of luck;
    one training run per model is said to be too few to tell::

        >>> import pandas as pd
        >>> table = pd.DataFrame({"strategy": ["learned", "glove_finetuned"], "Strategy": ["Learning from scratch",
        ...                       "GloVe, fine-tuned"], "train_size": [500, 500], "seeds": [1, 1],
        ...                       "accuracy_mean": [0.821, 0.834], "accuracy_std": [0.0, 0.0]})
        >>> print(takeaway_sentence(table))  # doctest: +NORMALIZE_WHITESPACE
        With 500 reviews to learn from, GloVe, fine-tuned did best: right on 83 of 100 reviews it had never seen
        (83.4%); the next best, Learning from scratch, on 82 of 100 (82.1%). Each model was trained once, and
        another training run could shift these scores, so this race cannot say which start is really ahead.
        That takes at least 3 runs of each.
    """
    if table is None or len(table) == 0:
        return "No model has finished yet, so there is nothing to conclude."
    size = int(table["train_size"].max())
    rows = table[table["train_size"] == size].sort_values("accuracy_mean", ascending=False)
    best = rows.iloc[0]
    sentence = (f"With {size:,} reviews to learn from, {best['Strategy']} did best: right on "
                f"{_of_100(best['accuracy_mean'])} reviews it had never seen ({best['accuracy_mean']:.1%})")
    if len(rows) > 1:
        runner = rows.iloc[1]
        sentence += f"; the next best, {runner['Strategy']}, on {_of_100(runner['accuracy_mean'])} ({runner['accuracy_mean']:.1%})"
    sentence += "."
    comparisons = comparisons or {}
    judged = judged_comparison(table, comparisons)
    if judged is not None:
        sentence += " " + _luck_sentence(*judged)
    elif len(rows) > 1 and int(rows["seeds"].min()) < MIN_SEEDS:
        sentence += " " + _too_few_runs(int(rows["seeds"].min()))
    verdicts = [c.verdict for c in comparisons.values()]
    helped = verdicts.count("better")
    if helped and (helped > 1 or judged is None or judged[1].verdict != "better"):
        starts = "1 pretrained start" if helped == 1 else f"{helped} pretrained starts"
        sentence += f" In all, {starts} beat learning from scratch by more than luck explains."
    elif len(verdicts) > 1 and set(verdicts) == {"worse"}:
        sentence += " Learning from scratch beat every pretrained start by more than luck explains."
    elif verdicts and not helped and min(c.seeds for c in comparisons.values()) >= MIN_SEEDS:
        sentence += " No pretrained start beat learning from scratch by more than luck explains."
    return sentence


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
