"""A stalled subscriber neither delays the others nor grows the hub's memory without bound."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from tests.fixtures.hub import HubProcess, eventually
from tests.integration.test_hub_http import samples
from tests.support.timing import scaled

FRAMES_PER_MESSAGE = 2000  # 42 kB: under the 64 kB message limit
MAX_MESSAGES = 300


def masked_text_frame(text: str) -> bytes:
    """One client-to-server WebSocket text frame (clients must mask), payload < 126 bytes."""
    payload = text.encode()
    mask = os.urandom(4)
    return (
        bytes([0x81, 0x80 | len(payload)])
        + mask
        + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    )


async def stalled_subscriber(url: str) -> socket.socket:
    """Subscribe with a tiny receive buffer, then never read again."""
    parts = urlsplit(url)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, (parts.hostname, parts.port))
    await loop.sock_sendall(
        sock,
        b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        + masked_text_frame("s"),
    )
    return sock


async def test_stalled_subscriber_overflows_alone(
    start_hub: Callable[..., HubProcess], ws_client: Callable[..., Any]
) -> None:
    hub = start_hub("--rate-limit", "0", "--subscriber-buffer", "5000")
    stalled = await stalled_subscriber(hub.url)
    try:
        app = await ws_client(hub.url)
        assert await app.ask("s") == "stream:on"
        await _wait_subscribers(hub, 2)
        dev = await ws_client(hub.url)
        sent = 0
        for n in range(MAX_MESSAGES):
            base = n * FRAMES_PER_MESSAGE
            await dev.send("\n".join(_frame(base + i) for i in range(FRAMES_PER_MESSAGE)))
            sent += FRAMES_PER_MESSAGE
            if n % 10 == 9:
                assert await dev.ask("ping", scaled(5)) == "pong"  # also paces the sender
                if samples(hub)["grouploop_hub_stream_lines_dropped_overflow_total"] > 0:
                    break
        last = _frame(sent - 1)
        await app.wait_for(lambda line: line == last, len(app.lines) // 2, scaled(20))
        after = samples(hub)
        dropped = after["grouploop_hub_stream_lines_dropped_overflow_total"]
        assert dropped > 0, "the stalled subscriber never overflowed: send more"
        assert len(app.frames()) == sent  # the reading subscriber lost nothing
        # Everything sent to the stalled one was delivered to its socket or dropped, except
        # at most one buffer of lines: its backlog is bounded.
        delivered = after["grouploop_hub_stream_lines_delivered_total"]
        assert 2 * sent - delivered - dropped <= 5000 + FRAMES_PER_MESSAGE
        assert await app.ask("ping") == "pong"
    finally:
        stalled.close()


def _frame(i: int) -> str:
    return f"a1b2{i:06x}" + "00" * 5  # one device; the sequence number in ax, ay, az


async def _wait_subscribers(hub: HubProcess, count: int) -> None:
    def subscribed() -> bool:
        return samples(hub)["grouploop_hub_subscribers"] == count

    await eventually(subscribed, what=f"{count} subscribers")
