"""Uploads and datasets on the server's disk, and any dataset back from its key.

Two folders under ``uploads_dir()``::

    uploads/files/<sha1[:12]>/<file name>     a copy of each uploaded file (the same bytes: one copy)
    uploads/datasets/<key>/data.parquet       the texts, labels and split of a stored dataset
    uploads/datasets/<key>/meta.json          its name, class names, source sentence, key and notes

Both are written through :mod:`lib.io` (a temporary file or folder renamed into place),
so a reader never finds half a dataset, and a full disk is one sentence
(:func:`lib.io.storage_error`), never a server path.

:func:`dataset_by_key` is how a background job, a later session or a saved run gets
its data back: ``"imdb"``, ``"imdb-stanford"``, a stored upload, or a subset key of
any of them (rebuilt by :func:`lib.data.dataset.subsample`, so the same key always
gives the same examples). Nothing here touches the IMDB data, so a bad upload
cannot disturb it.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from lib.data.dataset import DatasetError, TextDataset, subsample
from lib.data.imdb import load_imdb
from lib.data.keys import is_storable, parse_subset_key
from lib.io import atomic_folder, atomic_write_bytes, ready_store, safe_name, storage_error, to_json, upload_name
from lib.paths import uploads_dir


def save_upload(file_name: str, data: bytes) -> Path:
    """Keep a copy of an uploaded file under ``uploads_dir()/files/<sha1[:12]>/`` and return its path.

    The same bytes always land in the same place, so uploading a file twice
    stores it once. Only the file's base name (:func:`lib.io.safe_name`) is kept.
    Written through a temporary file and a rename; a full disk is one sentence. A name that is
    no file name ("", ".", "..") is refused with a sentence (:func:`lib.io.upload_name`).
    """
    path = upload_path(file_name, data)
    try:
        ready_store(path.parent.parent, DatasetError)
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, data)
    except OSError as exc:
        raise storage_error(exc, "Storing the upload", DatasetError) from exc
    return path


def upload_path(file_name: str, data: bytes) -> Path:
    """Where :func:`save_upload` keeps ``data``: ``uploads_dir()/files/<sha1[:12]>/<safe name>`` (nothing is written).

    A name that is no file name ("", ".", "..") is refused with a sentence (:func:`lib.io.upload_name`).
    """
    upload_name(file_name, DatasetError)
    return uploads_dir() / "files" / hashlib.sha1(data).hexdigest()[:12] / safe_name(file_name, default="upload")


def dataset_folder(key: str) -> Path:
    """Where :func:`save_dataset` keeps the dataset ``key`` (nothing is written); a key that could leave the
    store is refused with a sentence."""
    if not is_storable(key):
        raise DatasetError(f"{key!r} is not a dataset key.")
    return uploads_dir() / "datasets" / key


#: Rows written to a stored dataset's Parquet file at a time (so writing never copies every text at once).
WRITE_ROWS = 20_000


def _write_rows(path: Path, dataset: TextDataset) -> None:
    """``split``, ``text`` and ``label`` of every row of ``dataset`` as Parquet, :data:`WRITE_ROWS` rows at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("split", pa.string()), ("text", pa.string()), ("label", pa.int64())])
    with pq.ParquetWriter(path, schema) as writer:
        for split, texts, labels in (("train", dataset.train_texts, dataset.train_labels),
                                     ("test", dataset.test_texts, dataset.test_labels)):
            for start in range(0, len(texts), WRITE_ROWS):
                part = texts[start: start + WRITE_ROWS]
                writer.write_table(pa.table({"split": pa.array([split] * len(part), pa.string()),
                                             "text": pa.array(part, pa.string()),
                                             "label": pa.array(np.asarray(labels[start: start + WRITE_ROWS], np.int64))},
                                            schema=schema))


_dataset_dir = dataset_folder  # its name before it was public (tests/test_ray.py uses it)


def save_dataset(dataset: TextDataset) -> Path:
    """Store a dataset (texts, labels, split, class names) so :func:`dataset_by_key` can rebuild it.

    Written as ``data.parquet`` + ``meta.json`` in a temporary folder that is then
    renamed into place (:func:`lib.io.atomic_folder`), so a half-written dataset is
    never found. Two sessions storing the same key at once both succeed: the
    content is the same, and the first rename wins. A full disk is one sentence
    (:class:`~lib.data.dataset.DatasetError`).
    """
    folder = dataset_folder(dataset.key)
    if (folder / "meta.json").is_file():
        return folder
    try:
        ready_store(folder.parent, DatasetError)
        with atomic_folder(folder) as tmp:
            _write_rows(tmp / "data.parquet", dataset)
            meta = {k: getattr(dataset, k) for k in ("name", "class_names", "source", "key", "notes")}
            (tmp / "meta.json").write_text(to_json(meta), encoding="utf-8")
    except OSError as exc:
        raise storage_error(exc, "Storing the dataset", DatasetError) from exc
    return folder


def dataset_by_key(key: str) -> TextDataset:
    """Any dataset from its key: ``"imdb"``, ``"imdb-stanford"``, a stored upload, or a subset key of one.

    A subset key (:func:`lib.data.keys.subset_key`) is rebuilt by
    :func:`lib.data.dataset.subsample` of its base dataset: the same key always gives
    the same examples.
    """
    parsed = parse_subset_key(key)
    if parsed:
        base, n, seed = parsed
        return subsample(dataset_by_key(base), n, seed)
    if key == "imdb":
        return load_imdb("offline")
    if key == "imdb-stanford":
        return load_imdb("stanford")
    folder = dataset_folder(key)
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        df = pd.read_parquet(folder / "data.parquet")
    except FileNotFoundError:
        raise DatasetError(f"The dataset {key!r} is no longer stored here; upload the file again.") from None
    except (OSError, ValueError) as exc:
        raise DatasetError(f"The stored dataset {key!r} is damaged ({type(exc).__name__}); upload the file again.") from exc
    train, test = df[df["split"] == "train"], df[df["split"] == "test"]
    return TextDataset(
        name=meta["name"],
        train_texts=train["text"].tolist(),
        train_labels=train["label"].to_numpy(np.int64),
        test_texts=test["text"].tolist(),
        test_labels=test["label"].to_numpy(np.int64),
        class_names=list(meta["class_names"]),
        source=meta["source"],
        key=meta["key"],
        notes=meta.get("notes", ""),
    )


def load_saved_dataset(key: str) -> TextDataset:
    """The older name of :func:`dataset_by_key` (kept: run configs and pages call it)."""
    return dataset_by_key(key)


def saved_datasets() -> list[tuple[str, str]]:
    """``(key, name)`` of every uploaded dataset stored under ``uploads_dir()/datasets``, newest first."""
    root = uploads_dir() / "datasets"
    if not root.is_dir():
        return []
    found = []
    for folder in root.iterdir():
        meta_path = folder / "meta.json"
        if folder.name.startswith(".") or not meta_path.is_file():
            continue
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            found.append((meta_path.stat().st_mtime, meta["key"], meta["name"]))
        except (OSError, ValueError, KeyError):
            continue
    return [(k, n) for _, k, n in sorted(found, reverse=True)]
