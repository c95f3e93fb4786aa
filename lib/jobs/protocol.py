"""The task protocol both backends speak: how one task is done and how its ending is reported.

A *backend* is anything with ``name``, ``slots()`` (how many tasks it runs at once) and
``run(payload, on_event, cancel_requested) -> result``: :class:`lib.jobs.worker.LocalWorker`
(a process on this machine, one task at a time) or :class:`lib.jobs.ray_backend.RayBackend`
(Ray tasks on a cluster, several at once). Whichever it is, the work inside is the same:

* :func:`execute` does one task from its payload (a plain dict of
  :meth:`lib.jobs.spec.JobSpec.task_payloads`) and returns plain values and arrays;
* :func:`thinned` keeps its progress events to a few a second (one per batch would flood the pipe);
* :func:`outcome` turns however it ended into ``(kind, body)``, which ``run`` turns back
  into a result, :class:`TaskCancelled` or :class:`TaskFailed` (a sentence for the user).

Nothing here knows about jobs or queues (that is :mod:`lib.jobs.runner`), so a Ray worker
imports only this module, :mod:`lib.jobs.spec` and what training needs.
"""
from __future__ import annotations

import json
import logging
import time
import traceback
from typing import Any, Callable

from lib import training
from lib.config import RunConfig
from lib.data.dataset import subsample
from lib.vectors import pretraining
from lib.vectors.word2vec import Word2VecParams
from lib.errors import UserError
from lib.jobs.spec import Stage

log = logging.getLogger("embedding_lab.jobs")

#: At most this many progress events per second cross from the worker (one per batch would flood the pipe).
EVENTS_PER_SECOND = 5


class TaskFailed(Exception):
    """A task did not finish; the message is a sentence for the user."""


class TaskCancelled(Exception):
    """The user cancelled the task while it ran."""


def thinned(send: Callable[[dict], None]) -> Callable[[dict], None]:
    """``send`` with batch events thinned to :data:`EVENTS_PER_SECOND`; stage changes and epoch ends always go."""
    last = [0.0]

    def emit(event: dict) -> None:
        now = time.monotonic()
        if event.get("stage") == Stage.TRAINING and event.get("batch") and now - last[0] < 1 / EVENTS_PER_SECOND:
            return
        last[0] = now
        send(event)

    return emit


def outcome(work: Callable[[], dict]) -> tuple[str, Any]:
    """Run one task's ``work`` and say how it ended, as a worker reports it (every backend uses this).

    ``("result", dict)``, ``("cancelled", None)``, ``("error", a sentence for the user)``, or
    ``("stop", sentence)`` when the worker itself was told to stop (KeyboardInterrupt, SystemExit).
    """
    try:
        return "result", work()
    except training.TrainingCancelled:
        return "cancelled", None
    except UserError as exc:
        return "error", str(exc)
    except MemoryError:
        return "error", "The computer ran out of memory. Try a smaller training set, vocabulary or sequence length."
    except (KeyboardInterrupt, SystemExit) as exc:
        return "stop", f"The training process was stopped ({type(exc).__name__})."
    except Exception as exc:  # noqa: BLE001 - every outcome is reported; the worker carries on
        log.error("Task failed:\n%s", traceback.format_exc())
        return "error", f"The task failed unexpectedly ({type(exc).__name__}); the details are in the server log."


# What a worker keeps between tasks: the last prepared data and the pretrained vectors it loaded.
_worker_cache: dict[str, Any] = {"data_key": None, "data": None, "vectors": {}}


def execute(payload: dict, emit: Callable[[dict], None], cancel, dataset=None) -> dict:
    """Do one task (in the worker process) and return what the dashboard stores: plain values and arrays.

    ``dataset`` is the :class:`lib.data.dataset.TextDataset` the payload's key names, when the
    caller has it already (a Ray task gets an upload through the object store); by default
    it is loaded by its key.
    """
    if payload["kind"] == "word2vec":
        return _execute_word2vec(payload, emit, dataset)
    config = RunConfig.from_dict(payload["config"])
    data_key = json.dumps({k: payload["config"][k] for k in (
        "dataset_key", "train_size", "test_size", "subset_seed", "vocab_size", "sequence_length",
        "validation_fraction", "pretraining_corpus")}, sort_keys=True)
    if _worker_cache["data_key"] != data_key:
        emit({"stage": Stage.PREPARING})
        _worker_cache["data"] = None  # free the old arrays before making new ones
        _worker_cache["data"] = training.prepare_data(
            dataset if dataset is not None else training.load_dataset(config.dataset_key), config)
        _worker_cache["data_key"] = data_key
    run = training.train(config, emit, data=_worker_cache["data"], vectors=_worker_cache["vectors"], cancel=cancel)
    emit({"stage": Stage.SAVING})
    return {"config": run.config, "history": run.history, "metrics": run.metrics, "vocabulary": run.vocabulary,
            "embedding_initial": run.embedding_initial, "embedding_final": run.embedding_final,
            "weights": training.weights_bytes(run.model), "predictions": run.predictions,
            "test_labels": run.test_labels, "snapshots": run.snapshots}


def _execute_word2vec(payload: dict, emit: Callable[[dict], None], dataset=None) -> dict:
    dataset = dataset if dataset is not None else training.load_dataset(payload["dataset_key"])
    labelled = subsample(dataset, payload.get("n_train"), int(payload.get("subset_seed", 0)))
    corpus = pretraining.pretraining_corpus(dataset, labelled, payload.get("corpus", pretraining.DEFAULT_CORPUS))
    params = Word2VecParams(**payload.get("params", {}))
    emit({"stage": Stage.WORD2VEC, "fraction": 0.0})
    pretraining.word2vec(corpus, params, lambda f: emit({"stage": Stage.WORD2VEC, "fraction": float(f)}))
    return {"corpus_key": corpus.key, "texts": len(corpus)}
