"""How much of the server's disk uploads may take: per session, and all of them together.

Every accepted table leaves two things on disk for good: a copy of the file and the
stored dataset made from it (:mod:`lib.data.store`), so a well-formed 200 MB table of
junk used to leave about 400 MB behind, and nothing stopped the next one. The limits
(the one place they are set):

* :data:`MAX_SESSION_BYTES`: what the uploads of one browser session may take. Kept
  per server process (:class:`Ledger`), by dataset key: storing the same file again is free.
* :data:`MAX_TOTAL_BYTES`: what everything under the uploads folder may take (tables,
  datasets, vector files), measured on the disk, so it holds for several servers
  sharing one data folder.

Callers ask :func:`check` twice: before writing, with the bytes already known (the
upload itself), and after, with what was really written (a stored dataset's size is
only known then), taking back what they just wrote if it does not fit. The sentence
says how much is used, how much the upload needs and what to do. Nothing stored
earlier is ever removed to make room::

    >>> ledger = Ledger()
    >>> ledger.record("session-a", "upload-1", 300)
    >>> ledger.used("session-a"), ledger.used("session-b")
    (300, 0)
"""
from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path

from lib.errors import UserError
from lib.paths import uploads_dir

#: What one session's uploads may take on the server's disk (a 200 MB table takes about twice that).
MAX_SESSION_BYTES = 1_000 * 1000 * 1000
#: What all uploads together may take (tables, the datasets made from them, vector files).
MAX_TOTAL_BYTES = 5_000 * 1000 * 1000


class Ledger:
    """Bytes stored for each session's uploads in this process: ``owner -> {key: bytes}``."""

    def __init__(self):
        self._lock = threading.Lock()
        self._stored: dict[str, dict[str, int]] = {}

    def record(self, owner: str, key: str, nbytes: int) -> None:
        with self._lock:
            self._stored.setdefault(owner, {})[key] = int(nbytes)

    def used(self, owner: str, except_key: str = "") -> int:
        with self._lock:
            return sum(n for k, n in self._stored.get(owner, {}).items() if k != except_key)


#: The server's ledger (sessions live in one server process, so per process is per session).
LEDGER = Ledger()
#: Held while an upload is checked, stored and measured, so two uploads do not both fit the last room.
STORING = threading.Lock()


def size_of(paths: Iterable[Path]) -> int:
    """Bytes taken by files and folders (walked) at ``paths``; missing ones count 0."""
    total = 0
    for path in paths:
        path = Path(path)
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            for root, _, files in os.walk(path):
                for name in files:
                    try:
                        total += (Path(root) / name).stat().st_size
                    except OSError:
                        continue  # removed meanwhile
    return total


def _mb(n: int) -> str:
    """``1,234 MB``; below 10 MB with two decimals, so small numbers stay readable."""
    n = max(n, 0)
    return f"{n / 1e6:,.0f} MB" if n >= 1e7 else f"{n / 1e6:,.2f} MB"


def refusal(owner: str, key: str, written: int, coming: int) -> str | None:
    """The sentence refusing ``owner``'s upload ``key``, or ``None`` if it fits both limits.

    ``written`` is what the upload already has on the disk (counted in the total as it is),
    ``coming`` what is still to be written. ``owner`` ``""`` (a script, a test) has no session
    limit; the total holds for everyone.
    """
    need = written + coming
    if owner:
        used = LEDGER.used(owner, except_key=key)
        if used + need > MAX_SESSION_BYTES:
            return (f"Your uploads on this server already take {_mb(used)} and this one needs {_mb(need)}; a session "
                    f"may keep {_mb(MAX_SESSION_BYTES)}. Upload a smaller sample (at most "
                    f"{_mb(MAX_SESSION_BYTES - used)}), or keep working with the datasets you already uploaded.")
    others = size_of([uploads_dir()]) - written
    if others + need > MAX_TOTAL_BYTES:
        return (f"The server's space for uploads is full: this upload needs {_mb(need)} and "
                f"{_mb(MAX_TOTAL_BYTES - others)} of {_mb(MAX_TOTAL_BYTES)} are left. Upload a smaller sample, or ask "
                "whoever runs the server to delete old uploads.")
    return None


def check(owner: str, key: str, written: int, coming: int, error: type[UserError] | None = None) -> None:
    """Raise ``error`` (default :class:`UserError`) with :func:`refusal`'s sentence if the upload does not fit."""
    sentence = refusal(owner, key, written, coming)
    if sentence is not None:
        raise (error or UserError)(sentence)
