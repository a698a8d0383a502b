"""OTA download as the ESP32 shell does it: stream the image, hand every chunk on, bounded.

`download_image(url, mac, on_chunk, limit)` fetches the image as Arduino's HTTPClient does
(its User-Agent and MAC header, no redirects followed) and passes each chunk to `on_chunk`
(the firmware core's `ota_data`, and for an emulated board the bytes bound for the slot). It
stops, always with a reason:

- at `limit` bytes (the OTA slot's size): `image_too_large`, nothing more is read;
- after `IDLE_TIMEOUT_S` without data: `download_stalled`;
- on an HTTP status other than 200, a short body, an empty one or an `x-MD5` mismatch;
- on a TLS handshake the device's CA does not vouch for (`download_failed: TLS: …`).

The signature comes with the image in the `X-GroupLoop-Signature` header (base64 of the DER
signature, docs/cdn.md); the core decides on it once the download is complete.
"""

from __future__ import annotations

import hashlib
import ssl
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

from grouploop import tls
from grouploop.signing import SIGNATURE_HEADER

IDLE_TIMEOUT_S = 5.0  # a stalled download fails after this much silence
TOTAL_TIMEOUT_S = 120.0
CONNECT_TIMEOUT_S = 5.0
CHUNK = 16 * 1024


@dataclass(frozen=True)
class Download:
    size: int
    signature: str  # "" when the server sent none
    error: str  # "" when the image arrived whole


def _failed(size: int, error: str) -> Download:
    return Download(size, "", error)


async def download_image(
    url: str,
    mac: bytes,
    on_chunk: Callable[[bytes], None],
    limit: int,
    idle_timeout: float = IDLE_TIMEOUT_S,
    context: ssl.SSLContext | None = None,
) -> Download:
    """An https server is verified with `context` (grouploop.tls.device_context)."""
    headers = {
        "User-Agent": "ESP32-http-Update",
        "x-ESP32-STA-MAC": ":".join(f"{b:02X}" for b in mac),
    }
    timeout = aiohttp.ClientTimeout(
        total=TOTAL_TIMEOUT_S, sock_connect=CONNECT_TIMEOUT_S, sock_read=idle_timeout
    )
    size = 0
    md5 = hashlib.md5()
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(
                url, headers=headers, allow_redirects=False, ssl=context or True
            ) as response,
        ):
            if response.status != 200:
                return _failed(0, f"http_{response.status}")
            length = response.content_length
            if length is not None and length > limit:
                return _failed(0, f"image_too_large: {length} bytes for a {limit}-byte slot")
            signature = response.headers.get(SIGNATURE_HEADER, "").strip()
            expected_md5 = response.headers.get("x-MD5", "").strip().lower()
            async for chunk in response.content.iter_chunked(CHUNK):
                size += len(chunk)
                if size > limit:
                    return _failed(size, f"image_too_large: over {limit} bytes, stopped")
                md5.update(chunk)
                on_chunk(chunk)
    except TimeoutError:
        return _failed(size, f"download_stalled: no data for {idle_timeout:g} s at {size} bytes")
    except aiohttp.ClientConnectorCertificateError as exc:
        return _failed(size, f"download_failed: {tls.describe(exc.certificate_error)}")
    except (aiohttp.ClientError, ValueError) as exc:
        return _failed(size, f"download_failed: {type(exc).__name__}: {exc}".rstrip(": "))
    if size == 0:
        return _failed(0, "empty_image")
    if length is not None and size != length:
        return _failed(size, f"truncated: {size} of {length} bytes")
    if expected_md5 and md5.hexdigest() != expected_md5:
        return _failed(size, "md5_mismatch")
    return Download(size, signature, "")
