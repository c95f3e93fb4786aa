"""Measuring what a loader needs: it runs in a child process, and its peak memory is read from the kernel.

Used by the memory tests (``tests/test_security.py``, ``tests/test_parquet_budget.py``). The child
imports only the module under test (never TensorFlow), limits its own address space (``RLIMIT_AS``,
so a runaway allocation ends in ``MemoryError`` rather than the machine swapping), then for each
file resets its high-water mark (``/proc/self/clear_refs``) and calls ``module.function(name, data,
**extra)``. What comes back per file: ``ok``, ``error`` and ``message`` (a refusal's class and
sentence), ``shape``, ``seconds``, ``before_mb`` (resident memory before the call) and ``peak_mb``
(``VmHWM`` after it), so ``peak_mb - before_mb`` is what the call itself needed at most. Python
allocations and pyarrow's (with its system allocator, which returns memory) are both counted.

``extra`` may hold ``_patch``: ``{"module:ATTR": value}`` (or ``{"ATTR": value}`` for the module under
test) to lower a limit in the child before the calls, so a test can use small files.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from lib.paths import REPO_ROOT

#: Address-space limit of the child processes (imports alone reserve a few hundred MB of it).
LIMIT_BYTES = 1_500_000_000

_CHILD = r"""
import json, resource, sys, time
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
module, function = sys.argv[2:4]
files = json.loads(sys.argv[4])
extra = json.loads(sys.argv[5])
import importlib
mod = importlib.import_module(module)
for attr, value in extra.pop("_patch", {}).items():
    where, _, attr = attr.rpartition(":")
    setattr(importlib.import_module(where) if where else mod, attr, value)
if module == "lib.vectors.files":
    import gensim.models  # imported by the loader anyway; measured before the load, not as part of it
else:
    import pyarrow.parquet, pandas


def status_mb(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":")) / 1024


results = []
for path, name in files:  # one interpreter for several files: starting one costs more than a load
    data = open(path, "rb").read()
    # ru_maxrss survives fork+exec on Linux (it can be the parent's), so the peak is VmHWM of this process,
    # reset to the current size here (clear_refs 5) so that it measures the load alone.
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    out = {"before_mb": status_mb("VmRSS"), "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    t0, result = time.perf_counter(), None
    try:
        result = getattr(mod, function)(name, data, **extra)
        out["ok"] = True
        shaped = getattr(result, "shape", None) or getattr(getattr(result, "vectors", None), "shape", None)
        out["shape"] = list(shaped) if shaped is not None else [len(result.train_texts), len(result.test_texts)]
    except BaseException as exc:
        out["ok"] = False
        out["error"] = type(exc).__name__
        out["message"] = str(exc)
    out["seconds"] = time.perf_counter() - t0
    out["peak_mb"] = status_mb("VmHWM")
    results.append(out)
    del data, result
print(json.dumps(results))
"""


def run_limited_each(module: str, function: str, files: list[tuple[Path, str]], tmp_path: Path, **extra) -> list[dict]:
    """``module.function(name, data, **extra)`` for each ``(path, name)`` in one child process under the limit."""
    # pyarrow's default allocator (mimalloc) reserves address space up front, which RLIMIT_AS counts as
    # used: with the system allocator the limit measures what is really allocated.
    env = dict(os.environ, EMBEDDING_LAB_DATA=str(tmp_path / "child-data"), OPENBLAS_NUM_THREADS="1",
               OMP_NUM_THREADS="1", PYTHONPATH=str(REPO_ROOT), ARROW_DEFAULT_MEMORY_POOL="system")
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(LIMIT_BYTES), module, function,
         json.dumps([[str(path), name] for path, name in files]), json.dumps(extra)],
        capture_output=True, text=True, cwd=str(REPO_ROOT), env=env, timeout=300,
    )
    assert proc.returncode == 0, f"child died (code {proc.returncode}): {proc.stderr[-2000:]}"
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "tensorflow" not in proc.stderr.lower()
    for (_, name), result in zip(files, results):
        print(function, name, result)  # shown with -s: the measured peak memory
    return results


def run_limited(module: str, function: str, path: Path, name: str, tmp_path: Path, **extra) -> dict:
    return run_limited_each(module, function, [(path, name)], tmp_path, **extra)[0]
