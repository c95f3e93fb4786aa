"""The one kind of error whose message is written for the person using the dashboard.

Every domain error in ``lib`` (a bad upload, an unusable vector file, a setting that
cannot work, a damaged run folder) subclasses :class:`UserError`. Its message is one
plain sentence saying what went wrong and what to do, safe to show as it is:

    >>> from lib.data.dataset import DatasetError
    >>> issubclass(DatasetError, UserError)
    True

Pages show a ``UserError`` as that sentence. Anything else is a bug: pages show a
short apology for the section it happened in, and the details go to the server log
(see :func:`ui.errors.friendly_errors`), so no raw library message or server path
reaches a browser.

``UserError`` also subclasses ``ValueError``: code that predates it and catches
``ValueError`` around a domain call keeps working.
"""
from __future__ import annotations


class UserError(ValueError):
    """Something the user can fix; ``str(error)`` is the sentence to show them."""


class TrainingError(UserError):
    """A run could not be set up or trained; the message says why and what to do."""
