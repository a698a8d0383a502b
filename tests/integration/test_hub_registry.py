"""Device registry of a real hub: removal on disconnect, on silence, and dead peers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from tests.fixtures.hub import HubProcess, eventually
from tests.support.timing import scaled

FRAME = "a1b2" + "80" * 7 + "00"


def device_ids(hub: HubProcess) -> list[str]:
    status, _, body = hub.get("/devices")
    assert status == 200
    return [d["id"] for d in json.loads(body)["devices"]]


async def test_device_removed_on_disconnect(
    hub: HubProcess, hub_client: Callable[..., Any]
) -> None:
    dev = await hub_client()
    await dev.send(FRAME)
    assert await dev.ask("ping") == "pong"
    assert device_ids(hub) == ["a1b2"]
    await dev.close()
    await hub.wait_log("[DEVICE_DISCONNECT] a1b2: disconnected")
    assert device_ids(hub) == []
    app = await hub_client()
    assert await app.ask("cmd:a1b2:status") == "cmd:result:failed"


async def test_silent_device_dropped_but_connection_kept(
    start_hub: Callable[..., HubProcess], ws_client: Callable[..., Any]
) -> None:
    # Long enough that a loaded machine still lists the device between its frame and the GET.
    hub = start_hub("--silence-timeout", str(scaled(1.0)))
    dev = await ws_client(hub.url)
    await dev.send(FRAME)
    assert await dev.ask("ping") == "pong"
    assert device_ids(hub) == ["a1b2"]
    await hub.wait_log("[DEVICE_DISCONNECT] a1b2: silent for", scaled(5))
    assert device_ids(hub) == []
    # The connection is still open; its next frame registers the device again.
    await dev.send(FRAME)
    assert await dev.ask("ping") == "pong"
    assert device_ids(hub) == ["a1b2"]


async def test_dead_peer_is_closed_by_keepalive(start_hub: Callable[..., HubProcess]) -> None:
    """A peer that completes the handshake, then never reads nor answers pings, is closed."""
    hub = start_hub("--ping-interval", "0.2", "--ping-timeout", "0.2")
    parts = urlsplit(hub.url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(
        b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), scaled(5))
        assert head.startswith(b"HTTP/1.1 101")
        await hub.wait_log("[CONNECT] 127.0.0.1:")
        # Read (to see the close) but never answer: the hub's pings go unanswered.
        async with asyncio.timeout(scaled(5)):
            while await reader.read(4096):
                pass
        await hub.wait_log("[DISCONNECT] 127.0.0.1:")
    finally:
        writer.close()


async def test_devices_listing_has_operator_fields(
    hub: HubProcess, hub_client: Callable[..., Any]
) -> None:
    dev = await hub_client()
    assert await dev.ask("id:a1b2") == "id:ok"
    await dev.send("a1b2" + "ff" + "00" + "80" + "00" * 4 + "ff")
    await eventually(lambda: _device(hub)["frames"] == 1)
    listed = _device(hub)
    assert listed["label"] == "a1b2"
    assert listed["remote"].startswith("127.0.0.1:")
    assert listed["connected_since"].endswith("Z") and listed["last_frame_at"].endswith("Z")
    values = listed["last_values"]
    assert (values["ax_g"], values["ay_g"], values["tap"]) == (2.0, -2.0, True)
    assert values["rssi_dbm"]["nw"] == -100.0


def _device(hub: HubProcess) -> dict[str, Any]:
    [device] = json.loads(hub.get("/devices")[2])["devices"]
    return device  # type: ignore[no-any-return]
