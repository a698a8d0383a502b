"""One plain HTTP request from a test to a server it started (the CDN, the hub's operator port)."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

from tests.support.timing import scaled


def http_get(
    url: str,
    path: str,
    headers: dict[str, str] | None = None,
    method: str = "GET",
    timeout: float = 10,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """(status, headers, body) of one request to the server at `url`, the path sent verbatim."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=scaled(timeout))
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()
