"""The run store: every finished training run as a folder under ``data/runs/``.

One folder per run, named by its id::

    data/runs/20261125-150312-glove_finetuned-s0-1a2b3c/
        config.json            everything needed to reproduce the run (and its display name)
        history.json           loss/accuracy per epoch, training and validation
        metrics.json           test accuracy and loss, time, vocabulary hits/misses, parameters
        vocab.txt              one word per line; line i is the word of id i (line 0 is empty: padding)
        embedding_initial.npy  the embedding matrix before training
        embedding_final.npy    ... and after
        embedding_snapshots.npy the first rows at the start and after every epoch (float16; training replay)
        model.weights.h5       the trained weights (HDF5: numbers only, no code)

A run is written to a temporary folder first and renamed into place only when every
file is on disk (:func:`lib.io.atomic_folder`), so a crash, a cancel or a full disk
never leaves a folder that looks finished; what a crash leaves is removed by
:func:`lib.io.ready_store`, by the same rule as in every other store. A disk error is
one sentence (:func:`lib.io.storage_error`) that never names a server path.

Reading never executes anything from the folder: JSON through ``json``, arrays
through ``np.load(allow_pickle=False)``, and the model is rebuilt from ``config.json``
with :func:`lib.models.build_model` before the weights are read into it
(``keras.models.load_model`` is never used).
"""
from __future__ import annotations

import itertools
import json
import os
import re
import secrets
import shutil
import warnings
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from lib.data.keys import EVERY_DATASET, visible_to
from lib.errors import UserError
from lib.io import (atomic_folder, atomic_write_json, folder_lock, npy_header, plain_name, ready_store, safe_name,
                    storage_error, temp_prefix, tidy_store, to_json)
from lib.paths import runs_dir


REQUIRED_FILES = ("config.json", "history.json", "metrics.json", "vocab.txt",
                  "embedding_initial.npy", "embedding_final.npy")
WEIGHTS_FILE = "model.weights.h5"
PREDICTIONS_FILE = "predictions.npy"     # test-set probabilities, float16
TEST_LABELS_FILE = "test_labels.npy"     # the true test labels, same order
SNAPSHOTS_FILE = "embedding_snapshots.npy"  # (epochs + 1, rows, dim) float16: the start and every epoch's end
#: A snapshots file claiming more than this (or more epochs than MAX_SNAPSHOT_EPOCHS) is refused unread.
MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024
MAX_SNAPSHOT_EPOCHS = 1_000
_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+$")


class RunStoreError(UserError):
    """The run store could not be read or written; the message says why and what to do."""


@dataclass
class RunRecord:
    """A finished run as the store knows it (the arrays are loaded on demand)."""

    run_id: str
    path: Path
    name: str
    config: dict
    metrics: dict
    history: dict
    created: str
    files: list[str] = field(default_factory=list)

    @property
    def has_model(self) -> bool:
        return WEIGHTS_FILE in self.files


def default_name(config: dict) -> str:
    """E.g. ``"GloVe, fine-tuned · 2,000 reviews · seed 0"``."""
    label = config.get("strategy_label") or config.get("strategy", "run")
    size = config.get("train_size")
    parts = [label]
    if size:
        parts.append(f"{int(size):,} reviews" if config.get("dataset_key", "imdb").startswith("imdb")
                     else f"{int(size):,} texts")
    if config.get("architecture") and config["architecture"] != "average":
        parts.append(str(config["architecture"]).upper() if config["architecture"] == "lstm" else config["architecture"])
    parts.append(f"seed {config.get('seed', 0)}")
    return " · ".join(parts)


def run_name(name: str) -> str:
    """A run's name as everyone will see it: plain text without control or direction-changing characters
    (:func:`lib.io.plain_name`); a name with nothing readable left is refused with a sentence.

    >>> run_name("baseline\u202e1"), run_name("  two   words ")
    ('baseline1', 'two words')
    """
    cleaned = plain_name(name)
    if not cleaned:
        raise RunStoreError("A run's name needs letters, digits or punctuation; control and "
                            "direction-changing characters are removed.")
    return cleaned


