"""Loading the 50,000 IMDB reviews with the fixed split: ours (warm) vs a bare pandas read of the same CSV."""
from __future__ import annotations

from benchmarks.harness import Case


def cases() -> list[Case]:
    import pandas as pd

    from lib.data.imdb import imdb_csv_path, load_imdb

    load_imdb()  # warm: imports done, file in the page cache

    def bare_pandas():
        pd.read_csv(imdb_csv_path())

    return [
        Case(area="datasets", what="load IMDB 50,000 reviews: read, clean <br />, fixed grouped stratified split (warm)",
             target="< 3 s", run=load_imdb, baseline="pandas.read_csv of the same CSV alone",
             baseline_run=bare_pandas, repeat=3),
    ]
