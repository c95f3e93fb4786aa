"""How words lean in labelled texts, and how well vectors tell the two leanings apart.

A word's *lean* is read off the training texts, never off a model: :func:`sentiment_table`
counts in how many positive and how many negative texts each word appears and turns the two
counts into smoothed log-odds (Monroe et al. 2008), so "awful" scores clearly negative while a
word that appears everywhere ("movie") scores near 0::

    >>> table = sentiment_table(["a great film", "great fun", "an awful film", "awful and dull"], [1, 1, 0, 0],
    ...                         prior_strength=1.0)
    >>> [w for w in ("great", "awful", "film") if table.scores([w])[0] > 0]
    ['great']

The same table gives word frequencies (:meth:`SentimentTable.frequent`), so every page means the
same by "the most frequent words" and "the clearest positive words" (:func:`sentiment_words`).
:func:`separation_score` then asks the vectors: can a straight cut through the embedding tell
the clearly positive words from the clearly negative ones (cross-validated, 0.5 = guessing)?
"""
from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from lib.data.imdb import imdb_once
from lib.words import known_to_all
from lib.errors import UserError
from lib.neighbours import unit_rows
from lib.text import Tokenizer


class SentimentError(UserError):
    """Texts or words that cannot give a lean or a separation score (one class only, mismatched lengths, ...)."""


def function_words() -> frozenset[str]:
    """English function words ("the", "and", "not", ...) plus tokenizer leftovers such as "br" and the
    pieces of contractions ("don", "t"): words too frequent to be interesting on a map, which lean only
    slightly yet have large z-scores. One list, so every page means the same by "most frequent words"."""
    return frozenset(ENGLISH_STOP_WORDS) | {"br", "s", "t", "don", "didn", "doesn", "isn", "wasn", "ve", "ll",
                                            "d", "m", "re", "just", "like", "did", "does"}


@dataclass(frozen=True)
class SentimentTable:
    """Per-word counts and log-odds of appearing in positive vs negative texts.

    ``words[i]`` appears in ``pos_docs[i]`` positive and ``neg_docs[i]`` negative
    texts. ``log_odds[i] > 0`` leans positive; ``exp(log_odds)`` is roughly "how
    many times more likely in a positive text". ``z[i]`` divides by the
    estimate's standard error: it ranks words by how *sure* we are of the lean
    (frequent, consistent words come first), so use it to pick the most
    sentiment-laden words and ``log_odds`` to colour them.
    """

    words: list[str]
    pos_docs: np.ndarray
    neg_docs: np.ndarray
    log_odds: np.ndarray
    z: np.ndarray
    n_pos: int
    n_neg: int

    def index(self) -> dict[str, int]:
        """``word -> row``, built once per table (the IMDB table is shared by every visitor of a server, and
        rebuilding a dict of all its words for each lookup was a fifth of Compare's CPU per visit)."""
        return self._index

    @cached_property
    def _index(self) -> dict[str, int]:  # cached_property writes the instance's __dict__: allowed when frozen
        return {w: i for i, w in enumerate(self.words)}

    def scores(self, words: Iterable[str]) -> np.ndarray:
        """``log_odds`` of each word; ``nan`` for words the texts never contain."""
        idx = self.index()
        return np.array([self.log_odds[idx[w]] if w in idx else np.nan for w in words], dtype=float)

    def doc_counts(self, words: Iterable[str]) -> np.ndarray:
        """How many texts contain each word (float, so ``nan`` can mark words the texts never contain)."""
        idx = self.index()
        return np.array([self.pos_docs[idx[w]] + self.neg_docs[idx[w]] if w in idx else np.nan for w in words],
                        dtype=float)

    def frequent(self, n: int, exclude: Iterable[str] = ()) -> list[str]:
        """The ``n`` words found in the most texts (ties: first seen first), skipping ``exclude``."""
        skip = set(exclude)
        order = np.argsort(-(self.pos_docs + self.neg_docs), kind="stable")
        out: list[str] = []
        for i in order:
            if len(out) >= n:
                break
            if self.words[i] not in skip:
                out.append(self.words[i])
        return out

    def top(self, n: int, min_docs: int = 20, exclude: Iterable[str] = ()) -> tuple[list[str], list[str]]:
        """The ``n`` most clearly positive and the ``n`` most clearly negative words (by ``z``).

        Words in fewer than ``min_docs`` texts are skipped (too rare to trust), and
        so are words in ``exclude`` (e.g. function words such as "and" or "this",
        which lean slightly but are so frequent that their ``z`` is large).
        """
        total = self.pos_docs + self.neg_docs
        skip = set(exclude)
        ok = np.flatnonzero(total >= min_docs)
        if skip:
            ok = np.array([i for i in ok if self.words[i] not in skip], dtype=np.int64)
        by_z = ok[np.argsort(-self.z[ok], kind="stable")]
        positive = [self.words[i] for i in by_z[:n] if self.z[i] > 0]
        negative = [self.words[i] for i in by_z[::-1][:n] if self.z[i] < 0]
        return positive, negative


