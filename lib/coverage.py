"""Where each word started, and how far it moved: the coverage of a pretrained start, from finished runs.

A pretrained start gives a row of the embedding table to every vocabulary word its
vectors know; the other rows start from small random numbers, as every row does
when the embedding is learned from scratch. :func:`coverage_rows` reads what each
run measured (hits, misses, how far each kind of row moved, their lengths) into
one :class:`CoverageRow` per strategy, and :func:`coverage_sentence` says it in
plain words for the Train and Compare pages and the hand-out report (shown as
text: it quotes vocabulary words).

Runs are anything with ``config`` and ``metrics`` (a :class:`lib.training.Run`,
a :class:`lib.runs.RunRecord` or a plain dict), as in :mod:`lib.verdicts`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from lib.models import STRATEGIES, VECTOR_SOURCES
from lib.training import UNCOVERED_START
from lib.verdicts import (and_list, config_of, counted, group_label, metrics_of, strategy_label, strategy_order,
                          train_size)


@dataclass(frozen=True)
class CoverageRow:
    """One strategy's start, at the largest training-set size among the runs (movement averaged over seeds)."""

    strategy: str
    label: str
    source: str | None            # the vector source's label ("GloVe"), None for learning from scratch
    trainable: bool
    rows: int                     # vocabulary rows, padding left out
    covered: int                  # rows that started from a pretrained vector
    moved_covered: float | None   # mean distance those rows travelled in training
    moved_uncovered: float | None
    length_covered: float | None  # their mean length at the start
    length_uncovered: float | None
    missed_examples: tuple[str, ...] = ()
    from_pieces: int = 0          # covered rows built from character n-grams only (fastText), not a whole word
    pieces_examples: tuple[str, ...] = ()

    @property
    def uncovered(self) -> int:
        return self.rows - self.covered


def _mean_of(metrics: list[dict], key: str) -> float | None:
    values = [m.get(key) for m in metrics if isinstance(m.get(key), (int, float))]
    return float(np.mean(values)) if values else None


def coverage_rows(records: Sequence, per_run: bool = False) -> list[CoverageRow]:
    """One :class:`CoverageRow` per strategy at the largest training-set size, in registry order.

    Pretrained starts saved without their coverage (hits and misses) are left out.

    With ``per_run``, one row per run instead, in the order given, labelled by its settings
    and seed (for the Compare page, whose chosen runs may differ in size or model).
    """
    if not records:
        return []
    groups: list[tuple[str, list]] = []
    if per_run:
        for record in records:
            config = config_of(record)
            groups.append((f"{group_label(config)} · seed {int(config.get('seed', 0))}", [record]))
    else:
        size = max(train_size(config_of(r)) for r in records)
        by_strategy: dict[str, list] = {}
        for record in records:
            config = config_of(record)
            if train_size(config) == size:
                by_strategy.setdefault(config["strategy"], []).append(record)
        groups = [(strategy_label(s), by_strategy[s]) for s in sorted(by_strategy, key=strategy_order)]
    rows = []
    for label, group in groups:
        strategy = config_of(group[0])["strategy"]
        metrics = [metrics_of(r) for r in group]
        first, config = metrics[0], config_of(group[0])
        hits, misses = first.get("hits"), first.get("misses")
        source_key = STRATEGIES[strategy].source if strategy in STRATEGIES else None
        if hits is not None and misses is not None:
            n_rows, covered = int(hits) + int(misses), int(hits)
        elif source_key is None:
            n_rows, covered = max(0, int(config.get("vocab_size") or 1) - 1), 0
        else:
            continue  # a pretrained start saved without its coverage: nothing known to show
        rows.append(CoverageRow(
            strategy=strategy, label=label,
            source=VECTOR_SOURCES[source_key].label if source_key in VECTOR_SOURCES else None,
            trainable=STRATEGIES[strategy].trainable if strategy in STRATEGIES else True,
            rows=n_rows, covered=covered,
            moved_covered=_mean_of(metrics, "moved_covered"), moved_uncovered=_mean_of(metrics, "moved_uncovered"),
            length_covered=_mean_of(metrics, "length_covered"), length_uncovered=_mean_of(metrics, "length_uncovered"),
            missed_examples=tuple(str(w) for w in (first.get("missed_examples") or [])[:5]),
            from_pieces=int(first.get("from_pieces") or 0),
            pieces_examples=tuple(str(w) for w in (first.get("pieces_examples") or [])[:5]),
        ))
    return rows


