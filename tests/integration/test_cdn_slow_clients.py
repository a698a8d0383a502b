"""The CDN under a slow-client flood: 1,000 connections from 127.0.0.1 trickling header lines.

Before (waitress, 100 connections at most) a download behind such a flood timed out for
minutes; `make chaos` prints the latency figures, these tests pin the outcome.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.slow_clients import SlowClientFlood, timed_download
from cdn import manifest
from cdn.cli import HEADER_TIMEOUT_S
from grouploop import signing
from tests.fixtures.cdn import CdnServer
from tests.support.timing import scaled

SLOW_CLIENTS = 1000
IMAGE = bytes(range(256)) * 1024  # 256 KiB


def publish_image(cdn: CdnServer, tmp_path: Path) -> str:
    source = tmp_path / "image.bin"
    source.write_bytes(IMAGE)
    manifest.publish(
        source,
        cdn.firmware_dir,
        board="seeed_xiao_esp32c3",
        version="1.0.0",
        stand_in=True,
        name="fw.bin",
        key=signing.load_key(signing.default_key_path()),  # the session's (tests.fixtures)
    )
    return "fw.bin"


async def start_flood(cdn: CdnServer) -> SlowClientFlood:
    parts = urlsplit(cdn.url)
    assert parts.hostname and parts.port
    flood = SlowClientFlood(parts.hostname, parts.port, SLOW_CLIENTS, interval=1.0)
    await flood.start(connect_timeout=scaled(30))
    assert flood.connected == SLOW_CLIENTS, f"{flood.failed} refused"
    return flood


async def test_download_completes_while_a_thousand_slow_clients_hold_connections(
    cdn: CdnServer, tmp_path: Path
) -> None:
    image = publish_image(cdn, tmp_path)
    flood = await start_flood(cdn)
    try:
        # Generous bound (the figure is printed by `make chaos`); waitress never finished.
        seconds = await asyncio.to_thread(timed_download, cdn.url, image, None, scaled(5))
        assert flood.closed_by_server < SLOW_CLIENTS  # the flood was still on
    finally:
        await flood.stop()
    assert seconds < scaled(5)


async def test_a_connection_that_never_finishes_its_request_is_closed(cdn: CdnServer) -> None:
    flood = await start_flood(cdn)
    started = time.monotonic()
    try:
        deadline = started + HEADER_TIMEOUT_S + scaled(10)
        while flood.closed_by_server < SLOW_CLIENTS and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
    finally:
        await flood.stop()
    assert flood.closed_by_server == SLOW_CLIENTS
    assert time.monotonic() - started >= HEADER_TIMEOUT_S - 1.0  # they had their time
