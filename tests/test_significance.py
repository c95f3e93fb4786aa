"""Differences are judged against noise: McNemar on paired test answers, intervals over seeds, honest sentences."""
import numpy as np
import pytest
from scipy.stats import binom

from lib import significance, training
from lib.results import results_table, summary_sentence


def answers(n_right: int, n: int = 1000, offset: int = 0) -> np.ndarray:
    right = np.zeros(n, dtype=bool)
    right[offset:offset + n_right] = True
    return right


def test_mcnemar_counts_only_disagreements_and_matches_the_binomial_by_hand():
    a, b = answers(560), answers(540, offset=30)  # a alone right on 0..29 (30), b alone on 560..569 (10)
    test = significance.mcnemar(a, b)
    assert (test.only_a, test.only_b) == (30, 10)
    assert test.p_value == pytest.approx(2 * binom.cdf(10, 40, 0.5))
    assert significance.mcnemar(a, a).p_value == 1.0


def test_interval_over_seeds():
    result = significance.interval([0.80, 0.82, 0.84])
    assert result.mean == pytest.approx(0.82) and result.std == pytest.approx(0.02)
    assert result.low == pytest.approx(0.82 - 4.302653 * 0.02 / np.sqrt(3), abs=1e-6)
    single = significance.interval([0.8])
    assert (single.std, single.low, single.high) == (0.0, 0.8, 0.8)


def _table_and_comparisons(correct_learned: dict, correct_glove: dict):
    runs = []
    for strategy, label, by_seed in (("learned", "Learned from scratch", correct_learned),
                                     ("glove_finetuned", "GloVe, fine-tuned", correct_glove)):
        for seed, right in by_seed.items():
            config = {"strategy": strategy, "strategy_label": label, "train_size": 2000, "seed": seed, "epochs": 2}
            metrics = {"test_accuracy": float(right.mean()), "test_loss": 0.4, "train_seconds": 1.0,
                       "epochs_completed": 2, "trainable_params": 1, "frozen_params": 0, "hits": 1, "misses": 0}
            runs.append(training.Run(config, {}, metrics, [""], None, None))
    comparisons = {"glove_finetuned": significance.compare("glove_finetuned", "learned", correct_glove,
                                                           correct_learned)}
    return results_table(runs), comparisons


def test_a_difference_within_noise_is_about_the_same():
    # 1.0 point apart on 1,000 reviews, 10 disagreements one way and 0 the other... then 20 vs 10: p ~ 0.1
    learned = {0: answers(800, offset=20)}
    glove = {0: answers(810)}
    table, comparisons = _table_and_comparisons(learned, glove)
    assert comparisons["glove_finetuned"].verdict == "about the same"
    sentence = summary_sentence(table, comparisons)
    assert "did about the same" in sentence and "within noise" in sentence and "better" not in sentence


def test_a_difference_beyond_noise_is_better_on_every_seed():
    learned = {0: answers(780, offset=60), 1: answers(770, offset=60)}
    glove = {0: answers(840), 1: answers(835)}
    table, comparisons = _table_and_comparisons(learned, glove)
    comparison = comparisons["glove_finetuned"]
    assert comparison.verdict == "better" and all(p < 0.05 for p in comparison.p_values)
    sentence = summary_sentence(table, comparisons)
    assert "GloVe, fine-tuned did better than learning from scratch" in sentence
    assert "beyond noise" in sentence and "95% interval over 2 seeds" in sentence


def test_beyond_noise_on_one_seed_only_is_not_enough():
    learned = {0: answers(780, offset=60), 1: answers(830, offset=5)}
    glove = {0: answers(840), 1: answers(835)}
    _, comparisons = _table_and_comparisons(learned, glove)
    assert comparisons["glove_finetuned"].verdict == "about the same"


def test_comparisons_are_fast_for_five_strategies_and_three_seeds():
    import time

    rng = np.random.default_rng(0)
    by_strategy = {s: {seed: rng.random(25_000) < 0.8 for seed in range(3)} for s in "abcde"}
    start = time.perf_counter()
    for s in "bcde":
        significance.compare(s, "a", by_strategy[s], by_strategy["a"])
    # not a timing assert on the product: a generous sanity bound so a quadratic slip shows up
    assert time.perf_counter() - start < 5
