"""Could noise explain a gap in test accuracy? Two kinds of noise, and the one rule that calls a gap "better".

A gap between two strategies' test accuracy can come from two kinds of noise
(Dror et al. 2018, *The Hitchhiker's Guide to Testing Statistical Significance
in NLP*; Bouthillier et al. 2021, *Accounting for Variance in Machine Learning
Benchmarks*):

* **the test sample**: which reviews happen to be in the test split. Two
  strategies graded on the *same* test reviews disagree on some of them.
  McNemar's exact test looks only at those: if strategy A alone was right on
  ``b`` reviews and strategy B alone on ``c``, then under "no real difference"
  each disagreement is a coin flip, and the two-sided binomial p-value says how
  surprising ``b`` versus ``c`` is::

    >>> import numpy as np
    >>> a = np.array([1] * 60 + [0] * 40, dtype=bool)   # right on the first 60 reviews
    >>> b = np.array([1] * 50 + [0] * 50, dtype=bool)   # right on the first 50
    >>> test = mcnemar(a, b)
    >>> (test.only_a, test.only_b, round(test.p_value, 4))
    (10, 0, 0.002)

* **training luck**: the seed fixes the starting numbers and the order of the
  batches, and another seed gives another model. Training each strategy with
  several seeds and pairing them seed by seed gives one gap per seed;
  :func:`interval` turns those into a 95% t-interval, which needs at least
  :data:`MIN_SEEDS` seeds to say anything.

:func:`compare` measures both, and :class:`Comparison` applies the rule, in this
one place: a gap is "better" or "worse" only when McNemar's test is significant
(p < :data:`ALPHA`) on every seed *and* the interval over at least
:data:`MIN_SEEDS` seeds does not include 0. With one or two seeds the verdict
is "too few seeds" at best: the test reviews may not explain the gap, but
training luck has not been measured. :func:`difference_sentence` says it in
plain words and names the kind of noise that could explain a gap;
:func:`difference_details` keeps the p-values and the interval for a "details" part.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

#: The test sample cannot explain a gap when McNemar's p-value is below this on every seed.
ALPHA = 0.05

#: The fewest seeds whose interval can judge training luck: with 2 the t-interval spans more than
#: 25 standard errors (t = 12.7), with 3 about 8.6 (t = 4.3).
MIN_SEEDS = 3

#: The rule in words, for captions beside tables and charts.
RULE = (f"A gap is called better or worse only when it holds against both kinds of noise: the choice of test "
        f"reviews (McNemar's exact test on the same test reviews, p < {ALPHA:g} on every seed, same direction) "
        f"and training luck (a paired 95% interval over at least {MIN_SEEDS} seeds that does not include 0).")


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
    """Strategy A against strategy B over the seeds both have, and which kind of noise could explain the gap.

    The fields are what was measured; the properties apply the rule. ``verdict`` is
    one of:

    * ``"better"`` / ``"worse"``: A's gap from B holds against both the test sample
      and training luck;
    * ``"too few seeds"``: the test sample does not explain the gap (on every seed,
      in the same direction), but with fewer than :data:`MIN_SEEDS` seeds training
      luck could not be measured;
    * ``"about the same"``: the test sample or training luck could explain the gap.
    """

    a: str
    b: str
    accuracy_a: Interval
    accuracy_b: Interval
    difference: Interval                 # accuracy A - B, paired by seed: mean and t-interval over seeds
    tests: dict[int, McNemar]            # McNemar's test per seed
    gaps: dict[int, float]               # accuracy A - B per seed

    @property
    def p_values(self) -> list[float]:
        return [t.p_value for t in self.tests.values()]

    @property
    def seeds(self) -> int:
        return len(self.gaps)

    @property
    def seeds_disagree(self) -> bool:
        """Some seed has A ahead and another B ahead (or level): training luck decides who leads."""
        signs = {float(np.sign(g)) for g in self.gaps.values()}
        return len(signs) > 1 or 0.0 in signs

    @property
    def test_sample_explains(self) -> bool:
        """The choice of test reviews could explain the gap: McNemar's p is not below ALPHA on some seed."""
        return not all(p < ALPHA for p in self.p_values)

    @property
    def training_explains(self) -> bool | None:
        """Training luck could explain the gap (True), could not (False), or is not measured yet (None).

        True when the seeds disagree on who is ahead, or when the paired interval
        over :data:`MIN_SEEDS` or more seeds includes 0; None with fewer seeds.
        """
        if self.seeds_disagree:
            return True
        if self.seeds < MIN_SEEDS:
            return None
        return bool(self.difference.low <= 0 <= self.difference.high)

    @property
    def verdict(self) -> str:
        """"better"/"worse" (both kinds of noise ruled out), "too few seeds" or "about the same"."""
        if self.test_sample_explains or self.training_explains:
            return "about the same"
        if self.training_explains is None:
            return "too few seeds"
        return "better" if self.difference.mean > 0 else "worse"

    @property
    def seed_spread(self) -> float | None:
        """How far accuracy moved between seeds: the larger standard deviation of A's and B's (None for 1 seed)."""
        return max(self.accuracy_a.std, self.accuracy_b.std) if self.seeds > 1 else None


