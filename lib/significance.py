"""Is a difference in test accuracy beyond noise? Paired tests on the same test reviews, and intervals over seeds.

Two strategies graded on the *same* test reviews disagree on some of them.
McNemar's exact test looks only at those: if strategy A alone was right on ``b``
reviews and strategy B alone on ``c``, then under "no real difference" each
disagreement is a coin flip, and the two-sided binomial p-value says how
surprising ``b`` versus ``c`` is::

    >>> import numpy as np
    >>> a = np.array([1] * 60 + [0] * 40, dtype=bool)   # right on the first 60 reviews
    >>> b = np.array([1] * 50 + [0] * 50, dtype=bool)   # right on the first 50
    >>> test = mcnemar(a, b)
    >>> (test.only_a, test.only_b, round(test.p_value, 4))
    (10, 0, 0.002)

Repeating training with other seeds shows how much accuracy moves by chance;
:func:`interval` gives mean, standard deviation and a 95% t-interval over seeds.
:func:`compare` joins both into one verdict, and the sentences of every page say
"better" only when that verdict is beyond noise.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

#: A difference counts as beyond noise when McNemar's p-value is below this (on every seed).
ALPHA = 0.05


@dataclass(frozen=True)
class McNemar:
    only_a: int       # test examples strategy A got right and B wrong
    only_b: int       # ... and the other way round
    p_value: float    # two-sided exact binomial p-value (1.0 when they never disagree)


def correct(predictions: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Which test examples a model got right: probabilities (n,) for two classes, (n, k) for k classes."""
    predictions = np.asarray(predictions, dtype="float32")
    guessed = (predictions > 0.5).astype(int) if predictions.ndim == 1 else predictions.argmax(axis=1)
    return guessed == np.asarray(labels)


def mcnemar(correct_a: np.ndarray, correct_b: np.ndarray) -> McNemar:
    """McNemar's exact test on paired right/wrong answers to the same test examples."""
    from scipy.stats import binomtest

    correct_a, correct_b = np.asarray(correct_a, dtype=bool), np.asarray(correct_b, dtype=bool)
    if correct_a.shape != correct_b.shape:
        raise ValueError("McNemar's test needs answers to the same test examples, in the same order.")
    only_a, only_b = int(np.sum(correct_a & ~correct_b)), int(np.sum(~correct_a & correct_b))
    if only_a + only_b == 0:
        return McNemar(0, 0, 1.0)
    return McNemar(only_a, only_b, float(binomtest(min(only_a, only_b), only_a + only_b, 0.5).pvalue))


@dataclass(frozen=True)
class Interval:
    mean: float
    std: float        # sample standard deviation over seeds (0 for one seed)
    low: float        # 95% t-interval of the mean (equal to the mean for one seed)
    high: float
    n: int


def interval(values: Sequence[float], confidence: float = 0.95) -> Interval:
    """Mean, standard deviation and a t-interval of the mean of values over seeds.

    >>> bool(interval([0.80, 0.82, 0.84]).low < 0.82 < interval([0.80, 0.82, 0.84]).high)
    True
    """
    from scipy.stats import t

    values = np.asarray(values, dtype=float)
    n, mean = len(values), float(values.mean())
    if n < 2:
        return Interval(mean, 0.0, mean, mean, n)
    std = float(values.std(ddof=1))
    half = float(t.ppf(0.5 + confidence / 2, n - 1)) * std / np.sqrt(n)
    return Interval(mean, std, mean - half, mean + half, n)


@dataclass(frozen=True)
class Comparison:
    """Strategy A against strategy B over the seeds both have."""

    a: str
    b: str
    accuracy_a: Interval
    accuracy_b: Interval
    difference: Interval                 # accuracy A - B, per seed
    tests: dict[int, McNemar]            # per seed
    verdict: str                         # "better", "worse" or "about the same" (A compared with B)

    @property
    def p_values(self) -> list[float]:
        return [t.p_value for t in self.tests.values()]


