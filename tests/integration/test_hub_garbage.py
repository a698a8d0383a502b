"""A client sending garbage must not disturb a device streaming to a subscriber.

While one device streams numbered frames at 50 Hz to a subscriber, a garbage client sends
binary messages, random text, a 2 MB message and a flood. The subscriber must get every frame,
in order; another client and the garbage client itself must still be answered `pong`.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from grouploop.frame import Frame, decode, encode
from tests.fixtures.hub import HubClient, HubProcess
from tests.support.timing import scaled

FRAMES = 150
HZ = 50


@pytest.fixture(params=["websockets", "picows"])
def hub(request: pytest.FixtureRequest, start_hub: Callable[..., HubProcess]) -> HubProcess:
    """Both transports (the one core) must behave the same here."""
    return start_hub("--transport", request.param)


def numbered(i: int) -> str:
    return encode(Frame("a1b2", i >> 8, i & 0xFF, 128, 0, 0, 0, 0, 0))


async def stream(dev: HubClient) -> None:
    for i in range(FRAMES):
        await dev.send(numbered(i))
        await asyncio.sleep(1 / HZ)


def random_text(rng: random.Random) -> str:
    alphabet = 'abcdef0123456789:,\n s cmd:id:ans:ping{}"\\\t\x00\x7f é€😀'
    return "".join(rng.choices(alphabet, k=rng.randint(0, 300)))


async def misbehave(hub: HubProcess, connect: Callable[..., Any]) -> HubClient:
    rng = random.Random(1234)
    garbage: HubClient = await connect(hub.url)
    for _ in range(50):
        await garbage.send(rng.randbytes(rng.randint(1, 2000)))
    for _ in range(300):
        await garbage.send(random_text(rng))
    # 2 MB in one message: the hub closes this connection with 1009 (message too big).
    try:
        await garbage.send("x" * 2_000_000)
        await asyncio.wait_for(garbage.ws.wait_closed(), scaled(5))
    except ConnectionClosed:
        pass
    assert garbage.ws.close_code == 1009
    garbage = await connect(hub.url)
    for i in range(5000):  # a flood: far above the rate limit
        await garbage.send("ping" if i % 2 else "cmd:all:status")
    return garbage


async def test_garbage_does_not_disturb_the_stream(
    hub: HubProcess, ws_client: Callable[..., Any]
) -> None:
    app = await ws_client(hub.url)
    assert await app.ask("s") == "stream:on"
    dev = await ws_client(hub.url)
    bystander = await ws_client(hub.url)
    streaming = asyncio.create_task(stream(dev))
    garbage = await misbehave(hub, ws_client)
    assert await bystander.ask("ping", scaled(5)) == "pong"
    await streaming
    await app.wait_for(lambda line: line == numbered(FRAMES - 1), timeout=scaled(5))
    received = [decode(line) for line in app.frames()]
    assert [(f.ax << 8) | f.ay for f in received] == list(range(FRAMES))
    # The flood was rate limited (and said so), and the hub still talks to the garbage client.
    await garbage.wait_for(lambda line: line == "error:rate_limited")
    assert await garbage.ask("ping", scaled(5)) in ("pong", "error:rate_limited")
    await garbage.wait_for(lambda line: line == "pong", len(garbage.lines) - 1, scaled(5))
    assert "error:binary_not_supported" not in app.lines  # errors go to the sender only
    log = hub.log_text()
    assert "[ERROR] message too large" in log
    assert "Traceback" not in log
