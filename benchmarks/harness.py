"""What a benchmark is: something we measure, its target, and a baseline timed in the same run."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable


@dataclass
class Case:
    """One line of the benchmark table.

    ``run`` and ``baseline_run`` are called with no arguments; their wall time is
    measured (best of ``repeat``). A callable may instead return a number of
    seconds it measured itself (for example "seconds per epoch"), which is then
    used as the timing.
    """

    area: str
    what: str
    target: str
    run: Callable[[], object]
    baseline: str = ""
    baseline_run: Callable[[], object] | None = None
    repeat: int = 1


def measure(fn: Callable[[], object], repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        if isinstance(result, (int, float)) and not isinstance(result, bool):
            elapsed = float(result)
        best = min(best, elapsed)
    return best
