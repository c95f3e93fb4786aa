"""The README's accuracy table: every strategy at several training-set sizes and seeds, judged against noise.

    python -m benchmarks.accuracy                        # 500, 2,000 and all 25,000 labelled reviews, seeds 0-2
    python -m benchmarks.accuracy --sizes 500 --seeds 0  # a quick look
    python -m benchmarks.accuracy --architecture conv --sizes 500,1000,2000,5000   # the Train page's sweep, conv model

Every run goes through the dashboard's own runner (worker process) with the
"Quick demo" settings (average model, vocabulary 10,000, length 150, up to 12
epochs with early stopping on validation loss), changing only the training-set
size and the seed. word2vec learns from the text of all 25,000 training reviews
(labels unused) at every size. Test accuracy is on the full held-out 25,000-review
test split. Prints a Markdown table: mean ± std over seeds per strategy, and
McNemar's p (one per seed) of each pretrained start against learning from scratch,
then the sentence the Train page's sweep writes on where a pretrained start stops helping.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("EMBEDDING_LAB_DATA", tempfile.mkdtemp(prefix="embedding-lab-accuracy-"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main() -> int:
    from lib import jobs
    from lib.config import PRESETS
    from lib.results import comparisons_with_learned
    from lib.models import STRATEGIES
    from lib.significance import interval

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="500,2000,all", help="comma-separated training-set sizes ('all' = 25,000)")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds")
    parser.add_argument("--preset", default="Quick demo")
    parser.add_argument("--architecture", default=None, help="average, conv or lstm (default: the preset's)")
    args = parser.parse_args()
    sizes = [None if s == "all" else int(s) for s in args.sizes.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]

    settings = dict(PRESETS[args.preset], **({"architecture": args.architecture} if args.architecture else {}))
    job = jobs.submit(jobs.JobSpec(dataset_key="imdb", strategies=list(STRATEGIES), settings=settings,
                                   seeds=seeds, train_sizes=sizes, kind="efficiency", title="accuracy table"))
    jobs.wait(job.id)
    snap = job.snapshot()
    failed = [t for t in snap["tasks"] if t["status"] != "done"]
    if failed:
        print(f"{len(failed)} runs did not finish; first reason: {failed[0]['error']}", file=sys.stderr)
    done = jobs.finished_runs(snap)
    print(f"Preset {args.preset!r}, model {settings['architecture']}, seeds {seeds}; test accuracy on the 25,000 held-out reviews, mean ± std over seeds; "
          "p: McNemar's exact test against learned from scratch, one per seed.\n")
    labels = [STRATEGIES[s].label for s in STRATEGIES]
    print("| labelled reviews | " + " | ".join(labels) + " |")
    print("|---" * (len(labels) + 1) + "|")
    for size in sorted({int(r.config["train_size"]) for r in done}):
        at_size = [r for r in done if int(r.config["train_size"]) == size]
        comparisons = comparisons_with_learned(at_size)
        cells = []
        for strategy in STRATEGIES:
            accs = [r.metrics["test_accuracy"] for r in at_size if r.config["strategy"] == strategy]
            if not accs:
                cells.append("—")
                continue
            iv = interval(accs)
            cell = f"{iv.mean:.1%} ± {iv.std:.1%}"
            if strategy in comparisons:
                c = comparisons[strategy]
                cell += f" (p {', '.join(f'{p:.2g}' for p in c.p_values)}; {c.verdict})"
            cells.append(cell)
        print(f"| {size:,} | " + " | ".join(cells) + " |", flush=True)
    from lib import runs, verdicts

    comparisons = verdicts.sweep_comparisons(verdicts.sweep_answers(done, runs.load_predictions))
    print("\n" + verdicts.sweep_sentence(comparisons, list(STRATEGIES)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
