"""Writing files so that a crash, a full disk or a second writer never leaves a half-written one.

The one owner of these ideas; every store in ``lib`` (runs, uploads, datasets, caches) uses them:

* :func:`atomic_write` writes to a uniquely named temporary file in the target's
  folder, flushes it to disk (``fsync``) and renames it over the target. A reader
  sees the old file or the new one, never a mix; two writers at once each rename a
  complete file (the last one wins) instead of sharing one temporary name.
  :func:`atomic_path` does the same for a library that insists on writing to a path,
  and :func:`atomic_folder` for a folder of files (a run, a stored dataset).
* Every temporary name starts with :data:`TEMP_PREFIX` and carries its writer's host and
  process id (:func:`temp_prefix`), so readers skip them and :func:`clear_stale_temps`
  (called by :func:`ready_store` the first time a process uses a store) can remove what a
  crash left: at once if its writer is gone, after :data:`STALE_TEMP_SECONDS` otherwise.
* :func:`storage_error` turns a failed disk operation into one sentence for the
  person using the dashboard, without a server path.
* :func:`safe_name` turns any user-supplied name into a file name that cannot
  leave its folder or surprise a shell; :func:`upload_name` refuses a name that is no
  file name at all.
* :func:`strip_controls` removes control and bidirectional-override characters from
  text other people will see (the one rule, used by the exports and by run names:
  :func:`plain_name`).

    >>> safe_name("../../etc/passwd")
    'passwd'
    >>> safe_name("my vectors (v2).txt")
    'my_vectors_v2_.txt'
    >>> safe_name("...", default="upload")
    'upload'
"""
from __future__ import annotations

import errno
import json
import logging
import os
import re
import shutil
import socket
import sys
import tempfile
import threading
import time
import unicodedata
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, IO, Iterator

import numpy as np

from lib.errors import UserError

log = logging.getLogger("embedding_lab.io")

#: The start of every temporary file or folder name; nothing else in a store may start with it.
TEMP_PREFIX = ".tmp-"
#: This machine's name as it appears in temporary names (letters, digits, dots and dashes only).
HOST = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname())[:60] or "host"
#: ``<what>~<host>~<pid>~<random>``: who wrote a temporary file, read back by :func:`temp_writer`.
_WRITER = re.compile(r"~([A-Za-z0-9.-]+)~(\d+)~[^~]*$")


def temp_prefix(what: str) -> str:
    """The start of a temporary name for ``what``: :data:`TEMP_PREFIX`, ``what``, this host and process.

    ``tempfile.mkstemp(prefix=temp_prefix(...))`` adds random letters, so two writers never
    share a name, and whoever finds the file later can tell whether its writer still runs::

        >>> temp_prefix("run.json").startswith(".tmp-run.json~") and temp_prefix("x").endswith(f"~{os.getpid()}~")
        True
    """
    return f"{TEMP_PREFIX}{what}~{HOST}~{os.getpid()}~"


def temp_writer(name: str) -> tuple[str, int] | None:
    """``(host, pid)`` of the process that made the temporary file ``name``, or ``None`` if it does not say.

    >>> temp_writer(".tmp-a.csv~lab-1~4242~x8k2") , temp_writer(".tmp-a.csv.x8k2")
    (('lab-1', 4242), None)
    """
    m = _WRITER.search(name)
    return (m.group(1), int(m.group(2))) if m else None


