"""What a dataset is, and how its texts are cleaned, split and subsampled.

Every dataset comes out as a :class:`TextDataset`: training texts and labels, test
texts and labels, the class names, one sentence saying where the data came from,
and a short ``key`` (:mod:`lib.data.keys`) that caches and run configs use to find
it again. Where the texts come from is another module's business (:mod:`lib.data.imdb`,
:mod:`lib.data.uploads`); this one only knows what to do with texts and labels.

Splitting without leaks
-----------------------
A table often holds the same text more than once (the IMDB CSV has a few hundred
exact copies). If one copy went to training and another to test, the model would
be graded on a text it has already seen, so :func:`grouped_stratified_split` keeps
**all copies of a text on the same side**, and keeps each class's share on both
sides. :func:`split_dataset` applies it and builds the :class:`TextDataset`.

Smaller training sets
---------------------
:func:`subsample` draws a stratified, reproducible training subset (the test split
is untouched) with :func:`stratified_indices`, the one stratified sampler; its key is
``<key>-n<size>-s<seed>``::

    >>> import numpy as np
    >>> data = split_dataset(["good", "fine", "great", "nice", "bad", "poor", "awful", "dull"],
    ...                      np.array([1, 1, 1, 1, 0, 0, 0, 0]), ["negative", "positive"], 0.5, seed=0,
    ...                      name="tiny", source="Eight words.", key="tiny")
    >>> data.class_counts("train"), data.class_counts("test")
    ({'negative': 2, 'positive': 2}, {'negative': 2, 'positive': 2})
    >>> small = subsample(data, 2)
    >>> small.key, small.class_counts("train")
    ('tiny-n2-s0', {'negative': 1, 'positive': 1})
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from lib.data.keys import subset_key
from lib.errors import UserError

_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"\s{2,}")


class DatasetError(UserError):
    """A dataset problem the user can fix; the message says what was wrong and what to do."""


@dataclass(frozen=True)
class TextDataset:
    """Texts with class labels, split once into training and test parts.

    ``train_labels`` / ``test_labels`` are int64 class ids ``0 .. k-1``; the id ``i``
    means ``class_names[i]``. ``key`` is short and stable ("imdb", "imdb-n2000-s0",
    "upload-3f2a9c..."), for cache keys and run configs; ``source`` is one
    sentence for people; ``notes`` holds anything else worth saying (duplicates
    found, rows dropped).
    """

    name: str
    train_texts: list[str]
    train_labels: np.ndarray
    test_texts: list[str]
    test_labels: np.ndarray
    class_names: list[str]
    source: str
    key: str
    notes: str = ""

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def class_counts(self, split: str = "train") -> dict[str, int]:
        """How many examples of each class the ``"train"`` or ``"test"`` split holds."""
        labels = self.train_labels if split == "train" else self.test_labels
        counts = np.bincount(labels, minlength=self.num_classes)
        return {name: int(c) for name, c in zip(self.class_names, counts)}



# --- cleaning and splitting ------------------------------------------------------------------


def clean_text(text: str) -> str:
    """Turn HTML line breaks (``<br />``, as in the IMDB reviews) into spaces and squeeze runs of whitespace.

    Written for speed on 50,000 reviews: plain ``str.replace`` for the usual forms, and
    a regular expression only for the texts that still need one.
    """
    text = text.replace("<br /><br />", " ").replace("<br />", " ")
    if "<b" in text or "<B" in text:
        text = _BR.sub(" ", text)
    if "  " in text:
        text = _SPACES.sub(" ", text)
    return text.strip()


def grouped_stratified_split(
    texts: list[str], labels: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Split row indices into ``(train, test)``: per class, with all copies of a text on one side.

    For every class, the groups of identical texts are put in a seeded random order
    and dealt to the test side while they fit under ``round(n_class * test_fraction)``
    rows; the rest go to training. With mostly unique texts the test side gets
    exactly its share. A group whose copies carry different labels is dealt with
    the class of its first copy. Both returned index arrays are sorted.
    """
    labels = np.asarray(labels)
    first_row: dict[str, int] = {}
    group_of = np.empty(len(texts), dtype=np.int64)
    group_rows: list[list[int]] = []
    for i, t in enumerate(texts):
        g = first_row.get(t)
        if g is None:
            g = first_row[t] = len(group_rows)
            group_rows.append([])
        group_rows[g].append(i)
        group_of[i] = g
    group_label = np.array([labels[rows[0]] for rows in group_rows])
    rng = np.random.default_rng(seed)
    test: list[int] = []
    train: list[int] = []
    for c in np.unique(labels):
        groups = np.flatnonzero(group_label == c)
        target = int(round(int(np.sum(labels == c)) * test_fraction))
        taken = 0
        for g in rng.permutation(groups):
            rows = group_rows[g]
            if taken + len(rows) <= target:
                test.extend(rows)
                taken += len(rows)
            else:
                train.extend(rows)
    return np.array(sorted(train), dtype=np.int64), np.array(sorted(test), dtype=np.int64)


