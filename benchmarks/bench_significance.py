"""Judging a result against noise: McNemar per seed and intervals over seeds for 5 strategies x 3 seeds.

The pages judge from stored test predictions (float16 probabilities, 25,000 IMDB test
reviews per run). Ours: lib.significance (vectorised counts, one exact binomial test per
seed pair). Baseline: the same answers counted in a plain Python loop, then
scipy.stats.binomtest per pair and seed, and the intervals by hand.
"""
from __future__ import annotations

import math

import numpy as np

from benchmarks.harness import Case

STRATEGIES = ["learned", "glove_frozen", "glove_finetuned", "word2vec_frozen", "word2vec_finetuned"]
SEEDS = 3
N_TEST = 25_000


def _result():
    """Stored-looking predictions: float16 probabilities per (strategy, seed), and the true labels."""
    rng = np.random.default_rng(0)
    labels = (np.arange(N_TEST) % 2).astype("int64")
    predictions = {}
    for i, strategy in enumerate(STRATEGIES):
        for seed in range(SEEDS):
            right = rng.random(N_TEST) < 0.78 + 0.01 * i
            p = np.clip(rng.normal(0.8, 0.1, N_TEST), 0.51, 0.99)
            predictions[strategy, seed] = np.where(right == (labels == 1), p, 1 - p).astype("float16")
    return predictions, labels


def cases() -> list[Case]:
    predictions, labels = _result()

    def ours():
        from lib import significance

        answers = {s: {seed: significance.correct(predictions[s, seed], labels) for seed in range(SEEDS)}
                   for s in STRATEGIES}
        intervals = {s: significance.interval([a.mean() for a in answers[s].values()]) for s in STRATEGIES}
        pairs = [significance.compare(a, b, answers[a], answers[b])
                 for i, a in enumerate(STRATEGIES) for b in STRATEGIES[i + 1:]]
        return None if len(pairs) == 10 and len(intervals) == 5 else float("nan")

    def plain_python_and_binomtest():
        from scipy.stats import binomtest, t

        label_list = labels.tolist()
        answers = {}
        for (s, seed), probs in predictions.items():
            answers[s, seed] = [(p > 0.5) == (y == 1) for p, y in zip(probs.tolist(), label_list)]
        for s in STRATEGIES:
            accs = [sum(answers[s, seed]) / N_TEST for seed in range(SEEDS)]
            mean = sum(accs) / SEEDS
            std = math.sqrt(sum((a - mean) ** 2 for a in accs) / (SEEDS - 1))
            _ = (mean - t.ppf(0.975, SEEDS - 1) * std / math.sqrt(SEEDS), mean + t.ppf(0.975, SEEDS - 1) * std / math.sqrt(SEEDS))
        for i, a in enumerate(STRATEGIES):
            for b in STRATEGIES[i + 1:]:
                for seed in range(SEEDS):
                    only_a = only_b = 0
                    for x, y in zip(answers[a, seed], answers[b, seed]):
                        if x and not y:
                            only_a += 1
                        elif y and not x:
                            only_b += 1
                    if only_a + only_b:
                        binomtest(min(only_a, only_b), only_a + only_b, 0.5)

    return [
        Case(
            area="significance",
            what="McNemar per seed for all 10 pairs + 95% intervals, 5 strategies × 3 seeds × 25,000 stored test "
                 "predictions (float16)",
            target="< 0.2 s",
            run=ours,
            baseline="plain-Python counting loop + scipy.stats.binomtest per pair and seed",
            baseline_run=plain_python_and_binomtest,
            repeat=3,
        )
    ]
