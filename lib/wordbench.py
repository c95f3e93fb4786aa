"""Word benchmarks: do an embedding's similarities agree with people's?

Three classic test sets, read from the copies gensim ships (``gensim.test.utils.datapath``):

* **WordSim-353** (Finkelstein et al. 2002): 353 word pairs rated 0-10 by people for how
  *related* they are (coffee-cup scores high though a cup is not coffee).
* **SimLex-999** (Hill, Reichart & Korhonen 2015): 999 pairs rated for *similarity* only
  (coffee-cup scores low; hard-difficult high; opposites such as old-new low).
* **Google analogies** (Mikolov et al. 2013): 19,544 questions "a is to b as c is to ?"
  (Athens : Greece = Baghdad : ?), answered with the word nearest to ``b - a + c`` (3CosAdd).

The pair scores are Spearman correlations between the people's ratings and the cosines
(1 = same order, 0 = unrelated); the analogy score is the share answered exactly.
Pairs or questions with a word the embedding lacks are skipped, and *coverage* says how many
were used: a score over 40% of the pairs is not comparable to one over all of them.

The rules are gensim's, so the numbers equal ``KeyedVectors.evaluate_word_pairs`` and
``evaluate_word_analogies`` (tested): words are matched case-insensitively (the first,
most frequent, form of a word wins); analogies only use, and only answer with, the
``restrict_vocab`` most frequent words (30,000 here, as in the original word2vec tool); the
three question words are never the answer. Where gensim answers one question at a time
(about 6-27 s for GloVe), :func:`analogy_accuracy` answers a few hundred at once with one
matrix product each and takes the best with ``argmax`` (under 3 s).

What these scores do not say: they measure agreement with general-purpose human judgements,
which predict accuracy on a task such as sentiment poorly (Faruqui et al. 2016; Chiu,
Korhonen & Pyysalo 2016). An embedding fine-tuned for sentiment is expected to lose here
("good" and "bad" pulled apart, "movie" and "film" left alone) while classifying better.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from gensim.test.utils import datapath
from scipy.stats import spearmanr
from threadpoolctl import threadpool_limits

WORDSIM = "wordsim353.tsv"
SIMLEX = "simlex999.txt"
ANALOGIES = "questions-words.txt"
#: gensim's default vocabulary limits: the analogy one is the original word2vec tool's 30,000.
PAIRS_RESTRICT = 300_000
ANALOGY_RESTRICT = 30_000


def data_path(name: str) -> Path:
    """Where gensim keeps one of its test files."""
    return Path(datapath(name))


def read_pairs(path) -> list[tuple[str, str, float]]:
    """``(word, word, human score)`` rows of a WordSim/SimLex file; comment and malformed lines skipped (as gensim)."""
    pairs = []
    with open(path, encoding="utf8") as fh:
        for line in fh:
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 3:
                continue
            try:
                pairs.append((parts[0].upper(), parts[1].upper(), float(parts[2])))
            except ValueError:
                continue
    return pairs


def read_analogies(path) -> list[tuple[str, str, str, str, str]]:
    """``(section, a, b, c, expected)`` questions, upper-cased, from a ``questions-words.txt`` file."""
    questions, section = [], ""
    with open(path, "rb") as fh:
        for raw in fh:
            line = raw.decode("utf8")
            if line.startswith(": "):
                section = line.lstrip(": ").strip()
                continue
            words = line.upper().split()
            if len(words) == 4:
                questions.append((section, *words))
    return questions


def upper_index(index_to_key: Sequence[str], restrict: int) -> dict[str, int]:
    """``WORD -> row`` over the first ``restrict`` words; the first (most frequent) form of a word wins.

    >>> upper_index(["the", "The", "cat"], 10)
    {'THE': 0, 'CAT': 2}
    """
    index: dict[str, int] = {}
    for i, word in enumerate(index_to_key[:restrict]):
        index.setdefault(word.upper(), i)
    return index


@dataclass(frozen=True)
class Score:
    """One benchmark on one embedding: the score, and how many items it used out of how many."""

    value: float
    used: int
    total: int

    @property
    def coverage(self) -> float:
        return self.used / self.total if self.total else 0.0


def pair_correlation(index_to_key: Sequence[str], vectors: np.ndarray, pairs: Sequence[tuple[str, str, float]],
                     restrict: int = PAIRS_RESTRICT) -> Score:
    """Spearman correlation of the cosines of the known ``pairs`` with their human scores."""
    index = upper_index(index_to_key, restrict)
    known = [(index[a], index[b], s) for a, b, s in pairs if a in index and b in index]
    if len(known) < 3:
        return Score(float("nan"), len(known), len(pairs))
    ia, ib, gold = (np.array(col) for col in zip(*known))
    V = np.asarray(vectors, dtype=np.float64)
    A, B = V[ia], V[ib]
    cos = np.einsum("ij,ij->i", A, B) / (np.linalg.norm(A, axis=1) * np.linalg.norm(B, axis=1))
    return Score(float(spearmanr(gold, cos).statistic), len(known), len(pairs))


def analogy_accuracy(index_to_key: Sequence[str], vectors: np.ndarray,
                     questions: Sequence[tuple[str, str, str, str, str]], restrict: int = ANALOGY_RESTRICT,
                     batch: int = 512) -> Score:
    """Share of ``questions`` answered exactly by 3CosAdd among the ``restrict`` most frequent words.

    For ``a : b = c : ?`` the answer is the word whose vector has the highest cosine with
    ``unit(b) - unit(a) + unit(c)``, the three question words left out (gensim's
    ``most_similar(positive=[b, c], negative=[a])``). ``batch`` questions are answered with one
    ``(batch, d) @ (d, restrict)`` product and one ``argmax`` per row (``argpartition`` for the
    rare rows where the best word is another form of a question word).
    """
    index = upper_index(index_to_key, restrict)
    rows = np.array([(index[a], index[b], index[c], index[e]) for _, a, b, c, e in questions
                     if a in index and b in index and c in index and e in index], dtype=np.int64).reshape(-1, 4)
    if not len(rows):
        return Score(float("nan"), 0, len(questions))
    n_rows = max(index.values()) + 1
    V = np.asarray(vectors[:n_rows], dtype=np.float32)
    norms = np.linalg.norm(V, axis=1)
    safe = np.where(norms == 0, 1, norms).astype(np.float32)
    unit = V / safe[:, None]
    # every row's canonical row (the first form of its word), to compare answers case-insensitively as gensim does
    canon = np.array([index[w.upper()] for w in index_to_key[:n_rows]], dtype=np.int64)
    correct = 0
    top = 5
    with threadpool_limits(limits=1, user_api="blas"):  # faster on a busy 2-core machine (see nearest_all)
        for start in range(0, len(rows), batch):
            correct += _answer_batch(rows[start:start + batch], unit, V, safe, canon, top)
    return Score(correct / len(rows), len(rows), len(questions))


def _answer_batch(q: np.ndarray, unit: np.ndarray, V: np.ndarray, safe: np.ndarray, canon: np.ndarray,
                  top: int) -> int:
    """How many of the questions ``q`` (rows a, b, c, expected) 3CosAdd answers exactly."""
    target = (unit[q[:, 1]] + unit[q[:, 2]]) - unit[q[:, 0]]     # the direction gensim ranks by
    sims = target @ V.T
    sims /= safe[None, :]
    r = np.arange(len(q))[:, None]
    sims[r, q[:, :3]] = -np.inf                                  # the question words are never the answer
    answer = canon[sims.argmax(axis=1)]
    asked = canon[q[:, :3]]
    # Rarely the best word is another form of a question word ("Paris" for "paris"): gensim then
    # takes the next of its top five. Only those rows need the top five.
    clash = np.flatnonzero((answer[:, None] == asked).any(axis=1))
    if clash.size:
        sub = sims[clash]
        best = np.argpartition(-sub, top - 1, axis=1)[:, :top]
        order = np.argsort(-np.take_along_axis(sub, best, axis=1), axis=1, kind="stable")
        cands = canon[np.take_along_axis(best, order, axis=1)]
        allowed = ~(cands[:, :, None] == asked[clash][:, None, :]).any(axis=2)
        first = np.where(allowed.any(axis=1), allowed.argmax(axis=1), top - 1)
        answer[clash] = cands[np.arange(len(clash)), first]
    return int((answer == canon[q[:, 3]]).sum())


@dataclass(frozen=True)
class Benchmarks:
    """The three scores of one embedding."""

    wordsim: Score
    simlex: Score
    analogies: Score


_CACHE: dict[str, list] = {}


def benchmark_sets() -> tuple[list, list, list]:
    """``(WordSim-353 pairs, SimLex-999 pairs, analogy questions)`` from gensim's files (read once)."""
    if not _CACHE:
        _CACHE["wordsim"] = read_pairs(data_path(WORDSIM))
        _CACHE["simlex"] = read_pairs(data_path(SIMLEX))
        _CACHE["analogies"] = read_analogies(data_path(ANALOGIES))
    return _CACHE["wordsim"], _CACHE["simlex"], _CACHE["analogies"]


