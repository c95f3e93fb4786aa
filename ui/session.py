"""Who is asking: the browser session a page runs for (jobs and uploads belong to one)."""
from __future__ import annotations

from streamlit.runtime.scriptrunner import get_script_run_ctx


def session_id() -> str:
    """This browser session's id ("" outside a Streamlit run, e.g. in a plain script).

    >>> session_id()
    ''
    """
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""
