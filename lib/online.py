"""The network: is it there, and downloads that end with a sentence instead of hanging.

Online sources (the Stanford tarball, gensim-data) ask :func:`can_reach` before
downloading, so that offline a user gets one clear sentence at once; :func:`download_file`
bounds every wait, so a stalled server cannot hold a server thread for ever."""
from __future__ import annotations

import socket
from pathlib import Path

from lib.errors import UserError
from lib.io import atomic_write, ready_store, storage_error

#: Seconds to wait for a download server to accept the connection, and for each piece of data after that.
CONNECT_TIMEOUT = 15.0
READ_TIMEOUT = 60.0
#: Downloads are written in pieces of this size.
CHUNK_BYTES = 1 << 20


def can_reach(host: str, port: int = 443, timeout: float = 3.0) -> bool:
    """True if a TCP connection to ``host:port`` opens within ``timeout`` seconds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def download_file(
    url: str,
    dest: Path,
    what: str,
    *,
    connect_timeout: float = CONNECT_TIMEOUT,
    read_timeout: float = READ_TIMEOUT,
    max_bytes: int | None = None,
    error: type[UserError] | None = None,
) -> Path:
    """Download ``url`` to ``dest`` (through a temporary file and a rename), or raise one sentence.

    ``connect_timeout`` bounds the wait for the server to answer, ``read_timeout``
    the wait for *each* piece of the body: a server that stalls half-way ends the
    download after ``read_timeout`` seconds instead of holding a server thread for
    ever. ``max_bytes`` refuses a body larger than expected. ``what`` names the
    download in messages ("Stanford's IMDB archive"); ``error`` is the
    :class:`~lib.errors.UserError` subclass raised (default ``UserError``).
    A failed download leaves nothing at ``dest``.
    """
    import requests

    error = error or UserError
    dest = Path(dest)
    ready_store(dest.parent, error)
    host = url.split("/")[2] if "//" in url else url

    def write(fh) -> None:
        with requests.get(url, stream=True, timeout=(connect_timeout, read_timeout)) as resp:
            if resp.status_code != 200:
                raise error(f"Downloading {what} failed: {host} answered with HTTP {resp.status_code}; try again later.")
            got = 0
            for piece in resp.iter_content(CHUNK_BYTES):
                got += len(piece)
                if max_bytes is not None and got > max_bytes:
                    raise error(f"Downloading {what} stopped: it is larger than the expected {max_bytes / 1e6:,.0f} MB.")
                fh.write(piece)

    try:
        return atomic_write(dest, write)
    except requests.exceptions.ConnectTimeout:
        raise error(
            f"Downloading {what} failed: {host} did not answer within {connect_timeout:g} s; try again later."
        ) from None
    except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError) as exc:
        if "timed out" in str(exc).lower():
            raise error(
                f"Downloading {what} failed: {host} stopped sending data for more than {read_timeout:g} s; "
                "try again later."
            ) from None
        raise error(f"Downloading {what} failed: {host} could not be reached or closed the connection; "
                    "check the internet connection.") from None
    except requests.exceptions.RequestException as exc:
        raise error(f"Downloading {what} failed ({type(exc).__name__}); try again later.") from None
    except OSError as exc:
        raise storage_error(exc, f"Saving {what}", error) from exc
