"""One plain HTTP request from a test to a server it started (the CDN, the hub's operator port)."""

from __future__ import annotations

import http.client
import ssl
from urllib.parse import urlsplit

from tests.support.timing import scaled


def http_get(
    url: str,
    path: str,
    headers: dict[str, str] | None = None,
    method: str = "GET",
    timeout: float = 10,
    context: ssl.SSLContext | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """(status, headers, body) of one request to the server at `url`, the path sent verbatim;
    an https `url` is verified with `context`."""
    parts = urlsplit(url)
    conn = (
        http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=scaled(timeout), context=context
        )
        if parts.scheme in ("https", "wss")
        else http.client.HTTPConnection(parts.hostname, parts.port, timeout=scaled(timeout))
    )
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()