def _share(moved: float, length: float | None) -> str:
    if not length:
        return ""
    ratio = moved / length
    if ratio < 2:
        return f" ({ratio:.0%} of their starting length)"
    return f" ({ratio:.1f}× their starting length)" if ratio < 10 else f" ({ratio:.0f}× their starting length)"


def coverage_sentence(rows: Sequence[CoverageRow]) -> str:
    """Plain sentences from the numbers of :func:`coverage_rows`: who got a pretrained start, and who moved how far.

    >>> row = CoverageRow("glove_finetuned", "GloVe, fine-tuned", "GloVe", True, 1_000, 900, 0.5, 0.8, 5.0, 0.2, ("zorblax",))
    >>> print(coverage_sentence([row]))  # doctest: +NORMALIZE_WHITESPACE
    GloVe gave a starting vector to 900 of the 1,000 vocabulary words (90.0%); the other 100 (for example
    zorblax) started from small random numbers (uniform between -0.05 and 0.05), as every word does when the
    embedding is learned from scratch. In training, GloVe, fine-tuned moved its words with a pretrained start
    0.50 on average (10% of their starting length) and the words that started random 0.80 (4.0× their
    starting length).
    """
    if not rows:
        return "No finished runs yet."
    sentences = []
    seen_sources = set()
    starts = {(r.source, r.rows, r.covered) for r in rows if r.source is not None}
    ambiguous = {source for source, _, _ in starts if sum(s == source for s, _, _ in starts) > 1}
    for row in rows:
        start = (row.source, row.rows, row.covered)
        if row.source is None or start in seen_sources:
            continue
        seen_sources.add(start)
        share = row.covered / row.rows if row.rows else 0.0
        sentence = (f"In {row.label}, " if row.source in ambiguous else "") + (
            f"{row.source} gave a starting vector to {row.covered:,} of the {counted(row.rows, 'vocabulary word')} "
            f"({share:.1%})")
        if row.from_pieces:
            examples = f" (for example {', '.join(row.pieces_examples)})" if row.pieces_examples else ""
            sentence += (f": {row.covered - row.from_pieces:,} from whole words it learned, {row.from_pieces:,}"
                         f"{examples} built from their character n-grams only")
        if row.uncovered:
            examples = f" (for example {', '.join(row.missed_examples)})" if row.missed_examples else ""
            explained = len(seen_sources) > 1 and any(s != start for s in seen_sources)
            sentence += (f"; the other {row.uncovered:,}{examples} started from " +
                         ("the same small random numbers" if explained else
                          f"{UNCOVERED_START}, as every word does when the embedding is learned from scratch"))
        sentences.append(sentence + ".")
    if not seen_sources:
        sentences.append(f"Every word started from {UNCOVERED_START}: no strategy here used pretrained vectors.")
    moves = []
    for row in rows:
        if not row.trainable:
            continue
        if row.source is None and row.moved_uncovered is not None:
            moves.append(f"{row.label} moved its words {row.moved_uncovered:.2f} on average"
                         f"{_share(row.moved_uncovered, row.length_uncovered)}")
        elif row.moved_covered is not None:
            part = (f"{row.label} moved its words with a pretrained start {row.moved_covered:.2f} on average"
                    f"{_share(row.moved_covered, row.length_covered)}")
            if row.moved_uncovered is not None:
                part += (f" and the words that started random {row.moved_uncovered:.2f}"
                         f"{_share(row.moved_uncovered, row.length_uncovered)}")
            moves.append(part)
    if moves:
        sentences.append("In training, " + "; ".join(moves) + ".")
    frozen = [row.label for row in rows if not row.trainable]
    if frozen:
        sentences.append(f"{and_list(frozen)} kept every word where it started (frozen).")
    return " ".join(sentences)
