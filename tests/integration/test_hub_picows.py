"""What is particular to the picows transport (`grouploop hub --transport picows`), on sockets.

The protocol table, HTTP endpoints and garbage tests already run against both transports
(test_hub_protocol.py, test_hub_http.py, test_hub_garbage.py). Here: the code paths the
picows transport implements itself — fragmented messages, invalid UTF-8, the registry on
disconnect — each checked alongside a client that must stay undisturbed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from grouploop.frame import Frame, encode
from tests.fixtures.hub import HubClient, HubProcess, eventually

A1B2 = encode(Frame("a1b2", 128, 128, 191, 10, 20, 30, 40, 0))


@pytest.fixture
def hub(start_hub: Callable[..., HubProcess]) -> HubProcess:
    return start_hub("--transport", "picows", "--max-message-size", "4096")


async def test_fragmented_message_is_reassembled(hub_client: Callable[..., Any]) -> None:
    app = await hub_client()
    assert await app.ask("s") == "stream:on"
    dev: HubClient = await hub_client()
    await dev.ws.send(iter(["a1b2", A1B2[4:12], A1B2[12:]]))  # one message in three frames
    await app.wait_for(lambda line: line == A1B2)
    await dev.ws.send(iter(["pi", "ng"]))
    assert await dev.next_line() == "pong"


async def test_fragmented_message_over_the_limit_closes_only_its_sender(
    hub_client: Callable[..., Any],
) -> None:
    app = await hub_client()
    rude: HubClient = await hub_client()
    await rude.ws.send(iter(["x" * 3000, "x" * 3000]))  # each fragment fits, the whole does not
    await rude._reader  # the hub closed the connection
    assert rude.ws.close_code == 1009
    assert await app.ask("ping") == "pong"


async def test_invalid_utf8_is_refused_with_1007(hub_client: Callable[..., Any]) -> None:
    client: HubClient = await hub_client()
    other: HubClient = await hub_client()
    await client.ws.send(b"\xff\xfe ping", text=True)  # bytes sent as a text frame, unchecked
    await client._reader  # the hub closed the connection
    assert client.ws.close_code == 1007
    assert await other.ask("ping") == "pong"


async def test_device_leaves_the_registry_when_it_disconnects(
    hub: HubProcess, hub_client: Callable[..., Any]
) -> None:
    dev = await hub_client()
    await dev.send(A1B2)
    assert await dev.ask("ping") == "pong"
    assert [d["id"] for d in json.loads(hub.get("/devices")[2])["devices"]] == ["a1b2"]
    await dev.close()
    app = await hub_client()
    await eventually(lambda: json.loads(hub.get("/devices")[2])["devices"] == [])
    assert await app.ask("cmd:a1b2:status") == "cmd:result:failed"