def evaluate(index_to_key: Sequence[str], vectors: np.ndarray) -> Benchmarks:
    """All three benchmarks for one embedding (its words most frequent first, one row each)."""
    wordsim, simlex, questions = benchmark_sets()
    return Benchmarks(pair_correlation(index_to_key, vectors, wordsim), pair_correlation(index_to_key, vectors, simlex),
                      analogy_accuracy(index_to_key, vectors, questions))


def table_row(name: str, result: Benchmarks) -> dict:
    """One row of the benchmark table: scores and coverage.

    >>> table_row("x", Benchmarks(Score(0.5, 350, 353), Score(0.25, 990, 999), Score(0.5, 100, 200)))["analogies"]
    '50.0%'
    """
    def coverage(s: Score) -> str:
        return f"{s.used:,} / {s.total:,}"

    return {"embedding": name,
            "WordSim-353 ρ": _fmt(result.wordsim.value, ".3f"), "WordSim used": coverage(result.wordsim),
            "SimLex-999 ρ": _fmt(result.simlex.value, ".3f"), "SimLex used": coverage(result.simlex),
            "analogies": _fmt(result.analogies.value, ".1%"), "analogies used": coverage(result.analogies)}


def _fmt(value: float, spec: str) -> str:
    return "–" if not np.isfinite(value) else format(value, spec)


