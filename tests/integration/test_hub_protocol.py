"""Every row of the protocol table (docs/protocol.md) against a real hub over real sockets.

Run against both transports: the protocol lives in the core, so both must pass the same.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from grouploop.frame import Frame, encode
from tests.fixtures.hub import HubClient, HubProcess

A1B2 = encode(Frame("a1b2", 128, 128, 191, 10, 20, 30, 40, 0))
C3D4 = encode(Frame("c3d4", 1, 2, 3, 4, 5, 6, 7, 255))


@pytest.fixture(params=["websockets", "picows"])
def hub(request: pytest.FixtureRequest, start_hub: Callable[..., HubProcess]) -> HubProcess:
    return start_hub("--transport", request.param)


async def device(hub_client: Callable[..., Any], frame: str) -> HubClient:
    """A client that registered as a device by sending one frame (and is known to the hub)."""
    client: HubClient = await hub_client()
    await client.send(frame)
    assert await client.ask("ping") == "pong"  # the frame was handled before the ping
    return client


async def test_client_is_greeted_and_ping_gets_pong(hub_client: Callable[..., Any]) -> None:
    client = await hub_client()  # checks the greeting
    assert await client.ask("ping") == "pong"


async def test_id_label_is_accepted_and_malformed_labels_refused(
    hub_client: Callable[..., Any],
) -> None:
    client = await hub_client()
    assert await client.ask("id:socket-client") == "id:ok"
    assert await client.ask("id:") == "id:error"
    assert await client.ask("id:bad:label") == "id:error"


async def test_stream_forwards_frames_as_lines(hub_client: Callable[..., Any]) -> None:
    app = await hub_client()
    assert await app.ask("s") == "stream:on"
    dev = await hub_client()
    await dev.send(A1B2)
    await app.wait_for(lambda line: line == A1B2)
    assert all(message.endswith("\n") for message in app.messages if A1B2 in message)


async def test_many_frames_share_one_message(hub_client: Callable[..., Any]) -> None:
    app = await hub_client()
    await app.ask("s")
    dev = await hub_client()
    frames = [encode(Frame("a1b2", i, 0, 0, 0, 0, 0, 0, 0)) for i in range(100)]
    await dev.send("\n".join(frames))  # one multi-line message: one burst of frames
    await app.wait_for(lambda line: line == frames[-1])
    assert app.frames() == frames
    assert max(message.count("\n") for message in app.messages) > 1


async def test_frame_registers_device_for_commands(hub_client: Callable[..., Any]) -> None:
    dev = await device(hub_client, A1B2)
    app = await hub_client()
    assert await app.ask("cmd:a1b2:led:ff0000") == "cmd:result:success"
    assert await dev.next_line() == "led:ff0000"


async def test_id_with_device_id_registers_device(hub_client: Callable[..., Any]) -> None:
    dev = await hub_client()
    assert await dev.ask("id:beef") == "id:ok"
    app = await hub_client()
    assert await app.ask("cmd:beef:status") == "cmd:result:success"
    await dev.wait_for(lambda line: line == "status")


async def test_each_command_form_reaches_exactly_its_devices(
    hub_client: Callable[..., Any],
) -> None:
    a1b2 = await device(hub_client, A1B2)
    c3d4 = await device(hub_client, C3D4)
    app = await hub_client()
    cases = [
        ("cmd:a1b2:led_set:3:ff0000", "cmd:result:success", ["led_set:3:ff0000"], []),
        ("cmd:c3d4:status:", "cmd:result:success", [], ["status"]),
        (
            "cmd:a1b2:ota:http://127.0.0.1:5008/firmware/g.bin",
            "cmd:result:success",
            ["ota:http://127.0.0.1:5008/firmware/g.bin"],
            [],
        ),
        (
            "cmd:all:pattern:heartbeat",
            "cmd:result:sent_to_2_devices",
            ["pattern:heartbeat"],
            ["pattern:heartbeat"],
        ),
        (
            "cmd:a1b2,c3d4,ffff:vibrate:100",
            "cmd:result:sent_to_2_devices",
            ["vibrate:100"],
            ["vibrate:100"],
        ),
        ("cmd:ffff:status", "cmd:result:failed", [], []),
    ]
    for message, answer, to_a1b2, to_c3d4 in cases:
        seen_a, seen_c = len(a1b2.lines), len(c3d4.lines)
        assert await app.ask(message) == answer, message
        # Commands reach devices before the answer is sent; a ping fences each device.
        assert await a1b2.ask("ping") == "pong"
        assert await c3d4.ask("ping") == "pong"
        assert a1b2.lines[seen_a:-1] == to_a1b2, message
        assert c3d4.lines[seen_c:-1] == to_c3d4, message


async def test_malformed_commands_get_their_error_code(hub_client: Callable[..., Any]) -> None:
    await device(hub_client, A1B2)
    app = await hub_client()
    for message, answer in [
        ("cmd:a1b2", "cmd:error:invalid_format"),
        ("cmd:nothex:status", "cmd:error:invalid_format"),
        ("cmd:a1b2:dance", "cmd:error:unknown_command"),
        ("cmd:a1b2:led", "cmd:error:missing_parameters"),
        ("cmd:a1b2:led_set:3", "cmd:error:missing_parameters"),
    ]:
        assert await app.ask(message) == answer, message


async def test_device_answers_reach_subscribers(hub_client: Callable[..., Any]) -> None:
    app = await hub_client()
    await app.ask("s")
    dev = await device(hub_client, A1B2)
    answer = {"cmd": "status", "ok": True, "data": {"version": "1.0.0"}}
    await dev.send("ans:" + json.dumps(answer))
    _, line = await app.wait_for(lambda line: line.startswith("ans:"))
    assert line == "ans:a1b2:" + json.dumps(answer)


async def test_multi_line_message_is_handled_line_by_line(hub_client: Callable[..., Any]) -> None:
    await device(hub_client, A1B2)
    app = await hub_client()
    await app.send("ping\nid:multi\ncmd:a1b2:reset\ns")
    for expected in ["pong", "id:ok", "cmd:result:success", "stream:on"]:
        assert await app.next_line() == expected


async def test_binary_and_unknown_messages_get_errors(hub_client: Callable[..., Any]) -> None:
    client = await hub_client()
    assert await client.ask(b"\x00\x01") == "error:binary_not_supported"
    assert await client.ask("hello?") == "error:unknown_message"
    assert await client.ask("ping") == "pong"  # still served
