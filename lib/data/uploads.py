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

import contextlib
import hashlib
import re
import shutil
from decimal import Decimal

import numpy as np
import pandas as pd

from lib.data.dataset import DatasetError, TextDataset, clean_text, split_dataset
from lib.data.keys import upload_key
from lib.data import quota
from lib.data.store import dataset_folder, save_dataset, save_upload, upload_path
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


def _cells_as_text(column: pd.Series, name: str) -> list[str]:
    """The cells of ``column`` as ``str`` (a missing cell is ``""``); bytes must be UTF-8 text.

    Numbers are written as Python writes them (``1``, ``2.5``, a Parquet decimal exactly as stored).

        >>> _cells_as_text(pd.Series(["a", None, float("nan"), 3, b"caf\\xc3\\xa9"], dtype=object), "x")
        ['a', '', '', '3', 'café']
    """
    out = column.tolist()
    for i, value in enumerate(out):
        if isinstance(value, str):
            continue
        if value is None or value is pd.NA or (isinstance(value, float) and value != value):
            out[i] = ""
        elif isinstance(value, (bytes, bytearray, memoryview)):
            try:
                out[i] = bytes(value).decode("utf-8")
            except UnicodeDecodeError:
                raise DatasetError(
                    f"The column “{name}” holds bytes that are not UTF-8 text (row {i + 1:,}); save the texts as "
                    "UTF-8 and upload the file again."
                ) from None
        else:
            out[i] = str(value)
    return out


#: A label is a number when it is written like one: digits, an optional sign, point and exponent.
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
#: Numbers further from 1 than 10^±this are not read as numbers (their digits would have to be written out).
_MAX_EXPONENT = 100


def _as_number(text: str) -> Decimal | None:
    """``text`` as an exact number, or ``None`` if it is not written as one (or is absurdly large or small)."""
    if not _NUMBER.fullmatch(text):
        return None
    value = Decimal(text)
    if value and abs(value.adjusted()) > _MAX_EXPONENT:
        return None
    return value.normalize() if value else Decimal(0)


def label_classes(values: list[str], column: str = "label") -> tuple[list[str], dict[str, int]]:
    """``(class names, {label as written: class id})`` of a label column's (stripped, non-missing) values.

    When every label is a number, classes follow the numbers' order and two spellings of one
    number are one class (``1`` and ``1.0``). Numbers are read exactly, never through a float,
    so ids longer than a float's 16 digits stay apart and keep their digits::

        >>> label_classes(["99999999999999999999999", "99999999999999999999998", "1.0", "1"])
        (['1', '99999999999999999999998', '99999999999999999999999'], {'1': 0, '1.0': 0, '99999999999999999999998': 1, '99999999999999999999999': 2})

    Otherwise classes are the distinct texts in sorted order. More than :data:`MAX_CLASSES`
    classes is a sentence: that column holds texts or ids, not labels.
    """
    distinct = sorted(set(values))
    if len(distinct) > MAX_CLASSES * 100:
        numbers = None  # far too many either way: say so without reading them all as numbers
    else:
        numbers = [_as_number(v) for v in distinct]
    if numbers is not None and all(n is not None for n in numbers):
        classes = sorted(set(numbers))
        index = {n: i for i, n in enumerate(classes)}
        class_names = [f"{n:f}" for n in classes]
        class_of = {v: index[n] for v, n in zip(distinct, numbers)}
    else:
        class_names = distinct
        class_of = {v: i for i, v in enumerate(distinct)}
    if len(class_names) > MAX_CLASSES:
        raise DatasetError(
            f"The label column “{column}” has {len(class_names):,} different values; that looks like a "
            f"text or id column, not labels (at most {MAX_CLASSES} classes)."
        )
    return class_names, class_of


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
    # Plain lists from here on: one Python object per cell, made once (a pandas string method per step
    # would copy the whole column each time: 500 MB of text became 2 GB).
    texts_all = [clean_text(t) for t in _cells_as_text(texts_raw, text_column)]
    labels_all = [t.strip() for t in _cells_as_text(df[label_column], label_column)]
    has_label = [bool(lab) and lab.lower() not in MISSING_LABELS for lab in labels_all]
    keep = [bool(t) and ok for t, ok in zip(texts_all, has_label)]
    dropped = keep.count(False)
    no_label = sum(1 for t, ok in zip(texts_all, has_label) if t and not ok)
    if dropped == len(keep):
        if not any(texts_all):
            raise DatasetError(f"The text column “{text_column}” is empty.")
        raise DatasetError(f"The label column “{label_column}” is empty (or empty wherever there is a text).")
    texts = [t for t, k in zip(texts_all, keep) if k] if dropped else texts_all
    label_values = [lab for lab, k in zip(labels_all, keep) if k] if dropped else labels_all
    del texts_all, labels_all, has_label, keep
    class_names, class_of = label_classes(label_values, label_column)
    labels = np.fromiter((class_of[v] for v in label_values), dtype=np.int64, count=len(label_values))
    if len(class_names) < 2:
        raise DatasetError(
            f"The label column “{label_column}” has a single value ({class_names[0]!r}); a classifier needs "
            "at least two classes."
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
        for text in texts:  # text by text: a copy of the whole column would double the memory
            h.update(text.encode("utf-8", "surrogatepass") + b"\0")
        h.update(labels.tobytes())
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
    in_train, in_test = set(dataset.train_labels.tolist()), set(dataset.test_labels.tolist())
    missing = [n for i, n in enumerate(class_names) if i not in in_train or i not in in_test]
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
    owner: str = "",
) -> TextDataset:
    """Read an uploaded table, build the dataset from the chosen columns, and store both.

    The upload is only stored once it has passed every check, so a bad file leaves
    nothing behind, and only if it fits the upload quotas (:mod:`lib.data.quota`) of the
    session ``owner`` and of the server: checked before writing with the file's size, and
    after with what was written, which is taken back (never anything stored before) if it
    does not fit. The key is ``"upload-"`` + a hash of the bytes, columns and split.
    """
    df = read_table(file_name, data, columns=list(dict.fromkeys([text_column, label_column])))
    h = hashlib.sha1(data)
    for part in (text_column, label_column, str(test_fraction), str(seed)):
        h.update(b"\0" + part.encode())
    dataset = dataset_from_table(df, text_column, label_column, name=file_name, test_fraction=test_fraction,
                                 seed=seed, key=upload_key(h.hexdigest()))
    del df  # the table's own copy of the texts; the dataset holds them now
    _store_within_quota(file_name, data, dataset, owner)
    return dataset


def _store_within_quota(file_name: str, data: bytes, dataset: TextDataset, owner: str) -> None:
    """:func:`save_upload` and :func:`save_dataset`, within the quotas; what this call wrote is removed if over."""
    places = [upload_path(file_name, data), dataset_folder(dataset.key)]
    with quota.STORING:
        quota.check(owner, dataset.key, quota.size_of(places), 0 if places[0].exists() else len(data), DatasetError)
        fresh = [p for p in places if not p.exists()]
        try:
            save_upload(file_name, data)
            save_dataset(dataset)
            written = quota.size_of(places)
            quota.check(owner, dataset.key, written, 0, DatasetError)
        except DatasetError:
            for place in fresh:  # only what this call created: another session's identical upload stays
                if place.is_dir():
                    shutil.rmtree(place, ignore_errors=True)
                else:
                    place.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                places[0].parent.rmdir()  # the upload's own folder, if this call made it and it is empty
            raise
        if owner:
            quota.LEDGER.record(owner, dataset.key, written)
