"""Run a strategy x seed x training-set-size sweep from the command line, without the dashboard.

    python -m lib.sweep --strategies learned glove_finetuned --seeds 0 1 --sizes 500 2000 --preset "Quick demo"
    python -m lib.sweep --seeds 0 1 2 --sizes 500 1000 2000 5000 10000 all --ray auto     # on a Ray cluster
    EMBEDDING_LAB_RAY_ADDRESS=ray://head:10001 python -m lib.sweep --seeds 0 1 2           # the same

It submits one data-efficiency job to the dashboard's own runner (:mod:`lib.jobs.runner`: the
local worker process, or Ray tasks with ``--ray`` / ``EMBEDDING_LAB_RAY_ADDRESS``), prints
a line as each run finishes, and ends with :func:`report`: a Markdown table of test accuracy,
mean ± std over the seeds per strategy and size (:func:`lib.training.results_table`), with
McNemar's test of each pretrained start against learning from scratch at the same size, and
the sentence the Train page's sweep writes on where a pretrained start stops helping. The
runs are saved in the run store (``EMBEDDING_LAB_DATA`` or ``data/``), so the dashboard shows
them afterwards. Ctrl-C cancels the job; finished runs are kept. ``benchmarks/accuracy.py``
(the README's table) is this command with other defaults.
"""
from __future__ import annotations

import argparse
import os
import sys

from lib import runs, verdicts
from lib.jobs import ray_backend, runner
from lib.jobs.progress import finished_runs
from lib.jobs.spec import JobKind, JobSpec, Status
from lib.models import ARCHITECTURES, STRATEGIES
from lib.config import PRESETS
from lib.results import results_table


def markdown_table(table, comparisons: dict | None = None) -> str:
    """The rows of :func:`lib.training.results_table` as Markdown: one row per size, one column per strategy.

    With ``comparisons`` (:func:`lib.verdicts.sweep_comparisons`) a pretrained start's cell
    also says how it did against learning from scratch at that size, and McNemar's p per seed.

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
            cell = f"{r['accuracy_mean']:.1%} ± {r['accuracy_std']:.1%} ({seeds} seed{'s' if seeds != 1 else ''})"
            judged = (comparisons or {}).get(strategy, {}).get(size)
            if judged is not None:
                cell += f", {judged.verdict} (p {', '.join(f'{p:.2g}' for p in judged.p_values)})"
            cells.append(cell)
        lines.append(f"| {size:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def report(records: list, strategies: list[str]) -> str:
    """What a finished sweep found: :func:`markdown_table` of ``records`` (finished runs that carry their
    ``run_id``) judged against learning from scratch, then the sentence on where a pretrained start stops helping."""
    comparisons = verdicts.sweep_comparisons(verdicts.sweep_answers(records, runs.load_predictions))
    return (markdown_table(results_table(records), comparisons) + "\n\n"
            + verdicts.sweep_sentence(comparisons, strategies))


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
    parser.add_argument("--architecture", choices=list(ARCHITECTURES), help="the model (default: the preset's)")
    parser.add_argument("--epochs", type=int, help="epochs per run (default: the preset's)")
    parser.add_argument("--dataset", default="imdb", help="a dataset key: imdb, an upload's key, a toy key")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--ray", metavar="ADDRESS", help="run on this Ray cluster (ray://head:10001, head:6379, auto)")
    where.add_argument("--local", action="store_true", help="run on this machine even if EMBEDDING_LAB_RAY_ADDRESS is set")
    parser.add_argument("--cpus-per-run", type=float, help="CPUs Ray reserves for each run (default 1)")
    parser.add_argument("--gpus-per-run", type=float, help="GPUs Ray reserves for each run (default 0)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.ray:
        os.environ[ray_backend.ADDRESS_ENV] = args.ray
    for name, value in ((ray_backend.CPUS_ENV, args.cpus_per_run), (ray_backend.GPUS_ENV, args.gpus_per_run)):
        if value is not None:
            os.environ[name] = str(value)
    overrides = {"architecture": args.architecture, "epochs": args.epochs}
    settings = dict(PRESETS[args.preset], **{name: value for name, value in overrides.items() if value is not None})
    spec = JobSpec(dataset_key=args.dataset, strategies=list(args.strategies), seeds=list(args.seeds),
                   settings=settings, train_sizes=list(args.sizes), kind=JobKind.EFFICIENCY,
                   title=f"sweep: {args.preset}", run_on="local" if args.local else ("ray" if args.ray else ""))
    print(f"{len(spec.task_payloads())} runs ({len(args.strategies)} strategies x {len(args.seeds)} seeds x "
          f"{len(args.sizes)} sizes, preset {args.preset!r}) on {runner.backend_name(spec)}.", file=sys.stderr)
    job = runner.submit(spec)
    printed: set[int] = set()
    try:
        while True:
            runner.wait_for(job.id, lambda s: s["finished_tasks"] > len(printed) or Status(s["status"]).finished)
            snap = job.snapshot()
            for index, task in enumerate(snap["tasks"]):
                if index in printed or not Status(task["status"]).finished:
                    continue
                printed.add(index)
                size = f"{task['train_size']:,}" if task["train_size"] else "all"
                what = (f"{task['metrics']['test_accuracy']:.1%} in {task['seconds']:.1f} s"
                        if task["status"] == Status.DONE else f"{task['status']}: {task['error']}".rstrip(": "))
                print(f"[{len(printed)}/{snap['total_tasks']}] {task['label']}, seed {task['seed']}, "
                      f"{size} texts: {what}", file=sys.stderr, flush=True)
            if Status(snap["status"]).finished:
                break
    except KeyboardInterrupt:
        runner.cancel(job.id, spec.owner)
        runner.wait(job.id)
        snap = job.snapshot()
    print(f"{snap['message']}\n", file=sys.stderr)
    print(report(finished_runs(snap), list(args.strategies)))
    return 0 if snap["status"] == Status.DONE and all(t["status"] == Status.DONE for t in snap["tasks"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
