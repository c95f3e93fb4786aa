"""An uploaded table becomes a dataset: which column holds the texts, which the labels, how it is split.

:func:`dataset_from_table` checks the chosen columns of a DataFrame (missing, empty,
numbers instead of text, one class only, a class too small to split, ...) and says
in one sentence what to fix; :func:`dataset_from_upload` reads the bytes first
(:func:`lib.data.tables.read_table`, within its bounds) and stores the result
(:mod:`lib.data.store`) under a key made from the content, so a background training
job or a later session can get it back.

Labels that are empty or a conventional "missing" marker (``NaN``, ``NA``, ``null``,
... see :data:`MISSING_LABELS`) never become a class: those rows are dropped, and
``notes`` says how many::

    >>> import pandas as pd
    >>> table = pd.DataFrame({"text": ["good", "fine", "bad", "poor", "meh", "hm"],
    ...                       "label": ["pos", "pos", "neg", "neg", "NaN", " null "]})
    >>> data = dataset_from_table(table, "text", "label", name="tiny.csv", test_fraction=0.5)
    >>> data.class_names, data.key.startswith("upload-")
    (['neg', 'pos'], True)
    >>> data.notes
    '2 rows without a label (empty, NaN, NA, null or None) were left out. Every copy of a repeated text is on the same side of the split.'
"""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from lib.data.dataset import DatasetError, TextDataset, clean_text, split_dataset
from lib.data.keys import upload_key
from lib.data.store import save_dataset, save_upload
from lib.data.tables import read_table

#: More distinct labels than this means the column is probably not a label column.
MAX_CLASSES = 100
#: Label values that mean "no label" (compared lower-cased, after stripping spaces).
MISSING_LABELS = frozenset({"", "nan", "na", "n/a", "null", "none", "<na>", "#n/a", "nat"})


def _dropped_note(dropped: int, no_label: int) -> str:
    if not dropped:
        return ""
    no_text = dropped - no_label
    parts = []
    if no_text:
        parts.append(f"{no_text:,} rows with an empty text")
    if no_label:
        parts.append(f"{no_label:,} rows without a label (empty, NaN, NA, null or None)")
    return " and ".join(parts) + " were left out. "


