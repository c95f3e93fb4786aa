"""The network: is it there, and downloads that end with a sentence instead of hanging.

Online sources (the Stanford tarball, gensim-data) ask :func:`can_reach` before
downloading, so that offline a user gets one clear sentence at once; :func:`download_file`
bounds every wait (the answer, each piece of data, and the whole download), so neither a
stalled server nor one that trickles a byte at a time can hold a server thread for ever."""
from __future__ import annotations

import socket
import time
from pathlib import Path

from lib.errors import UserError
from lib.io import atomic_write, ready_store, storage_error

#: Seconds to wait for a download server to accept the connection, and for each piece of data after that.
CONNECT_TIMEOUT = 15.0
READ_TIMEOUT = 60.0
#: Seconds a whole download may take, however steadily data arrives (the largest, 1.6 GB, needs ~1 MB/s).
DOWNLOAD_DEADLINE = 30 * 60.0
#: Downloads are written in pieces of at most this size.
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
    deadline: float = DOWNLOAD_DEADLINE,
    max_bytes: int | None = None,
    error: type[UserError] | None = None,
) -> Path:
    """Download ``url`` to ``dest`` (through a temporary file and a rename), or raise one sentence.

    ``connect_timeout`` bounds the wait for the server to answer, ``read_timeout``
    the wait for *each* piece of the body: a server that stalls half-way ends the
    download after ``read_timeout`` seconds instead of holding a server thread for
    ever. ``deadline`` bounds the whole download: a server that sends a byte every
    few seconds never trips ``read_timeout``, so the time is checked after every
    piece, and each piece is whatever one network read returns (``read1``), never a
    wait for a full :data:`CHUNK_BYTES`; the download ends at most ``read_timeout``
    seconds after the deadline. ``max_bytes`` refuses a body larger than expected. ``what`` names
    the download in messages ("Stanford's IMDB archive"); ``error`` is the
    :class:`~lib.errors.UserError` subclass raised (default ``UserError``).
    A failed download leaves nothing at ``dest``.
    """
    import requests
    from urllib3.exceptions import ProtocolError, ReadTimeoutError  # read1 raises urllib3's own errors

    error = error or UserError
    dest = Path(dest)
    ready_store(dest.parent, error)
    host = url.split("/")[2] if "//" in url else url
    give_up = time.monotonic() + deadline

    def write(fh) -> None:
        with requests.get(url, stream=True, timeout=(connect_timeout, read_timeout)) as resp:
            if resp.status_code != 200:
                raise error(f"Downloading {what} failed: {host} answered with HTTP {resp.status_code}; try again later.")
            got = 0
            while piece := resp.raw.read1(CHUNK_BYTES, decode_content=True):
                if time.monotonic() > give_up:
                    raise error(f"Downloading {what} stopped: it was still arriving after {deadline:g} s, the limit "
                                "for one download; try again later or on a faster connection.")
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
    except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError, ReadTimeoutError,
            ProtocolError) as exc:
        if isinstance(exc, ReadTimeoutError) or "timed out" in str(exc).lower():
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
