"""A fair race, judged from measured numbers: differences against noise, and where a pretrained start stops helping.

Two questions the Train and Compare pages ask of finished runs, answered here
(no Streamlit, no TensorFlow); the third, where each word started and how far it
moved, is :mod:`lib.coverage`, which shares the small helpers at the top:

* **Noise** (:func:`judge_runs`): saved runs grouped with their sibling seeds
  (same settings, other seed), graded on the same test reviews: mean ± std and a
  95% interval over seeds, McNemar's exact test per seed against a reference run
  and against learning from scratch, judged by the one rule of
  :mod:`lib.significance` (both kinds of noise).
* **Data efficiency** (:func:`sweep_comparisons`, :func:`stops_helping`,
  :func:`sweep_sentence`): at which training-set sizes a pretrained start does
  better than learning from scratch (against both the test sample and training
  luck), and from which size on it no longer does::

      >>> stops_helping({500: "better", 1_000: "better", 2_000: "about the same", 25_000: "worse"})
      (1000, 2000)
      >>> stops_helping({500: "about the same", 2_000: "about the same"})
      (None, None)

Runs are anything with ``config`` and ``metrics`` (a :class:`lib.training.Run`
or a :class:`lib.runs.RunRecord`); stored predictions are read through a
``load_predictions(run_id) -> (probabilities, labels) | None`` callable
(:func:`lib.runs.load_predictions` on the pages, anything in tests).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from lib import significance
from lib.config import RunConfig
from lib.errors import UserError
from lib.models import STRATEGIES

LoadPredictions = Callable[[str], "tuple[np.ndarray, np.ndarray] | None"]


def config_of(run) -> dict:
    """The settings of a finished run: ``run.config`` (a Run or RunRecord) or ``run["config"]`` (a plain dict)."""
    return run["config"] if isinstance(run, dict) else run.config


def metrics_of(run) -> dict:
    """What a finished run measured: ``run.metrics`` (a Run or RunRecord) or ``run["metrics"]`` (a plain dict)."""
    return run["metrics"] if isinstance(run, dict) else run.metrics


def strategy_label(strategy: str) -> str:
    """The registry's label of a strategy (never text read from a run folder)."""
    return STRATEGIES[strategy].label if strategy in STRATEGIES else str(strategy)


def strategy_order(strategy: str) -> int:
    keys = list(STRATEGIES)
    return keys.index(strategy) if strategy in keys else len(keys)


def train_size(config: dict) -> int:
    """A run's training-set size from its config (0 when a hand-edited ``config.json`` holds no number)."""
    try:
        return int(config.get("train_size") or 0)
    except (TypeError, ValueError):  # a hand-edited config.json
        return 0