def unique_name(name: str, taken: set[str], when: datetime | None = None, run_id: str = "") -> str:
    """``name`` if no run has it yet; else ``name`` with the time it was made; else also a short id.

    ``taken`` holds the names already in the store, compared ignoring case (:func:`name_key`), so
    three runs of the same settings read "... · seed 0", "... · seed 0 · 14:32" and
    "... · seed 0 · 14:32 · 1a2b3c" instead of the same words three times.

    >>> taken = {name_key("GloVe · seed 0")}
    >>> when = datetime(2026, 11, 26, 14, 32)
    >>> unique_name("GloVe · seed 1", taken, when)
    'GloVe · seed 1'
    >>> unique_name("GloVe · seed 0", taken, when, "20261126-143200-glove-s0-1a2b3c")
    'GloVe · seed 0 · 14:32'
    >>> unique_name("GloVe · seed 0", taken | {name_key("GloVe · seed 0 · 14:32")}, when, "20261126-143200-glove-s0-1a2b3c")
    'GloVe · seed 0 · 14:32 · 1a2b3c'
    """
    when = when or datetime.now()
    short_id = run_id.rsplit("-", 1)[-1] if run_id else secrets.token_hex(3)
    longest = f"{name} · {when:%H:%M} · {short_id}"
    candidates = itertools.chain([name, f"{name} · {when:%H:%M}", longest],  # made one by one: most calls need the first
                                 (f"{longest} ({k})" for k in range(2, 1000)))
    return next(c for c in candidates if name_key(c) not in taken)


def name_key(name: str) -> str:
    """What makes two run names "the same": spacing and case do not count.

    >>> name_key("  My   Baseline ") == name_key("my baseline")
    True
    """
    return " ".join(str(name).split()).casefold()


def _taken_names(except_run: str | None = None) -> set[str]:
    """The names of every readable run in the store (but ``except_run``), as :func:`name_key`."""
    return {name_key(r.name) for r in list_runs(private_datasets=EVERY_DATASET)[0] if r.run_id != except_run}


def display_names(records: list[RunRecord]) -> dict[str, str]:
    """``run_id -> name`` for menus, with no two alike even in a store saved before names were made unique.

    The oldest run keeps its name; a later run with the same name gets its time (and a short id if needed),
    as :func:`unique_name` does for new runs. Nothing is written.
    """
    names: dict[str, str] = {}
    taken: set[str] = set()
    for record in sorted(records, key=lambda r: (r.created, r.run_id)):
        try:
            when = datetime.fromisoformat(record.created).astimezone() if record.created else None
        except ValueError:
            when = None
        names[record.run_id] = unique_name(record.name, taken, when, record.run_id)
        taken.add(name_key(names[record.run_id]))
    return names


def _new_id(config: dict) -> str:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    strategy = safe_name(str(config.get("strategy", "run")), default="run", max_length=30)
    return f"{stamp}-{strategy}-s{int(config.get('seed', 0))}-{secrets.token_hex(3)}"


def _check_id(run_id: str) -> None:
    if not run_id or not _ID_PATTERN.match(run_id) or run_id.startswith(".") or run_id in ("..",):
        raise RunStoreError(f"{run_id!r} is not a valid run id.")


