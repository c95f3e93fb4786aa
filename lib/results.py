"""The race's results: one table row per strategy and training-set size, and one summary sentence.

A job trains several strategies (and seeds, and training-set sizes) on the same
test reviews. :func:`results_table` averages the seeds of each strategy and size
(mean, standard deviation, a 95% interval); :func:`comparisons_with_learned` pairs
each pretrained start with learning from scratch on the same test reviews, seed by
seed (:func:`lib.significance.compare_against`); :func:`summary_sentence` says who
did best in plain words, and which kind of noise could explain the lead: it calls a
difference "better" only when it holds against both the choice of test reviews and
training luck, which takes 3 seeds or more (the rule of :mod:`lib.significance`).
:func:`summary_details` gives the p-values and the interval behind it, and
:func:`judged_comparison` says which comparison that is.

Runs are anything with ``config`` and ``metrics`` (a :class:`lib.training.Run`, a
:class:`lib.runs.RunRecord`, or a dict with those keys).
"""
from __future__ import annotations

import pandas as pd

from lib import runs, significance
from lib.models import STRATEGIES
from lib.verdicts import config_of, metrics_of, sweep_answers, train_size


def results_table(records: list) -> pd.DataFrame:
    """One row per (training-set size, strategy): accuracy mean ± std and 95% interval over seeds, and the rest.

    ``records`` are finished runs (anything with ``config`` and ``metrics``).
    """
    rows = []
    for record in records:
        c, m = config_of(record), metrics_of(record)
        rows.append({
            "strategy": c["strategy"], "Strategy": c.get("strategy_label", c["strategy"]),
            "train_size": int(c["train_size"]), "seed": c.get("seed", 0),
            "test_accuracy": m["test_accuracy"], "test_loss": m["test_loss"],
            "epochs": m.get("epochs_completed", c.get("epochs")), "train_seconds": m.get("train_seconds", 0.0),
            "trainable_params": m.get("trainable_params"), "frozen_params": m.get("frozen_params"),
            "hits": m.get("hits"), "misses": m.get("misses"),
        })
    columns = ["strategy", "Strategy", "train_size", "seeds", "accuracy_mean", "accuracy_std", "accuracy_low",
               "accuracy_high", "test_loss",
               "epochs", "train_seconds", "trainable_params", "frozen_params", "hits", "misses"]
    if not rows:
        return pd.DataFrame(columns=columns)
    df = pd.DataFrame(rows)
    order = {k: i for i, k in enumerate(STRATEGIES)}
    out = []
    for (size, key), group in df.groupby(["train_size", "strategy"], sort=False):
        acc = group["test_accuracy"].to_numpy(dtype=float)
        spread = significance.interval(acc)
        out.append({
            "strategy": key, "Strategy": group["Strategy"].iloc[0], "train_size": int(size), "seeds": len(group),
            "accuracy_mean": float(acc.mean()), "accuracy_std": float(acc.std(ddof=1)) if len(acc) > 1 else 0.0,
            "accuracy_low": spread.low, "accuracy_high": spread.high,  # 95% t-interval of the mean over seeds
            "test_loss": float(group["test_loss"].mean()), "epochs": int(group["epochs"].max()),
            "train_seconds": float(group["train_seconds"].mean()),
            "trainable_params": group["trainable_params"].iloc[0], "frozen_params": group["frozen_params"].iloc[0],
            "hits": group["hits"].iloc[0], "misses": group["misses"].iloc[0],
        })
    table = pd.DataFrame(out, columns=columns)
    table["_order"] = table["strategy"].map(order).fillna(99)
    return table.sort_values(["train_size", "_order"]).drop(columns="_order").reset_index(drop=True)


