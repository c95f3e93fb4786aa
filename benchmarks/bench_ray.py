"""The Ray backend against the local queue on this machine (a local Ray with 2 CPUs).

    python benchmarks/run.py --only ray
    EMBEDDING_LAB_BENCH_SKIP_FULL=1 python benchmarks/run.py --only ray    # skip the Quick-demo grid (~4 min)
    python -m benchmarks.bench_ray --paper                                 # the README's 1/4/16-node estimate

Rows: the tiny grid (Tiny preset on IMDB: 500 training reviews, 500 test reviews; learned and
GloVe fine-tuned x seeds 0, 1) through Ray with 1 CPU per run (two runs at once) against the
local worker (one at a time); Ray's overhead per run (Ray with 2 CPUs per run, so one run at a
time like the local worker, minus the local time, per run); and the Quick-demo grid (five
strategies x seeds 0-2, 2,000 reviews) both ways, word2vec cached for both. Each backend is warmed
up first (worker process started, TensorFlow imported), so the rows compare steady-state work.
"""
from __future__ import annotations

import os
import secrets
from lib.config import PRESETS

from benchmarks.harness import Case, timed_job

_CACHE: dict = {}


def _ray():
    import ray

    from lib.jobs import ray_backend

    if not ray.is_initialized():
        os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(16))  # no ~/.ray/auth_token is written
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, runtime_env=ray_backend.runtime_env())
    return ray


def _grid(preset: str, strategies: list[str], seeds: list[int], run_on: str, cpus_per_run: float = 1.0) -> float:
    from lib.jobs import ray_backend
    from lib.jobs.spec import JobSpec

    if run_on == "ray":
        _ray()
        os.environ[ray_backend.CPUS_ENV] = str(cpus_per_run)
    return timed_job(JobSpec(dataset_key="imdb", strategies=strategies, seeds=seeds, run_on=run_on,
                             settings=PRESETS[preset], title=f"benchmark: {preset} on {run_on}"))


TINY_GRID = (["learned", "glove_finetuned"], [0, 1])


def _warm() -> None:
    """Start the local worker and two Ray workers (TensorFlow imported, IMDB tokenized) before timing."""
    if "warm" not in _CACHE:
        _grid("Tiny (tests)", ["learned"], [90], "local")
        _grid("Tiny (tests)", ["learned"], [90, 91], "ray")
        _CACHE["warm"] = True


def _tiny(run_on: str, cpus_per_run: float = 1.0) -> float:
    _warm()
    return _grid("Tiny (tests)", *TINY_GRID, run_on=run_on, cpus_per_run=cpus_per_run)


def _overhead_per_run() -> float:
    runs = len(TINY_GRID[0]) * len(TINY_GRID[1])
    return (_tiny("ray", cpus_per_run=2.0) - _CACHE.setdefault("tiny_local", _tiny("local"))) / runs


def _quick(run_on: str) -> float:
    _warm()
    if "w2v" not in _CACHE:  # word2vec on the 25,000 training texts, cached on this disk for both backends
        _grid("Quick demo", ["word2vec_frozen"], [99], "local")
        _CACHE["w2v"] = True
    from lib.models import STRATEGIES

    return _grid("Quick demo", list(STRATEGIES), [0, 1, 2], run_on=run_on)


def cases() -> list[Case]:
    out = [
        Case("ray", "tiny grid (Tiny preset, 2 strategies x 2 seeds = 4 runs) on a local Ray, 1 CPU per run "
             "(2 at once)", "faster than local", lambda: _tiny("ray"),
             "the local worker process, one run at a time", lambda: _CACHE.setdefault("tiny_local", _tiny("local"))),
        Case("ray", "Ray overhead per run: the same grid with 2 CPUs per run (one at a time), minus local, per run",
             "< 1 s", _overhead_per_run),
    ]
    if not os.environ.get("EMBEDDING_LAB_BENCH_SKIP_FULL"):
        out.append(Case("ray", "Quick-demo grid x 3 seeds (5 strategies x 3 seeds = 15 runs, 2,000 reviews), local Ray, "
                        "1 CPU per run, word2vec cached", "faster than local", lambda: _quick("ray"),
                        "the local worker process, one run at a time", lambda: _quick("local")))
    return out


# --------------------------------------------------------------------------- the README's estimate on paper
SIZES = [500, 1_000, 2_000, 5_000, 10_000, None]


def paper_estimate(overhead: float = 1.0, nodes_list=(1, 4, 16), cores: int = 2) -> str:
    """Wall time of the full sweep (5 strategies x 3 seeds x 6 sizes = 90 runs) per model, from the per-run
    times of :func:`lib.config.estimate_seconds` (calibrated on this machine's measurements), scheduled
    longest first on ``nodes x cores`` one-CPU slots, plus ``overhead`` seconds per run and word2vec once per node."""
    import heapq

    from lib.config import PRESETS, RunConfig, estimate_seconds, make_config
    from lib.models import STRATEGIES, VECTOR_SOURCES

    lines = ["| model | one run, 500 → 25,000 reviews | sum of 90 runs | " +
             " | ".join(f"{n} node{'s' if n > 1 else ''} ({n * cores} CPUs)" for n in nodes_list) + " |",
             "|---" * (3 + len(nodes_list)) + "|"]
    for preset in ("Quick demo", "Classic LSTM (slow)"):
        config = make_config(**PRESETS[preset])
        runs = []
        for size in SIZES:
            one = estimate_seconds(config, ["learned"], 1, train_sizes=[size], worker_ready=True,
                                   ready_sources=set(VECTOR_SOURCES))
            runs += [one + overhead] * len(STRATEGIES) * 3
        word2vec = VECTOR_SOURCES["word2vec"].seconds(25_000, RunConfig.from_dict(config))
        cells = []
        for nodes in nodes_list:
            slots = [word2vec] * (nodes * cores)  # each node trains word2vec once before its first word2vec run
            heapq.heapify(slots)
            for run in sorted(runs, reverse=True):
                heapq.heappush(slots, heapq.heappop(slots) + run)
            cells.append(f"{max(slots) / 60:.0f} min")
        name = "average (Quick demo settings)" if preset == "Quick demo" else "classic LSTM"
        lines.append(f"| {name} | {min(runs):.0f} s → {max(runs) / 60:.1f} min | {sum(runs) / 60:.0f} min | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--paper", action="store_true")
    parser.add_argument("--overhead", type=float, default=1.0, help="measured Ray overhead per run, seconds")
    args = parser.parse_args()
    print(paper_estimate(args.overhead))