def save_run(config: dict, history: dict, metrics: dict, vocabulary: list[str], embedding_initial: np.ndarray,
             embedding_final: np.ndarray, weights: bytes | None = None, predictions: np.ndarray | None = None,
             test_labels: np.ndarray | None = None, snapshots: np.ndarray | None = None) -> RunRecord:
    """Write a finished run atomically and return its record.

    ``weights`` is the content of a Keras ``.weights.h5`` file (see
    :func:`lib.training.weights_bytes`); ``predictions`` the model's test-set
    probabilities and ``test_labels`` the true labels in the same order (for paired
    comparisons such as McNemar's test); ``snapshots`` the embedding's first rows at the start
    and after every epoch, ``(epochs + 1, rows, dim)`` (kept as float16, for the training replay). Raises :class:`RunStoreError` with a plain
    message when the disk is full or the data folder is not writable; no partial
    folder is left behind.
    """
    initial = np.asarray(embedding_initial, dtype="float32")
    final = np.asarray(embedding_final, dtype="float32")
    if initial.shape != final.shape or initial.ndim != 2 or initial.shape[0] != len(vocabulary):
        raise RunStoreError(
            f"The run's embedding matrices {initial.shape}/{final.shape} do not match its vocabulary of "
            f"{len(vocabulary)} words.")
    check_vocabulary(vocabulary)
    if snapshots is not None:
        snapshots = np.asarray(snapshots, dtype="float16")
        if snapshots.ndim != 3 or snapshots.shape[2] != initial.shape[1] or snapshots.shape[1] > initial.shape[0]:
            raise RunStoreError(f"The run's epoch snapshots {snapshots.shape} do not match its embedding {initial.shape}.")
    config = dict(config)
    run_id = _new_id(config)
    now = datetime.now(timezone.utc)
    name = plain_name(config.get("name") or "") or default_name(config)  # a finished run is never lost over its name
    # to the microsecond: runs saved within one second (a fast job, two servers) still sort in the order they were saved
    config["created"] = now.isoformat(timespec="microseconds")
    config["run_id"] = run_id
    try:
        store = ready_store(runs_dir(), RunStoreError)
        # The name must be unique among the runs of every server sharing this folder: chosen and written under one lock.
        with folder_lock(store), atomic_folder(store / run_id) as folder:
            config["name"] = unique_name(name, _taken_names(), now.astimezone(), run_id)
            for name, data in (("config.json", config), ("history.json", history), ("metrics.json", metrics)):
                (folder / name).write_text(to_json(data), encoding="utf-8")
            (folder / "vocab.txt").write_text("\n".join(vocabulary) + "\n", encoding="utf-8")
            np.save(folder / "embedding_initial.npy", initial, allow_pickle=False)
            np.save(folder / "embedding_final.npy", final, allow_pickle=False)
            if predictions is not None and test_labels is not None:
                np.save(folder / PREDICTIONS_FILE, np.asarray(predictions, dtype="float16"), allow_pickle=False)
                np.save(folder / TEST_LABELS_FILE, np.asarray(test_labels, dtype="int16"), allow_pickle=False)
            if snapshots is not None:
                np.save(folder / SNAPSHOTS_FILE, snapshots, allow_pickle=False)
            if weights is not None:
                (folder / WEIGHTS_FILE).write_bytes(weights)
    except OSError as exc:
        raise storage_error(exc, "Saving the run", RunStoreError) from exc
    return load_run(run_id)


MAX_JSON_BYTES = 20 * 1024 * 1024
#: Bounds on the sizes a config.json may claim, checked before anything is allocated from them.
SIZE_LIMITS = {"vocab_size": 2_000_000, "sequence_length": 100_000, "embedding_dim": 1_000, "num_classes": 1_000}


def _check_sizes(config: dict) -> None:
    for key, limit in SIZE_LIMITS.items():
        if key in config and not 1 <= int(config[key]) <= limit:
            raise ValueError(key)