def split_dataset(texts, labels, class_names, test_fraction, seed, **fields) -> TextDataset:
    """A :class:`TextDataset` of ``texts`` split by :func:`grouped_stratified_split`; ``fields`` are the rest
    (``name``, ``source``, ``key``, ``notes``)."""
    train_idx, test_idx = grouped_stratified_split(texts, labels, test_fraction, seed)
    return TextDataset(
        train_texts=[texts[i] for i in train_idx],
        train_labels=labels[train_idx].astype(np.int64),
        test_texts=[texts[i] for i in test_idx],
        test_labels=labels[test_idx].astype(np.int64),
        class_names=list(class_names),
        **fields,
    )


# --- subsets -------------------------------------------------------------------------------------


def stratified_indices(labels, n: int, seed: int) -> np.ndarray:
    """Sorted row indices of a stratified sample of ``n`` of ``labels``, the same for the same seed.

    Each class gets its share ``n x (class count / total)``, rounded down, and the
    rows still missing go to the classes with the largest remainders (ties to the
    class that sorts first), so the shares add up to exactly ``n``. Every class
    present keeps at least one row. Within a class the rows are a seeded random
    choice (``numpy.random.default_rng(seed)``, classes in sorted order)::

        >>> stratified_indices([0, 0, 0, 1], 2, seed=0).size
        2
        >>> int(stratified_indices([0, 1, 1, 1, 1], 2, seed=0)[0])   # the one 0 is kept
        0

    ``n`` at least ``len(labels)`` returns every index.
    """
    labels = np.asarray(labels)
    total = len(labels)
    if n >= total:
        return np.arange(total, dtype=np.int64)
    classes, counts = np.unique(labels, return_counts=True)
    if n < len(classes):
        raise DatasetError(
            f"A training set of {n} examples cannot hold all {len(classes)} classes; use at least {len(classes)}."
        )
    exact = counts / total * n
    take = np.floor(exact).astype(int)
    for c in np.argsort(-(exact - take), kind="stable")[: n - int(take.sum())]:
        take[c] += 1
    take = np.minimum(np.maximum(take, 1), counts)
    for _ in range(int(take.sum()) - n):  # the minimum of one went over n: the largest shares give a row back
        take[int(np.argmax(take))] -= 1
    rng = np.random.default_rng(seed)
    chosen = np.concatenate([rng.permutation(np.flatnonzero(labels == c))[:k] for c, k in zip(classes, take)])
    chosen.sort()
    return chosen.astype(np.int64)


def subsample(dataset: TextDataset, n_train: int | None, seed: int = 0) -> TextDataset:
    """A stratified, reproducible subset of ``n_train`` training examples; the test split is untouched.

    Each class keeps its share of the training split (:func:`stratified_indices`:
    largest-remainder rounding, at least one example per class). The same
    ``(n_train, seed)`` always picks the same examples, and a smaller subset is
    *not* guaranteed to be inside a larger one. ``None`` or a size at least the
    training split's returns ``dataset`` itself. The subset's key is
    :func:`subset_key` of the dataset's.
    """
    n_total = len(dataset.train_texts)
    if n_train is None or n_train >= n_total:
        return dataset
    n_train = int(n_train)
    k = dataset.num_classes
    if n_train < k:
        raise DatasetError(f"A training set of {n_train} examples cannot hold all {k} classes; use at least {k}.")
    chosen = stratified_indices(dataset.train_labels, n_train, seed)
    return replace(
        dataset,
        train_texts=[dataset.train_texts[i] for i in chosen],
        train_labels=dataset.train_labels[chosen],
        key=subset_key(dataset.key, n_train, seed),
        source=dataset.source + f" Training on a stratified subset of {len(chosen):,} of them (seed {seed}).",
    )
