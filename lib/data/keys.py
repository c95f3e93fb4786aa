"""Dataset keys, and the one rule for who may see what was made from an upload.

Every dataset has a short, stable ``key``: caches, run configs and job specs
store the key, never the texts, and :func:`lib.data.store.dataset_by_key` turns it
back into the dataset. Three kinds exist:

* ``"imdb"`` and ``"imdb-stanford"``: the public IMDB reviews (:mod:`lib.data.imdb`).
* ``"upload-<12 hex digits>"``: a table a visitor uploaded (:func:`upload_key`), private
  to the sessions holding it.
* ``<base>-n<size>-s<seed>``: a stratified training subset of another dataset
  (:func:`subset_key`). Subsets nest, and the last suffix is the outermost::

    >>> subset_key("imdb", 2000, 0)
    'imdb-n2000-s0'
    >>> parse_subset_key("upload-3f2a9c-n500-s1")
    ('upload-3f2a9c', 500, 1)
    >>> parse_subset_key("imdb") is None
    True
    >>> base_key("imdb-n2000-s0-n100-s1")
    'imdb'

Who may see what
----------------
Anything made from an upload (a run, a word2vec model, a job) is as private as the
upload itself: :func:`visible_to` is the single rule, used by the run store, the
vector-set menu and the Train page's job links. The store's own bookkeeping (no two
runs with the same name) must see every run; it says so by passing
:data:`EVERY_DATASET` instead of a session's uploads.

This module imports nothing but :mod:`re`, so the rule is cheap to ask anywhere.
"""
from __future__ import annotations

import re
from collections.abc import Collection

#: Every uploaded dataset's key starts with this.
UPLOAD_PREFIX = "upload-"

#: ``<base>-n<size>-s<seed>``: a subset key (the base may itself be a subset key).
SUBSET_KEY = re.compile(r"(.+)-n(\d+)-s(\d+)")

#: What a key may look like to name a folder of the dataset store: no separators, no leading dot.
STORABLE_KEY = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")


def upload_key(digest: str) -> str:
    """The key of an uploaded dataset whose content (and chosen columns and split) hash to ``digest``.

    >>> upload_key("3f2a9c1b2d4e5f60718293a4")
    'upload-3f2a9c1b2d4e'
    """
    return UPLOAD_PREFIX + digest[:12]


def is_storable(key: str) -> bool:
    """Whether ``key`` can name a folder of the dataset store (so it cannot climb out of it).

    >>> is_storable("upload-3f2a9c"), is_storable("../etc"), is_storable(".hidden"), is_storable("")
    (True, False, False, False)
    """
    return bool(STORABLE_KEY.fullmatch(key or ""))


def subset_key(base: str, n: int, seed: int) -> str:
    """The key of a ``n``-example training subset of the dataset ``base`` drawn with ``seed``."""
    return f"{base}-n{int(n)}-s{int(seed)}"


def parse_subset_key(key: str) -> tuple[str, int, int] | None:
    """``(base, n, seed)`` of a key made by :func:`subset_key`, or ``None`` for any other key."""
    m = SUBSET_KEY.fullmatch(key or "")
    return (m.group(1), int(m.group(2)), int(m.group(3))) if m else None


def base_key(key: str) -> str:
    """The dataset a key names once every subset suffix is taken off (``key`` itself if it has none)."""
    parsed = parse_subset_key(key)
    while parsed:
        key = parsed[0]
        parsed = parse_subset_key(key)
    return key


def is_private(dataset_key: str) -> bool:
    """Whether a dataset key (or a subset key of it) names a visitor's upload, private to their session.

    >>> is_private("imdb"), is_private("imdb-n500-s0"), is_private("upload-3f2a9c"), is_private("upload-3f2a9c-n500-s1")
    (False, False, True, True)
    """
    return base_key(dataset_key).startswith(UPLOAD_PREFIX)


class _EveryDataset(Collection):
    """Stands for "all uploads" where a caller must see everything (see :data:`EVERY_DATASET`)."""

    def __contains__(self, key: object) -> bool:
        return True

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "EVERY_DATASET"


#: Pass as ``private_datasets`` where the code itself, not a visitor, asks: every upload counts as held.
EVERY_DATASET = _EveryDataset()


def visible_to(dataset_key: str, private_datasets: Collection[str]) -> bool:
    """Whether something made from this dataset (a run, a word2vec) may be shown to a session holding the
    uploads ``private_datasets``: public data to everyone, an upload (or a subset of it) only to its holders.

    >>> visible_to("imdb", []), visible_to("upload-3f2a9c-n500-s1", []), visible_to("upload-3f2a9c", ["upload-3f2a9c"])
    (True, False, True)
    >>> visible_to("upload-3f2a9c", EVERY_DATASET)   # the store's own checks
    True
    """
    return not is_private(dataset_key) or base_key(dataset_key) in private_datasets
