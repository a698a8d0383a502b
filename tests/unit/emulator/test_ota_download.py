"""OTA download of a virtual device, against a real local HTTP server (aiohttp): streamed,
bounded by the slot size, failed after a stall, always with a reason."""

import asyncio
import hashlib
import socket

import pytest
from aiohttp import web

from emulator.ota_download import Download, download_image
from grouploop.signing import SIGNATURE_HEADER

IMAGE = b"\xe9" + bytes(range(256)) * 64
MAC = bytes.fromhex("0211223344a1")
LIMIT = 1 << 20


@pytest.fixture
async def server():
    seen = {}

    async def image(request: web.Request) -> web.Response:
        seen.update(request.headers)
        md5 = request.match_info["md5"]
        headers = {"x-MD5": hashlib.md5(IMAGE).hexdigest() if md5 == "good" else "0" * 32}
        if md5 == "none":
            headers = {}
        headers[SIGNATURE_HEADER] = "c2lnbmF0dXJl"
        return web.Response(body=IMAGE, headers=headers)

    async def empty(request: web.Request) -> web.Response:
        return web.Response(body=b"")

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()  # chunked, no length: only the limit stops it
        await response.prepare(request)
        for _ in range(1000):
            await response.write(bytes(64 * 1024))
        return response

    async def stalled(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": str(len(IMAGE))})
        await response.prepare(request)
        await response.write(IMAGE[:100])
        await asyncio.sleep(30)  # cancelled when the client gives up
        return response

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("/fw/good.bin")

    app = web.Application()
    app.router.add_get("/fw/{md5}.bin", image)
    app.router.add_get("/empty.bin", empty)
    app.router.add_get("/endless.bin", endless)
    app.router.add_get("/stalled.bin", stalled)
    app.router.add_get("/moved.bin", moved)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}", seen
    await runner.cleanup()


async def fetch(url: str, limit: int = LIMIT, idle: float = 5.0) -> tuple[Download, bytes]:
    chunks: list[bytes] = []
    result = await download_image(url, MAC, chunks.append, limit, idle_timeout=idle)
    return result, b"".join(chunks)


async def test_image_streams_with_its_signature_and_the_request_looks_like_httpupdate(server):
    base, seen = server
    result, body = await fetch(f"{base}/fw/good.bin")
    assert result == Download(len(IMAGE), "c2lnbmF0dXJl", "")
    assert body == IMAGE
    assert seen["User-Agent"] == "ESP32-http-Update"
    assert seen["x-ESP32-STA-MAC"] == "02:11:22:33:44:A1"


async def test_image_without_md5_header_is_accepted(server):
    result, body = await fetch(f"{server[0]}/fw/none.bin")
    assert result.error == "" and body == IMAGE


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/fw/bad.bin", "md5_mismatch"),
        ("/missing.bin", "http_404"),
        ("/empty.bin", "empty_image"),
        ("/moved.bin", "http_302"),  # redirects are not followed: the origin check stands
    ],
)
async def test_bad_images_are_refused_with_a_reason(server, path, reason):
    result, _ = await fetch(f"{server[0]}{path}")
    assert result.error == reason


async def test_a_declared_size_over_the_slot_is_refused_before_reading(server):
    result, body = await fetch(f"{server[0]}/fw/good.bin", limit=len(IMAGE) - 1)
    assert result.error == f"image_too_large: {len(IMAGE)} bytes for a {len(IMAGE) - 1}-byte slot"
    assert body == b""


async def test_an_endless_body_is_cut_at_the_slot_size(server):
    result, body = await fetch(f"{server[0]}/endless.bin", limit=200_000)
    assert result.error == "image_too_large: over 200000 bytes, stopped"
    assert len(body) <= 200_000


async def test_a_stalled_download_fails_after_the_idle_timeout(server):
    loop = asyncio.get_running_loop()
    started = loop.time()
    result, body = await fetch(f"{server[0]}/stalled.bin", idle=0.3)
    assert result.error == "download_stalled: no data for 0.3 s at 100 bytes"
    assert body == IMAGE[:100]
    assert loop.time() - started < 5


async def test_unreachable_server_is_a_failed_download():
    with socket.socket() as closed:  # bound, never listening: connecting is refused
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/x.bin"
        result, _ = await fetch(url)
    assert result.error.startswith("download_failed: ClientConnectorError")