def compare(a: str, b: str, correct_a: dict[int, np.ndarray], correct_b: dict[int, np.ndarray]) -> Comparison:
    """Compare two strategies from their right/wrong answers per seed (``{seed: bool array}``), paired by seed.

    Each shared seed gets McNemar's test on the same test reviews and one gap
    (A's accuracy minus B's); the gaps give a paired interval over seeds. Three
    seeds on which A is ahead by 5.0, 4.5 and 5.5 points on 1,000 reviews hold
    against both kinds of noise; the same gap on one seed is not yet a verdict::

        >>> def right(n):
        ...     return np.arange(1_000) < n
        >>> base = {s: right(780) for s in range(3)}
        >>> compare("glove", "learned", {0: right(830), 1: right(825), 2: right(835)}, base).verdict
        'better'
        >>> compare("glove", "learned", {0: right(830)}, {0: right(780)}).verdict
        'too few seeds'
    """
    seeds = sorted(set(correct_a) & set(correct_b))
    if not seeds:
        raise ValueError("The two strategies share no seed to compare on.")
    acc_a = [float(np.mean(correct_a[s])) for s in seeds]
    acc_b = [float(np.mean(correct_b[s])) for s in seeds]
    tests = {s: mcnemar(correct_a[s], correct_b[s]) for s in seeds}
    gaps = {s: x - y for s, x, y in zip(seeds, acc_a, acc_b)}
    return Comparison(a, b, interval(acc_a), interval(acc_b), interval(list(gaps.values())), tests, gaps)


def compare_against(reference: str, answers: dict[str, dict[int, np.ndarray]]) -> dict[str, Comparison]:
    """Every other entry of ``answers`` compared with ``reference``, paired by seed: ``{name: Comparison}``.

    ``answers`` maps a name (a strategy, a group of runs) to its right/wrong answers
    per seed on the same test reviews (``{seed: bool array}``, from :func:`correct`).
    Names that share no seed with the reference are left out, and so is the reference
    itself; without the reference there is nothing to compare with::

        >>> right, wrong = np.ones(30, bool), np.zeros(30, bool)
        >>> found = compare_against("learned", {"learned": {0: wrong}, "glove": {0: right}, "word2vec": {1: right}})
        >>> {name: comparison.verdict for name, comparison in found.items()}
        {'glove': 'too few seeds'}
        >>> compare_against("learned", {"glove": {0: right}})
        {}
    """
    base = answers.get(reference)
    if not base:
        return {}
    return {name: compare(name, reference, by_seed, base) for name, by_seed in answers.items()
            if name != reference and set(by_seed) & set(base)}


# --------------------------------------------------------------------------- the words


_RUNS = {1: "One training run each", 2: "Two training runs each"}


def few_seeds_sentence(seeds: int, spread: float | None = None) -> str:
    """What one or two seeds cannot tell, in plain words; ``spread`` is how far accuracy moved between seeds (0.012).

    The number is said only when it was measured (two seeds or more); one seed says
    that the size of a rerun's change is unknown::

        >>> few_seeds_sentence(1)
        'One training run each cannot tell a gap from training luck: a second run could move these numbers, and by how much only more runs can show; train 3 seeds to tell.'
        >>> few_seeds_sentence(2, 0.012)
        'Two training runs each cannot tell a gap from training luck: a third run could move these numbers by about 1.2 points (the spread between the two seeds here); train 3 seeds to tell.'
    """
    runs = _RUNS.get(seeds, f"{seeds} training runs each")
    if seeds < 2 or spread is None:
        move = "a second run could move these numbers, and by how much only more runs can show"
    else:
        move = (f"a third run could move these numbers by about {spread * 100:.1f} points "
                "(the spread between the two seeds here)")
    return f"{runs} cannot tell a gap from training luck: {move}; train {MIN_SEEDS} seeds to tell."


def _beyond_noise(comparison: Comparison) -> str:
    """The only words in the project that call a gap beyond noise, said only of a gap that holds against both kinds."""
    if comparison.verdict not in ("better", "worse"):
        raise ValueError(f"A gap whose verdict is {comparison.verdict!r} is not beyond noise.")
    return "beyond noise: it holds against both the choice of test reviews and training luck"