def benchmark_sentence(names: Sequence[str], results: Sequence[Benchmarks],
                       pairs: Sequence[tuple[int, int]] = ()) -> str:
    """A caption from the numbers: the best on each benchmark, and what training did to each (before, after) pair.

    ``pairs`` are ``(before, after)`` positions in ``names`` of one run's two matrices.
    """
    parts = []
    for label, get, spec in (("WordSim-353", lambda r: r.wordsim, ".2f"), ("SimLex-999", lambda r: r.simlex, ".2f"),
                             ("the analogies", lambda r: r.analogies, ".1%")):
        values = [get(r).value for r in results]
        finite = [i for i, v in enumerate(values) if np.isfinite(v)]
        if finite:
            best = max(finite, key=lambda i: values[i])
            parts.append(f"{label}: {names[best]} ({format(values[best], spec)}, {get(results[best]).coverage:.0%} "
                         "of the items)")
    sentence = "Highest on " + "; ".join(parts) + "." if parts else "No embedding knows enough of the test words."
    for before, after in pairs:
        b, a = results[before], results[after]
        changes = [(label, get(a).value - get(b).value) for label, get in
                   (("WordSim", lambda r: r.wordsim), ("SimLex", lambda r: r.simlex),
                    ("analogies", lambda r: r.analogies))]
        changes = [(label, d) for label, d in changes if np.isfinite(d)]
        if changes:
            said = "; ".join(f"{_direction(d)} on {label} ({_delta(label, d)})" for label, d in changes)
            sentence += f" From before to after training, {names[after].rsplit(' · ', 1)[0]}: {said}."
    return sentence


def _direction(delta: float) -> str:
    return "gained" if delta > SAME_WITHIN else "lost" if delta < -SAME_WITHIN else "about the same"


def _delta(label: str, delta: float) -> str:
    return f"{delta * 100:+.1f} points" if label == "analogies" else f"{delta:+.3f}"


#: Changes of a score smaller than this are reported as "about the same".
SAME_WITHIN = 0.005
