"""One way to tell a user that something went wrong: a sentence on the page, details in the log."""
from __future__ import annotations

import logging
from contextlib import contextmanager

import streamlit as st
from streamlit.runtime.scriptrunner import RerunException, StopException

from lib.errors import UserError
from ui.text import md

log = logging.getLogger("embedding_lab")


def show_error(message: str, exc: BaseException | None = None) -> None:
    """Show one clear sentence (as text, never Markdown); log the traceback, if any, to the server log."""
    if exc is not None:
        log.error("%s", message, exc_info=(type(exc), exc, exc.__traceback__))
    st.error(md(message), icon=":material/error:")


@contextmanager
def friendly_errors(doing: str):
    """Run one section of a page; on failure show a sentence instead of a traceback and let the page go on.

    A :class:`lib.errors.UserError` is shown as its own sentence (it was written for
    the user). Anything else is a bug: the user sees that this section failed, the
    server log gets the traceback, and the rest of the page still draws.
    """
    try:
        yield
    except (StopException, RerunException):  # st.stop() / st.rerun() are control flow, not errors
        raise
    except UserError as exc:
        show_error(f"{doing} did not work: {exc}", exc)
    except MemoryError as exc:
        show_error(f"{doing} ran out of memory. Try a smaller file or fewer words.", exc)
    except Exception as exc:  # noqa: BLE001 - the last line of defence between a bug and the user
        show_error(f"Something went wrong in this section ({doing.lower()}). The details are in the server log; "
                   "the rest of the page still works.", exc)