def _read_json(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def _read_record(folder: Path) -> RunRecord:
    """Read one folder or raise ``RunStoreError`` with a sentence saying what is wrong."""
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise RunStoreError(f"The run folder {folder.name!r} is incomplete (missing {', '.join(missing)}); it was skipped.")
    parsed = {}
    for name in ("config.json", "history.json", "metrics.json"):
        try:
            if (folder / name).stat().st_size > MAX_JSON_BYTES:
                raise ValueError("too large")
            parsed[name] = _read_json(folder / name)
        except (ValueError, UnicodeDecodeError, OSError, RecursionError) as exc:
            raise RunStoreError(f"The run folder {folder.name!r} has an unreadable {name}; it was skipped.") from exc
    config = parsed["config.json"]
    if not isinstance(config.get("strategy"), str) or not isinstance(config.get("architecture"), str):
        raise RunStoreError(f"The run folder {folder.name!r} has a config.json without strategy/architecture; it was skipped.")
    try:
        _check_sizes(config)
    except (TypeError, ValueError) as exc:
        raise RunStoreError(f"The run folder {folder.name!r} has a config.json with impossible sizes; it was skipped.") from exc
    return RunRecord(
        run_id=folder.name, path=folder, name=plain_name(config.get("name") or "") or default_name(config), config=config,
        metrics=parsed["metrics.json"], history=parsed["history.json"], created=str(config.get("created", "")),
        files=sorted(p.name for p in folder.iterdir()),
    )


def list_runs(private_datasets: Collection[str] = ()) -> tuple[list[RunRecord], list[str]]:
    """``(complete runs, newest first; one sentence per skipped broken folder)``.

    A run trained on an uploaded dataset is private like the upload: it is listed
    only when its dataset's key is in ``private_datasets`` (the uploads of the
    session asking), so no other visitor sees its name, its dataset or its words
    (:func:`lib.data.keys.visible_to`; the store's own checks pass
    :data:`lib.data.keys.EVERY_DATASET`). Folders still being written (``.tmp-*``)
    are invisible.
    """
    root = runs_dir()
    if not root.is_dir():
        return [], []
    tidy_store(root)  # the first listing in a process clears what a crashed writer left
    records, problems = [], []
    for folder in sorted(root.iterdir()):
        if folder.name.startswith(".") or not folder.is_dir():
            continue
        try:
            record = _read_record(folder)
        except RunStoreError as exc:
            problems.append(str(exc))
            continue
        except OSError as exc:
            problems.append(f"The run folder {folder.name!r} could not be read "
                            f"({exc.strerror or type(exc).__name__}); it was skipped.")
            continue
        except Exception:  # noqa: BLE001 - a hostile folder must never hide the others
            problems.append(f"The run folder {folder.name!r} could not be read; it was skipped.")
            continue
        if not visible_to(str(record.config.get("dataset_key") or "imdb"), private_datasets):
            continue  # someone else's upload: not even a "skipped" sentence, which would tell it exists
        records.append(record)
    records.sort(key=lambda r: (r.created, r.run_id), reverse=True)
    return records, problems


def run_exists(run_id: str) -> bool:
    """Whether a complete run with this id is in the store (it may have been deleted since)."""
    try:
        return (_folder(run_id) / "config.json").is_file()
    except RunStoreError:
        return False


def _folder(run_id: str) -> Path:
    _check_id(run_id)
    folder = runs_dir() / run_id
    if not folder.is_dir():
        raise RunStoreError(f"There is no saved run {run_id!r}; it may have been deleted.")
    return folder


def load_run(run_id: str) -> RunRecord:
    return _read_record(_folder(run_id))


#: A run's vocab.txt larger than this is refused unread (a 20,000-word vocabulary takes about 200 KB).
MAX_VOCAB_BYTES = 64 * 1024 * 1024
#: Longest word (line of vocab.txt) a run may have: as long as a line of an uploaded table may be.
MAX_WORD_BYTES = 1024 * 1024


def check_vocabulary(words: list[str]) -> None:
    """Raise :class:`RunStoreError` for a vocabulary :func:`read_vocabulary` would refuse (so none is saved)."""
    if any("\n" in w or "\r" in w for w in words):
        raise RunStoreError("A vocabulary entry contains a line break; it cannot be stored one word per line.")
    sizes = [len(w.encode("utf-8", "surrogatepass")) for w in words]
    if max(sizes, default=0) > MAX_WORD_BYTES or sum(sizes) + len(sizes) > MAX_VOCAB_BYTES:
        raise RunStoreError(f"The run's vocabulary is too large to store: at most {MAX_VOCAB_BYTES / 1e6:,.0f} MB "
                            f"in all and {MAX_WORD_BYTES / 1e6:,.0f} MB for one word; use a smaller vocabulary size.")


def read_vocabulary(path: Path, rows: int | None = None) -> list[str]:
    """The words of a run's ``vocab.txt``, one per line (line 0 is the padding id's empty word), or ``ValueError``.

    Bounded before a word is decoded: at most :data:`MAX_VOCAB_BYTES` (from its size, unread), exactly
    ``rows`` lines (the matrices' rows; else at most ``SIZE_LIMITS["vocab_size"]``), none over
    :data:`MAX_WORD_BYTES`: 64 MB of empty lines would otherwise become 67 million strings.
    """
    if path.stat().st_size > MAX_VOCAB_BYTES:
        raise ValueError(f"{path.name} is larger than {MAX_VOCAB_BYTES:,} bytes")
    data = path.read_bytes()
    if data.endswith(b"\n"):
        data = data[:-1]
    lines = data.count(b"\n") + 1
    if lines != rows if rows is not None else lines > SIZE_LIMITS["vocab_size"]:
        raise ValueError(f"{path.name} has {lines:,} lines")
    words = data.split(b"\n")
    if max(map(len, words)) > MAX_WORD_BYTES:
        raise ValueError(f"{path.name} has a line longer than {MAX_WORD_BYTES:,} bytes")
    return [w.decode("utf-8") for w in words]


def load_embeddings(run_id: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(vocabulary, initial, final)`` of a run; arrays are read without unpickling.

    Each matrix's header is checked first (:func:`_check_matrix_header`), so a file claiming a huge
    shape is refused before any memory is allocated for it, and ``vocab.txt`` is held to its bounds
    and to the matrices' rows before a word is read (:func:`read_vocabulary`).
    """
    folder = _folder(run_id)
    try:
        shape = npy_header(folder / "embedding_initial.npy")[0]  # the vocabulary must have as many words as rows
        if len(shape) != 2 or not 1 <= shape[0] <= SIZE_LIMITS["vocab_size"]:
            raise ValueError("the matrix claims an impossible shape")
        vocabulary = read_vocabulary(folder / "vocab.txt", shape[0])
        for name in ("embedding_initial.npy", "embedding_final.npy"):
            _check_matrix_header(folder / name, len(vocabulary))
        initial = _load_float_array(folder / "embedding_initial.npy")
        final = _load_float_array(folder / "embedding_final.npy")
    except (OSError, ValueError, TypeError) as exc:
        raise RunStoreError(f"The embeddings of run {run_id!r} could not be read; the folder is damaged.") from exc
    if initial.shape != final.shape or initial.ndim != 2 or initial.shape[0] != len(vocabulary):
        raise RunStoreError(f"The embeddings of run {run_id!r} do not match its vocabulary; the folder is damaged.")
    return vocabulary, initial, final


def _check_matrix_header(path: Path, rows: int) -> None:
    """Raise ``ValueError`` unless ``path`` claims a ``rows x dim`` matrix, dim within :data:`SIZE_LIMITS`."""
    shape = npy_header(path)[0]
    if len(shape) != 2 or shape[0] != rows or not 1 <= shape[1] <= SIZE_LIMITS["embedding_dim"]:
        raise ValueError(f"{path.name} claims an impossible shape")


def _load_float_array(path: Path) -> np.ndarray:
    """A float array from a ``.npy`` file: no pickles, no NaN or infinity (they would poison every cosine), and
    nothing allocated for a header claiming more numbers than the file holds."""
    shape, fortran, dtype, data_bytes = npy_header(path)
    if dtype.kind != "f" or fortran or int(np.prod(shape, dtype=object)) * dtype.itemsize > data_bytes:
        raise ValueError(f"{path.name} does not hold the floating-point array its header claims")
    array = np.load(path, allow_pickle=False)
    if array.dtype.kind != "f" or not np.isfinite(array).all():
        raise ValueError(f"{path.name} does not hold finite floating-point numbers")
    return array


def load_predictions(run_id: str) -> tuple[np.ndarray, np.ndarray] | None:
    """``(test-set probabilities, true labels)`` of a run, or ``None`` for a run saved without them."""
    folder = _folder(run_id)
    if not (folder / PREDICTIONS_FILE).is_file() or not (folder / TEST_LABELS_FILE).is_file():
        return None
    try:
        predictions = _load_float_array(folder / PREDICTIONS_FILE)
        if npy_header(folder / TEST_LABELS_FILE)[0] != predictions.shape[:1]:
            raise ValueError("the labels do not match the predictions")
        labels = np.load(folder / TEST_LABELS_FILE, allow_pickle=False)
    except (OSError, ValueError, TypeError) as exc:
        raise RunStoreError(f"The test predictions of run {run_id!r} could not be read; the folder is damaged.") from exc
    if labels.dtype.kind not in "iu" or len(labels) != len(predictions):
        raise RunStoreError(f"The test predictions of run {run_id!r} do not match its labels; the folder is damaged.")
    return predictions, labels.astype("int64")


def load_snapshots(run_id: str) -> np.ndarray | None:
    """The run's epoch snapshots, ``(epochs + 1, rows, dim)`` float16, or ``None`` for a run saved without them.

    The file's header is read first and its claimed shape checked against the run (float16, three
    dimensions, no more rows than the vocabulary, the embedding's width, a sane number of epochs and
    bytes) before any memory is allocated; then the numbers must be finite.
    """
    folder = _folder(run_id)
    path = folder / SNAPSHOTS_FILE
    if not path.is_file():
        return None
    damaged = f"The epoch snapshots of run {run_id!r} could not be read; the folder is damaged."
    try:
        shape, fortran, dtype, data_bytes = npy_header(path)
        config = load_run(run_id).config
        n_words, dim = int(config.get("vocab_size", 0)), int(config.get("embedding_dim", 0))
        if (dtype != np.float16 or fortran or len(shape) != 3 or not 1 <= shape[0] <= MAX_SNAPSHOT_EPOCHS + 1
                or not 1 <= shape[1] <= n_words or shape[2] != dim
                or not 2 * shape[0] * shape[1] * shape[2] <= min(MAX_SNAPSHOT_BYTES, data_bytes)):
            raise ValueError("impossible shape")
        snapshots = _load_float_array(path)
    except (OSError, ValueError, TypeError) as exc:
        raise RunStoreError(damaged) from exc
    if snapshots.shape != tuple(shape):
        raise RunStoreError(damaged)
    return snapshots


def load_model(run_id: str):
    """Rebuild a run's model from ``config.json`` with our own builder and read its weights into it."""
    from lib.models import STRATEGIES, build_model

    record = load_run(run_id)
    if not record.has_model:
        raise RunStoreError(f"Run {run_id!r} was saved without model weights.")
    c = record.config
    model = build_model(c["architecture"], int(c["vocab_size"]), int(c["sequence_length"]), int(c["embedding_dim"]),
                        num_classes=int(c.get("num_classes", 2)),
                        trainable=STRATEGIES[c["strategy"]].trainable if c["strategy"] in STRATEGIES else True,
                        learning_rate=float(c.get("learning_rate", 1e-3)))
    try:
        with warnings.catch_warnings():  # the file also holds the optimizer's state, which a rebuilt model lacks
            warnings.simplefilter("ignore", UserWarning)
            model.load_weights(str(record.path / WEIGHTS_FILE))
    except (OSError, ValueError) as exc:
        # the kind of error only: h5py's message names the file's path on the server
        raise RunStoreError(f"The weights of run {run_id!r} do not fit its model ({type(exc).__name__}).") from exc
    return model


def delete_run(run_id: str) -> None:
    """Remove a run: renamed away first (so it vanishes at once), then deleted."""
    folder = _folder(run_id)
    trash = folder.parent / f"{temp_prefix('deleted-' + run_id)}{secrets.token_hex(3)}"
    try:
        os.rename(folder, trash)
        shutil.rmtree(trash, ignore_errors=True)
    except OSError as exc:
        raise storage_error(exc, "Deleting the run", RunStoreError) from exc


def rename_run(run_id: str, new_name: str) -> RunRecord:
    """Change a run's display name (stored in its ``config.json``, replaced atomically).

    A name another run already has (ignoring case and spacing) is refused with a sentence, so two
    runs never look alike in a menu.
    """
    if not " ".join(str(new_name).split()):
        raise RunStoreError("A run's name cannot be empty.")
    new_name = run_name(new_name)
    if len(new_name) > 200:
        raise RunStoreError("Please keep the name under 200 characters.")
    folder = _folder(run_id)
    try:
        with folder_lock(runs_dir()):  # read-modify-write: two renames at once (any server) must not interleave
            if name_key(new_name) in _taken_names(except_run=run_id):
                raise RunStoreError("Another run already has that name; pick a different one, so the two "
                                    "can be told apart in every menu.")
            config = dict(_read_record(folder).config, name=new_name)
            atomic_write_json(folder / "config.json", config)
    except OSError as exc:
        raise storage_error(exc, "Renaming the run", RunStoreError) from exc
    return load_run(run_id)