def shown_table(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`results_table` as the Train page shows them: percentages with their spread, counts with
    thousands separators, the parameters in one column and where the words started in another ("not pretrained"
    for learning from scratch, never "None").

    >>> t = pd.DataFrame([dict(Strategy="Learned", seeds=1, accuracy_mean=0.8, accuracy_std=0.0, accuracy_low=0.8,
    ...                        accuracy_high=0.8, test_loss=0.45678, epochs=3, train_seconds=12.34,
    ...                        trainable_params=501665, frozen_params=0, hits=None, misses=None),
    ...                   dict(Strategy="GloVe, frozen", seeds=3, accuracy_mean=0.75, accuracy_std=0.01, accuracy_low=0.73,
    ...                        accuracy_high=0.77, test_loss=0.5, epochs=4, train_seconds=8.0,
    ...                        trainable_params=51, frozen_params=500000, hits=9312, misses=688)])
    >>> shown_table(t).iloc[0].astype(str).tolist()
    ['Learned', '80.0%', 'needs 2+ seeds', '0.457', '1', '3', '12 s', '501,665 trained', 'not pretrained (random start)']
    >>> shown_table(t).iloc[1].tolist()[1:3] + shown_table(t).iloc[1].tolist()[7:]
    ['75.0% ± 1.0%', '73.0% – 77.0%', '51 trained + 500,000 frozen', '9,312 of 10,000 words']
    """
    def parameters(trainable, frozen) -> str:
        if pd.isna(trainable):
            return "–"
        return f"{int(trainable):,} trained" + (f" + {int(frozen):,} frozen" if not pd.isna(frozen) and frozen else "")

    def start(hits, misses) -> str:
        if pd.isna(hits):
            return "not pretrained (random start)"
        return f"{int(hits):,} of {int(hits) + int(0 if pd.isna(misses) else misses):,} words"

    return pd.DataFrame({
        "Strategy": list(table["Strategy"]),
        "Test accuracy": [f"{m:.1%}" + (f" ± {s:.1%}" if n > 1 else "")
                          for m, s, n in zip(table["accuracy_mean"], table["accuracy_std"], table["seeds"])],
        "95% interval over seeds": [f"{lo:.1%} – {hi:.1%}" if n > 1 else "needs 2+ seeds"
                                    for lo, hi, n in zip(table["accuracy_low"], table["accuracy_high"], table["seeds"])],
        "Test loss": [f"{v:.3f}" for v in table["test_loss"]],
        "Seeds": [int(v) for v in table["seeds"]],
        "Epochs": [int(v) for v in table["epochs"]],
        "Time per run": [f"{v:,.0f} s" for v in table["train_seconds"]],
        "Parameters": [parameters(t, f) for t, f in zip(table["trainable_params"], table["frozen_params"])],
        "Pretrained start for": [start(h, m) for h, m in zip(table["hits"], table["misses"])],
    })


def comparisons_with_learned(records: list) -> dict:
    """``{strategy: lib.significance.Comparison}`` of each pretrained start against learning from scratch.

    ``records`` are finished runs (anything with ``config`` and ``metrics``) whose
    configs carry their ``run_id``; their stored test predictions are paired by seed
    at the largest training-set size. Runs saved without predictions (or whose folder
    is gone or damaged) are left out.
    """
    stored = [r for r in records if config_of(r).get("run_id")]
    if not stored:
        return {}
    size = max(train_size(config_of(r)) for r in stored)
    answers = sweep_answers([r for r in stored if train_size(config_of(r)) == size], runs.load_predictions)
    return significance.compare_against("learned", {strategy: by_seed for (strategy, _), by_seed in answers.items()})


def judged_comparison(table, comparisons: dict | None) -> tuple[str, significance.Comparison] | None:
    """The strategy label and comparison with learning from scratch that a summary judges, or ``None``.

    That is the leader at the largest training-set size of :func:`results_table`, or
    the runner-up when learning from scratch leads; ``None`` when ``comparisons``
    (from :func:`comparisons_with_learned`) has nothing for it.
    """
    if table is None or len(table) == 0:
        return None
    rows = _largest(table)[1]
    row = rows.iloc[0] if rows.iloc[0]["strategy"] != "learned" else (rows.iloc[1] if len(rows) > 1 else None)
    if row is None or row["strategy"] not in (comparisons or {}):
        return None
    return row["Strategy"], comparisons[row["strategy"]]


def _largest(table):
    """The largest training-set size and its rows of :func:`results_table`, best first."""
    size = int(table["train_size"].max())
    return size, table[table["train_size"] == size].sort_values("accuracy_mean", ascending=False)


def summary_sentence(table, comparisons: dict | None = None) -> str:
    """A plain-language summary from the numbers of :func:`results_table` (largest training set).

    With ``comparisons`` (from :func:`comparisons_with_learned`) it says which kind of
    noise could explain the leader's gap from learning from scratch
    (:func:`lib.significance.difference_sentence`); without them it says what the
    spread between seeds allows. It never calls a difference "better" unless the gap
    holds against both kinds of noise, and with 1 or 2 seeds it says that so few runs
    cannot tell a gap from training luck::

        >>> import pandas as pd
        >>> table = pd.DataFrame({"strategy": ["learned", "glove_finetuned"], "Strategy": ["Learned", "GloVe"],
        ...                       "train_size": [500, 500], "seeds": [1, 1], "accuracy_mean": [0.70, 0.74],
        ...                       "accuracy_std": [0.0, 0.0]})
        >>> print(summary_sentence(table))  # doctest: +NORMALIZE_WHITESPACE
        With 500 training reviews, GloVe did best: 74.0% test accuracy, 4.0 percentage points above learning the
        embedding from scratch (70.0%). One training run each cannot tell a gap from training luck: a second run
        could move these numbers, and by how much only more runs can show; train 3 seeds to tell.
    """
    if table is None or len(table) == 0:
        return "No finished runs yet."
    size, rows = _largest(table)
    best = rows.iloc[0]
    n = f"{size:,} training reviews" if size != 1 else "1 training review"
    sentence = f"With {n}, {best['Strategy']} did best: {best['accuracy_mean']:.1%} test accuracy"
    learned = rows[rows["strategy"] == "learned"]
    if best["strategy"] != "learned" and len(learned):
        diff = (best["accuracy_mean"] - learned.iloc[0]["accuracy_mean"]) * 100
        sentence += f", {diff:.1f} percentage points above learning the embedding from scratch ({learned.iloc[0]['accuracy_mean']:.1%})"
    elif best["strategy"] == "learned" and len(rows) > 1:
        runner = rows.iloc[1]
        diff = (best["accuracy_mean"] - runner["accuracy_mean"]) * 100
        sentence += f", {diff:.1f} percentage points above the best pretrained start ({runner['Strategy']}, {runner['accuracy_mean']:.1%})"
    sentence += "."
    judged = judged_comparison(table, comparisons)
    if judged is not None:
        sentence += " " + significance.difference_sentence(judged[1], judged[0], "learning from scratch")
    elif len(rows) > 1:
        sentence += " " + _spread_sentence(rows)
    worst = rows.iloc[-1]
    if len(rows) > 2:
        sentence += f" {worst['Strategy']} was lowest at {worst['accuracy_mean']:.1%}."
    return sentence


def _spread_sentence(rows) -> str:
    """What the spread between seeds allows of the top two, when no paired test was made (no saved predictions)."""
    spread = float(rows["accuracy_std"].max()) if "accuracy_std" in rows else 0.0
    seeds = int(rows["seeds"].min())
    if seeds < significance.MIN_SEEDS:
        return significance.few_seeds_sentence(seeds, spread if seeds > 1 else None)
    gap = (rows.iloc[0]["accuracy_mean"] - rows.iloc[1]["accuracy_mean"]) * 100
    if gap < 2 * spread * 100:
        return (f"The top two differ by {gap:.1f} points, less than twice the spread between seeds (up to "
                f"{spread * 100:.1f} points): training luck could explain that ranking, so treat it as a tie.")
    return (f"The top two differ by {gap:.1f} points, more than twice the spread between seeds (up to "
            f"{spread * 100:.1f} points); these runs kept no test predictions, so whether the choice of test reviews "
            "could explain it was not checked.")


def summary_details(table, comparisons: dict | None = None) -> str:
    """The tests behind :func:`summary_sentence` (McNemar's p per seed, the interval over seeds), or "" without any."""
    judged = judged_comparison(table, comparisons)
    if judged is None:
        return ""
    return f"{judged[0]} against learning from scratch: " + significance.difference_details(judged[1])
