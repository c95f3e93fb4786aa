"""A small synthetic sentiment dataset, for tests and offline demos.

Every text is ten filler words plus two telling words ("great", "awful", ...), so
a model learns the task in a second, and GloVe knows almost every word: only
``zorblax`` and ``flimwop`` are deliberate misses, to show how rows without a
pretrained vector start. The dataset is rebuilt from its key alone, which is how
the worker process (and a Ray worker) gets it without anything being sent::

    >>> toy = toy_dataset(n_train=6, n_test=4, seed=1)
    >>> toy.key, len(toy.train_texts), toy.train_labels.tolist()
    ('toy-n6-t4-s1', 6, [0, 1, 0, 1, 0, 1])
    >>> toy_from_key(toy.key).train_texts == toy.train_texts
    True
    >>> toy_from_key("imdb") is None
    True
"""
from __future__ import annotations

import re

import numpy as np

from lib.data.dataset import TextDataset

POSITIVE_WORDS = ["great", "wonderful", "excellent", "loved", "best", "brilliant", "superb", "enjoyable"]
NEGATIVE_WORDS = ["awful", "boring", "worst", "terrible", "hated", "dull", "waste", "poor"]
FILLER_WORDS = ["the", "movie", "film", "was", "plot", "actors", "story", "really", "and", "a", "of", "it",
                "scenes", "ending", "music", "director", "quite", "zorblax", "flimwop"]

_KEY = re.compile(r"toy-n(\d+)-t(\d+)-s(\d+)")


def toy_dataset(n_train: int = 300, n_test: int = 200, seed: int = 0) -> TextDataset:
    """``n_train`` training and ``n_test`` test texts, labels alternating negative/positive, drawn with ``seed``."""
    rng = np.random.default_rng(seed)

    def make(n):
        texts, labels = [], []
        for i in range(n):
            label = i % 2
            cue = POSITIVE_WORDS if label else NEGATIVE_WORDS
            words = list(rng.choice(FILLER_WORDS, size=10)) + list(rng.choice(cue, size=2))
            rng.shuffle(words)
            texts.append(" ".join(words))
            labels.append(label)
        return texts, np.array(labels, dtype="int64")

    train_texts, train_labels = make(n_train)
    test_texts, test_labels = make(n_test)
    return TextDataset(name="Toy reviews", train_texts=train_texts, train_labels=train_labels,
                       test_texts=test_texts, test_labels=test_labels, class_names=["negative", "positive"],
                       source="Synthetic: filler words plus two sentiment words per text.",
                       key=toy_key(n_train, n_test, seed))


def toy_key(n_train: int = 300, n_test: int = 200, seed: int = 0) -> str:
    """The dataset key of :func:`toy_dataset` with these arguments, e.g. ``"toy-n300-t200-s0"``."""
    return f"toy-n{n_train}-t{n_test}-s{seed}"


def toy_from_key(key: str) -> TextDataset | None:
    """The toy dataset a key of :func:`toy_key` names, or ``None`` when ``key`` is not a toy key."""
    found = _KEY.fullmatch(key)
    return toy_dataset(*(int(number) for number in found.groups())) if found else None
