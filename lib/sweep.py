"""Run a strategy x seed x training-set-size sweep from the command line, without the dashboard.

    python -m lib.sweep --strategies learned glove_finetuned --seeds 0 1 --sizes 500 2000 --preset "Quick demo"
    python -m lib.sweep --seeds 0 1 2 --sizes 500 1000 2000 5000 10000 all --ray auto     # on a Ray cluster
    EMBEDDING_LAB_RAY_ADDRESS=ray://head:10001 python -m lib.sweep --seeds 0 1 2           # the same

It submits one data-efficiency job to the dashboard's own runner (:mod:`lib.jobs`: the
local worker process, or Ray tasks with ``--ray`` / ``EMBEDDING_LAB_RAY_ADDRESS``), prints
a line as each run finishes, and ends with a Markdown table: test accuracy mean ± std over
the seeds per strategy and size (:func:`lib.results.results_table`). The runs are saved in
the run store (``EMBEDDING_LAB_DATA`` or ``data/``), so the dashboard shows them afterwards.
Ctrl-C cancels the job; finished runs are kept.
"""
from __future__ import annotations

import argparse
import os
import sys

from lib import jobs
from lib.config import PRESETS
from lib.models import STRATEGIES
from lib.results import results_table


def markdown_table(table) -> str:
    """The rows of :func:`lib.results.results_table` as Markdown: one row per size, one column per strategy.

    >>> import pandas as pd
    >>> rows = pd.DataFrame([{"strategy": "learned", "Strategy": "Learned", "train_size": 500, "seeds": 2,
    ...                       "accuracy_mean": 0.774, "accuracy_std": 0.002, "train_seconds": 3.2}])
    >>> print(markdown_table(rows))
    | training texts | Learned |
    |---|---|
    | 500 | 77.4% ± 0.2% (2 seeds) |
    """
    if table is None or len(table) == 0:
        return "No finished runs."
    order = list(dict.fromkeys(table["strategy"]))
    labels = dict(zip(table["strategy"], table["Strategy"]))
    lines = ["| training texts | " + " | ".join(labels[s] for s in order) + " |", "|---" * (len(order) + 1) + "|"]
    for size in sorted(set(int(n) for n in table["train_size"])):
        cells = []
        for strategy in order:
            row = table[(table["train_size"] == size) & (table["strategy"] == strategy)]
            if not len(row):
                cells.append("—")
                continue
            r = row.iloc[0]
            seeds = int(r["seeds"])
            cells.append(f"{r['accuracy_mean']:.1%} ± {r['accuracy_std']:.1%} ({seeds} seed{'s' if seeds != 1 else ''})")
        lines.append(f"| {size:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _size(text: str) -> int | None:
    return None if text.lower() == "all" else int(text)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m lib.sweep", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strategies", nargs="+", default=list(STRATEGIES), choices=list(STRATEGIES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--sizes", nargs="+", type=_size, default=[500, 2_000],
                        help="training-set sizes ('all' = every training text)")
    parser.add_argument("--preset", default="Quick demo", choices=list(PRESETS))
    parser.add_argument("--dataset", default="imdb", help="a dataset key: imdb, an upload's key, a toy key")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--ray", metavar="ADDRESS", help="run on this Ray cluster (ray://head:10001, head:6379, auto)")
    where.add_argument("--local", action="store_true", help="run on this machine even if EMBEDDING_LAB_RAY_ADDRESS is set")
    parser.add_argument("--cpus-per-run", type=float, help="CPUs Ray reserves for each run (default 1)")
    parser.add_argument("--gpus-per-run", type=float, help="GPUs Ray reserves for each run (default 0)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    from lib import ray_backend

    args = parse_args(argv)
    if args.ray:
        os.environ[ray_backend.ADDRESS_ENV] = args.ray
    for name, value in ((ray_backend.CPUS_ENV, args.cpus_per_run), (ray_backend.GPUS_ENV, args.gpus_per_run)):
        if value is not None:
            os.environ[name] = str(value)
    spec = jobs.JobSpec(dataset_key=args.dataset, strategies=list(args.strategies), seeds=list(args.seeds),
                        settings=PRESETS[args.preset], train_sizes=list(args.sizes),
                        kind=jobs.JobKind.EFFICIENCY, title=f"sweep: {args.preset}",
                        run_on="local" if args.local else ("ray" if args.ray else ""))
    print(f"{len(spec.task_payloads())} runs ({len(args.strategies)} strategies x {len(args.seeds)} seeds x "
          f"{len(args.sizes)} sizes, preset {args.preset!r}) on {jobs.backend_name(spec)}.", file=sys.stderr)
    job = jobs.submit(spec)
    printed: set[int] = set()
    try:
        while True:
            jobs.wait_for(job.id, lambda s: s["finished_tasks"] > len(printed) or jobs.Status(s["status"]).finished)
            snap = job.snapshot()
            for index, task in enumerate(snap["tasks"]):
                if index in printed or not jobs.Status(task["status"]).finished:
                    continue
                printed.add(index)
                size = f"{task['train_size']:,}" if task["train_size"] else "all"
                what = (f"{task['metrics']['test_accuracy']:.1%} in {task['seconds']:.1f} s"
                        if task["status"] == jobs.Status.DONE else f"{task['status']}: {task['error']}".rstrip(": "))
                print(f"[{len(printed)}/{snap['total_tasks']}] {task['label']}, seed {task['seed']}, "
                      f"{size} texts: {what}", file=sys.stderr, flush=True)
            if jobs.Status(snap["status"]).finished:
                break
    except KeyboardInterrupt:
        jobs.cancel(job.id)
        jobs.wait(job.id)
        snap = job.snapshot()
    print(f"{snap['message']}\n", file=sys.stderr)
    print(markdown_table(results_table(jobs.finished_runs(snap))))
    return 0 if snap["status"] == jobs.Status.DONE and all(t["status"] == jobs.Status.DONE for t in snap["tasks"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