def difference_sentence(comparison: Comparison, label_a: str, label_b: str) -> str:
    """One plain sentence from the numbers that names the noise which could explain the gap (no p-values).

    The numbers and the tests behind it are :func:`difference_details`. A gap on
    one seed is described, never judged "better"::

        >>> one = compare("x", "y", {0: np.arange(1_000) < 840}, {0: np.arange(1_000) < 780})
        >>> print(difference_sentence(one, "A", "B"))  # doctest: +NORMALIZE_WHITESPACE
        A scored higher than B: 84.0% vs 78.0% test accuracy, a gap of +6.0 points. The choice of test reviews
        does not explain that gap, but one training run each cannot tell a gap from training luck: a second run
        could move these numbers, and by how much only more runs can show; train 3 seeds to tell.
        >>> same = compare("x", "y", {0: np.array([1, 0, 1, 1], bool)}, {0: np.array([1, 1, 0, 1], bool)})
        >>> print(difference_sentence(same, "A", "B"))  # doctest: +NORMALIZE_WHITESPACE
        A and B did about the same: 75.0% vs 75.0% test accuracy, a gap of +0.0 points, within noise: the choice
        of test reviews could explain a gap this small. One training run each cannot tell a gap from training
        luck: a second run could move these numbers, and by how much only more runs can show; train 3 seeds to tell.
    """
    c, n = comparison, comparison.seeds
    over = f" over {n} seeds" if n > 1 else ""
    numbers = (f"{c.accuracy_a.mean:.1%} vs {c.accuracy_b.mean:.1%} test accuracy{over}, "
               f"a gap of {c.difference.mean * 100:+.1f} points")
    few = few_seeds_sentence(n, c.seed_spread)
    if c.verdict in ("better", "worse"):
        return f"{label_a} did {c.verdict} than {label_b}: {numbers}, {_beyond_noise(c)}."
    if c.verdict == "too few seeds":
        ahead = "higher" if c.difference.mean > 0 else "lower"
        return (f"{label_a} scored {ahead} than {label_b}: {numbers}. The choice of test reviews does not explain "
                f"that gap, but {few[0].lower() + few[1:]}")
    if c.test_sample_explains:
        unexplained = sum(t.p_value < ALPHA for t in c.tests.values())
        where = "a gap this small" if not unexplained else f"the gap on {n - unexplained} of the {n} seeds"
        sentence = (f"{label_a} and {label_b} did about the same: {numbers}, within noise: the choice of test "
                    f"reviews could explain {where}.")
        if n < MIN_SEEDS:
            return f"{sentence} {few}"
        return sentence + (" So could training luck." if c.training_explains else "")
    why = ("the seeds disagree on which is ahead" if c.seeds_disagree else
           f"the gap changes so much from seed to seed that its interval over {n} seeds includes 0")
    return (f"{label_a} and {label_b} did about the same: {numbers}, within training noise: {why}, so training "
            "luck could explain it.")


def difference_details(comparison: Comparison) -> str:
    """The tests behind :func:`difference_sentence`: McNemar's p and the gap per seed, and the interval over seeds.

    >>> one = compare("x", "y", {0: np.arange(1_000) < 840}, {0: np.arange(1_000) < 780})
    >>> print(difference_details(one))  # doctest: +NORMALIZE_WHITESPACE
    Test reviews: McNemar's exact test on the same test reviews, per seed: seed 0: gap +6.0 points, p = 1.7e-18.
    Every p is below 0.05, in the same direction. Training luck: the paired 95% interval needs 3 seeds (this
    has 1).
    """
    c = comparison
    per_seed = "; ".join(f"seed {s}: gap {c.gaps[s] * 100:+.1f} points, p = {t.p_value:.2g}" for s, t in c.tests.items())
    if c.test_sample_explains:
        test = f"Not every p is below {ALPHA:g}: the choice of test reviews could explain the gap."
    elif c.seeds_disagree:
        test = f"Every p is below {ALPHA:g}, but the seeds point different ways."
    else:
        test = f"Every p is below {ALPHA:g}, in the same direction."
    if c.seeds < MIN_SEEDS:
        luck = f"the paired 95% interval needs {MIN_SEEDS} seeds (this has {c.seeds})."
    else:
        where = "includes 0: training luck could explain the gap" if c.training_explains else "does not include 0"
        luck = (f"paired 95% interval of the gap over {c.seeds} seeds: {c.difference.low * 100:+.1f} to "
                f"{c.difference.high * 100:+.1f} points, which {where}.")
    return (f"Test reviews: McNemar's exact test on the same test reviews, per seed: {per_seed}. {test} "
            f"Training luck: {luck}")