def compare(a: str, b: str, correct_a: dict[int, np.ndarray], correct_b: dict[int, np.ndarray]) -> Comparison:
    """Compare two strategies from their right/wrong answers per seed (``{seed: bool array}``), paired by seed.

    The verdict is "better" (or "worse") only when McNemar's test finds the
    difference beyond noise (p < :data:`ALPHA`) on every shared seed, all in the same
    direction; otherwise "about the same".
    """
    seeds = sorted(set(correct_a) & set(correct_b))
    if not seeds:
        raise ValueError("The two strategies share no seed to compare on.")
    acc_a = [float(np.mean(correct_a[s])) for s in seeds]
    acc_b = [float(np.mean(correct_b[s])) for s in seeds]
    tests = {s: mcnemar(correct_a[s], correct_b[s]) for s in seeds}
    significant = all(t.p_value < ALPHA for t in tests.values())
    directions = {np.sign(x - y) for x, y in zip(acc_a, acc_b)}
    verdict = "about the same"
    if significant and len(directions) == 1 and 0 not in directions:
        verdict = "better" if directions == {1.0} else "worse"
    return Comparison(a, b, interval(acc_a), interval(acc_b), interval(np.subtract(acc_a, acc_b)), tests, verdict)


def compare_against(reference: str, answers: dict[str, dict[int, np.ndarray]]) -> dict[str, Comparison]:
    """Every other entry of ``answers`` compared with ``reference``, paired by seed: ``{name: Comparison}``.

    ``answers`` maps a name (a strategy, a group of runs) to its right/wrong answers
    per seed on the same test reviews (``{seed: bool array}``, from :func:`correct`).
    Names that share no seed with the reference are left out, and so is the reference
    itself; without the reference there is nothing to compare with::

        >>> right, wrong = np.ones(30, bool), np.zeros(30, bool)
        >>> found = compare_against("learned", {"learned": {0: wrong}, "glove": {0: right}, "word2vec": {1: right}})
        >>> {name: comparison.verdict for name, comparison in found.items()}
        {'glove': 'better'}
        >>> compare_against("learned", {"glove": {0: right}})
        {}
    """
    base = answers.get(reference)
    if not base:
        return {}
    return {name: compare(name, reference, by_seed, base) for name, by_seed in answers.items()
            if name != reference and set(by_seed) & set(base)}


def difference_sentence(comparison: Comparison, label_a: str, label_b: str) -> str:
    """One plain sentence from the numbers, e.g. "GloVe, fine-tuned was better than ... (p = 0.003)".

    >>> import numpy as np
    >>> same = compare("x", "y", {0: np.array([1, 0, 1, 1], bool)}, {0: np.array([1, 1, 0, 1], bool)})
    >>> difference_sentence(same, "A", "B")
    'A and B did about the same: 75.0% vs 75.0% test accuracy, a difference of +0.0 points that is within noise (McNemar p = 1 on the same test reviews).'
    """
    points = comparison.difference.mean * 100
    p = ", ".join(f"{v:.2g}" for v in comparison.p_values)
    seeds = comparison.difference.n
    spread = (f" (95% interval over {seeds} seeds: {comparison.difference.low * 100:+.1f} to "
              f"{comparison.difference.high * 100:+.1f} points)") if seeds > 1 else ""
    numbers = (f"{comparison.accuracy_a.mean:.1%} vs {comparison.accuracy_b.mean:.1%} test accuracy, "
               f"a difference of {points:+.1f} points{spread}")
    test = f"McNemar p = {p} on the same test reviews" + (", one per seed" if seeds > 1 else "")
    if comparison.verdict == "about the same":
        return f"{label_a} and {label_b} did about the same: {numbers} that is within noise ({test})."
    return f"{label_a} did {comparison.verdict} than {label_b}: {numbers}, beyond noise ({test})."