def sentiment_table(texts: Sequence[str], labels: Sequence[int], positive_label: int = 1,
                    prior_strength: float = 500.0, tokenizer=None) -> SentimentTable:
    """Smoothed log-odds of each word appearing in positive vs negative texts (Monroe et al. 2008).

    Counts are *document* frequencies (a review that says "awful" ten times counts
    once), so one ranting review cannot make a word look negative. For word ``w``
    with ``y_p`` positive and ``y_n`` negative documents out of ``n_p`` and ``n_n``:

        a_w   = prior_strength * (y_p + y_n) / (n_p + n_n)       # informative Dirichlet prior
        delta = log((y_p + a_w) / (n_p + A - y_p - a_w)) - log((y_n + a_w) / (n_n + A - y_n - a_w))
        z     = delta / sqrt(1/(y_p + a_w) + 1/(y_n + a_w))

    where ``A = prior_strength``. The prior pulls rare words towards 0 (no lean).
    Labels other than ``positive_label`` count as negative.

    Vectorised: texts are split with the project's :class:`~lib.text.Tokenizer`,
    turned into one sparse document-term matrix, and counted per class with one
    sparse product (about 2 s for the 25,000 IMDB training reviews).
    """
    labels = np.asarray(labels)
    if len(texts) != len(labels):
        raise SentimentError(f"Got {len(texts)} texts but {len(labels)} labels.")
    is_pos = labels == positive_label
    n_pos, n_neg = int(is_pos.sum()), int((~is_pos).sum())
    if n_pos == 0 or n_neg == 0:
        raise SentimentError("Sentiment scores need both positive and negative texts; this data has only one kind.")
    tok = tokenizer or Tokenizer()
    word_lists = [tok.split(t) for t in texts]
    if tokenizer is None:
        tok.fit_on_word_lists(word_lists)
    seqs = tok.word_lists_to_sequences(word_lists)
    lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
    cols = np.fromiter((i for s in seqs for i in s), dtype=np.int64, count=int(lengths.sum()))
    rows = np.repeat(np.arange(len(seqs)), lengths)
    n_words = len(tok.word_index) + 1
    dtm = sparse.csr_matrix((np.ones_like(cols, dtype=np.float32), (rows, cols)), shape=(len(seqs), n_words))
    dtm.data[:] = 1.0  # presence, not count (duplicates were summed by the constructor)
    pos_docs = np.asarray(dtm[is_pos].sum(axis=0)).ravel()[1:]
    neg_docs = np.asarray(dtm[~is_pos].sum(axis=0)).ravel()[1:]
    words = [tok.index_word[i] for i in range(1, n_words)]

    A = float(prior_strength)
    a = A * (pos_docs + neg_docs) / (n_pos + n_neg)
    a = np.maximum(a, 1e-3)
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = np.log((pos_docs + a) / np.maximum(n_pos + A - pos_docs - a, 1e-9)) - np.log(
            (neg_docs + a) / np.maximum(n_neg + A - neg_docs - a, 1e-9)
        )
        # Correct for unequal class sizes so a balanced word scores 0.
        delta -= np.log(n_pos / n_neg)
        z = delta / np.sqrt(1.0 / (pos_docs + a) + 1.0 / (neg_docs + a))
    return SentimentTable(words, pos_docs.astype(np.int64), neg_docs.astype(np.int64),
                          delta.astype(float), z.astype(float), n_pos, n_neg)



@lru_cache(maxsize=1)
def imdb_sentiment_table() -> SentimentTable:
    """:func:`sentiment_table` of the 25,000 IMDB *training* reviews (one pass of ~20-40 s, kept per process).

    The pages ask :mod:`lib.helper_process` for it, so that pass never holds up the web server.
    """
    data = imdb_once()
    return sentiment_table(data.train_texts, data.train_labels)


