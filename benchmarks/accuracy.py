"""The README's accuracy table: every strategy at several training-set sizes and seeds, judged against noise.

    python -m benchmarks.accuracy                        # 500, 2,000 and all 25,000 labelled reviews, seeds 0-2
    python -m benchmarks.accuracy --sizes 500 --seeds 0  # a quick look
    python -m benchmarks.accuracy --strategies learned,fasttext_frozen,fasttext_finetuned   # some columns only
    python -m benchmarks.accuracy --architecture conv --sizes 500,1000,2000,5000   # the Train page's sweep, conv model

This is ``python -m lib.sweep`` (the same runner, table and sentence) with the README's
defaults, its runs kept in a fresh temporary data folder unless ``EMBEDDING_LAB_DATA`` is
set. Every run uses the "Quick demo" settings (average model, vocabulary 10,000, length
150, up to 12 epochs with early stopping on validation loss), changing only the
training-set size and the seed. word2vec and fastText learn from the text of all 25,000
training reviews (labels unused) at every size. Keep ``learned`` among ``--strategies``: every
other column is judged against it, run for run. Test accuracy is on the full held-out 25,000-review
test split. Prints a Markdown table: mean ± std over seeds per strategy, and McNemar's p
(one per seed) of each pretrained start against learning from scratch, then the sentence
the Train page's sweep writes on where a pretrained start stops helping.
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
    from lib import sweep

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="500,2000,all", help="comma-separated training-set sizes ('all' = 25,000)")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds")
    parser.add_argument("--strategies", default=None, help="comma-separated strategy keys (default: every one)")
    parser.add_argument("--preset", default="Quick demo")
    parser.add_argument("--architecture", default=None, help="average, conv or lstm (default: the preset's)")
    args = parser.parse_args()
    print(f"Preset {args.preset!r}, model {args.architecture or 'of the preset'}, seeds {args.seeds}; test accuracy "
          "on the 25,000 held-out reviews, mean ± std over seeds; p: McNemar's exact test against learned from "
          "scratch, one per seed.\n", flush=True)
    return sweep.main(["--preset", args.preset, "--sizes", *args.sizes.split(","),
                       "--seeds", *args.seeds.split(",")]
                      + (["--strategies", *args.strategies.split(",")] if args.strategies else [])
                      + (["--architecture", args.architecture] if args.architecture else []))


if __name__ == "__main__":
    raise SystemExit(main())
