"""OTA download of a virtual device, against a real local HTTP server (aiohttp)."""

import hashlib
import socket

import pytest
from aiohttp import web

from emulator.device import download_image

IMAGE = b"\xe9" + bytes(range(256)) * 8
MAC = bytes.fromhex("0211223344a1")


@pytest.fixture
async def server():
    seen = {}

    async def image(request: web.Request) -> web.Response:
        seen.update(request.headers)
        md5 = request.match_info["md5"]
        headers = {"x-MD5": hashlib.md5(IMAGE).hexdigest() if md5 == "good" else "0" * 32}
        if md5 == "none":
            headers = {}
        return web.Response(body=IMAGE, headers=headers)

    async def empty(request: web.Request) -> web.Response:
        return web.Response(body=b"")

    app = web.Application()
    app.router.add_get("/fw/{md5}.bin", image)
    app.router.add_get("/empty.bin", empty)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}", seen
    await runner.cleanup()


async def test_image_with_matching_md5_is_accepted_and_request_looks_like_httpupdate(server):
    base, seen = server
    assert await download_image(f"{base}/fw/good.bin", MAC) == (IMAGE, "")
    assert seen["User-Agent"] == "ESP32-http-Update"
    assert seen["x-ESP32-STA-MAC"] == "02:11:22:33:44:A1"


async def test_image_without_md5_header_is_accepted(server):
    assert await download_image(f"{server[0]}/fw/none.bin", MAC) == (IMAGE, "")


@pytest.mark.parametrize(
    ("path", "reason"),
    [("/fw/bad.bin", "md5_mismatch"), ("/missing.bin", "http_404"), ("/empty.bin", "empty_image")],
)
async def test_bad_images_are_refused_with_a_reason(server, path, reason):
    assert await download_image(f"{server[0]}{path}", MAC) == (None, reason)


async def test_unreachable_server_is_a_failed_download():
    with socket.socket() as closed:  # bound, never listening: connecting is refused
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/x.bin"
        image, reason = await download_image(url, MAC)
    assert image is None and reason.startswith("download_failed")