def separation_score(vectors: np.ndarray, labels: Sequence[int], seed: int = 0, folds: int = 5) -> float:
    """How well the word vectors alone tell the two groups apart: cross-validated balanced accuracy.

    The vectors are scaled to length 1 first (only their directions count, as for
    cosine neighbours), so every page that shows this score for the same words gets
    the same number. A logistic regression (on standardised features) is trained on part of the
    words and tested on the others, ``folds`` times. 0.5 means the vectors carry no
    information about the labels (chance), 1.0 that a straight cut separates the
    positive from the negative words perfectly. Balanced accuracy, so an uneven
    number of positive and negative words does not inflate the score.
    """
    X = unit_rows(np.asarray(vectors, dtype=np.float64))
    y = np.asarray(labels)
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) != 2:
        raise SentimentError("The separation score needs words of exactly two kinds (positive and negative).")
    n_splits = int(min(folds, counts.min()))
    if n_splits < 2:
        raise SentimentError("The separation score needs at least two positive and two negative words.")
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
    cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return float(cross_val_score(model, X, y, cv=cv, scoring="balanced_accuracy").mean())


# --- which words count as clearly positive or negative ------------------------------------------------


def trustworthy_min_docs(n_texts: int) -> int:
    """Fewest texts a word must appear in for its positive/negative lean to be trusted.

    20 on IMDB-sized data; on small uploads 1 text in 500 (at least 2), or no word would qualify.

    >>> trustworthy_min_docs(25_000), trustworthy_min_docs(160)
    (20, 2)
    """
    return min(20, max(2, n_texts // 500))


def sentiment_words(table: SentimentTable, n_each: int) -> tuple[list[str], list[str]]:
    """The ``n_each`` most clearly positive and negative words of ``table``, function words left out."""
    return table.top(n_each, min_docs=trustworthy_min_docs(table.n_pos + table.n_neg), exclude=function_words())


def balanced_sentiment_words(table: SentimentTable, vocabularies: Sequence[Container[str]],
                             n_each: int = 150) -> tuple[list[str], list[str]]:
    """Equally many clearly positive and negative words that every vocabulary knows (for the separation score)."""
    positive, negative = sentiment_words(table, n_each)
    positive, _ = known_to_all(vocabularies, positive)
    negative, _ = known_to_all(vocabularies, negative)
    n = min(len(positive), len(negative))
    return positive[:n], negative[:n]


def frequent_trustworthy_words(table: SentimentTable, vocabularies: Sequence[Container[str]],
                               exclude: Iterable[str] = (), n: int = 2_000) -> list[str]:
    """The ``n`` most frequent words every vocabulary knows whose lean can be trusted (no function words,
    nothing in ``exclude``): the words a meaning axis is checked against."""
    candidates = table.frequent(4 * n, exclude=function_words() | set(exclude))
    counts = table.doc_counts(candidates)
    enough = trustworthy_min_docs(table.n_pos + table.n_neg)
    return known_to_all(vocabularies, [w for w, c in zip(candidates, counts) if c >= enough])[0][:n]


def fold_labels(labels: Sequence[int], class_names: Sequence[str]) -> tuple[np.ndarray, int, bool]:
    """``(labels, positive label, is_sentiment)`` for word frequencies and sentiment.

    With two classes the labels stay as they are and the class called "positive" (else class 1)
    counts as positive. With more, positive/negative means nothing, but word frequencies still
    do, and :func:`sentiment_table` needs two groups: the first class becomes 1 and
    the rest 0, and ``is_sentiment`` is False so no one reads the result as sentiment.

    >>> fold_labels([0, 1, 2, 1], ["sport", "politics", "science"])
    (array([1, 0, 0, 0]), 1, False)
    >>> fold_labels([1, 0], ["Positive", "Negative"])[1:]
    (0, True)
    """
    labels = np.asarray(labels)
    names = [c.lower() for c in class_names]
    if len(names) == 2:
        return labels, names.index("positive") if "positive" in names else 1, True
    return (labels == labels.min()).astype(int), 1, False


def map_colours(table: SentimentTable, words: Sequence[str], by_sentiment: bool) -> tuple[np.ndarray, str, bool]:
    """``(values, colour-bar title, diverging)`` for the dots of a map (:func:`lib.maps.map_figure`).

    By sentiment: each word's log-odds (diverging around 0). Otherwise how common it is:
    log10 of the texts containing it, so a handful of very frequent words do not wash out
    the scale (sequential).
    """
    if by_sentiment:
        return table.scores(words), "sentiment (log-odds)", True
    return np.log10(np.maximum(table.doc_counts(words), 1)), "log10 texts containing it", False
