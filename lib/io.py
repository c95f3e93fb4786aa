"""Writing files so that a crash, a full disk or a second writer never leaves a half-written one.

Two small tools every store in ``lib`` uses:

* :func:`atomic_write` writes to a uniquely named temporary file in the target's
  folder, flushes it to disk (``fsync``) and renames it over the target. A reader
  sees the old file or the new one, never a mix; two writers at once each rename a
  complete file (the last one wins) instead of sharing one temporary name.
* :func:`safe_name` turns any user-supplied name into a file name that cannot
  leave its folder or surprise a shell.

    >>> safe_name("../../etc/passwd")
    'passwd'
    >>> safe_name("my vectors (v2).txt")
    'my_vectors_v2_.txt'
    >>> safe_name("...", default="upload")
    'upload'
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Callable, IO

import numpy as np

TEMP_PREFIX = ".tmp-"


def safe_name(name: str, default: str = "file", max_length: int = 100) -> str:
    """The last path component of ``name`` with anything but letters, digits, ``._-`` replaced by ``_``.

    Leading dots are dropped (no hidden files, no ``..``); an empty result becomes ``default``.
    """
    base = os.path.basename(str(name).replace("\\", "/"))
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", base)[:max_length].lstrip(".")
    return cleaned if cleaned.strip("._-") else default


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], None]) -> Path:
    """Call ``write(file)`` on a fresh temporary file next to ``path``, then rename it into place.

    The temporary file has a unique name (so concurrent writers never share one), is
    fsynced before the rename, and is removed if anything fails; the exception is
    re-raised unchanged. Returns ``path``.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX + path.name + ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """:func:`atomic_write` of a bytes object."""
    return atomic_write(path, lambda fh: fh.write(data))


def atomic_write_text(path: str | Path, text: str) -> Path:
    """:func:`atomic_write` of UTF-8 text."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(data) -> str:
    """JSON text of ``data`` (numpy scalars and arrays, and paths, become plain JSON values)."""
    return json.dumps(data, indent=2, default=_json_default, allow_nan=True)


def atomic_write_json(path: str | Path, data) -> Path:
    """:func:`atomic_write` of ``data`` as indented JSON (see :func:`to_json`)."""
    return atomic_write_text(path, to_json(data))
