"""Gaps are judged against both kinds of noise: the test sample (McNemar per seed) and training luck (a paired
interval over 3+ seeds). Built on constructed right/wrong answers: fast, no training."""
import ast
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import binom

from lib import significance, training
from lib.results import results_table, summary_details, summary_sentence

REPO = Path(__file__).resolve().parent.parent
VERDICT_WORDS = ("beyond noise", "better", "worse")


def answers(n_right: int, n: int = 1000, offset: int = 0) -> np.ndarray:
    right = np.zeros(n, dtype=bool)
    right[offset:offset + n_right] = True
    return right


def by_seed(*n_right: int, offset: int = 0) -> dict[int, np.ndarray]:
    """One answer array per seed 0, 1, ...: right on reviews offset .. offset + n (nested, so gaps are one-sided)."""
    return {seed: answers(n, offset=offset) for seed, n in enumerate(n_right)}


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
    for strategy, label, answers_by_seed in (("learned", "Learned from scratch", correct_learned),
                                             ("glove_finetuned", "GloVe, fine-tuned", correct_glove)):
        for seed, right in answers_by_seed.items():
            config = {"strategy": strategy, "strategy_label": label, "train_size": 2000, "seed": seed, "epochs": 2}
            metrics = {"test_accuracy": float(right.mean()), "test_loss": 0.4, "train_seconds": 1.0,
                       "epochs_completed": 2, "trainable_params": 1, "frozen_params": 0, "hits": 1, "misses": 0}
            runs.append(training.Run(config, {}, metrics, [""], None, None))
    comparisons = {"glove_finetuned": significance.compare("glove_finetuned", "learned", correct_glove,
                                                           correct_learned)}
    return results_table(runs), comparisons


# --------------------------------------------------------------------------- the rule


def test_three_consistent_seeds_whose_interval_leaves_out_zero_are_better():
    # GloVe ahead by 6.0, 5.0 and 5.5 points, McNemar p < 1e-10 on each seed; the paired interval is about +4 to +7
    table, comparisons = _table_and_comparisons(by_seed(780, 780, 780, offset=60), by_seed(840, 830, 835))
    comparison = comparisons["glove_finetuned"]
    assert not comparison.test_sample_explains and comparison.training_explains is False
    assert comparison.difference.low > 0 and comparison.verdict == "better"
    sentence = summary_sentence(table, comparisons)
    assert "GloVe, fine-tuned did better than learning from scratch" in sentence
    assert "beyond noise: it holds against both the choice of test reviews and training luck" in sentence
    assert "p =" not in sentence  # the numbers behind it are the details
    details = summary_details(table, comparisons)
    assert "seed 2: gap +5.5 points" in details and "paired 95% interval of the gap over 3 seeds" in details
    assert "does not include 0" in details
    # and the other way round
    worse = significance.compare("a", "b", by_seed(780, 780, 780, offset=60), by_seed(840, 830, 835))
    assert worse.verdict == "worse" and "a did worse than b" in significance.difference_sentence(worse, "a", "b")


def test_mcnemar_significant_on_every_seed_but_seeds_disagreeing_is_never_better():
    # GloVe ahead by 6 points on seeds 0 and 1 and behind by 6 on seed 2: each seed alone is far beyond the test sample
    learned = {0: answers(780, offset=60), 1: answers(780, offset=60), 2: answers(840)}
    glove = {0: answers(840), 1: answers(840), 2: answers(780, offset=60)}
    table, comparisons = _table_and_comparisons(learned, glove)
    comparison = comparisons["glove_finetuned"]
    assert all(p < 1e-10 for p in comparison.p_values)
    assert comparison.seeds_disagree and comparison.training_explains is True
    assert comparison.verdict == "about the same"
    sentence = significance.difference_sentence(comparison, "GloVe", "learning from scratch")
    assert "within training noise: the seeds disagree on which is ahead, so training luck could explain it" in sentence
    summary = summary_sentence(table, comparisons)
    assert not any(word in summary for word in VERDICT_WORDS), summary


def test_mcnemar_significant_on_every_seed_but_an_interval_including_zero_is_within_training_noise():
    # ahead on every seed (by 1, 1 and 12 points, each p < 0.01), but the gap moves so much that 0 stays plausible
    comparison = significance.compare("glove", "learned", by_seed(790, 790, 900), by_seed(780, 780, 780))
    assert all(p < 0.01 for p in comparison.p_values) and not comparison.seeds_disagree
    assert comparison.difference.low < 0 < comparison.difference.high
    assert comparison.verdict == "about the same" and comparison.training_explains is True
    sentence = significance.difference_sentence(comparison, "GloVe", "learning from scratch")
    assert "within training noise" in sentence and "its interval over 3 seeds includes 0" in sentence
    assert not any(word in sentence for word in VERDICT_WORDS), sentence
    assert "includes 0: training luck could explain the gap" in significance.difference_details(comparison)


