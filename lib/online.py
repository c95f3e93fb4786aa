"""Is the network there? Online sources (the Stanford tarball, gensim-data) ask before downloading,
so that offline a user gets one clear sentence at once instead of a long hang."""
from __future__ import annotations

import socket


def can_reach(host: str, port: int = 443, timeout: float = 3.0) -> bool:
    """True if a TCP connection to ``host:port`` opens within ``timeout`` seconds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
