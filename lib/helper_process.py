"""Work the pages need that must not run in the web server: Keras, and long pure-Python passes over the reviews.

Streamlit runs every visitor's script in threads of one Python process, so whatever holds the interpreter
lock there holds up every visitor. Two kinds of page work did:

* **Keras.** The Explain page and the tour run real Keras layers on a few sentences (a lookup through
  ``keras.layers.Embedding``, a few training steps, the IMDB model's layer list). Each takes milliseconds,
  but once ``keras`` is in ``sys.modules`` Streamlit calls ``keras.backend.clear_session()`` after *every*
  script and fragment run, and that runs a full ``gc.collect()`` over TensorFlow's ~400,000 objects
  (0.5-0.6 s each here). With a progress fragment redrawn every second in a few browsers, the server spent
  its time collecting garbage: pages stopped loading and race clocks froze.
* **First passes over the 25,000 training reviews** (the per-word sentiment table, the contexts two words
  share): tens of seconds of tokenizing in pure Python, during which no other visitor's page moved.

So :func:`call` sends a function and its (small) arguments to one long-lived helper process and returns
the result; the pages cache results per server (``st.cache_data`` / ``st.cache_resource``), so each
distinct input is computed once. The helper is separate from the training worker (:mod:`lib.jobs.worker`)
so that a page never waits behind a minute of training::

    >>> from lib import explain
    >>> call(explain.imdb_model_layers)["parameters"].tolist()  # doctest: +SKIP
    [160000, 53200, 101]

Like the worker, the helper is started from the one long-lived launcher thread and dies with the server
(:func:`lib.jobs.worker.die_with_parent`). Arguments and results travel as pickles between two processes
of this server: they are this module's own values, never anything a visitor sent as a file.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from lib.errors import UserError
from lib.jobs.worker import die_with_parent, in_launcher, spawn_without_main

T = TypeVar("T")

#: Seconds a call may take before the page gets a sentence instead (the first call includes TensorFlow's import).
TIMEOUT_SECONDS = 300.0

_executor: ProcessPoolExecutor | None = None
_lock = threading.Lock()


def _start_helper(parent_pid: int) -> None:
    """The helper's start: die with the server, import TensorFlow now rather than during the first Keras call."""
    die_with_parent(parent_pid)
    from lib.models import configure_tensorflow

    configure_tensorflow(threads=1)  # a few sentences need one thread; the cores are for training and pages


def _warm() -> None:
    """Nothing: submitted once so the helper process starts (and imports TensorFlow) from the launcher thread."""


def _helper() -> ProcessPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                           initializer=_start_helper, initargs=(os.getpid(),))
            # The process starts at the first submit: do that from the launcher thread (see lib.jobs.worker).
            in_launcher(lambda: spawn_without_main(lambda: executor.submit(_warm)))
            _executor = executor
        return _executor


def start() -> None:
    """Start the helper now (it takes a few seconds to import TensorFlow), so the first page does not wait."""
    _helper()


def call(function: Callable[..., T], *args, **kwargs) -> T:
    """``function(*args, **kwargs)`` computed in the Keras helper process; its result comes back here.

    ``function`` must be importable by name (a module-level function of ``lib``). If the
    helper died (killed, out of memory), one fresh helper is started and the call tried again.
    """
    global _executor
    for attempt in (1, 2):
        executor = _helper()
        try:
            return executor.submit(function, *args, **kwargs).result(timeout=TIMEOUT_SECONDS)
        except BrokenProcessPool:
            with _lock:
                if _executor is executor:
                    _executor = None
            if attempt == 2:
                raise UserError("The helper process that computes this for the page stopped unexpectedly; reload the page.")
        except TimeoutError:
            raise UserError(f"The helper process did not answer within {TIMEOUT_SECONDS:.0f} s; the machine may be very busy. "
                            "Reload the page in a moment.") from None
    raise AssertionError("unreachable")
