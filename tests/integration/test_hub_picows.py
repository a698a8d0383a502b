"""The picows transport (`grouploop hub --transport picows`) over real sockets.

Every protocol test of test_hub_protocol.py runs here again against a picows hub: this
module's `hub` fixture replaces the default one for them. The tests below add what is
specific to a transport: HTTP on the same port, oversized and invalid messages, disconnects.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

import tests.integration.test_hub_protocol as protocol
from grouploop.frame import Frame, encode
from tests.fixtures.hub import HubClient, HubProcess, eventually

# Re-run the whole protocol table on this transport (collected here under the same names).
globals().update({k: v for k, v in vars(protocol).items() if k.startswith("test_")})

A1B2 = encode(Frame("a1b2", 128, 128, 191, 10, 20, 30, 40, 0))


@pytest.fixture
def hub(start_hub: Callable[..., HubProcess]) -> HubProcess:
    return start_hub("--transport", "picows", "--max-message-size", "4096")


async def test_http_endpoints_on_the_websocket_port(
    hub: HubProcess, hub_client: Callable[..., Any]
) -> None:
    status, headers, body = hub.get("/healthz")
    assert (status, body) == (200, b"ok\n")
    dev = await hub_client()
    await dev.send(A1B2)
    assert await dev.ask("ping") == "pong"
    status, headers, body = hub.get("/devices")
    assert status == 200 and headers["Content-Type"] == "application/json"
    (device,) = json.loads(body)["devices"]
    assert device["id"] == "a1b2" and device["frames"] == 1
    assert device["last_values"]["raw"] == A1B2
    status, headers, body = hub.get("/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert b"grouploop_hub_frames_received_total 1.0" in body


async def test_device_leaves_the_registry_when_it_disconnects(
    hub: HubProcess, hub_client: Callable[..., Any]
) -> None:
    dev = await hub_client()
    await dev.send(A1B2)
    assert await dev.ask("ping") == "pong"
    await dev.close()
    app = await hub_client()
    await eventually(lambda: json.loads(hub.get("/devices")[2])["devices"] == [])
    assert await app.ask("cmd:a1b2:status") == "cmd:result:failed"


async def test_oversized_message_closes_only_its_sender(hub_client: Callable[..., Any]) -> None:
    app = await hub_client()
    assert await app.ask("s") == "stream:on"
    dev = await hub_client()
    rude = await hub_client()
    await rude.send("x" * 100_000)
    await rude._reader  # the hub closed the connection
    assert rude.ws.close_code == 1009
    await dev.send(A1B2)
    await app.wait_for(lambda line: line == A1B2)
    assert await app.ask("ping") == "pong"


async def test_invalid_utf8_is_refused_with_1007(hub_client: Callable[..., Any]) -> None:
    client: HubClient = await hub_client()
    other: HubClient = await hub_client()
    await client.ws.send(b"\xff\xfe ping", text=True)  # bytes sent as a text frame, unchecked
    await client._reader  # the hub closed the connection
    assert client.ws.close_code == 1007
    assert await other.ask("ping") == "pong"
