"""What runs are called where people pick them: by the job that trained them, with their settings in words.

The run store (:mod:`lib.runs`) keeps each run's own name; menus and export titles need more:
:func:`job_names` names runs by their job ("Quick demo #3 · GloVe, frozen · seed 0 · yours"), so a
classmate's run, the tour's and your own are told apart, and :func:`settings_phrase` says a run's
settings in a few words for an export's title line.
"""
from __future__ import annotations

from collections.abc import Collection

from lib.io import plain_name
from lib.runs import RunRecord, default_name, display_names, name_key


def settings_phrase(config: dict) -> str:
    """A run's settings in a few words, for the title line of an export and the run's description.

    >>> settings_phrase({"dataset_key": "imdb-n2000-s0", "dataset_name": "IMDB", "train_size": 2000,
    ...                  "architecture": "average", "vocab_size": 10000, "sequence_length": 150, "embedding_dim": 50,
    ...                  "epochs": 12, "early_stopping": True, "learning_rate": 0.003, "seed": 0})
    '2,000 IMDB texts, average model, 10,000 words, length 150, 50-d, up to 12 epochs, learning rate 0.003, seed 0'
    """
    size = config.get("train_size")
    data = str(config.get("dataset_name") or config.get("dataset_key") or "imdb")
    parts = [f"{int(size):,} {data} texts" if size else f"all {data} training texts"]
    if config.get("architecture"):
        parts.append(f"{config['architecture']} model")
    for key, form in (("vocab_size", "{:,} words"), ("sequence_length", "length {}"), ("embedding_dim", "{}-d")):
        if config.get(key):
            parts.append(form.format(int(config[key])))
    if config.get("epochs"):
        parts.append(("up to " if config.get("early_stopping") else "") + f"{int(config['epochs'])} epochs")
    if config.get("learning_rate"):
        parts.append(f"learning rate {float(config['learning_rate']):g}")
    parts.append(f"seed {config.get('seed', 0)}")
    return ", ".join(parts)


def job_names(records: list[RunRecord], mine: Collection[str] = ()) -> dict[str, str]:
    """``run_id -> name`` for menus, runs named and grouped by the job that trained them.

    A run a job trained (its config names ``job_id`` and ``job_title``) and that nobody renamed is called
    ``"<job title> #<n> · <strategy> · seed <s>"`` (the size too for a data-efficiency sweep), ``n`` counting
    that title's jobs in the order they first saved a run; runs of a job in ``mine`` (this session's jobs) end
    in ``" · yours"``. Every other run keeps its name (:func:`display_names`). No two names are alike.

    >>> from pathlib import Path
    >>> def rec(i, job, label, seed, t):
    ...     config = {"strategy": "x", "strategy_label": label, "seed": seed, "job_id": job, "job_title": "Quick demo",
    ...               "train_size": 2000, "dataset_key": "imdb", "architecture": "average"}
    ...     return RunRecord(f"r{i}", Path("."), default_name(config), config, {}, {}, t)
    >>> names = job_names([rec(1, "j1", "GloVe, frozen", 0, "1"), rec(2, "j2", "GloVe, frozen", 0, "2"),
    ...                    rec(3, "j2", "GloVe, frozen", 1, "3")], mine={"j2"})
    >>> names["r1"], names["r3"]
    ('Quick demo #1 · GloVe, frozen · seed 0', 'Quick demo #2 · GloVe, frozen · seed 1 · yours')
    """
    names = display_names(records)
    numbers: dict[str, int] = {}
    per_title: dict[str, int] = {}
    for record in sorted(records, key=lambda r: (r.created, r.run_id)):
        job, title = record.config.get("job_id"), record.config.get("job_title")
        if job and title and job not in numbers:
            per_title[title] = per_title.get(title, 0) + 1
            numbers[job] = per_title[title]
    taken = {name_key(n) for run_id, n in names.items()}
    for record in records:
        config = record.config
        job, title = config.get("job_id"), config.get("job_title")
        if not (job in numbers and record.name.startswith(default_name(config))):
            continue  # no job, or renamed by someone: keep the name
        parts = [f"{plain_name(str(title))} #{numbers[job]}", str(config.get("strategy_label") or config["strategy"])]
        if title == "Data efficiency" and config.get("train_size"):
            parts.append(f"{int(config['train_size']):,} reviews")
        parts.append(f"seed {config.get('seed', 0)}")
        name = " · ".join(parts) + (" · yours" if job in mine else "")
        if name_key(name) not in taken:
            taken.discard(name_key(names[record.run_id]))
            names[record.run_id] = name
            taken.add(name_key(name))
    return names
