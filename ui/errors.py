"""One way to tell a user that something went wrong: a sentence on the page, details in the log."""
from __future__ import annotations

import logging
from contextlib import contextmanager

import streamlit as st
from streamlit.runtime.scriptrunner import RerunException, StopException

log = logging.getLogger("embedding_lab")


class UserFacingError(Exception):
    """Base for errors whose message is written for the user (what went wrong, what to do)."""


def show_error(message: str, exc: BaseException | None = None) -> None:
    """Show one clear sentence; log the traceback (if any) to the server log, never the page."""
    if exc is not None:
        log.error("%s", message, exc_info=(type(exc), exc, exc.__traceback__))
    st.error(message)


@contextmanager
def friendly_errors(doing: str):
    """Run a block; on failure show a sentence instead of a traceback and let the page go on.

    Errors from lib that are meant for users (``ValueError`` subclasses such as
    ``DatasetError``/``VectorError``, and ``UserFacingError``) are shown as they are;
    anything else is logged and summarised.
    """
    try:
        yield
    except (StopException, RerunException):  # st.stop() / st.rerun() are control flow, not errors
        raise
    except (ValueError, UserFacingError, OSError) as exc:
        show_error(f"{doing} did not work: {exc}", exc)
    except Exception as exc:  # noqa: BLE001 - the last line of defence between a bug and the user
        show_error(
            f"{doing} failed unexpectedly ({type(exc).__name__}). The details are in the server log; "
            "the rest of the page still works.",
            exc,
        )
