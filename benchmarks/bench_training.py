"""Training speed on this machine: seconds per epoch for each architecture, and the presets' totals.

    python benchmarks/run.py --only training
    EMBEDDING_LAB_BENCH_SKIP_FULL=1 python benchmarks/run.py --only training   # skip the Full-IMDB total (~4 min)

Per-epoch rows train on the 22,500 IMDB training reviews left after the validation
split and report the second epoch (the first one includes building the
TensorFlow graph); the LSTM row trains one epoch only (it takes over a minute) and
reports that. The preset totals go through the real job queue, exactly as the
Train page does: tokenizing, GloVe, word2vec, five strategies, evaluation, saving.
"""
from __future__ import annotations

import os
import time
from lib.config import PRESETS

from benchmarks.harness import Case, timed_job

_CACHE: dict = {}


def _imdb():
    if "imdb" not in _CACHE:
        from lib.data.imdb import load_imdb

        _CACHE["imdb"] = load_imdb()
    return _CACHE["imdb"]


def _epoch_seconds(architecture: str, epochs: int = 2, **overrides) -> float:
    from lib import training
    from lib.config import DEFAULTS, make_config

    config = dict(DEFAULTS, architecture=architecture, strategy="learned", dataset_key="imdb",
                  epochs=epochs, **overrides)
    key = (config["vocab_size"], config["sequence_length"])
    if key not in _CACHE:
        _CACHE[key] = training.prepare_data(_imdb(), make_config(**config))
    run = training.train(config, data=_CACHE[key], keep_model=False)
    return float(run.history["epoch_seconds"][-1])


def _preset_total(preset: str, cold: bool = False, seed: int = 0) -> float:
    """All five strategies of a preset through the runner (worker process), as the pages start them.

    ``cold``: word2vec's disk cache is emptied first, so the time includes training it.
    """
    import shutil

    from lib.jobs.spec import JobSpec
    from lib.models import STRATEGIES
    from lib.paths import cache_dir

    if cold:
        shutil.rmtree(cache_dir() / "word2vec", ignore_errors=True)
    return timed_job(JobSpec(dataset_key="imdb", strategies=list(STRATEGIES), seeds=[seed],
                             settings=PRESETS[preset], title=f"benchmark: {preset}"))


def _with_busy_thread(work):
    """Run ``work`` while another thread of this process spins in Python, as a page's reruns do in the server."""
    import threading

    stop = threading.Event()

    def spin():
        while not stop.is_set():
            sum(range(1000))

    busy = threading.Thread(target=spin, daemon=True)
    busy.start()
    try:
        return work()
    finally:
        stop.set()
        busy.join()


def _in_thread() -> float:
    import threading

    from lib import training
    from lib.config import PRESETS, make_config
    from lib.models import STRATEGIES

    config = make_config(**PRESETS["Quick demo"])
    start = time.perf_counter()

    def work():
        data = training.prepare_data(_imdb(), config)
        vectors: dict = {}
        for strategy in STRATEGIES:
            training.train(dict(config, strategy=strategy, seed=2), data=data, vectors=vectors, keep_model=False)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    return time.perf_counter() - start


def cases() -> list[Case]:
    out = [
        Case("training", "seconds per epoch, fast average model (vocab 10,000, length 200, dim 50, batch 32, 22,500 reviews)",
             "a few s", lambda: _epoch_seconds("average")),
        Case("training", "seconds per epoch, 1-D conv model (same settings)", "< 30 s", lambda: _epoch_seconds("conv")),
        Case("training", "seconds per epoch, classic LSTM(100) (vocab 5,000, length 500, dim 32, batch 64), 1 epoch",
             "(slow by design)", lambda: _epoch_seconds("lstm", epochs=1, vocab_size=5_000, sequence_length=500,
                                                        embedding_dim=32, batch_size=64)),
        Case("training", "Quick demo preset: all five strategies through the runner (2,000 reviews), word2vec cache "
             "empty (trains word2vec on the 25,000 training texts)", "< 45 s", lambda: _preset_total("Quick demo", cold=True),
             "same, word2vec cached (every later demo)", lambda: _preset_total("Quick demo", seed=1)),
        Case("training", "Quick demo, five strategies in the worker process while a Python thread of this process "
             "stays busy (a page rerunning)", "≈ quiet", lambda: _with_busy_thread(lambda: _preset_total("Quick demo", seed=2)),
             "the old design: the same five trainings in a thread of this process", lambda: _with_busy_thread(_in_thread)),
    ]
    if not os.environ.get("EMBEDDING_LAB_BENCH_SKIP_FULL"):
        out.append(Case("training", "Full IMDB preset: all five strategies through the runner (25,000 reviews)",
                        "< 5 min", lambda: _preset_total("Full IMDB")))
    return out