_BREAKS = re.compile(r"[\t\r\n\v\f\x85\u2028\u2029]+")
#: Unicode category Cc (C0, DEL, C1) and the Bidi_Control characters (marks, embeddings, overrides, isolates),
#: which can make a word display as another.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    r"""``text`` with line breaks and tabs turned into spaces and every other control character removed.

    >>> strip_controls("evil\u202egnp.exe\x00 and\ttab")
    'evilgnp.exe and tab'
    """
    return _CONTROLS.sub("", _BREAKS.sub(" ", str(text)))


def plain_name(name: str) -> str:
    r"""A name other people will see: :func:`strip_controls`, runs of spaces made one, trimmed.

    ``""`` if nothing readable is left (only spaces, control, format or combining characters).

    >>> plain_name("  my\u202e  run\x00 "), plain_name("\u200b\u202e\x00 ")
    ('my run', '')
    """
    cleaned = " ".join(strip_controls(name).split())
    readable = any(not unicodedata.category(ch).startswith(("C", "Z", "M")) for ch in cleaned)
    return cleaned if readable else ""


def upload_name(file_name: str, error: type[UserError] | None = None) -> str:
    """``file_name`` of an upload, or ``error`` (default :class:`UserError`) if it names no file ("", ".", "..").

    >>> upload_name("reviews.csv")
    'reviews.csv'
    >>> upload_name("..")
    Traceback (most recent call last):
    ...
    lib.errors.UserError: The uploaded file has no usable name; rename it (for example to data.csv) and upload it again.
    """
    if os.path.basename(str(file_name).replace("\\", "/")).strip() in ("", ".", ".."):
        raise (error or UserError)("The uploaded file has no usable name; rename it (for example to data.csv) "
                                   "and upload it again.")
    return file_name


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
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=temp_prefix(path.name))
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


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A fresh temporary path next to ``path`` for a library that insists on writing to a path itself.

    Renamed over ``path`` when the ``with`` block ends; removed (and the exception re-raised) if it fails.
    For code that can write to a file object, :func:`atomic_write` is simpler.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=temp_prefix(path.name))
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_folder(path: str | Path) -> Iterator[Path]:
    """A fresh temporary folder next to ``path``; filled in the ``with`` block, then renamed to ``path``.

    Every file in it is fsynced before the rename, so a reader finds the whole folder or none of it.
    If ``path`` appeared meanwhile (another writer finished first with the same content), the new copy
    is dropped and the existing one kept. On any failure the temporary folder is removed and the
    exception re-raised.
    """
    path = Path(path)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=temp_prefix(path.name)))
    try:
        yield tmp
        for item in tmp.iterdir():
            if item.is_file():
                with open(item, "rb") as fh:
                    os.fsync(fh.fileno())
        try:
            os.rename(tmp, path)
        except OSError:
            if not path.exists():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def npy_header(path: str | Path) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """``(shape, fortran_order, dtype, data_bytes)`` of a ``.npy`` file, from its header alone.

    ``data_bytes`` is how many bytes follow the header in the file: an array whose shape and dtype need
    more than that is a lie, refused before anything is allocated for it. Raises ``ValueError`` for a
    file that is not a ``.npy`` of version 1.0 or 2.0 (``OSError`` if it cannot be read).
    """
    with open(path, "rb") as fh:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
        else:
            raise ValueError("unknown .npy version")
        data_bytes = os.fstat(fh.fileno()).st_size - fh.tell()
    return tuple(int(n) for n in shape), bool(fortran), np.dtype(dtype), data_bytes


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


# --- stores: folders that are written to, and what to say when the disk fails ---------------------------

#: Temporary files (``lib.io.TEMP_PREFIX``) older than this are leftovers of a crash and are removed,
#: whoever wrote them. The longest write through this module (a run folder, a 200 MB upload, a
#: 30-minute download at most) ends well within it. A temporary file whose writer is known to be
#: gone (:func:`writer_gone`) is removed at once, however young.
STALE_TEMP_SECONDS = 3600

_ready_stores: set[Path] = set()
_ready_lock = threading.Lock()


def _started_at(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch), on Linux; ``None`` where it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/stat") as fh:
            boot = next(int(line.split()[1]) for line in fh if line.startswith("btime "))
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def writer_gone(name: str, modified: float) -> bool:
    """Whether the process that wrote the temporary file ``name`` (last changed at ``modified``) is gone.

    Only a writer on this host can be checked: its process id must not be running, or be
    running a process that started after the file was last written (the id was reused).
    Another host's writer (two servers sharing one data folder) and a name that does not say
    who wrote it count as possibly alive: their files wait for :data:`STALE_TEMP_SECONDS`.
    """
    writer = temp_writer(name)
    if writer is None or writer[0] != HOST or writer[1] == os.getpid():
        return False
    pid = writer[1]
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False  # someone else's process: alive
    started = _started_at(pid) if sys.platform.startswith("linux") else None
    return started is not None and started > modified + 2  # a newer process holds the reused id


def clear_stale_temps(folder: Path, max_age: float = STALE_TEMP_SECONDS) -> int:
    """Remove ``.tmp-*`` files and folders in ``folder`` (or one level below it) that no live process owns.

    A process killed half-way through a write (or a parse) leaves its temporary copy
    behind, and nothing else ever removes it. One whose writer on this host is gone
    (:func:`writer_gone`) is removed now; any other only once older than ``max_age`` seconds,
    since it may belong to a write in progress in another process or on another host. One
    level down covers stores that keep one folder per item (``uploads/files/<digest>/``).
    Returns how many were removed.
    """
    removed = 0
    cutoff = time.time() - max_age
    try:
        candidates = list(folder.glob(TEMP_PREFIX + "*")) + list(folder.glob("*/" + TEMP_PREFIX + "*"))
    except OSError:
        return 0
    for p in candidates:
        try:
            modified = p.lstat().st_mtime
            if modified >= cutoff and not writer_gone(p.name, modified):
                continue
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
            removed += 1
        except OSError:
            continue  # another process got there first, or it is not ours to remove
    if removed:
        log.info("removed %d stale temporary files from %s", removed, folder)
    return removed


def storage_error(exc: OSError, doing: str, error: type[UserError] | None = None) -> UserError:
    """One sentence for an ``OSError`` met while ``doing`` something with the server's disk.

    ``doing`` starts the sentence ("Storing the upload"). A full disk (or quota) is
    named as such, since only the person running the server can fix it; other
    errors give their kind but never a path (which would tell a visitor how the
    server is laid out).
    """
    error = error or UserError
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return error(f"{doing} failed because the server's disk is full; ask whoever runs it to free some space.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return error(f"{doing} failed because the server may not write to its data folder; tell whoever runs it.")
    kind = errno.errorcode.get(exc.errno or 0, type(exc).__name__)
    return error(f"{doing} failed on the server's disk ({kind}); try again.")


def ready_store(folder: Path, error: type[UserError] | None = None) -> Path:
    """``folder``, created if needed; the first time in this process, crash leftovers in it are cleared.

    Raises ``error`` (default :class:`lib.errors.UserError`, via :func:`storage_error`) if it cannot be created.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise storage_error(exc, "Preparing the data folder", error) from exc
    tidy_store(folder)
    return folder


def tidy_store(folder: Path) -> None:
    """The first time this process meets ``folder`` (an existing store), clear its crash leftovers
    (:func:`clear_stale_temps`); later calls cost a set lookup. For stores only read, not written."""
    folder = Path(folder)
    with _ready_lock:
        first = folder not in _ready_stores
        _ready_stores.add(folder)
    if first:
        clear_stale_temps(folder)


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock shared by every thread and process using ``folder`` (``folder/.lock``).

    Two servers may share one data folder: a choice that must see every other writer's result (a run's
    unique name, say) is made and written while holding this lock. It is an advisory ``flock``: it binds only
    code that asks for it, and on a system without ``fcntl`` it is this process's threads only.
    """
    with _folder_locks_guard:
        thread_lock = _folder_locks.setdefault(str(folder), threading.Lock())
    with thread_lock:  # flock is per open file: threads of one process also need this
        try:
            import fcntl
        except ImportError:  # not Unix: threads of this process only
            yield
            return
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


_folder_locks: dict[str, threading.Lock] = {}
_folder_locks_guard = threading.Lock()
