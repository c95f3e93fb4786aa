"""What a job is, in words and numbers: its kind, its spec, and the states it and its tasks go through.

A :class:`JobSpec` is made of keys and numbers only, never live objects, because
each of its tasks crosses to a worker process (or a Ray worker on another node)
as a plain dict (:meth:`JobSpec.task_payloads`). Pages build one, hand it to
:func:`lib.jobs.runner.submit`, and read the job back as a snapshot whose
``"status"`` is a :class:`Status` and whose tasks carry a :class:`Stage`.
"""
from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from enum import StrEnum

from lib.models import STRATEGIES
from lib.training import RunConfig


class Status(StrEnum):
    """Where a job or one of its tasks is. Tasks start ``WAITING``; jobs start ``QUEUED``."""

    QUEUED = "queued"
    WAITING = "waiting"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (Status.DONE, Status.CANCELLED, Status.FAILED)


class Stage(StrEnum):
    """What a running task is doing."""

    NONE = ""
    STARTING = "starting"        # the worker process is starting (imports TensorFlow once)
    PREPARING = "preparing"      # loading and tokenizing the data
    VECTORS = "vectors"          # loading pretrained vectors
    WORD2VEC = "word2vec"        # training word2vec on the pretraining corpus
    TRAINING = "training"
    EPOCH_END = "epoch_end"
    EVALUATING = "evaluating"
    SAVING = "saving"


class JobKind(StrEnum):
    COMPARE = "compare"          # strategies x seeds at one training-set size
    EFFICIENCY = "efficiency"    # ... at several sizes (the data-efficiency sweep)
    WORD2VEC = "word2vec"        # train (and cache on disk) one word2vec set for the pages


@dataclass
class JobSpec:
    """What to do, as keys and numbers only (it crosses to the worker process).

    For training kinds, every (training-set size, strategy, seed) combination is one
    task whose :class:`lib.config.RunConfig` is ``settings`` plus those three.
    For :attr:`JobKind.WORD2VEC`, ``word2vec`` holds the corpus and parameters.

    ``owner`` is the browser session that submitted the job (``""`` for scripts): only
    it may cancel the job (:func:`lib.jobs.access.may_cancel`).
    """

    dataset_key: str = "imdb"
    strategies: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)   # fields of lib.config.RunConfig
    seeds: list[int] = field(default_factory=lambda: [0])
    train_sizes: list[int | None] | None = None   # None: just settings["train_size"]
    title: str = "Training"
    kind: JobKind = JobKind.COMPARE
    owner: str = ""                               # a browser session id: "your job" vs "someone else's"
    word2vec: dict | None = None                  # JobKind.WORD2VEC: {"n_train", "subset_seed", "corpus", "params"}
    run_on: str = ""                              # "local", "ray", or "" (Ray when EMBEDDING_LAB_RAY_ADDRESS is set)

    def sizes(self) -> list[int | None]:
        return list(self.train_sizes) if self.train_sizes else [self.settings.get("train_size")]

    def fingerprint(self) -> str:
        """Identical specs (same data, settings, strategies, seeds, sizes) share one job with ``reuse=True``."""
        return json.dumps({
            "dataset": self.dataset_key, "strategies": list(self.strategies), "settings": self.settings,
            "seeds": list(self.seeds), "sizes": self.sizes(), "kind": str(self.kind), "word2vec": self.word2vec,
        }, sort_keys=True, default=str)

    def task_payloads(self) -> list[dict]:
        """One plain dict per task: what the worker needs, nothing live."""
        if self.kind == JobKind.WORD2VEC:
            return [{"kind": "word2vec", "dataset_key": self.dataset_key, **(self.word2vec or {})}]
        payloads = []
        for size, strategy, seed in itertools.product(self.sizes(), self.strategies, self.seeds):
            config = RunConfig.from_dict({**self.settings, "strategy": strategy, "seed": int(seed),
                                          "train_size": size, "dataset_key": self.dataset_key})
            payloads.append({"kind": "train", "config": config.to_dict()})
        return payloads


def task_record(payload: dict) -> dict:
    """The record a job keeps of one task before it starts (the runner fills it in as the task runs)."""
    if payload["kind"] == "word2vec":
        who = {"strategy": None, "label": "word2vec", "seed": 0, "train_size": payload.get("n_train"), "epochs": 0}
    else:
        config = payload["config"]
        who = {"strategy": config["strategy"], "label": STRATEGIES[config["strategy"]].label, "seed": config["seed"],
               "train_size": config["train_size"], "epochs": config["epochs"]}
    return {**who, "status": Status.WAITING, "stage": Stage.NONE, "fraction": 0.0, "epoch": 0, "batch": 0,
            "batches": 0, "logs": {}, "history": {}, "run_id": None, "metrics": None, "config": None, "error": "",
            "seconds": None, "started": None}
