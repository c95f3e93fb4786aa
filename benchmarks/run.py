"""Print one table of the project's speed targets, each beside a baseline measured in the same run.

    python benchmarks/run.py                 # everything (the training rows take several minutes)
    python benchmarks/run.py --only text     # one area; areas are the bench_<area>.py files
    python benchmarks/run.py --list

Each ``benchmarks/bench_<area>.py`` defines ``cases() -> list[Case]``. The table is
Markdown so it can be pasted into the README as it is.
"""
from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
# Benchmarks write caches and runs to a scratch folder, never to a user's data/.
os.environ.setdefault("EMBEDDING_LAB_DATA", tempfile.mkdtemp(prefix="embedding-lab-bench-"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks.harness import measure  # noqa: E402


def areas() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated areas to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the areas and exit")
    args = parser.parse_args()
    if args.list:
        print("\n".join(areas()))
        return 0
    chosen = args.only.split(",") if args.only else areas()

    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}\n")
    print("| area | what | target | measured | baseline | baseline measured |")
    print("|---|---|---|---|---|---|")
    for area in chosen:
        module = importlib.import_module(f"benchmarks.bench_{area}")
        for case in module.cases():
            ours = measure(case.run, case.repeat)
            base = measure(case.baseline_run, case.repeat) if case.baseline_run else None
            print(f"| {case.area} | {case.what} | {case.target} | {fmt(ours)} | {case.baseline or '—'} | {fmt(base)} |",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