def counted(n: int, noun: str = "word") -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def and_list(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# --------------------------------------------------------------------------- noise, on saved runs

def _sibling_key(config: dict) -> tuple:
    """The settings two runs must share to be seeds of one another: every RunConfig field but the seed (and job)."""
    # as JSON text: a hand-edited config.json may hold lists or objects, which could not be compared as keys
    return tuple((name, json.dumps(config.get(name), sort_keys=True, default=str))
                 for name in sorted(RunConfig.__dataclass_fields__) if name not in ("seed", "job_id"))


def _test_split(config: dict) -> tuple:
    return (config.get("dataset_key"), config.get("test_size"))


def group_label(config: dict) -> str:
    """A group of seeds in words, from the registry and numbers only: "GloVe, fine-tuned · 2,000 reviews · conv"."""
    parts = [strategy_label(config.get("strategy", "")), f"{train_size(config):,} reviews"]
    if config.get("architecture") not in (None, "average"):
        parts.append(str(config["architecture"]).upper() if config["architecture"] == "lstm" else str(config["architecture"]))
    return " · ".join(parts)


@dataclass
class SeedGroup:
    """One chosen run and its sibling seeds (same settings), with their right/wrong answers on the test reviews."""

    label: str
    strategy: str
    run_ids: dict[int, str]                     # seed -> run id
    answers: dict[int, np.ndarray]              # seed -> which test reviews it got right
    accuracy: significance.Interval
    chosen: bool = True                         # False: the learned-from-scratch group added as a yardstick
    key: tuple = ()                             # the settings the seeds share


@dataclass
class RunJudgement:
    """What :func:`judge_runs` found: the groups, the paired comparisons, and notes on runs left out."""

    groups: list[SeedGroup]
    against_first: dict[str, significance.Comparison] = field(default_factory=dict)     # group label -> vs groups[0]
    against_learned: dict[str, significance.Comparison] = field(default_factory=dict)   # group label -> vs learned
    learned_label: str | None = None
    notes: list[str] = field(default_factory=list)

    def table(self) -> list[dict]:
        """One plain row per group, for a dataframe: accuracy over seeds, then McNemar per seed and the verdict."""
        first = self.groups[0].label if self.groups else ""
        rows = []
        for group in self.groups:
            acc = group.accuracy
            row = {
                "Runs": group.label + ("" if group.chosen else " (for reference)"),
                "Seeds": acc.n,
                "Test accuracy": f"{acc.mean:.1%}" + (f" ± {acc.std:.1%}" if acc.n > 1 else ""),
                "95% interval over seeds": f"{acc.low:.1%} – {acc.high:.1%}" if acc.n > 1 else "needs 2+ seeds",
            }
            for title, found, other in (("first", self.against_first, first),
                                        ("learned", self.against_learned, self.learned_label)):
                comparison = found.get(group.label)
                heading = "vs row 1" if title == "first" else "vs learned from scratch"
                if comparison is None:
                    row[f"{heading}: McNemar p per seed"] = "—"
                    row[f"{heading}: verdict"] = "(itself)" if group.label == other else "—"
                else:
                    row[f"{heading}: McNemar p per seed"] = ", ".join(f"{p:.2g}" for p in comparison.p_values)
                    row[f"{heading}: verdict"] = (f"{comparison.verdict} ({comparison.difference.mean * 100:+.1f} "
                                                  "points)")
            rows.append(row)
        return rows

    def _pairs(self) -> list[tuple[significance.Comparison, str, str]]:
        """(comparison, its label, the label it is compared with), each pair said once: against the first, then learned."""
        out = []
        first = self.groups[0].label if self.groups else ""
        for label, comparison in self.against_first.items():
            if label != self.learned_label:  # else said the other way round below: the first against learned
                out.append((comparison, label, first))
        for label, comparison in self.against_learned.items():
            if not (first == self.learned_label and label in self.against_first):  # else already said above
                out.append((comparison, label, "learning from scratch"))
        return out

    def sentences(self) -> list[str]:
        """One plain :func:`lib.significance.difference_sentence` per comparison (against the first, then learned)."""
        return [significance.difference_sentence(c, label, other) for c, label, other in self._pairs()]

    def details(self) -> list[str]:
        """The tests behind :meth:`sentences`, one per comparison in the same order (for a "details" part)."""
        return [f"{label} against {other}: {significance.difference_details(c)}" for c, label, other in self._pairs()]


def judge_runs(chosen_ids: Sequence[str], records: Sequence, load_predictions: LoadPredictions) -> RunJudgement | None:
    """Judge the chosen saved runs against noise: each with its sibling seeds, paired on the same test reviews.

    ``chosen_ids`` are run ids in the order picked (the first is the reference);
    ``records`` every saved run (siblings are looked up among them). The learned-from-scratch
    runs with the first run's settings are added as a yardstick when they exist. Runs
    graded on other test reviews, or saved without predictions, are left out with a note.
    Returns ``None`` when none of the chosen ids is a saved run.
    """
    by_id = {config_of(r).get("run_id") or getattr(r, "run_id", None): r for r in records}
    chosen = [by_id[i] for i in dict.fromkeys(chosen_ids) if i in by_id]
    if not chosen:
        return None
    notes: list[str] = []
    reference_split = _test_split(config_of(chosen[0]))
    keys: list[tuple] = []
    for record in chosen:
        config = config_of(record)
        if _test_split(config) != reference_split:
            notes.append(f"{group_label(config)} was graded on other test reviews than the first chosen run "
                         "(another dataset or test size), so it cannot be paired with it and is left out.")
            continue
        if _sibling_key(config) not in keys:
            keys.append(_sibling_key(config))
    learned_key = _sibling_key({**config_of(chosen[0]), "strategy": "learned"})
    add_learned = learned_key not in keys and any(_sibling_key(config_of(r)) == learned_key for r in records)
    wanted = keys + ([learned_key] if add_learned else [])

    members: dict[tuple, dict[int, object]] = {key: {} for key in wanted}
    for record in records:  # newest first in the store: a repeated seed keeps its newest run
        key = _sibling_key(config_of(record))
        if key in members:
            members[key].setdefault(int(config_of(record).get("seed", 0)), record)

    reference_labels = None
    groups: list[SeedGroup] = []
    used_labels: set[str] = set()
    missing = 0
    for key in wanted:
        answers, run_ids = {}, {}
        for seed, record in sorted(members[key].items()):
            run_id = config_of(record).get("run_id") or getattr(record, "run_id", None)
            try:
                stored = load_predictions(run_id) if run_id else None
            except UserError as exc:  # a damaged folder: say so, judge the others
                notes.append(str(exc))
                continue
            if stored is None:
                missing += 1
                continue
            predictions, labels = stored
            if reference_labels is None:
                reference_labels = np.asarray(labels)
            elif len(labels) != len(reference_labels) or not np.array_equal(labels, reference_labels):
                notes.append(f"{group_label(config_of(record))}, seed {seed}, has other test labels than the "
                             "first chosen run and is left out.")
                continue
            answers[seed], run_ids[seed] = significance.correct(predictions, labels), run_id
        if not answers:
            continue
        config = config_of(members[key][next(iter(answers))])
        label = group_label(config)
        while label in used_labels:
            label += " (other settings)"
        used_labels.add(label)
        groups.append(SeedGroup(label, config["strategy"], run_ids, answers,
                                significance.interval([float(np.mean(a)) for a in answers.values()]),
                                chosen=key != learned_key or not add_learned, key=key))
    if missing:
        notes.append(f"{counted(missing, 'run')} saved without test predictions (trained before they were kept) "
                     "could not be paired and are left out.")
    judgement = RunJudgement(groups, notes=notes)
    if not groups:
        return judgement
    answers = {group.label: group.answers for group in groups}
    judgement.against_first = significance.compare_against(groups[0].label, answers)
    learned = next((g for g in groups if g.key == learned_key), None)
    if learned is not None:
        judgement.learned_label = learned.label
        judgement.against_learned = significance.compare_against(learned.label, answers)
    return judgement


# --------------------------------------------------------------------------- the data-efficiency sweep


def sweep_sizes(sizes: Sequence[int | None], full_train: int) -> list[int | None]:
    """The sweep's sizes that differ from one another on a dataset of ``full_train`` training texts, smallest first.

    A size at or above the dataset's size would train on all of it, like ``None`` ("all"),
    and repeat those runs, so it is left out (and "all" kept once):

    >>> sweep_sizes([None, 500, 1_000, 5_000], full_train=2_000)
    [500, 1000, None]
    """
    smaller = sorted({int(s) for s in sizes if s is not None and int(s) < full_train})
    return smaller + ([None] if any(s is None or int(s) >= full_train for s in sizes) else [])


def sweep_answers(records: Sequence, load_predictions: LoadPredictions) -> dict[tuple[str, int], dict[int, np.ndarray]]:
    """``{(strategy, training-set size): {seed: which test reviews it got right}}`` from finished runs' predictions."""
    answers: dict[tuple[str, int], dict[int, np.ndarray]] = {}
    for record in records:
        config = config_of(record)
        run_id = config.get("run_id")
        try:
            stored = load_predictions(run_id) if run_id else None
        except UserError:  # a damaged or deleted folder: that point has no verdict, the others still do
            stored = None
        if stored is not None:
            answers.setdefault((config["strategy"], train_size(config)), {})[int(config.get("seed", 0))] = \
                significance.correct(*stored)
    return answers


def sweep_comparisons(answers: dict[tuple[str, int], dict[int, np.ndarray]]) -> dict[str, dict[int, significance.Comparison]]:
    """Each pretrained start against learning from scratch at the same size, paired by seed on the same test reviews."""
    by_size: dict[int, dict[str, dict[int, np.ndarray]]] = {}
    for (strategy, size), by_seed in answers.items():
        by_size.setdefault(size, {})[strategy] = by_seed
    out: dict[str, dict[int, significance.Comparison]] = {}
    for size, at_size in sorted(by_size.items()):
        for strategy, comparison in significance.compare_against("learned", at_size).items():
            out.setdefault(strategy, {})[size] = comparison
    return {strategy: out[strategy] for strategy in sorted(out, key=strategy_order)}


def stops_helping(verdicts: dict[int, str]) -> tuple[int | None, int | None]:
    """``(largest size where it was better, first larger size where it was not)`` from verdicts by size.

    ``(None, None)``: better at no size; ``(n, None)``: better up to the largest size tried.
    """
    sizes = sorted(verdicts)
    helped = [s for s in sizes if verdicts[s] == "better"]
    if not helped:
        return None, None
    last = helped[-1]
    after = [s for s in sizes if s > last]
    return last, (after[0] if after else None)


def sweep_sentence(comparisons: dict[str, dict[int, significance.Comparison]], strategies_run: Sequence[str] = ()) -> str:
    """Where (if anywhere) each pretrained start stops helping, from :func:`sweep_comparisons`, in plain words.

    A size counts as "did better" only where the gap holds against both kinds of
    noise (the verdict of :class:`lib.significance.Comparison`). With fewer than
    3 seeds per size nothing is judged: the sentence names the sizes whose gaps the
    test reviews do not explain and says what more seeds would tell. The p-values
    and intervals are :func:`sweep_details`. ``strategies_run`` are the strategies
    the sweep trained (to say when learning from scratch, the yardstick, is missing).
    """
    if not comparisons:
        if strategies_run and "learned" not in strategies_run:
            return ("Nothing to judge yet: add “Learned from scratch” to the strategies, because every pretrained "
                    "start is compared with it at the same size.")
        return "Nothing to judge yet: the sweep needs learning from scratch and at least one pretrained start at the same size."
    every = [c for by_size in comparisons.values() for c in by_size.values()]
    seeds = min(c.seeds for c in every)
    if seeds >= significance.MIN_SEEDS:
        sentences = [_judged_sweep(strategy_label(s), comparisons[s]) for s in sorted(comparisons, key=strategy_order)]
        return f"{' '.join(sentences)} Each size is judged on the same test reviews ({seeds} seeds). {significance.RULE}"
    sentences = [_unjudged_sweep(strategy_label(s), comparisons[s]) for s in sorted(comparisons, key=strategy_order)]
    spreads = [c.seed_spread for c in every if c.seed_spread is not None]
    few = significance.few_seeds_sentence(seeds, max(spreads) if spreads else None)
    return f"{' '.join(sentences)} Each size is judged on the same test reviews ({counted(seeds, 'seed')}). {few}"


def _judged_sweep(label: str, by_size: dict[int, significance.Comparison]) -> str:
    """One strategy's sentence, its sizes judged against both kinds of noise (3 seeds or more)."""
    sizes, verdicts = sorted(by_size), {size: c.verdict for size, c in by_size.items()}
    last, stop = stops_helping(verdicts)
    if last is None:
        worse = [f"{s:,}" for s in sizes if verdicts[s] == "worse"]
        return (f"{label} never did better than learning from scratch ({_span(sizes)} training reviews)"
                + (f"; it did worse at {and_list(worse)}." if worse else "."))
    gain = f"{by_size[last].difference.mean * 100:+.1f} points there"
    if stop is None:
        lead = "at every size tried" if len(sizes) > 1 and all(v == "better" for v in verdicts.values()) \
            else "up to the largest size tried"
        sentence = f"{label} did better than learning from scratch {lead}, {last:,} training reviews ({gain})"
    else:
        after = by_size[stop]
        sentence = (f"{label} did better than learning from scratch up to {last:,} training reviews ({gain}) "
                    f"and stopped helping at {stop:,}: there it did {after.verdict} "
                    f"({after.difference.mean * 100:+.1f} points)")
    gaps = [f"{s:,}" for s in sizes if s < last and verdicts[s] != "better"]
    return sentence + (f"; not at {and_list(gaps)}." if gaps else ".")


def _unjudged_sweep(label: str, by_size: dict[int, significance.Comparison]) -> str:
    """One strategy's sentence with too few seeds to judge: the gaps the test reviews do not explain, described."""
    found = [s for s in sorted(by_size) if by_size[s].verdict == "too few seeds"]
    if not found:
        return f"{label} was within noise of learning from scratch at every size ({_span(sorted(by_size))} training reviews)."
    parts = [f"{way} at {and_list(sizes)}" for way, sizes in (
        ("higher", [f"{s:,}" for s in found if by_size[s].difference.mean > 0]),
        ("lower", [f"{s:,}" for s in found if by_size[s].difference.mean < 0])) if sizes]
    return f"{label} scored {' and '.join(parts)} training reviews than learning from scratch, by more than the " \
           "choice of test reviews explains."


def _span(sizes: list[int]) -> str:
    return f"{sizes[0]:,}" if len(sizes) == 1 else f"{sizes[0]:,} to {sizes[-1]:,}"


def sweep_details(comparisons: dict[str, dict[int, significance.Comparison]]) -> list[str]:
    """The tests behind :func:`sweep_sentence`, one line per strategy and size (for a "details" part)."""
    return [f"{strategy_label(strategy)} at {size:,} training reviews, against learning from scratch: "
            + significance.difference_details(comparisons[strategy][size])
            for strategy in sorted(comparisons, key=strategy_order) for size in sorted(comparisons[strategy])]