def test_a_gap_the_test_sample_could_explain_names_the_test_reviews():
    # 1.0 point apart on each of 3 seeds: 20 vs 10 disagreements, p ~ 0.1
    comparison = significance.compare("glove", "learned", by_seed(810, 810, 810), by_seed(800, 800, 800, offset=20))
    assert comparison.test_sample_explains and comparison.verdict == "about the same"
    sentence = significance.difference_sentence(comparison, "GloVe", "learning from scratch")
    assert "did about the same" in sentence and "the choice of test reviews could explain a gap this small" in sentence
    assert "beyond noise" not in sentence and "better" not in sentence
    assert "Not every p is below 0.05" in significance.difference_details(comparison)


@pytest.mark.parametrize("seeds", [1, 2])
@pytest.mark.parametrize("glove, learned", [(840, 780), (780, 840), (810, 800), (835, 830)])
def test_one_or_two_seeds_never_say_beyond_noise_better_or_worse(seeds, glove, learned):
    """Whatever the gap and McNemar's p, one or two training runs say so plainly and call nothing better or worse."""
    wobble = [0, 5][:seeds]  # the second seed lands 0.5 points higher for both: training noise, measured
    table, comparisons = _table_and_comparisons(by_seed(*[learned + w for w in wobble], offset=60),
                                                by_seed(*[glove + w for w in wobble]))
    comparison = comparisons["glove_finetuned"]
    assert comparison.verdict in ("too few seeds", "about the same") and comparison.training_explains is not False
    for sentence in (summary_sentence(table, comparisons), summary_sentence(table),
                     significance.difference_sentence(comparison, "GloVe", "learning from scratch")):
        assert not any(word in sentence for word in VERDICT_WORDS), sentence
        runs = {1: "One training run each", 2: "Two training runs each"}[seeds]
        assert runs.lower() in sentence.lower() and "train 3 seeds to tell" in sentence, sentence
    if seeds == 2:  # the spread between the two seeds is measured and said
        assert "by about 0.4 points (the spread between the two seeds here)" in summary_sentence(table, comparisons)


def test_one_seed_says_how_far_a_rerun_moves_only_when_measured():
    assert "by how much only more runs can show" in significance.few_seeds_sentence(1)
    assert "about 1.5 points" in significance.few_seeds_sentence(2, 0.015)


def _grid():
    """Comparisons of every kind: 1 to 4 seeds; gaps none, small, large, mixed in direction, or wobbling."""
    gaps = {"none": [0, 0, 0, 0], "small": [1, 1, 1, 1], "large": [60, 50, 55, 58], "mixed": [60, -60, 60, 60],
            "wobbly": [10, 10, 120, 5]}
    for seeds in (1, 2, 3, 4):
        for name, gap in gaps.items():
            learned = {s: answers(780, offset=200) for s in range(seeds)}
            other = {s: answers(780 + gap[s], offset=200 - max(gap[s], 0)) if gap[s] >= 0
                     else answers(780 + gap[s], offset=200) for s in range(seeds)}
            yield f"{name}, {seeds} seeds", significance.compare("x", "learned", other, learned)


@pytest.mark.parametrize("name, comparison", list(_grid()), ids=[n for n, _ in _grid()])
def test_better_and_beyond_noise_come_only_from_gaps_that_hold_against_both_kinds(name, comparison):
    holds = not comparison.test_sample_explains and comparison.training_explains is False
    assert (comparison.verdict in ("better", "worse")) == holds
    assert not holds or comparison.seeds >= significance.MIN_SEEDS
    sentence = significance.difference_sentence(comparison, "A", "B")
    assert ("beyond noise" in sentence) == holds
    assert ("did better" in sentence or "did worse" in sentence) == holds


def _said_strings(path: Path):
    """(innermost function, text) of every string constant in a module that is not a docstring or bare string."""
    tree = ast.parse(path.read_text())
    bare = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if isinstance(child, ast.Constant) and isinstance(child.value, str) and id(child) not in bare:
                yield inner, child.value
            yield from visit(child, inner)

    yield from visit(tree, "<module>")


def test_only_the_both_noises_path_says_beyond_noise():
    """The words "beyond noise" are written in one place, which refuses any gap that does not hold against both."""
    found = {(str(path.relative_to(REPO)), function)
             for folder in ("lib", "ui", "app_pages") for path in sorted((REPO / folder).rglob("*.py"))
             for function, text in _said_strings(path) if "beyond noise" in text.lower()}
    assert found == {("lib/significance.py", "_beyond_noise")}, found
    for seeds in (1, 2):  # a gap far beyond the test sample, on too few seeds: refused
        too_few = significance.compare("x", "y", by_seed(*[840] * seeds), by_seed(*[780] * seeds, offset=60))
        with pytest.raises(ValueError):
            significance._beyond_noise(too_few)


def test_comparisons_are_fast_for_five_strategies_and_three_seeds():
    import time

    rng = np.random.default_rng(0)
    by_strategy = {s: {seed: rng.random(25_000) < 0.8 for seed in range(3)} for s in "abcde"}
    start = time.perf_counter()
    for s in "bcde":
        significance.compare(s, "a", by_strategy[s], by_strategy["a"])
    # not a timing assert on the product: a generous sanity bound so a quadratic slip shows up
    assert time.perf_counter() - start < 5