def dataset_from_table(
    df: pd.DataFrame,
    text_column: str,
    label_column: str,
    name: str,
    test_fraction: float = 0.2,
    seed: int = 0,
    key: str | None = None,
) -> TextDataset:
    """Check the chosen columns and split the rows into a :class:`TextDataset`.

    Rows with an empty text, or with no label, are dropped and counted in
    ``notes``. "No label" means empty or one of the usual spellings of a missing
    value (:data:`MISSING_LABELS`: ``NaN``, ``NA``, ``null``, ``None``, ...), which
    a spreadsheet writes for an empty cell: turning them into a class would
    silently teach the model to predict "nan". Labels may be strings or numbers;
    class ids follow the sorted label values. Every class needs at least two
    examples so it appears in both splits. ``key`` defaults to ``"upload-"`` + a
    hash of the content, columns and split.
    """
    if not 0.0 < test_fraction < 1.0:
        raise DatasetError("The test fraction must be between 0 and 1, for example 0.2.")
    for role, col in (("text", text_column), ("label", label_column)):
        if col not in df.columns:
            raise DatasetError(
                f"There is no {role} column called “{col}”; the columns are: {', '.join(map(str, df.columns))}."
            )
    if text_column == label_column:
        raise DatasetError("The text column and the label column must be different columns.")
    texts_raw = df[text_column]
    if pd.api.types.is_numeric_dtype(texts_raw) and not pd.api.types.is_bool_dtype(texts_raw):
        raise DatasetError(f"The text column “{text_column}” holds numbers, not text; pick the column with the texts.")
    texts_s = texts_raw.astype("string").fillna("").map(clean_text)
    labels_raw = df[label_column]
    labels_s = labels_raw.astype("string").str.strip()
    has_label = labels_s.notna() & ~labels_s.fillna("").str.lower().isin(MISSING_LABELS)
    has_text = texts_s.str.len() > 0
    keep = has_text & has_label
    dropped = int((~keep).sum())
    no_label = int((has_text & ~has_label).sum())
    if not keep.any():
        if (texts_s.str.len() == 0).all():
            raise DatasetError(f"The text column “{text_column}” is empty.")
        raise DatasetError(f"The label column “{label_column}” is empty (or empty wherever there is a text).")
    texts = texts_s[keep].tolist()
    label_values = labels_s[keep]
    numeric = pd.to_numeric(label_values, errors="coerce")
    if numeric.notna().all():
        uniques = sorted(set(numeric.tolist()))
        class_names = [str(int(u)) if float(u).is_integer() else str(u) for u in uniques]
        mapping = {u: i for i, u in enumerate(uniques)}
        labels = numeric.map(mapping).to_numpy(np.int64)
    else:
        class_names = sorted(set(label_values.tolist()))
        mapping = {u: i for i, u in enumerate(class_names)}
        labels = label_values.map(mapping).to_numpy(np.int64)
    if len(class_names) < 2:
        raise DatasetError(
            f"The label column “{label_column}” has a single value ({class_names[0]!r}); a classifier needs "
            "at least two classes."
        )
    if len(class_names) > MAX_CLASSES:
        raise DatasetError(
            f"The label column “{label_column}” has {len(class_names):,} different values; that looks like a "
            f"text or id column, not labels (at most {MAX_CLASSES} classes)."
        )
    counts = np.bincount(labels, minlength=len(class_names))
    small = [class_names[i] for i in np.flatnonzero(counts < 2)]
    if small:
        raise DatasetError(
            f"The class {small[0]!r} has only one example; every class needs at least two so it can appear in "
            "both the training and the test split. Remove that row or add examples."
        )
    if key is None:
        h = hashlib.sha1()
        for part in (text_column, label_column, str(test_fraction), str(seed)):
            h.update(part.encode() + b"\0")
        h.update(pd.util.hash_pandas_object(pd.DataFrame({"t": texts, "l": labels}), index=False).to_numpy().tobytes())
        key = upload_key(h.hexdigest())
    dataset = split_dataset(
        texts,
        labels,
        class_names,
        test_fraction,
        seed,
        name=name,
        source=(
            f"{name}: {len(texts):,} rows (text “{text_column}”, label “{label_column}”), split "
            f"{1 - test_fraction:.0%} training / {test_fraction:.0%} test, stratified by label (seed {seed})."
        ),
        key=key,
        notes=_dropped_note(dropped, no_label) + "Every copy of a repeated text is on the same side of the split.",
    )
    missing = [n for i, n in enumerate(class_names) if i not in set(dataset.train_labels) or i not in set(dataset.test_labels)]
    if missing:
        raise DatasetError(
            f"The class {missing[0]!r} only has copies of the same text, so it cannot be in both the training "
            "and the test split; add different examples of it."
        )
    return dataset


def dataset_from_upload(
    file_name: str,
    data: bytes,
    text_column: str,
    label_column: str,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> TextDataset:
    """Read an uploaded table, build the dataset from the chosen columns, and store both.

    The upload is only stored once it has passed every check, so a bad file leaves
    nothing behind. The key is ``"upload-"`` + a hash of the bytes, columns and split.
    """
    df = read_table(file_name, data, columns=list(dict.fromkeys([text_column, label_column])))
    h = hashlib.sha1(data)
    for part in (text_column, label_column, str(test_fraction), str(seed)):
        h.update(b"\0" + part.encode())
    dataset = dataset_from_table(df, text_column, label_column, name=file_name, test_fraction=test_fraction,
                                 seed=seed, key=upload_key(h.hexdigest()))
    save_upload(file_name, data)
    save_dataset(dataset)
    return dataset
